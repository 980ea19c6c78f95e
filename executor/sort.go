package executor

import (
	"slices"

	"github.com/akidb/akidb/types"
)

// SortKey orders by one input column.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// Sort materializes its input and yields it ordered by Keys (a stable sort,
// so equal rows keep their input order).
type Sort struct {
	Input Node
	Keys  []SortKey
}

func (n *Sort) Width() int { return n.Input.Width() }

func (n *Sort) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	rows, err := Drain(c, in)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b types.Row) int { return CompareRows(a, b, n.Keys) })
	return NewSliceIter(rows), nil
}

// CompareRows orders two rows by keys.
func CompareRows(a, b types.Row, keys []SortKey) int {
	for _, k := range keys {
		x, y := a[k.Col], b[k.Col]
		var cmp int
		switch {
		case x.IsNull() && y.IsNull():
			cmp = 0
		case x.IsNull():
			if k.NullsFirst {
				return -1
			}
			return 1
		case y.IsNull():
			if k.NullsFirst {
				return 1
			}
			return -1
		default:
			cmp = types.Compare(x, y)
		}
		if cmp != 0 {
			if k.Desc {
				return -cmp
			}
			return cmp
		}
	}
	return 0
}
