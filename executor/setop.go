package executor

import (
	"github.com/akidb/akidb/types"
)

// SetOpKind is UNION, INTERSECT or EXCEPT.
type SetOpKind uint8

const (
	Union SetOpKind = iota
	Intersect
	Except
)

// SetOp combines two inputs of the same width. Without All, duplicates are
// removed; with All, INTERSECT and EXCEPT count duplicates as multisets.
type SetOp struct {
	Left, Right Node
	Kind        SetOpKind
	All         bool
}

func (n *SetOp) Width() int { return n.Left.Width() }

func (n *SetOp) Open(c *Ctx) (RowIter, error) {
	lit, err := n.Left.Open(c)
	if err != nil {
		return nil, err
	}
	left, err := Drain(c, lit)
	if err != nil {
		return nil, err
	}
	rit, err := n.Right.Open(c)
	if err != nil {
		return nil, err
	}
	right, err := Drain(c, rit)
	if err != nil {
		return nil, err
	}
	var out []types.Row
	switch n.Kind {
	case Union:
		out = append(left, right...)
		if !n.All {
			out = dedup(out)
		}
	case Intersect, Except:
		counts := map[string]int{}
		for _, r := range right {
			counts[string(AppendGroupKey(nil, r))]++
		}
		emitted := map[string]bool{}
		for _, r := range left {
			k := string(AppendGroupKey(nil, r))
			inRight := counts[k] > 0
			keep := inRight == (n.Kind == Intersect)
			if n.All {
				if inRight {
					counts[k]--
				}
			} else if emitted[k] {
				keep = false
			}
			if keep {
				emitted[k] = true
				out = append(out, r)
			}
		}
	}
	return NewSliceIter(out), nil
}

func dedup(rows []types.Row) []types.Row {
	seen := map[string]struct{}{}
	out := rows[:0]
	for _, r := range rows {
		k := string(AppendGroupKey(nil, r))
		if _, dup := seen[k]; dup {
			continue
		}
		seen[k] = struct{}{}
		out = append(out, r)
	}
	return out
}
