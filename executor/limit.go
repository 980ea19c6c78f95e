package executor

import (
	"io"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// Limit skips Offset rows and then yields at most Count rows; either may be
// nil. Both are evaluated once when the node opens.
type Limit struct {
	Input         Node
	Count, Offset Expr
}

func (n *Limit) Width() int { return n.Input.Width() }

func (n *Limit) Open(c *Ctx) (RowIter, error) {
	count, offset := int64(-1), int64(0)
	if n.Count != nil {
		v, err := n.Count.Eval(c, nil)
		if err != nil {
			return nil, err
		}
		if !v.IsNull() {
			if v.I < 0 {
				return nil, pgerr.New(pgerr.InvalidRowCountInLimit, "LIMIT must not be negative")
			}
			count = v.I
		}
	}
	if n.Offset != nil {
		v, err := n.Offset.Eval(c, nil)
		if err != nil {
			return nil, err
		}
		if !v.IsNull() {
			if v.I < 0 {
				return nil, pgerr.New(pgerr.InvalidRowCountInOffset, "OFFSET must not be negative")
			}
			offset = v.I
		}
	}
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	return &limitIter{in: in, left: count, skip: offset}, nil
}

type limitIter struct {
	in   RowIter
	left int64 // -1: no limit
	skip int64
}

func (it *limitIter) Next() (types.Row, error) {
	for it.skip > 0 {
		if _, err := it.in.Next(); err != nil {
			return nil, err
		}
		it.skip--
	}
	if it.left == 0 {
		return nil, io.EOF
	}
	row, err := it.in.Next()
	if err != nil {
		return nil, err
	}
	if it.left > 0 {
		it.left--
	}
	return row, nil
}
func (it *limitIter) Close() error { return it.in.Close() }
