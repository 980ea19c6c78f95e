package sql

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// COPY: `COPY t [(cols)] FROM STDIN`, `COPY t [(cols)] TO STDOUT` and
// `COPY (query) TO STDOUT` in the text, CSV and binary formats, with
// PostgreSQL's options, errors and error context
// (https://www.postgresql.org/docs/15/sql-copy.html).
//
// A COPY runs inside Portal.Execute like any other statement, so it takes
// part in transaction blocks, failed blocks and implicit transactions as
// INSERT and SELECT do. The wire side is the CopyIO the server gives the
// portal (SetCopyIO) before Execute: the portal asks it to enter copy-in or
// copy-out mode and then reads or writes CopyData payloads through it.
//
// COPY FROM parses rows as the data arrives (only an incomplete row is kept
// between CopyData messages) and inserts each through the same executor
// Insert node as INSERT, in one transaction: the open block, or one of its
// own that commits at CopyDone. Any error loads nothing of that COPY.

// CopyIO is the wire side of a COPY, implemented by the server.
type CopyIO interface {
	// BeginCopyIn sends CopyInResponse: format 0 (text, CSV) or 1
	// (binary), the same for each of ncols columns.
	BeginCopyIn(format int16, ncols int) error
	// ReadCopyData returns the next CopyData payload, valid until the next
	// call. It returns io.EOF at CopyDone and an error for CopyFail, an
	// unexpected message or a broken connection.
	ReadCopyData() ([]byte, error)
	// BeginCopyOut sends CopyOutResponse.
	BeginCopyOut(format int16, ncols int) error
	// WriteCopyData sends one CopyData message with a copy of p.
	WriteCopyData(p []byte) error
	// EndCopyOut sends CopyDone.
	EndCopyOut() error
}

// SetCopyIO gives the portal the wire side it needs if its statement is a
// COPY from STDIN or to STDOUT. Other statements ignore it.
func (p *Portal) SetCopyIO(cio CopyIO) { p.copyIO = cio }

const (
	copyText = iota
	copyCSV
	copyBinary
)

// copyOptions are a COPY's parsed WITH options.
type copyOptions struct {
	format      int
	header      bool
	headerMatch bool
	delim       byte
	null        string
	quote       byte
	escape      byte
	// Per target column (COPY's column list order).
	forceQuote   []bool
	forceNotNull []bool
	forceNull    []bool
}

// copyStmt is a planned COPY.
type copyStmt struct {
	from  bool
	td    *storage.TableDesc // nil for COPY (query) TO
	name  string             // the relation name for error context
	attrs []int              // target columns of td, in COPY order
	names []string           // column names (header line)
	ctyps []types.T          // column types, in COPY order
	opts  copyOptions

	// COPY FROM
	defaults []executor.Expr // per table column not in attrs
	where    executor.Expr
	// COPY TO
	query executor.Node
}

func errCopyFile() *pgerr.Error {
	return pgerr.New(pgerr.FeatureNotSupported, "COPY to or from a file is not supported").
		WithHint("Anyone can COPY to stdout or from stdin. psql's \\copy command also works for anyone.")
}

// copyPlan plans a COPY statement.
func (b *binder) copyPlan(cs *pg_query.CopyStmt) (*plan, error) {
	if cs.Filename != "" || cs.IsProgram {
		return nil, errCopyFile()
	}
	c := &copyStmt{from: cs.IsFrom}
	if cs.Query != nil {
		sel := cs.Query.GetSelectStmt()
		if sel == nil {
			if cs.Query.GetInsertStmt() != nil || cs.Query.GetUpdateStmt() != nil || cs.Query.GetDeleteStmt() != nil {
				return nil, pgerr.New(pgerr.FeatureNotSupported, "COPY of an INSERT, UPDATE or DELETE is not supported")
			}
			return nil, pgerr.New(pgerr.FeatureNotSupported, "COPY of this statement is not supported")
		}
		q, err := b.selectStmt(sel, nil)
		if err != nil {
			return nil, err
		}
		c.query = q.node
		for _, col := range q.cols {
			c.names = append(c.names, col.Name)
			c.ctyps = append(c.ctyps, col.Type)
		}
		if err := c.parseOptions(cs.Options, nil); err != nil {
			return nil, err
		}
		return c.plan(), nil
	}
	td, err := b.table(cs.Relation)
	if err != nil {
		// PostgreSQL gives no position here.
		if e, ok := err.(*pgerr.Error); ok {
			err = e.WithPosition(0)
		}
		return nil, err
	}
	c.td, c.name = td, td.Name
	if len(cs.Attlist) == 0 {
		for i := range td.Columns {
			c.attrs = append(c.attrs, i)
		}
	} else {
		seen := map[int]bool{}
		for _, n := range cs.Attlist {
			name := n.GetString_().GetSval()
			i := columnIndex(td, name)
			if i < 0 {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column %q of relation %q does not exist", name, td.Name)
			}
			if seen[i] {
				return nil, pgerr.New(pgerr.DuplicateColumn, "column %q specified more than once", name)
			}
			seen[i] = true
			c.attrs = append(c.attrs, i)
		}
	}
	for _, i := range c.attrs {
		c.names = append(c.names, td.Columns[i].Name)
		c.ctyps = append(c.ctyps, td.Columns[i].Type)
	}
	if err := c.parseOptions(cs.Options, td); err != nil {
		return nil, err
	}
	if !c.from {
		// COPY t TO is SELECT cols FROM t.
		var sb strings.Builder
		sb.WriteString("SELECT ")
		for k, name := range c.names {
			if k > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(quoteCopyIdent(name))
		}
		sb.WriteString(" FROM ")
		sb.WriteString(quoteCopyIdent(td.Name))
		res, err := pg_query.Parse(sb.String())
		if err != nil {
			return nil, pgerr.Wrap(err, pgerr.InternalError, "COPY %s", td.Name)
		}
		q, err := b.selectStmt(res.Stmts[0].Stmt.GetSelectStmt(), nil)
		if err != nil {
			return nil, err
		}
		c.query = q.node
		return c.plan(), nil
	}
	listed := make([]bool, len(td.Columns))
	for _, i := range c.attrs {
		listed[i] = true
	}
	c.defaults = make([]executor.Expr, len(td.Columns))
	for i := range td.Columns {
		if listed[i] || td.Columns[i].Default == "" {
			continue
		}
		if c.defaults[i], err = b.defaultExpr(td, i); err != nil {
			return nil, err
		}
	}
	if cs.WhereClause != nil {
		sc := tableScope(td, relName(cs.Relation))
		sc.what = "COPY FROM WHERE"
		w, err := b.expr(cs.WhereClause, sc)
		if err != nil {
			return nil, err
		}
		if c.where, err = b.condition(w, "WHERE", 0); err != nil {
			return nil, err
		}
	}
	return c.plan(), nil
}

