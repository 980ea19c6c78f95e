package types

import (
	"strings"
	"unicode/utf8"

	"github.com/akidb/akidb/pgerr"
)

const nameDataLen = 64 // NAMEDATALEN; names hold at most 63 bytes

// checkUTF8 rejects text PostgreSQL would not accept in a UTF8 database.
func checkUTF8(s string) error {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return nil
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && n <= 1 {
			end := i + 1
			for end < len(s) && end < i+4 && s[end]&0xC0 == 0x80 {
				end++
			}
			if s[i] == 0 {
				end = i + 1
			}
			var hex []byte
			for j := i; j < end; j++ {
				if j > i {
					hex = append(hex, ' ')
				}
				hex = append(hex, '0', 'x', hexDigits[s[j]>>4], hexDigits[s[j]&15])
			}
			return pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", hex)
		}
		i += n
	}
	return nil
}

// charPrefix returns the first n characters of s (all of s if shorter).
func charPrefix(s string, n int) (prefix string, truncated bool) {
	i := 0
	for c := 0; c < n; c++ {
		if i >= len(s) {
			return s, false
		}
		_, sz := utf8.DecodeRuneInString(s[i:])
		i += sz
	}
	return s[:i], i < len(s)
}

// applyCharTypmod enforces varchar(n)/char(n) on s. With explicit set the
// value is silently truncated (a cast); otherwise excess characters must be
// spaces (PostgreSQL's input and assignment rule). char(n) is padded.
func applyCharTypmod(s string, t T, explicit bool) (string, error) {
	n := t.CharLength()
	if n < 0 {
		return s, nil
	}
	if len(s) > n { // fast check: bytes >= chars
		p, trunc := charPrefix(s, n)
		if trunc {
			if !explicit && strings.TrimLeft(s[len(p):], " ") != "" {
				return "", pgerr.New(pgerr.StringDataRightTruncation, "value too long for type %s", t.String())
			}
			s = p
		}
	}
	if t.OID == BPCharOID {
		if c := utf8.RuneCountInString(s); c < n {
			s += strings.Repeat(" ", n-c)
		}
	}
	return s, nil
}

// truncateName cuts s to at most 63 bytes at a character boundary.
func truncateName(s string) string {
	if len(s) < nameDataLen {
		return s
	}
	i := nameDataLen - 1
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// BPCharTrim removes the trailing spaces of a char(n) value (they are not
// significant in comparisons or casts to text).
func BPCharTrim(s string) string {
	return strings.TrimRight(s, " ")
}

const hexDigits = "0123456789abcdef"

// parseBytea parses bytea input: \x hex or the escape format.
func parseBytea(s string) ([]byte, error) {
	if len(s) >= 2 && s[0] == '\\' && s[1] == 'x' {
		out := make([]byte, 0, (len(s)-2)/2)
		i := 2
		for i < len(s) {
			c := s[i]
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return nil, badHexDigit(s[i:])
			}
			i++
			if i >= len(s) {
				return nil, pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(s[i])
			if !ok {
				return nil, badHexDigit(s[i:])
			}
			i++
			out = append(out, hi<<4|lo)
		}
		return out, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		if i+1 < len(s) && s[i+1] == '\\' {
			out = append(out, '\\')
			i += 2
			continue
		}
		if i+3 < len(s)+0 && isOct(s[i+1], '3') && isOct(s[i+2], '7') && isOct(s[i+3], '7') {
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 4
			continue
		}
		return nil, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
	}
	return out, nil
}

func isOct(c byte, max byte) bool { return c >= '0' && c <= max }

func badHexDigit(rest string) error {
	_, n := utf8.DecodeRuneInString(rest)
	return pgerr.New(pgerr.InvalidParameterValue, "invalid hexadecimal digit: \"%s\"", rest[:n])
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// appendByteaHex appends bytea's hex output form.
func appendByteaHex(buf []byte, b string) []byte {
	buf = append(buf, '\\', 'x')
	for i := 0; i < len(b); i++ {
		buf = append(buf, hexDigits[b[i]>>4], hexDigits[b[i]&15])
	}
	return buf
}

// parseChar parses "char" input: the first byte, or a \ooo octal escape.
func parseChar(s string) string {
	if len(s) == 4 && s[0] == '\\' && isOct(s[1], '3') && isOct(s[2], '7') && isOct(s[3], '7') {
		return string([]byte{(s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0')})
	}
	if s == "" {
		return ""
	}
	return s[:1]
}

func appendChar(buf []byte, s string) []byte {
	if s == "" {
		return buf
	}
	c := s[0]
	if c < 0x80 {
		return append(buf, c)
	}
	return append(buf, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
}
