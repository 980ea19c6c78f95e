package server

import (
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/sql"
	"github.com/akidb/akidb/types"
)

// The extended query protocol: Parse makes a prepared statement, Bind a
// portal of it with parameter values, Describe reports their shapes,
// Execute runs a portal (possibly a few rows at a time), Close drops
// either, and Sync ends the batch with ReadyForQuery. The empty name is the
// unnamed statement or portal, which the next Parse or Bind replaces; a
// named one must be closed before its name is used again. After an error
// the server discards messages until Sync
// (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY).

// portal is a bound statement with its result formats and progress.
type portal struct {
	p       *sql.Portal // nil for an empty statement
	cols    []sql.Column
	formats []int16
	done    bool   // ran to completion
	tag     string // the completion tag once done
}

func (p *portal) close() {
	if p.p != nil {
		p.p.Close()
		p.p = nil
	}
}

// extended runs one extended-protocol message; an error is reported and
// starts the skip to Sync.
func (c *conn) extended(fn func() error) {
	if err := fn(); err != nil {
		c.sess.Fail(err)
		c.sendError(err)
		c.ignoreTillSync = true
	}
}

func (c *conn) parse(m *pgproto3.Parse) error {
	if m.Name != "" {
		if _, ok := c.stmts[m.Name]; ok {
			return pgerr.New(pgerr.DuplicatePreparedStatement, "prepared statement \"%s\" already exists", m.Name)
		}
	} else {
		delete(c.stmts, "")
	}
	st, err := c.sess.Prepare(m.Query, m.ParameterOIDs)
	if err != nil {
		return err
	}
	c.stmts[m.Name] = st
	c.send(&pgproto3.ParseComplete{})
	return nil
}

func (c *conn) statement(name string) (*sql.Statement, error) {
	st, ok := c.stmts[name]
	if !ok {
		if name == "" {
			return nil, pgerr.New(pgerr.InvalidSQLStatementName, "unnamed prepared statement does not exist")
		}
		return nil, pgerr.New(pgerr.InvalidSQLStatementName, "prepared statement \"%s\" does not exist", name)
	}
	return st, nil
}

func (c *conn) portal(name string) (*portal, error) {
	p, ok := c.portals[name]
	if !ok {
		return nil, pgerr.New(pgerr.InvalidCursorName, "portal \"%s\" does not exist", name)
	}
	return p, nil
}

func (c *conn) bind(m *pgproto3.Bind) error {
	if m.DestinationPortal == "" {
		if old := c.portals[""]; old != nil {
			old.close()
			delete(c.portals, "")
		}
	} else if _, ok := c.portals[m.DestinationPortal]; ok {
		return pgerr.New("42P03", "portal \"%s\" already exists", m.DestinationPortal)
	}
	st, err := c.statement(m.PreparedStatement)
	if err != nil {
		return err
	}
	ptypes := st.ParamTypes()
	if nf := len(m.ParameterFormatCodes); nf > 1 && nf != len(m.Parameters) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", nf, len(m.Parameters))
	}
	if len(m.Parameters) != len(ptypes) {
		return pgerr.New(pgerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement \"%s\" requires %d",
			len(m.Parameters), m.PreparedStatement, len(ptypes))
	}
	params, err := decodeParams(ptypes, m.ParameterFormatCodes, m.Parameters, c.sess.Location())
	if err != nil {
		return err
	}

	out := &portal{}
	if st.Empty() {
		if _, err := checkFormats(m.ResultFormatCodes, 0); err != nil {
			return err
		}
		c.portals[m.DestinationPortal] = out
		c.send(&pgproto3.BindComplete{})
		return nil
	}
	ctx, end := c.beginStatement()
	defer end()
	p, err := c.sess.Bind(ctx, st, params)
	if err != nil {
		return err
	}
	p.SetCopyIO(copyIO{c})
	out.p = p
	out.cols = p.Columns()
	if out.formats, err = checkFormats(m.ResultFormatCodes, len(out.cols)); err != nil {
		p.Close()
		return err
	}
	c.portals[m.DestinationPortal] = out
	c.send(&pgproto3.BindComplete{})
	return nil
}