func quoteCopyIdent(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

func (c *copyStmt) plan() *plan {
	return &plan{utility: func(ctx context.Context, p *Portal) (string, []types.Row, error) {
		if p.copyIO == nil {
			return "", nil, pgerr.New(pgerr.FeatureNotSupported, "COPY is not supported in this context")
		}
		var n int64
		var err error
		if c.from {
			n, err = c.runFrom(ctx, p)
		} else {
			n, err = c.runTo(ctx, p)
		}
		if err != nil {
			return "", nil, err
		}
		return "COPY " + strconv.FormatInt(n, 10), nil, nil
	}}
}

// parseOptions reads the WITH options as PostgreSQL's ProcessCopyOptions
// does, with its error messages. td is nil for COPY (query) TO.
func (c *copyStmt) parseOptions(list []*pg_query.Node, td *storage.TableDesc) error {
	o := &c.opts
	seen := map[string]bool{}
	var delim, null, quote, escape *string
	var forceQuote, forceNotNull, forceNull *pg_query.DefElem
	conflict := func(d *pg_query.DefElem) error {
		return pgerr.New(pgerr.SyntaxError, "conflicting or redundant options").WithPosition(d.Location + 1)
	}
	strArg := func(d *pg_query.DefElem) (string, error) {
		switch {
		case d.Arg == nil:
			return "", pgerr.New(pgerr.SyntaxError, "%s requires a parameter", d.Defname)
		case d.Arg.GetString_() != nil:
			return d.Arg.GetString_().Sval, nil
		case d.Arg.GetInteger() != nil:
			return strconv.Itoa(int(d.Arg.GetInteger().Ival)), nil
		case d.Arg.GetBoolean() != nil:
			if d.Arg.GetBoolean().Boolval {
				return "true", nil
			}
			return "false", nil
		case d.Arg.GetFloat() != nil:
			return d.Arg.GetFloat().Fval, nil
		}
		return "", pgerr.New(pgerr.SyntaxError, "%s requires a string value", d.Defname)
	}
	for _, n := range list {
		d := n.GetDefElem()
		if d == nil {
			continue
		}
		name := d.Defname
		if seen[name] {
			return conflict(d)
		}
		seen[name] = true
		switch name {
		case "format":
			s, err := strArg(d)
			if err != nil {
				return err
			}
			switch s {
			case "text":
				o.format = copyText
			case "csv":
				o.format = copyCSV
			case "binary":
				o.format = copyBinary
			default:
				return pgerr.New(pgerr.InvalidParameterValue, "COPY format \"%s\" not recognized", s).WithPosition(d.Location + 1)
			}
		case "freeze":
			if _, err := copyBool(d); err != nil {
				return err
			}
		case "delimiter", "null", "quote", "escape", "encoding":
			s, err := strArg(d)
			if err != nil {
				return err
			}
			switch name {
			case "delimiter":
				delim = &s
			case "null":
				null = &s
			case "quote":
				quote = &s
			case "escape":
				escape = &s
			case "encoding":
				switch strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s)) {
				case "utf8", "unicode", "sqlascii":
				default:
					return pgerr.New(pgerr.FeatureNotSupported, "COPY encoding %q is not supported: only UTF8 is", s).WithPosition(d.Location + 1)
				}
			}
		case "header":
			if a := d.Arg; a != nil && a.GetString_() != nil && strings.EqualFold(a.GetString_().Sval, "match") {
				if !c.from {
					return pgerr.New(pgerr.FeatureNotSupported, "cannot use \"match\" with HEADER in COPY TO")
				}
				o.header, o.headerMatch = true, true
				continue
			}
			v, err := copyBool(d)
			if err != nil {
				return pgerr.New(pgerr.SyntaxError, "header requires a Boolean value or \"match\"")
			}
			o.header = v
		case "force_quote":
			forceQuote = d
		case "force_not_null":
			forceNotNull = d
		case "force_null":
			forceNull = d
		default:
			return pgerr.New(pgerr.SyntaxError, "option \"%s\" not recognized", name).WithPosition(d.Location + 1)
		}
	}
	csv, bin := o.format == copyCSV, o.format == copyBinary
	if bin && delim != nil {
		return pgerr.New(pgerr.SyntaxError, "cannot specify DELIMITER in BINARY mode")
	}
	if bin && null != nil {
		return pgerr.New(pgerr.SyntaxError, "cannot specify NULL in BINARY mode")
	}
	o.delim = '\t'
	if csv {
		o.delim = ','
	}
	if delim != nil {
		if len(*delim) != 1 {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY delimiter must be a single one-byte character")
		}
		o.delim = (*delim)[0]
	}
	o.null = `\N`
	if csv {
		o.null = ""
	}
	if null != nil {
		o.null = *null
	}
	if o.delim == '\n' || o.delim == '\r' {
		return pgerr.New(pgerr.InvalidParameterValue, "COPY delimiter cannot be newline or carriage return")
	}
	if strings.ContainsAny(o.null, "\r\n") {
		return pgerr.New(pgerr.InvalidParameterValue, "COPY null representation cannot use newline or carriage return")
	}
	if !csv && !bin && strings.IndexByte(`\.abcdefghijklmnopqrstuvwxyz0123456789`, o.delim) >= 0 {
		return pgerr.New(pgerr.InvalidParameterValue, "COPY delimiter cannot be \"%c\"", o.delim)
	}
	if bin && o.header {
		return pgerr.New(pgerr.FeatureNotSupported, "cannot specify HEADER in BINARY mode")
	}
	if !csv && quote != nil {
		return pgerr.New(pgerr.FeatureNotSupported, "COPY quote available only in CSV mode")
	}
	o.quote = '"'
	if quote != nil {
		if len(*quote) != 1 {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY quote must be a single one-byte character")
		}
		o.quote = (*quote)[0]
	}
	if csv && o.delim == o.quote {
		return pgerr.New(pgerr.InvalidParameterValue, "COPY delimiter and quote must be different")
	}
	if !csv && escape != nil {
		return pgerr.New(pgerr.FeatureNotSupported, "COPY escape available only in CSV mode")
	}
	o.escape = o.quote
	if escape != nil {
		if len(*escape) != 1 {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY escape must be a single one-byte character")
		}
		o.escape = (*escape)[0]
	}
	if forceQuote != nil {
		if !csv {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY force quote available only in CSV mode")
		}
		if c.from {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY force quote only available using COPY TO")
		}
	}
	if forceNotNull != nil {
		if !csv {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY force not null available only in CSV mode")
		}
		if !c.from {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY force not null only available using COPY FROM")
		}
	}
	if forceNull != nil {
		if !csv {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY force null available only in CSV mode")
		}
		if !c.from {
			return pgerr.New(pgerr.FeatureNotSupported, "COPY force null only available using COPY FROM")
		}
	}
	if csv && strings.IndexByte(o.null, o.delim) >= 0 {
		return pgerr.New(pgerr.FeatureNotSupported, "COPY delimiter must not appear in the NULL specification")
	}
	if !csv && !bin && strings.IndexByte(o.null, o.delim) >= 0 {
		return pgerr.New(pgerr.FeatureNotSupported, "COPY delimiter must not appear in the NULL specification")
	}
	if csv && strings.IndexByte(o.null, o.quote) >= 0 {
		return pgerr.New(pgerr.FeatureNotSupported, "CSV quote character must not appear in the NULL specification")
	}
	var err error
	if o.forceQuote, err = c.forceList(forceQuote, "FORCE_QUOTE", true); err != nil {
		return err
	}
	if o.forceNotNull, err = c.forceList(forceNotNull, "FORCE_NOT_NULL", false); err != nil {
		return err
	}
	if o.forceNull, err = c.forceList(forceNull, "FORCE_NULL", false); err != nil {
		return err
	}
	return nil
}

