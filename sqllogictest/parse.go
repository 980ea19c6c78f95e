package sqllogictest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrSyntax marks a file that is not valid sqllogictest text.
var ErrSyntax = errors.New("sqllogictest: syntax error")

// parseState is where the parser is inside a record.
type parseState int

const (
	// stateIdle: between records. Blank lines and comments are skipped,
	// conditions collected, and a header line starts the next record.
	stateIdle parseState = iota
	// stateSQL: after a statement or query header, collecting SQL lines until
	// a blank line (end of record) or "----" (results follow).
	stateSQL
	// stateResults: after "----", collecting expected lines until a blank line.
	stateResults
)

// parser turns lines into records. It is an explicit state machine: each
// line is handled by the function for the current state, which may finish a
// record and move to another state.
type parser struct {
	file    string
	state   parseState
	conds   []Condition // conditions waiting for the next record
	cur     Record      // the record being built in stateSQL/stateResults
	sql     []string
	records []Record
}

// Parse reads the records of one file. name is used in records and errors;
// include records are left in place (ParseFile expands them).
func Parse(name string, r io.Reader) ([]Record, error) {
	p := &parser{file: name}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
	n := 0
	for sc.Scan() {
		n++
		if err := p.line(n, strings.TrimRight(sc.Text(), "\r")); err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("sqllogictest: read %s: %w", name, err)
	}
	p.finish()
	if len(p.conds) > 0 {
		return nil, p.errorf(n, "skipif/onlyif at the end of the file applies to no record")
	}
	return p.records, nil
}

func (p *parser) errorf(line int, format string, args ...any) error {
	return fmt.Errorf("%w: %s:%d: %s", ErrSyntax, p.file, line, fmt.Sprintf(format, args...))
}

