package executor

import "github.com/akidb/akidb/types"

// Filter passes the rows for which Cond is true.
type Filter struct {
	Input Node
	Cond  Expr
}

func (n *Filter) Width() int { return n.Input.Width() }

func (n *Filter) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	return &filterIter{in: in, n: n, c: c}, nil
}

type filterIter struct {
	in RowIter
	n  *Filter
	c  *Ctx
}

func (it *filterIter) Next() (types.Row, error) {
	for {
		row, err := it.in.Next()
		if err != nil {
			return nil, err
		}
		if err := it.c.checkCancel(); err != nil {
			return nil, err
		}
		ok, err := EvalBool(it.c, it.n.Cond, row)
		if err != nil {
			return nil, err
		}
		if ok {
			return row, nil
		}
	}
}
func (it *filterIter) Close() error { return it.in.Close() }

// Project computes one output column per expression.
type Project struct {
	Input Node
	Exprs []Expr
}

func (n *Project) Width() int { return len(n.Exprs) }

func (n *Project) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	return &projectIter{in: in, n: n, c: c}, nil
}

type projectIter struct {
	in RowIter
	n  *Project
	c  *Ctx
}

func (it *projectIter) Next() (types.Row, error) {
	row, err := it.in.Next()
	if err != nil {
		return nil, err
	}
	out := make(types.Row, len(it.n.Exprs))
	for i, e := range it.n.Exprs {
		if out[i], err = e.Eval(it.c, row); err != nil {
			return nil, err
		}
	}
	return out, nil
}
func (it *projectIter) Close() error { return it.in.Close() }