// forceList resolves a FORCE_* column list (or *) to flags per COPY column.
func (c *copyStmt) forceList(d *pg_query.DefElem, what string, starOK bool) ([]bool, error) {
	flags := make([]bool, len(c.names))
	if d == nil {
		return flags, nil
	}
	if d.Arg != nil && d.Arg.GetAStar() != nil && starOK {
		for i := range flags {
			flags[i] = true
		}
		return flags, nil
	}
	if d.Arg == nil || d.Arg.GetList() == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "argument to option \"%s\" must be a list of column names", d.Defname).WithPosition(d.Location + 1)
	}
	for _, it := range d.Arg.GetList().Items {
		name := it.GetString_().GetSval()
		k := -1
		for j, n := range c.names {
			if n == name {
				k = j
				break
			}
		}
		if k < 0 {
			if c.td != nil && columnIndex(c.td, name) < 0 {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column %q of relation %q does not exist", name, c.td.Name)
			}
			if c.td == nil {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column %q does not exist", name)
			}
			return nil, pgerr.New(pgerr.InvalidColumnReference, "%s column %q not referenced by COPY", what, name)
		}
		flags[k] = true
	}
	return flags, nil
}

func copyBool(d *pg_query.DefElem) (bool, error) {
	a := d.Arg
	switch {
	case a == nil:
		return true, nil
	case a.GetBoolean() != nil:
		return a.GetBoolean().Boolval, nil
	case a.GetInteger() != nil:
		switch a.GetInteger().Ival {
		case 0:
			return false, nil
		case 1:
			return true, nil
		}
	case a.GetString_() != nil:
		switch strings.ToLower(a.GetString_().Sval) {
		case "true", "on":
			return true, nil
		case "false", "off":
			return false, nil
		}
	}
	return false, pgerr.New(pgerr.SyntaxError, "%s requires a Boolean value", d.Defname)
}