func (p *parser) line(n int, text string) error {
	switch p.state {
	case stateIdle:
		return p.idle(n, text)
	case stateSQL:
		return p.inSQL(n, text)
	case stateResults:
		return p.inResults(n, text)
	}
	return nil
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

func isComment(s string) bool { return strings.HasPrefix(strings.TrimLeft(s, " \t"), "#") }

func (p *parser) idle(n int, text string) error {
	if isBlank(text) || isComment(text) {
		return nil
	}
	f := strings.Fields(text)
	rec := Record{File: p.file, Line: n, Count: -1}
	switch f[0] {
	case "skipif", "onlyif":
		if len(f) < 2 {
			return p.errorf(n, "%s needs an engine name", f[0])
		}
		p.conds = append(p.conds, Condition{Skip: f[0] == "skipif", Engine: f[1]})
		return nil
	case "statement":
		rec.Kind = KindStatement
		if len(f) < 2 {
			return p.errorf(n, "statement needs ok, error or count")
		}
		switch f[1] {
		case "ok":
		case "error":
			rec.ExpectError = true
			rec.ErrorPattern = restAfter(text, 2)
		case "count":
			if len(f) != 3 {
				return p.errorf(n, "statement count needs one number")
			}
			c, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil {
				return p.errorf(n, "statement count: %v", err)
			}
			rec.Count = c
		default:
			return p.errorf(n, "unknown statement expectation %q", f[1])
		}
		return p.begin(rec)
	case "query":
		rec.Kind = KindQuery
		if len(f) >= 2 && f[1] == "error" {
			rec.ExpectError = true
			rec.ErrorPattern = restAfter(text, 2)
			return p.begin(rec)
		}
		if len(f) >= 2 {
			rec.Types = f[1]
		}
		for _, w := range f[min(2, len(f)):] {
			if m, ok := parseSortMode(w); ok && rec.Sort == SortDefault && rec.Label == "" {
				rec.Sort = m
			} else if rec.Label == "" {
				rec.Label = w
			}
		}
		return p.begin(rec)
	case "hash-threshold":
		if len(f) != 2 {
			return p.errorf(n, "hash-threshold needs one number")
		}
		t, err := strconv.Atoi(f[1])
		if err != nil || t < 0 {
			return p.errorf(n, "hash-threshold: bad number %q", f[1])
		}
		rec.Kind, rec.Threshold = KindHashThreshold, t
		p.emit(rec)
		return nil
	case "halt":
		rec.Kind = KindHalt
		p.emit(rec)
		return nil
	case "control":
		if len(f) < 2 {
			return p.errorf(n, "control needs arguments")
		}
		rec.Kind, rec.Args = KindControl, f[1:]
		if f[1] == "sortmode" {
			if len(f) != 3 {
				return p.errorf(n, "control sortmode needs one mode")
			}
			if _, ok := parseSortMode(f[2]); !ok {
				return p.errorf(n, "unknown sort mode %q", f[2])
			}
		}
		p.emit(rec)
		return nil
	case "include":
		if len(f) != 2 {
			return p.errorf(n, "include needs one file pattern")
		}
		rec.Kind, rec.Args = KindInclude, f[1:]
		p.emit(rec)
		return nil
	}
	return p.errorf(n, "unknown record type %q", f[0])
}

// restAfter returns text after its first k words, trimmed.
func restAfter(text string, k int) string {
	s := strings.TrimSpace(text)
	for i := 0; i < k; i++ {
		j := strings.IndexAny(s, " \t")
		if j < 0 {
			return ""
		}
		s = strings.TrimLeft(s[j:], " \t")
	}
	return strings.TrimSpace(s)
}

func (p *parser) begin(rec Record) error {
	rec.Conditions, p.conds = p.conds, nil
	p.cur, p.sql = rec, nil
	p.state = stateSQL
	return nil
}

func (p *parser) emit(rec Record) {
	rec.Conditions, p.conds = p.conds, nil
	p.records = append(p.records, rec)
}

func (p *parser) inSQL(n int, text string) error {
	switch {
	case isBlank(text):
		p.finish()
	case strings.TrimSpace(text) == "----":
		if p.cur.Kind == KindStatement && !p.cur.ExpectError {
			return p.errorf(n, "---- after a statement that expects no result")
		}
		p.cur.SepLine = n
		p.state = stateResults
	case isComment(text):
		// Comments between the header and the end of the SQL are dropped.
	default:
		p.sql = append(p.sql, text)
		p.cur.SQLEnd = n
	}
	return nil
}

func (p *parser) inResults(n int, text string) error {
	if isBlank(text) {
		p.finish()
		return nil
	}
	p.cur.Expected = append(p.cur.Expected, text)
	return nil
}

// finish completes the record being built, if any, and returns to stateIdle.
func (p *parser) finish() {
	if p.state == stateIdle {
		return
	}
	rec := p.cur
	rec.SQL = strings.Join(p.sql, "\n")
	if rec.ExpectError && rec.SepLine > 0 {
		rec.ErrorText = strings.Join(rec.Expected, "\n")
		rec.Expected = nil
	}
	p.records = append(p.records, rec)
	p.cur, p.sql = Record{}, nil
	p.state = stateIdle
}

// maxIncludeDepth bounds include recursion (a file including itself).
const maxIncludeDepth = 16

// ParseFile reads the file at path and expands its include records (their
// patterns are globs relative to the including file's directory).
func ParseFile(path string) ([]Record, error) {
	return parseFile(path, 0)
}

func parseFile(path string, depth int) ([]Record, error) {
	if depth > maxIncludeDepth {
		return nil, fmt.Errorf("%w: %s: includes nested more than %d deep", ErrSyntax, path, maxIncludeDepth)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("sqllogictest: %w", err)
	}
	defer f.Close()
	recs, err := Parse(path, f)
	if err != nil {
		return nil, err
	}
	var out []Record
	for _, r := range recs {
		if r.Kind != KindInclude {
			out = append(out, r)
			continue
		}
		pattern := r.Args[0]
		if !filepath.IsAbs(pattern) {
			pattern = filepath.Join(filepath.Dir(path), pattern)
		}
		matches, err := filepath.Glob(pattern)
		if err != nil || len(matches) == 0 {
			return nil, fmt.Errorf("%w: %s:%d: include %q matches no file", ErrSyntax, path, r.Line, r.Args[0])
		}
		sort.Strings(matches)
		for _, m := range matches {
			sub, err := parseFile(m, depth+1)
			if err != nil {
				return nil, err
			}
			for i := range sub {
				sub[i].Conditions = append(append([]Condition(nil), r.Conditions...), sub[i].Conditions...)
			}
			out = append(out, sub...)
		}
	}
	return out, nil
}