// decodeParams turns Bind's parameter bytes into Datums of the statement's
// parameter types. nil bytes are NULL.
func decodeParams(ptypes []types.T, formats []int16, raw [][]byte, loc *time.Location) ([]types.Datum, error) {
	params := make([]types.Datum, len(raw))
	for i, b := range raw {
		if b == nil {
			continue
		}
		f := formatText
		switch len(formats) {
		case 0:
		case 1:
			f = formats[0]
		default:
			f = formats[i]
		}
		var (
			d   types.Datum
			err error
		)
		switch f {
		case formatText:
			d, err = parseText(ptypes[i], string(b), loc)
		case formatBinary:
			d, err = decodeBinary(ptypes[i], b)
			if err != nil {
				e := pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format in bind parameter %d", i+1)
				if msg := toPG(err).Message; msg != e.Message {
					e = e.WithDetail("%s", msg)
				}
				err = e
			}
		default:
			err = pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
		if err != nil {
			return nil, err
		}
		params[i] = d
	}
	return params, nil
}

func (c *conn) describe(m *pgproto3.Describe) error {
	switch m.ObjectType {
	case 'S':
		st, err := c.statement(m.Name)
		if err != nil {
			return err
		}
		ptypes := st.ParamTypes()
		oids := make([]uint32, len(ptypes))
		for i, t := range ptypes {
			oids[i] = t.OID
		}
		c.send(&pgproto3.ParameterDescription{ParameterOIDs: oids})
		if cols := st.Columns(); cols != nil && !st.Empty() {
			c.send(rowDescription(cols, nil))
		} else {
			c.send(&pgproto3.NoData{})
		}
	case 'P':
		p, err := c.portal(m.Name)
		if err != nil {
			return err
		}
		if p.cols != nil {
			c.send(rowDescription(p.cols, p.formats))
		} else {
			c.send(&pgproto3.NoData{})
		}
	default:
		return pgerr.New(pgerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType)
	}
	return nil
}

func (c *conn) execute(m *pgproto3.Execute) error {
	p, err := c.portal(m.Portal)
	if err != nil {
		return err
	}
	if p.p == nil && !p.done {
		c.send(&pgproto3.EmptyQueryResponse{})
		return nil
	}
	if p.done {
		// A finished SELECT portal gives no more rows; anything else has
		// nothing left to run.
		if strings.HasPrefix(p.tag, "SELECT") {
			c.send(&pgproto3.CommandComplete{CommandTag: []byte("SELECT 0")})
			return nil
		}
		return pgerr.New(pgerr.ObjectNotInPrerequisiteState, "portal \"%s\" cannot be run", m.Portal)
	}
	maxRows := int(m.MaxRows) // 0: all rows
	ctx, end := c.beginStatement()
	defer end()
	w := &resultWriter{c: c, cols: p.cols, formats: p.formats}
	done, tag, err := p.p.Execute(ctx, maxRows, w.row)
	if err != nil {
		p.done = true
		p.close()
		return err
	}
	if !done {
		c.send(&pgproto3.PortalSuspended{})
		return nil
	}
	p.done, p.tag = true, tag
	p.close()
	c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
	return nil
}

func (c *conn) closeMsg(m *pgproto3.Close) error {
	switch m.ObjectType {
	case 'S':
		delete(c.stmts, m.Name)
	case 'P':
		if p := c.portals[m.Name]; p != nil {
			p.close()
			delete(c.portals, m.Name)
		}
	default:
		return pgerr.New(pgerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType)
	}
	c.send(&pgproto3.CloseComplete{})
	return nil
}

// sync ends an extended-protocol batch: the skip after an error stops and
// the session's transaction state goes back to the client. (An implicit
// transaction is the session's to end.)
func (c *conn) sync() {
	c.ignoreTillSync = false
	c.readyForQuery()
}