// ---- COPY FROM ----

// maxCopyDisplay is how much of a line or value an error's context shows
// (MAX_COPY_DATA_DISPLAY in PostgreSQL).
const maxCopyDisplay = 100

func clipDisplay(s string) string {
	if len(s) <= maxCopyDisplay {
		return s
	}
	n := maxCopyDisplay
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}

// copyFrom is the state of one running COPY FROM.
type copyFrom struct {
	c    *copyStmt
	ectx *executor.Ctx
	ins  *executor.Insert
	one  *oneRowNode
	n    int64

	line int64  // the current line (text, CSV) or tuple (binary), 1-based
	raw  []byte // the current line, for error context
	// unconsumed input
	buf  []byte
	done bool // the end-of-data marker was seen: the rest is ignored
	eol  byte // 0 unknown, '\n', '\r' or 'R' (CR LF)
	// embedded counts the line ends inside quotes of the current CSV record.
	embedded int64

	// binary state
	binHeader bool

	fields []copyField
	fbuf   []byte
}

// copyField is one parsed field: a value, or NULL.
type copyField struct {
	null bool
	s    string
}

// oneRowNode yields one row: the Insert node's input, one row at a time.
type oneRowNode struct {
	row   types.Row
	width int
}

func (n *oneRowNode) Width() int { return n.width }
func (n *oneRowNode) Open(*executor.Ctx) (executor.RowIter, error) {
	return &oneRowIter{row: n.row}, nil
}

type oneRowIter struct{ row types.Row }

func (it *oneRowIter) Next() (types.Row, error) {
	if it.row == nil {
		return nil, io.EOF
	}
	r := it.row
	it.row = nil
	return r, nil
}
func (it *oneRowIter) Close() error { return nil }

func (c *copyStmt) runFrom(ctx context.Context, p *Portal) (int64, error) {
	s := p.s
	txn := s.txn
	own := txn == nil
	if own {
		txn = s.eng.db.Begin()
	}
	n, err := c.load(ctx, p, txn)
	if own {
		if err != nil {
			txn.Rollback()
			return 0, err
		}
		if err := txn.Commit(); err != nil {
			return 0, err
		}
	}
	return n, err
}

func (c *copyStmt) load(ctx context.Context, p *Portal, txn *storage.Txn) (int64, error) {
	one := &oneRowNode{width: len(c.td.Columns)}
	f := &copyFrom{
		c:    c,
		ectx: p.newCtx(ctx, txn),
		ins:  &executor.Insert{Table: c.td, Input: one},
		one:  one,
	}
	format := int16(0)
	if c.opts.format == copyBinary {
		format = 1
	}
	cio := p.copyIO
	if err := cio.BeginCopyIn(format, len(c.attrs)); err != nil {
		return 0, err
	}
	for {
		data, err := cio.ReadCopyData()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		if err := f.ectx.Canceled(); err != nil {
			return 0, err
		}
		if f.done {
			if c.opts.format == copyBinary && len(data) > 0 {
				return 0, withWhere(errCopyFormat("received copy data after EOF marker"), f.where(false))
			}
			continue
		}
		if err := f.feed(data, false); err != nil {
			return 0, err
		}
	}
	if err := f.ectx.Canceled(); err != nil {
		return 0, err
	}
	if !f.done {
		if err := f.feed(nil, true); err != nil {
			return 0, err
		}
	}
	return f.n, nil
}

// feed appends data to the pending input and processes every complete row
// in it; final is set at CopyDone, when the rest must form whole rows.
func (f *copyFrom) feed(data []byte, final bool) error {
	f.buf = append(f.buf, data...)
	var (
		used int
		err  error
	)
	if f.c.opts.format == copyBinary {
		used, err = f.binaryRows(final)
	} else {
		used, err = f.textRows(final)
	}
	if err != nil {
		return err
	}
	rest := copy(f.buf, f.buf[used:])
	f.buf = f.buf[:rest]
	if cap(f.buf) > 1<<20 && rest < 64<<10 {
		f.buf = append([]byte(nil), f.buf...)
	}
	return nil
}

// where returns the error context "COPY t, line n" with the line's text
// when withLine is set.
func (f *copyFrom) where(withLine bool) string {
	w := "COPY " + f.c.name + ", line " + strconv.FormatInt(f.line, 10)
	if withLine && f.raw != nil {
		w += ": \"" + clipDisplay(strings.ToValidUTF8(string(f.raw), "?")) + "\""
	}
	return w
}

func withWhere(err error, where string) error {
	e := pgerr.Convert(err)
	if e.Where != "" {
		return err
	}
	c := *e
	c.Where = where
	return &c
}

func (f *copyFrom) lineErr(e *pgerr.Error) error {
	return withWhere(e, f.where(true))
}

