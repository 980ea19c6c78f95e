package sql

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// setOp plans UNION / INTERSECT / EXCEPT.
func (b *binder) setOp(sel *pg_query.SelectStmt, parent *scope) (*query, error) {
	l, err := b.selectStmt(sel.Larg, parent)
	if err != nil {
		return nil, err
	}
	r, err := b.selectStmt(sel.Rarg, parent)
	if err != nil {
		return nil, err
	}
	kind, name := executor.Union, "UNION"
	switch sel.Op {
	case pg_query.SetOperation_SETOP_INTERSECT:
		kind, name = executor.Intersect, "INTERSECT"
	case pg_query.SetOperation_SETOP_EXCEPT:
		kind, name = executor.Except, "EXCEPT"
	}
	if len(l.cols) != len(r.cols) {
		return nil, pgerr.New(pgerr.SyntaxError, "each %s query must have the same number of columns", name)
	}
	cols := make([]Column, len(l.cols))
	lx := make([]executor.Expr, len(l.cols))
	rx := make([]executor.Expr, len(l.cols))
	needL, needR := false, false
	for i := range l.cols {
		le := executor.Expr(&executor.ColRef{Idx: i, T: l.cols[i].Type})
		re := executor.Expr(&executor.ColRef{Idx: i, T: r.cols[i].Type})
		t, err := b.commonType([]executor.Expr{le, re}, name, 0)
		if err != nil {
			return nil, err
		}
		if lx[i], err = b.coerce(le, t, types.CastImplicit, 0); err != nil {
			return nil, err
		}
		if rx[i], err = b.coerce(re, t, types.CastImplicit, 0); err != nil {
			return nil, err
		}
		needL = needL || lx[i] != le
		needR = needR || rx[i] != re
		cols[i] = Column{Name: l.cols[i].Name, Type: t}
	}
	ln, rn := l.node, r.node
	if needL {
		ln = &executor.Project{Input: ln, Exprs: lx}
	}
	if needR {
		rn = &executor.Project{Input: rn, Exprs: rx}
	}
	q := &query{node: &executor.SetOp{Left: ln, Right: rn, Kind: kind, All: sel.All}, cols: cols}
	return b.finishSelect(sel, q, parent)
}
