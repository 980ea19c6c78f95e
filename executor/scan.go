package executor

import (
	"io"

	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// Scan reads a table in primary-key order, or through Index in index order,
// between bounds over a prefix of the key columns. Bounds are expressions
// (constants or parameters) evaluated when the scan opens; a NULL bound
// matches nothing, as no comparison with NULL is true.
type Scan struct {
	Table                        *storage.TableDesc
	Index                        *storage.IndexDesc // nil: the primary key
	Start, End                   []Expr
	StartExclusive, EndExclusive bool
	// WithKey appends each row's storage key as a final KBytes value, for
	// UPDATE and DELETE.
	WithKey bool
}

func (n *Scan) Width() int {
	if n.WithKey {
		return len(n.Table.Columns) + 1
	}
	return len(n.Table.Columns)
}

func (n *Scan) Open(c *Ctx) (RowIter, error) {
	span := storage.Span{StartExclusive: n.StartExclusive, EndExclusive: n.EndExclusive}
	var err error
	var null bool
	if span.Start, null, err = evalBounds(c, n.Start); err != nil || null {
		return NewSliceIter(nil), err
	}
	if span.End, null, err = evalBounds(c, n.End); err != nil || null {
		return NewSliceIter(nil), err
	}
	var it *storage.RowIter
	if n.Index != nil {
		it = c.Txn.ScanIndex(n.Table, n.Index, span)
	} else {
		it = c.Txn.Scan(n.Table, span)
	}
	return &scanIter{it: it, c: c, withKey: n.WithKey}, nil
}

func evalBounds(c *Ctx, es []Expr) ([]types.Datum, bool, error) {
	if len(es) == 0 {
		return nil, false, nil
	}
	out := make([]types.Datum, len(es))
	for i, e := range es {
		v, err := e.Eval(c, nil)
		if err != nil {
			return nil, false, err
		}
		if v.IsNull() {
			return nil, true, nil
		}
		out[i] = v
	}
	return out, false, nil
}

type scanIter struct {
	it      *storage.RowIter
	c       *Ctx
	withKey bool
}

func (s *scanIter) Next() (types.Row, error) {
	if err := s.c.checkCancel(); err != nil {
		return nil, err
	}
	if !s.it.Next() {
		if err := s.it.Err(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	row := s.it.Row()
	if s.withKey {
		row = append(row, types.Datum{K: types.KBytes, S: string(s.it.Key())})
	}
	return row, nil
}

func (s *scanIter) Close() error { return s.it.Close() }