// eolError reports a line end that differs from the first line's.
func (f *copyFrom) eolError(cr bool) error {
	csv := f.c.opts.format == copyCSV
	var e *pgerr.Error
	switch {
	case cr && csv:
		e = pgerr.New(pgerr.BadCopyFileFormat, "unquoted carriage return found in data").WithHint("Use quoted CSV field to represent carriage return.")
	case cr:
		e = pgerr.New(pgerr.BadCopyFileFormat, "literal carriage return found in data").WithHint("Use \"\\r\" to represent carriage return.")
	case csv:
		e = pgerr.New(pgerr.BadCopyFileFormat, "unquoted newline found in data").WithHint("Use quoted CSV field to represent newline.")
	default:
		e = pgerr.New(pgerr.BadCopyFileFormat, "literal newline found in data").WithHint("Use \"\\n\" to represent newline.")
	}
	return withWhere(e, f.where(false))
}

// textRows processes the complete lines (text) or records (CSV) in f.buf
// and returns the number of bytes consumed.
func (f *copyFrom) textRows(final bool) (int, error) {
	pos := 0
	for !f.done {
		line, next, end, ok, err := f.nextLine(pos, final)
		if err != nil {
			return 0, err
		}
		if !ok {
			break
		}
		pos = next
		if end && len(line) == 0 {
			f.done = true
			break
		}
		first := f.line == 0
		f.line += 1 + f.embedded
		f.raw = line
		if first && f.c.opts.header {
			if err := f.header(line); err != nil {
				return 0, err
			}
		} else if err := f.textRow(line); err != nil {
			return 0, err
		}
		f.raw = nil
		if end {
			f.done = true
		}
	}
	if final && !f.done {
		f.done = true
		pos = len(f.buf)
	}
	return pos, nil
}

// nextLine finds the line starting at pos. It returns the line without its
// terminator, where the next one starts, whether the end-of-data marker
// ends it, and ok=false when the line is not complete yet.
func (f *copyFrom) nextLine(pos int, final bool) (line []byte, next int, end, ok bool, err error) {
	b := f.buf
	csv := f.c.opts.format == copyCSV
	if csv {
		// "\." alone on a line ends the data.
		rest := b[pos:]
		if len(rest) >= 2 && rest[0] == '\\' && rest[1] == '.' {
			switch {
			case len(rest) == 2:
				if final {
					return nil, len(b), true, true, nil
				}
				return nil, 0, false, false, nil
			case rest[2] == '\n':
				return nil, pos + 3, true, true, nil
			case rest[2] == '\r':
				if len(rest) == 3 && !final {
					return nil, 0, false, false, nil
				}
				return nil, pos + 3, true, true, nil
			}
		}
	}
	o := &f.c.opts
	inQuote := false
	f.embedded = 0
	i := pos
	for i < len(b) {
		ch := b[i]
		if csv {
			if inQuote {
				if ch == o.escape && o.escape != o.quote {
					if i+1 >= len(b) {
						if !final {
							return nil, 0, false, false, nil
						}
					} else if b[i+1] == o.quote || b[i+1] == o.escape {
						i += 2
						continue
					}
				}
				if ch == o.quote {
					inQuote = false
				} else if ch == '\n' && f.eol == '\n' || ch == '\r' && f.eol != '\n' {
					// PostgreSQL counts the lines inside a quoted field.
					f.embedded++
				}
				i++
				continue
			}
			if ch == o.quote {
				inQuote = true
				i++
				continue
			}
		} else if ch == '\\' {
			if i+1 >= len(b) {
				if !final {
					return nil, 0, false, false, nil
				}
				i++
				continue
			}
			if b[i+1] == '.' {
				// End-of-data marker: what precedes it is the last line.
				line = b[pos:i]
				j := i + 2
				switch {
				case j >= len(b):
					if !final {
						return nil, 0, false, false, nil
					}
				case b[j] == '\n':
					if f.eol == '\r' || f.eol == 'R' {
						return nil, 0, false, false, withWhere(pgerr.New(pgerr.BadCopyFileFormat, "end-of-copy marker does not match previous newline style"), f.where(false))
					}
					j++
				case b[j] == '\r':
					if j+1 >= len(b) && !final {
						return nil, 0, false, false, nil
					}
					if j+1 < len(b) && b[j+1] == '\n' {
						j += 2
					} else {
						j++
					}
				default:
					f.line++
					return nil, 0, false, false, withWhere(pgerr.New(pgerr.BadCopyFileFormat, "end-of-copy marker corrupt"), f.where(false))
				}
				return line, j, true, true, nil
			}
			i += 2
			continue
		}
		switch ch {
		case '\n':
			if f.eol == 0 {
				f.eol = '\n'
			} else if f.eol != '\n' {
				f.line++
				return nil, 0, false, false, f.eolError(false)
			}
			return b[pos:i], i + 1, false, true, nil
		case '\r':
			if i+1 >= len(b) && !final && f.eol != '\r' {
				return nil, 0, false, false, nil
			}
			crlf := i+1 < len(b) && b[i+1] == '\n'
			if f.eol == 0 {
				f.eol = '\r'
				if crlf {
					f.eol = 'R'
				}
			}
			switch {
			case f.eol == 'R' && crlf:
				return b[pos:i], i + 2, false, true, nil
			case f.eol == '\r':
				return b[pos:i], i + 1, false, true, nil
			}
			f.line++
			return nil, 0, false, false, f.eolError(true)
		}
		i++
	}
	if !final {
		return nil, 0, false, false, nil
	}
	if pos >= len(b) {
		return nil, len(b), true, true, nil
	}
	return b[pos:], len(b), true, true, nil
}

