package server

import (
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
)

// simpleQuery runs a Query message: every statement of the string in turn,
// each answered with RowDescription (text format), DataRows and
// CommandComplete; EmptyQueryResponse for a string without statements. The
// first error ends the string (the statements after it do not run), and
// ReadyForQuery closes the exchange either way.
func (c *conn) simpleQuery(query string) {
	// A Query message discards the unnamed statement and portal.
	delete(c.stmts, "")
	if p := c.portals[""]; p != nil {
		p.close()
		delete(c.portals, "")
	}
	ctx, end := c.beginStatement()
	defer c.readyForQuery()
	defer end()

	stmts, err := c.sess.Parse(query)
	if err != nil {
		c.sendError(err)
		return
	}
	ran := false
	for _, st := range stmts {
		if st.Empty() {
			continue
		}
		ran = true
		if n := len(st.ParamTypes()); n > 0 {
			c.sendError(pgerr.New(pgerr.UndefinedParameter, "there is no parameter $1"))
			return
		}
		p, err := c.sess.Bind(ctx, st, nil)
		if err != nil {
			c.sendError(err)
			return
		}
		p.SetCopyIO(copyIO{c})
		cols := p.Columns()
		if cols != nil {
			c.send(rowDescription(cols, nil))
		}
		w := &resultWriter{c: c, cols: cols}
		_, tag, err := p.Execute(ctx, 0, w.row)
		p.Close()
		if err != nil {
			c.sendError(err)
			return
		}
		c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)})
		if c.writeErr != nil {
			return
		}
	}
	if !ran {
		c.send(&pgproto3.EmptyQueryResponse{})
	}
}
