package executor

import (
	"io"

	"github.com/akidb/akidb/types"
)

// Node is one operator of a plan tree.
type Node interface {
	// Open starts the operator. The iterator must be closed.
	Open(c *Ctx) (RowIter, error)
	// Width is the number of columns of the rows it yields.
	Width() int
}

// RowIter yields rows; Next returns io.EOF after the last one.
type RowIter interface {
	Next() (types.Row, error)
	Close() error
}

// sliceIter yields rows from a slice.
type sliceIter struct {
	rows []types.Row
	i    int
}

func (it *sliceIter) Next() (types.Row, error) {
	if it.i >= len(it.rows) {
		return nil, io.EOF
	}
	r := it.rows[it.i]
	it.i++
	return r, nil
}
func (it *sliceIter) Close() error { return nil }

// NewSliceIter returns an iterator over rows.
func NewSliceIter(rows []types.Row) RowIter { return &sliceIter{rows: rows} }

// Drain reads an iterator to the end and closes it.
func Drain(c *Ctx, it RowIter) ([]types.Row, error) {
	defer it.Close()
	var rows []types.Row
	for {
		r, err := it.Next()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		if err := c.checkCancel(); err != nil {
			return nil, err
		}
		rows = append(rows, r)
	}
}