// splitText splits a text-format line into fields, de-escaping each.
func (f *copyFrom) splitText(line []byte) error {
	o := &f.c.opts
	f.fields = f.fields[:0]
	f.fbuf = f.fbuf[:0]
	start := 0
	for {
		// Find the end of this field: an unescaped delimiter or the end.
		i := start
		escaped := false
		for i < len(line) && line[i] != o.delim {
			if line[i] == '\\' {
				escaped = true
				i++
			}
			i++
		}
		if i > len(line) {
			i = len(line)
		}
		raw := line[start:i]
		switch {
		case string(raw) == o.null:
			f.fields = append(f.fields, copyField{null: true})
		case !escaped:
			f.fields = append(f.fields, copyField{s: string(raw)})
		default:
			s, err := f.unescape(raw)
			if err != nil {
				return err
			}
			f.fields = append(f.fields, copyField{s: s})
		}
		if i >= len(line) {
			return nil
		}
		start = i + 1
	}
}

// unescape decodes text format's backslash sequences.
func (f *copyFrom) unescape(raw []byte) (string, error) {
	out := f.fbuf[:0]
	high := false
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		if ch != '\\' {
			out = append(out, ch)
			continue
		}
		i++
		if i >= len(raw) {
			break
		}
		ch = raw[i]
		switch {
		case ch >= '0' && ch <= '7':
			v := int(ch - '0')
			for k := 0; k < 2 && i+1 < len(raw) && raw[i+1] >= '0' && raw[i+1] <= '7'; k++ {
				i++
				v = v<<3 + int(raw[i]-'0')
			}
			out = append(out, byte(v&0xff))
			high = high || v&0x80 != 0 || v == 0
		case ch == 'x' && i+1 < len(raw) && isHex(raw[i+1]):
			i++
			v := hexVal(raw[i])
			if i+1 < len(raw) && isHex(raw[i+1]) {
				i++
				v = v<<4 + hexVal(raw[i])
			}
			out = append(out, byte(v))
			high = high || v&0x80 != 0 || v == 0
		case ch == 'b':
			out = append(out, '\b')
		case ch == 'f':
			out = append(out, '\f')
		case ch == 'n':
			out = append(out, '\n')
		case ch == 'r':
			out = append(out, '\r')
		case ch == 't':
			out = append(out, '\t')
		case ch == 'v':
			out = append(out, '\v')
		default:
			out = append(out, ch)
		}
	}
	f.fbuf = out
	if high && (bytes.IndexByte(out, 0) >= 0 || !utf8.Valid(out)) {
		return "", f.lineErr(badEncoding(out))
	}
	return string(out), nil
}

func badEncoding(b []byte) *pgerr.Error {
	i := 0
	for i < len(b) {
		r, n := utf8.DecodeRune(b[i:])
		if (r == utf8.RuneError && n == 1) || b[i] == 0 {
			break
		}
		i += n
	}
	var seq []string
	for k := i; k < len(b) && k < i+2; k++ {
		seq = append(seq, "0x"+strconv.FormatUint(uint64(b[k])|0x100, 16)[1:])
	}
	return pgerr.New(pgerr.CharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\": %s", strings.Join(seq, " "))
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// splitCSV splits a CSV record into fields.
func (f *copyFrom) splitCSV(line []byte) error {
	o := &f.c.opts
	f.fields = f.fields[:0]
	i := 0
	for {
		out := f.fbuf[:0]
		quoted, inQuote := false, false
		start := i
		for i < len(line) {
			ch := line[i]
			if !inQuote {
				if ch == o.delim {
					break
				}
				if ch == o.quote {
					inQuote, quoted = true, true
					i++
					continue
				}
				out = append(out, ch)
				i++
				continue
			}
			if ch == o.escape && i+1 < len(line) && (line[i+1] == o.escape || line[i+1] == o.quote) {
				out = append(out, line[i+1])
				i += 2
				continue
			}
			if ch == o.quote {
				inQuote = false
				i++
				continue
			}
			out = append(out, ch)
			i++
		}
		if inQuote {
			return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "unterminated CSV quoted field"))
		}
		f.fbuf = out
		k := len(f.fields)
		switch {
		case !quoted && string(line[start:i]) == o.null:
			f.fields = append(f.fields, copyField{null: true})
		default:
			f.fields = append(f.fields, copyField{s: string(out)})
		}
		if k < len(o.forceNotNull) && o.forceNotNull[k] && f.fields[k].null {
			f.fields[k] = copyField{s: o.null}
		}
		if k < len(o.forceNull) && o.forceNull[k] && !f.fields[k].null && f.fields[k].s == o.null {
			f.fields[k] = copyField{null: true}
		}
		if i >= len(line) {
			return nil
		}
		i++ // the delimiter
	}
}

func (f *copyFrom) split(line []byte) error {
	if !utf8.Valid(line) {
		return f.lineErr(badEncoding(line))
	}
	if f.c.opts.format == copyCSV {
		return f.splitCSV(line)
	}
	return f.splitText(line)
}

// header checks (HEADER MATCH) or skips the header line.
func (f *copyFrom) header(line []byte) error {
	if !f.c.opts.headerMatch {
		return nil
	}
	if err := f.split(line); err != nil {
		return err
	}
	if len(f.fields) != len(f.c.names) {
		return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "wrong number of fields in header line: got %d, expected %d", len(f.fields), len(f.c.names)))
	}
	for i, fl := range f.fields {
		if fl.null {
			return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "column name mismatch in header line field %d: got null value (\"%s\"), expected \"%s\"", i+1, f.c.opts.null, f.c.names[i]))
		}
		if fl.s != f.c.names[i] {
			return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "column name mismatch in header line field %d: got \"%s\", expected \"%s\"", i+1, fl.s, f.c.names[i]))
		}
	}
	return nil
}

