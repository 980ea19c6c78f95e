package sql

import (
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/akidb/akidb/pgerr"
)

// parsedStmt is one statement of a query string.
type parsedStmt struct {
	text  string         // the statement's own text
	node  *pg_query.Node // nil for an AkiDB statement
	akidb *akidbStmt
}

// parseCache keeps the parse of recently seen query strings: clients send
// the same text again and again through the simple protocol. Parse trees
// are never modified after parsing, so entries are shared by sessions.
type parseCache struct {
	mu sync.Mutex
	m  map[string][]parsedStmt
}

const parseCacheSize = 4096

func (c *parseCache) get(q string) ([]parsedStmt, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[q]
	return s, ok
}

func (c *parseCache) put(q string, s []parsedStmt) {
	if len(q) > 64<<10 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= parseCacheSize {
		c.m = make(map[string][]parsedStmt)
	}
	c.m[q] = s
}

// parse splits and parses a query string. AkiDB's own statements are
// recognised by their leading keywords; everything else goes to
// PostgreSQL's grammar.
func (e *Engine) parse(q string) ([]parsedStmt, error) {
	if s, ok := e.parses.get(q); ok {
		return s, nil
	}
	var out []parsedStmt
	var err error
	if mayHoldAkiDBStmt(q) {
		out, err = parseMixed(q)
	} else {
		out, err = parsePG(q, 0)
	}
	if err != nil {
		return nil, err
	}
	e.parses.put(q, out)
	return out, nil
}

func parsePG(q string, offset int) ([]parsedStmt, error) {
	res, err := pg_query.Parse(q)
	if err != nil {
		return nil, syntaxError(q, offset, err)
	}
	out := make([]parsedStmt, 0, len(res.Stmts))
	for _, raw := range res.Stmts {
		start := int(raw.StmtLocation)
		end := len(q)
		if raw.StmtLen > 0 {
			end = start + int(raw.StmtLen)
		}
		out = append(out, parsedStmt{text: strings.TrimSpace(q[start:end]), node: raw.Stmt})
	}
	return out, nil
}

// parseMixed splits with PostgreSQL's scanner and parses each piece by
// itself, so AkiDB statements can sit between SQL ones.
func parseMixed(q string) ([]parsedStmt, error) {
	pieces, err := pg_query.SplitWithScanner(q, false)
	if err != nil {
		return nil, syntaxError(q, 0, err)
	}
	var out []parsedStmt
	offset := 0
	for _, p := range pieces {
		at := strings.Index(q[offset:], p)
		if at >= 0 {
			at += offset
			offset = at + len(p)
		} else {
			at = 0
		}
		if st, ok, err := parseAkiDB(p); ok || err != nil {
			if err != nil {
				return nil, err
			}
			out = append(out, parsedStmt{text: strings.TrimSpace(p), akidb: st})
			continue
		}
		stmts, err := parsePG(p, at)
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	return out, nil
}

// syntaxError converts a parser error to 42601 with the position, counted
// in characters from the start of the whole query string.
func syntaxError(q string, offset int, err error) error {
	var pe *pgparser.Error
	if errors.As(err, &pe) {
		e := pgerr.New(pgerr.SyntaxError, "%s", pe.Message)
		if strings.HasPrefix(pe.Message, "unterminated") || strings.Contains(pe.Message, "unsafe use of") {
			e.Code = pgerr.SyntaxError
		}
		if pe.Cursorpos > 0 {
			// Cursorpos is a byte offset within the piece; PostgreSQL
			// reports characters.
			bytePos := offset + pe.Cursorpos - 1
			if bytePos > len(q) {
				bytePos = len(q)
			}
			e.Position = int32(utf8.RuneCountInString(q[:bytePos]) + 1)
		}
		return e
	}
	return pgerr.Wrap(err, pgerr.SyntaxError, "")
}
