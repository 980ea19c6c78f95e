package executor

import (
	"io"
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
	// Limit, when set, is how many leading rows are needed (LIMIT +
	// OFFSET): the sort keeps only that many in a bounded heap.
	Limit Expr
}

func (n *Sort) Width() int { return n.Input.Width() }

func (n *Sort) Open(c *Ctx) (RowIter, error) {
	limit := int64(-1)
	if n.Limit != nil {
		v, err := n.Limit.Eval(c, nil)
		if err != nil {
			return nil, err
		}
		if !v.IsNull() && v.I >= 0 {
			limit = v.I
		}
	}
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	if limit >= 0 {
		return n.topK(c, in, int(limit))
	}
	rows, err := Drain(c, in)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(rows, func(a, b types.Row) int { return CompareRows(a, b, n.Keys) })
	return NewSliceIter(rows), nil
}

// topK keeps the first k rows in order with a bounded max-heap; ties keep
// input order, as the stable sort does.
func (n *Sort) topK(c *Ctx, in RowIter, k int) (RowIter, error) {
	defer in.Close()
	if k == 0 {
		return NewSliceIter(nil), nil
	}
	type item struct {
		row types.Row
		seq int
	}
	less := func(a, b item) bool { // a sorts before b
		if cmp := CompareRows(a.row, b.row, n.Keys); cmp != 0 {
			return cmp < 0
		}
		return a.seq < b.seq
	}
	heap := make([]item, 0, min(k, 1024))
	down := func(i int) {
		for {
			l, r, big := 2*i+1, 2*i+2, i
			if l < len(heap) && less(heap[big], heap[l]) {
				big = l
			}
			if r < len(heap) && less(heap[big], heap[r]) {
				big = r
			}
			if big == i {
				return
			}
			heap[i], heap[big] = heap[big], heap[i]
			i = big
		}
	}
	for seq := 0; ; seq++ {
		row, err := in.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := c.checkCancel(); err != nil {
			return nil, err
		}
		it := item{row, seq}
		if len(heap) < k {
			heap = append(heap, it)
			for i := len(heap) - 1; i > 0; {
				p := (i - 1) / 2
				if !less(heap[p], heap[i]) {
					break
				}
				heap[p], heap[i] = heap[i], heap[p]
				i = p
			}
			continue
		}
		if less(it, heap[0]) {
			heap[0] = it
			down(0)
		}
	}
	slices.SortFunc(heap, func(a, b item) int {
		if less(a, b) {
			return -1
		}
		if less(b, a) {
			return 1
		}
		return 0
	})
	rows := make([]types.Row, len(heap))
	for i, it := range heap {
		rows[i] = it.row
	}
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