// textRow converts and inserts one text or CSV line.
func (f *copyFrom) textRow(line []byte) error {
	if err := f.split(line); err != nil {
		return err
	}
	c := f.c
	if len(c.attrs) == 0 {
		// A table without columns: each line must be empty.
		if len(line) > 0 {
			return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "extra data after last expected column"))
		}
	} else if len(f.fields) > len(c.attrs) {
		return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "extra data after last expected column"))
	}
	row := make(types.Row, len(c.td.Columns))
	loc := f.ectx.Location
	for k, col := range c.attrs {
		if k >= len(f.fields) {
			return f.lineErr(pgerr.New(pgerr.BadCopyFileFormat, "missing data for column \"%s\"", c.names[k]))
		}
		fl := f.fields[k]
		if fl.null {
			row[col] = types.Null
			continue
		}
		d, err := types.ParseTextLoc(c.ctyps[k], fl.s, loc)
		if err != nil {
			return withWhere(err, f.where(false)+", column "+c.names[k]+": \""+clipDisplay(fl.s)+"\"")
		}
		row[col] = d
	}
	return f.insert(row, true)
}

// insert fills the defaults of the columns COPY does not list, applies
// WHERE and inserts the row.
func (f *copyFrom) insert(row types.Row, withLine bool) error {
	c := f.c
	for i, e := range c.defaults {
		if e == nil {
			continue
		}
		v, err := e.Eval(f.ectx, row)
		if err != nil {
			return withWhere(err, f.where(withLine))
		}
		row[i] = v
	}
	if c.where != nil {
		ok, err := executor.EvalBool(f.ectx, c.where, row)
		if err != nil {
			return withWhere(err, f.where(withLine))
		}
		if !ok {
			return nil
		}
	}
	f.one.row = row
	it, err := f.ins.Open(f.ectx)
	if err != nil {
		// As in PostgreSQL, a unique violation is found after the line
		// was read and names the line only.
		return withWhere(err, f.where(withLine && pgerr.Code(err) != pgerr.UniqueViolation))
	}
	_ = it.Close()
	f.n++
	return nil
}

var copySignature = []byte("PGCOPY\n\xff\r\n\x00")

func errCopyFormat(format string, args ...any) *pgerr.Error {
	return pgerr.New(pgerr.BadCopyFileFormat, format, args...)
}

// binaryRows processes the complete tuples in f.buf.
func (f *copyFrom) binaryRows(final bool) (int, error) {
	b := f.buf
	pos := 0
	if !f.binHeader {
		if len(b) < 11 {
			if final {
				return 0, errCopyFormat("COPY file signature not recognized")
			}
			return 0, nil
		}
		if !bytes.Equal(b[:11], copySignature) {
			return 0, errCopyFormat("COPY file signature not recognized")
		}
		if len(b) < 15 {
			if final {
				return 0, errCopyFormat("invalid COPY file header (missing flags)")
			}
			return 0, nil
		}
		flags := binary.BigEndian.Uint32(b[11:])
		if flags&(1<<16) != 0 {
			return 0, errCopyFormat("invalid COPY file header (WITH OIDS)")
		}
		if flags&0xfffe0000 != 0 {
			return 0, errCopyFormat("unrecognized critical flags in COPY file header")
		}
		if len(b) < 19 {
			if final {
				return 0, errCopyFormat("invalid COPY file header (missing length)")
			}
			return 0, nil
		}
		ext := int64(int32(binary.BigEndian.Uint32(b[15:])))
		if ext < 0 {
			return 0, errCopyFormat("invalid COPY file header (wrong length)")
		}
		if int64(len(b)-19) < ext {
			if final {
				return 0, errCopyFormat("invalid COPY file header (wrong length)")
			}
			return 0, nil
		}
		f.binHeader = true
		pos = 19 + int(ext)
	}
	c := f.c
	short := -1 // the field a final incomplete tuple stops in
	for pos < len(b) {
		if len(b)-pos < 2 {
			if final {
				// PostgreSQL takes a partial field count for the end.
				return len(b), nil
			}
			break
		}
		nf := int(int16(binary.BigEndian.Uint16(b[pos:])))
		f.line++
		if nf == -1 {
			f.done = true
			if len(b) > pos+2 {
				return 0, withWhere(errCopyFormat("received copy data after EOF marker"), f.where(false))
			}
			return len(b), nil
		}
		if nf != len(c.attrs) {
			return 0, withWhere(errCopyFormat("row field count is %d, expected %d", nf, len(c.attrs)), f.where(false))
		}
		// Is the whole tuple here?
		end := pos + 2
		complete := true
		for k := 0; k < nf; k++ {
			if len(b)-end < 4 {
				complete, short = false, k
				break
			}
			n := int(int32(binary.BigEndian.Uint32(b[end:])))
			end += 4
			if n == -1 {
				continue
			}
			if n < -1 {
				return 0, withWhere(errCopyFormat("invalid field size"), f.where(false)+", column "+c.names[k])
			}
			if len(b)-end < n {
				complete, short = false, k
				break
			}
			end += n
		}
		if !complete {
			if final {
				return 0, withWhere(errCopyFormat("unexpected EOF in COPY data"), f.where(false)+", column "+c.names[short])
			}
			f.line--
			break
		}
		row := make(types.Row, len(c.td.Columns))
		at := pos + 2
		for k, col := range c.attrs {
			n := int(int32(binary.BigEndian.Uint32(b[at:])))
			at += 4
			if n == -1 {
				row[col] = types.Null
				continue
			}
			d, err := types.DecodeBinary(c.ctyps[k], b[at:at+n])
			if err == nil {
				d, err = types.Cast(d, c.ctyps[k], c.ctyps[k], f.ectx.Location, false)
			}
			if err != nil {
				e := pgerr.Convert(err)
				if e.Code == pgerr.InternalError {
					e = pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format")
				}
				return 0, withWhere(e, f.where(false)+", column "+c.names[k])
			}
			row[col] = d
			at += n
		}
		if err := f.insert(row, false); err != nil {
			return 0, err
		}
		pos = end
	}
	return pos, nil
}

