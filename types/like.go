package types

import (
	"strings"
	"unicode/utf8"

	"github.com/akidb/akidb/pgerr"
)

// LIKE, a port of PostgreSQL's MatchText: % matches any run of characters,
// _ exactly one character, and the escape character makes the next pattern
// character literal.

const (
	likeFalse = iota
	likeTrue
	likeAbort
)

var errLikeEscapeEnd = pgerr.New(pgerr.InvalidEscapeSequence, "LIKE pattern must not end with escape character")

// Like reports whether s matches the LIKE pattern. escape is the escape
// character ('\\' by default; 0 for none). With caseInsensitive (ILIKE) both
// sides are lower-cased first.
func Like(s, pattern string, escape rune, caseInsensitive bool) (bool, error) {
	if escape != '\\' {
		pattern = likeEscape(pattern, escape)
	}
	if caseInsensitive {
		s = strings.ToLower(s)
		pattern = strings.ToLower(pattern)
	}
	r, err := matchText(s, pattern, false)
	return r == likeTrue, err
}

func likeBytes(s, pattern string, escape byte) (bool, error) {
	r, err := matchText(s, pattern, true)
	return r == likeTrue, err
}

// likeEscape rewrites a pattern with a custom escape character (or none)
// into one that uses backslash, as PostgreSQL's like_escape does.
func likeEscape(p string, esc rune) string {
	var b strings.Builder
	if esc == 0 {
		for _, r := range p {
			if r == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	afterEsc := false
	for _, r := range p {
		switch {
		case afterEsc:
			if r == '\\' {
				b.WriteString(`\\`)
			} else {
				b.WriteByte('\\')
				b.WriteRune(r)
			}
			afterEsc = false
		case r == esc:
			afterEsc = true
		case r == '\\':
			b.WriteString(`\\`)
		default:
			b.WriteRune(r)
		}
	}
	if afterEsc {
		b.WriteByte('\\')
	}
	return b.String()
}

// nextChar is the length of the character at the start of t.
func nextChar(t string, bytewise bool) int {
	if bytewise || t[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(t)
	return n
}

func matchText(t, p string, bytewise bool) (int, error) {
	if p == "%" {
		return likeTrue, nil
	}
	for len(t) > 0 && len(p) > 0 {
		switch p[0] {
		case '\\':
			p = p[1:]
			if len(p) == 0 {
				return likeFalse, errLikeEscapeEnd
			}
			if p[0] != t[0] {
				return likeFalse, nil
			}
		case '%':
			p = p[1:]
			for len(p) > 0 {
				if p[0] == '%' {
					p = p[1:]
				} else if p[0] == '_' {
					if len(t) == 0 {
						return likeAbort, nil
					}
					t = t[nextChar(t, bytewise):]
					p = p[1:]
				} else {
					break
				}
			}
			if len(p) == 0 {
				return likeTrue, nil
			}
			var first byte
			if p[0] == '\\' {
				if len(p) < 2 {
					return likeFalse, errLikeEscapeEnd
				}
				first = p[1]
			} else {
				first = p[0]
			}
			for len(t) > 0 {
				if t[0] == first {
					m, err := matchText(t, p, bytewise)
					if err != nil || m != likeFalse {
						return m, err
					}
				}
				t = t[nextChar(t, bytewise):]
			}
			return likeAbort, nil
		case '_':
			t = t[nextChar(t, bytewise):]
			p = p[1:]
			continue
		default:
			if p[0] != t[0] {
				return likeFalse, nil
			}
		}
		t = t[1:]
		p = p[1:]
	}
	if len(t) > 0 {
		return likeFalse, nil
	}
	for len(p) > 0 && p[0] == '%' {
		p = p[1:]
	}
	if len(p) == 0 {
		return likeTrue, nil
	}
	return likeAbort, nil
}
