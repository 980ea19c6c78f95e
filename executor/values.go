package executor

import (
	"io"

	"github.com/akidb/akidb/types"
)

// Values yields one row per list of expressions (a SELECT without FROM is
// Values with one empty row).
type Values struct {
	Rows [][]Expr
	N    int // width
}

func (n *Values) Width() int { return n.N }

func (n *Values) Open(c *Ctx) (RowIter, error) { return &valuesIter{n: n, c: c}, nil }

type valuesIter struct {
	n *Values
	c *Ctx
	i int
}

func (it *valuesIter) Next() (types.Row, error) {
	if it.i >= len(it.n.Rows) {
		return nil, io.EOF
	}
	exprs := it.n.Rows[it.i]
	it.i++
	row := make(types.Row, len(exprs))
	for j, e := range exprs {
		v, err := e.Eval(it.c, nil)
		if err != nil {
			return nil, err
		}
		row[j] = v
	}
	return row, nil
}
func (it *valuesIter) Close() error { return nil }