// ---- COPY TO ----

func (c *copyStmt) runTo(ctx context.Context, p *Portal) (int64, error) {
	s := p.s
	txn := s.txn
	if txn == nil {
		txn = s.eng.db.Begin()
		defer txn.Rollback()
	}
	ectx := p.newCtx(ctx, txn)
	it, err := c.query.Open(ectx)
	if err != nil {
		return 0, err
	}
	defer it.Close()
	o := &c.opts
	cio := p.copyIO
	format := int16(0)
	if o.format == copyBinary {
		format = 1
	}
	if err := cio.BeginCopyOut(format, len(c.names)); err != nil {
		return 0, err
	}
	var buf []byte
	switch {
	case o.format == copyBinary:
		buf = append(buf, copySignature...)
		buf = append(buf, 0, 0, 0, 0, 0, 0, 0, 0)
		if err := cio.WriteCopyData(buf); err != nil {
			return 0, err
		}
	case o.header:
		buf = buf[:0]
		for k, name := range c.names {
			if k > 0 {
				buf = append(buf, o.delim)
			}
			if o.format == copyCSV {
				buf = c.appendCSV(buf, name, false)
			} else {
				buf = appendCopyText(buf, name, o.delim)
			}
		}
		buf = append(buf, '\n')
		if err := cio.WriteCopyData(buf); err != nil {
			return 0, err
		}
	}
	loc := ectx.Location
	var n int64
	var vbuf []byte
	for {
		row, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, err
		}
		buf = buf[:0]
		if o.format == copyBinary {
			buf = binary.BigEndian.AppendUint16(buf, uint16(len(row)))
			for k, d := range row {
				if d.IsNull() {
					buf = binary.BigEndian.AppendUint32(buf, 0xffffffff)
					continue
				}
				at := len(buf)
				buf = append(buf, 0, 0, 0, 0)
				if buf, err = types.AppendBinary(buf, d, c.ctyps[k]); err != nil {
					return 0, err
				}
				binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
			}
		} else {
			for k, d := range row {
				if k > 0 {
					buf = append(buf, o.delim)
				}
				if d.IsNull() {
					buf = append(buf, o.null...)
					continue
				}
				vbuf = types.AppendText(vbuf[:0], d, c.ctyps[k], loc)
				if o.format == copyCSV {
					buf = c.appendCSV(buf, string(vbuf), o.forceQuote[k])
				} else {
					buf = appendCopyText(buf, string(vbuf), o.delim)
				}
			}
			buf = append(buf, '\n')
		}
		if err := cio.WriteCopyData(buf); err != nil {
			return 0, err
		}
		n++
		if n&255 == 0 {
			if err := ectx.Canceled(); err != nil {
				return 0, err
			}
		}
	}
	if o.format == copyBinary {
		if err := cio.WriteCopyData([]byte{0xff, 0xff}); err != nil {
			return 0, err
		}
	}
	if err := cio.EndCopyOut(); err != nil {
		return 0, err
	}
	return n, nil
}

// appendCopyText appends s escaped for the text format.
func appendCopyText(buf []byte, s string, delim byte) []byte {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x20 {
			switch ch {
			case '\b':
				buf = append(buf, '\\', 'b')
				continue
			case '\f':
				buf = append(buf, '\\', 'f')
				continue
			case '\n':
				buf = append(buf, '\\', 'n')
				continue
			case '\r':
				buf = append(buf, '\\', 'r')
				continue
			case '\t':
				buf = append(buf, '\\', 't')
				continue
			case '\v':
				buf = append(buf, '\\', 'v')
				continue
			}
			if ch == delim {
				buf = append(buf, '\\')
			}
		} else if ch == '\\' || ch == delim {
			buf = append(buf, '\\')
		}
		buf = append(buf, ch)
	}
	return buf
}

// appendCSV appends s as a CSV field, quoted when it must be (or force).
func (c *copyStmt) appendCSV(buf []byte, s string, force bool) []byte {
	o := &c.opts
	quote := force || s == o.null
	if !quote {
		if len(c.names) == 1 && s == `\.` {
			quote = true
		} else {
			for i := 0; i < len(s); i++ {
				ch := s[i]
				if ch == o.delim || ch == o.quote || ch == '\n' || ch == '\r' {
					quote = true
					break
				}
			}
		}
	}
	if !quote {
		return append(buf, s...)
	}
	buf = append(buf, o.quote)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == o.quote || ch == o.escape {
			buf = append(buf, o.escape)
		}
		buf = append(buf, ch)
	}
	return append(buf, o.quote)
}
