package executor

import (
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// ExactScan yields the at most Limit rows of Table nearest to Query by the
// distance operator Op on vector column Col, without an index, through
// storage's exact search (a scan of a flat cache of the column). The rows
// come nearest first, but the plan still sorts them by its own distance
// expression, so the answer is exactly the generic plan's. When storage
// cannot answer from its cache (the transaction wrote to the table, the
// query is a zero vector, ...), Fallback, a scan of every row, runs
// instead.
type ExactScan struct {
	Table    *storage.TableDesc
	Col      int
	Op       string // "<->", "<=>" or "<#>"
	Query    Expr   // row-independent
	Limit    Expr   // LIMIT + OFFSET
	Fallback Node   // the generic scan of Table
}

func (n *ExactScan) Width() int { return n.Fallback.Width() }

func (n *ExactScan) Open(c *Ctx) (RowIter, error) {
	q, lim, err := evalTopK(c, n.Query, n.Limit)
	if err != nil {
		return nil, err
	}
	if n.Fallback.Width() != len(n.Table.Columns) || q.K != types.KVector || lim.IsNull() || lim.I <= 0 {
		return n.Fallback.Open(c)
	}
	hits, ok, err := c.Txn.ExactSearch(c.Context, n.Table, n.Col, n.Op, q.P.([]float32), int(lim.I))
	if err != nil {
		if cerr := c.Canceled(); cerr != nil {
			return nil, cerr
		}
		return nil, err
	}
	if !ok {
		return n.Fallback.Open(c)
	}
	rows := make([]types.Row, len(hits))
	for i, h := range hits {
		rows[i] = h.Row
	}
	return NewSliceIter(rows), nil
}
