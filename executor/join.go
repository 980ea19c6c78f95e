package executor

import (
	"io"

	"github.com/akidb/akidb/types"
)

// JoinKind is the kind of a join.
type JoinKind uint8

const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
)

// NestedLoop joins Left and Right on Cond (nil: a cross join). The right
// side is read once and kept in memory.
type NestedLoop struct {
	Left, Right Node
	Cond        Expr
	Kind        JoinKind
}

func (n *NestedLoop) Width() int { return n.Left.Width() + n.Right.Width() }

func (n *NestedLoop) Open(c *Ctx) (RowIter, error) {
	rit, err := n.Right.Open(c)
	if err != nil {
		return nil, err
	}
	right, err := Drain(c, rit)
	if err != nil {
		return nil, err
	}
	left, err := n.Left.Open(c)
	if err != nil {
		return nil, err
	}
	return &nlIter{n: n, c: c, left: left, right: right, matched: make([]bool, len(right)), ri: -1}, nil
}

type nlIter struct {
	n       *NestedLoop
	c       *Ctx
	left    RowIter
	right   []types.Row
	matched []bool
	cur     types.Row
	curHit  bool
	ri      int
	leftEOF bool
	tail    int // position in the unmatched right rows (RIGHT/FULL)
}

func (it *nlIter) Next() (types.Row, error) {
	lw, rw := it.n.Left.Width(), it.n.Right.Width()
	for !it.leftEOF {
		if it.cur == nil {
			row, err := it.left.Next()
			if err == io.EOF {
				it.leftEOF = true
				break
			}
			if err != nil {
				return nil, err
			}
			it.cur, it.curHit, it.ri = row, false, 0
		}
		for it.ri < len(it.right) {
			r := it.right[it.ri]
			idx := it.ri
			it.ri++
			if err := it.c.checkCancel(); err != nil {
				return nil, err
			}
			out := make(types.Row, 0, lw+rw)
			out = append(append(out, it.cur...), r...)
			if it.n.Cond != nil {
				ok, err := EvalBool(it.c, it.n.Cond, out)
				if err != nil {
					return nil, err
				}
				if !ok {
					continue
				}
			}
			it.curHit = true
			it.matched[idx] = true
			return out, nil
		}
		cur, hit := it.cur, it.curHit
		it.cur = nil
		if !hit && (it.n.Kind == JoinLeft || it.n.Kind == JoinFull) {
			out := make(types.Row, lw+rw)
			copy(out, cur)
			return out, nil
		}
	}
	if it.n.Kind == JoinRight || it.n.Kind == JoinFull {
		for it.tail < len(it.right) {
			i := it.tail
			it.tail++
			if !it.matched[i] {
				out := make(types.Row, lw+rw)
				copy(out[lw:], it.right[i])
				return out, nil
			}
		}
	}
	return nil, io.EOF
}

func (it *nlIter) Close() error { return it.left.Close() }
