package executor

import (
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// DMLIter is the iterator of a DML node: it yields the RETURNING rows and
// knows how many rows the statement changed.
type DMLIter struct {
	sliceIter
	Affected int64
}

// Insert writes the rows of Input (already in table column order, with
// defaults filled and values cast to the column types).
type Insert struct {
	Table     *storage.TableDesc
	Input     Node
	Returning []Expr // over the inserted row; nil: none
}

func (n *Insert) Width() int { return len(n.Returning) }

func (n *Insert) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	rows, err := Drain(c, in)
	if err != nil {
		return nil, err
	}
	out := &DMLIter{}
	for _, row := range rows {
		if err := c.checkCancel(); err != nil {
			return nil, err
		}
		if err := checkNotNull(n.Table, row); err != nil {
			return nil, err
		}
		if err := c.Txn.Insert(n.Table, row); err != nil {
			return nil, err
		}
		out.Affected++
		if err := out.returning(c, n.Returning, row); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (it *DMLIter) returning(c *Ctx, exprs []Expr, row types.Row) error {
	if exprs == nil {
		return nil
	}
	r := make(types.Row, len(exprs))
	for i, e := range exprs {
		v, err := e.Eval(c, row)
		if err != nil {
			return err
		}
		r[i] = v
	}
	it.rows = append(it.rows, r)
	return nil
}

func checkNotNull(td *storage.TableDesc, row types.Row) error {
	for i, col := range td.Columns {
		if col.NotNull && row[i].IsNull() {
			return pgerr.New(pgerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", col.Name, td.Name).
				WithDetail("Failing row contains %s.", FormatRow(td, row))
		}
	}
	return nil
}

// FormatRow renders a row as PostgreSQL does in constraint error details.
func FormatRow(td *storage.TableDesc, row types.Row) string {
	parts := make([]string, len(td.Columns))
	for i, col := range td.Columns {
		if row[i].IsNull() {
			parts[i] = "null"
		} else {
			parts[i] = types.FormatText(row[i], col.Type, nil)
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Update rewrites the rows of Input, which yields table rows with their key
// appended (a Scan with WithKey, maybe filtered). Sets[i] computes the new
// value of column Cols[i] from that row.
type Update struct {
	Table     *storage.TableDesc
	Input     Node
	Cols      []int
	Sets      []Expr
	Returning []Expr // over the new row
}

func (n *Update) Width() int { return len(n.Returning) }

func (n *Update) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	rows, err := Drain(c, in)
	if err != nil {
		return nil, err
	}
	w := len(n.Table.Columns)
	out := &DMLIter{}
	for _, row := range rows {
		if err := c.checkCancel(); err != nil {
			return nil, err
		}
		key := storage.RowKey(row[w].S)
		old := row[:w]
		nw := make(types.Row, w)
		copy(nw, old)
		for i, col := range n.Cols {
			if nw[col], err = n.Sets[i].Eval(c, row); err != nil {
				return nil, err
			}
		}
		if err := checkNotNull(n.Table, nw); err != nil {
			return nil, err
		}
		if err := c.Txn.Update(n.Table, key, old, nw); err != nil {
			return nil, err
		}
		out.Affected++
		if err := out.returning(c, n.Returning, nw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Delete removes the rows of Input (table rows with their key appended).
type Delete struct {
	Table     *storage.TableDesc
	Input     Node
	Returning []Expr // over the deleted row
}

func (n *Delete) Width() int { return len(n.Returning) }

func (n *Delete) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	rows, err := Drain(c, in)
	if err != nil {
		return nil, err
	}
	w := len(n.Table.Columns)
	out := &DMLIter{}
	for _, row := range rows {
		if err := c.checkCancel(); err != nil {
			return nil, err
		}
		if err := c.Txn.Delete(n.Table, storage.RowKey(row[w].S), row[:w]); err != nil {
			return nil, err
		}
		out.Affected++
		if err := out.returning(c, n.Returning, row[:w]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
