package sql

import (
	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// accessPath puts a WHERE clause over node. When node scans one table, the
// conjuncts that bound a prefix of the primary key or of an index narrow
// the scan to a span (the filter stays: the span only skips rows).
func (b *binder) accessPath(node executor.Node, where executor.Expr) executor.Node {
	scan, ok := node.(*executor.Scan)
	if !ok {
		return &executor.Filter{Input: node, Cond: where}
	}
	conj := conjuncts(where)
	best, bestScore := (*executor.Scan)(nil), 0
	try := func(idx *storage.IndexDesc, cols []int) {
		s, score := spanFor(scan.Table, idx, cols, conj, scan.WithKey)
		if s != nil && score > bestScore {
			best, bestScore = s, score
		}
	}
	if len(scan.Table.PrimaryKey) > 0 {
		try(nil, scan.Table.PrimaryKey)
	}
	for i := range scan.Table.Indexes {
		try(&scan.Table.Indexes[i], scan.Table.Indexes[i].Columns)
	}
	if best != nil {
		node = best
	}
	return &executor.Filter{Input: node, Cond: where}
}

func conjuncts(e executor.Expr) []executor.Expr {
	if a, ok := e.(*executor.And); ok {
		var out []executor.Expr
		for _, x := range a.Args {
			out = append(out, conjuncts(x)...)
		}
		return out
	}
	return []executor.Expr{e}
}

// spanFor builds a scan over index idx (nil: the primary key) on cols from
// the conjuncts, scoring it: 2 per equality column, 1 for a range.
func spanFor(td *storage.TableDesc, idx *storage.IndexDesc, cols []int, conj []executor.Expr, withKey bool) (*executor.Scan, int) {
	s := &executor.Scan{Table: td, Index: idx, WithKey: withKey}
	score := 0
	for _, col := range cols {
		if eq := findBound(conj, col, td, "="); eq != nil {
			s.Start = append(s.Start, eq)
			s.End = append(s.End, eq)
			score += 2
			continue
		}
		lo, loOp := findRange(conj, col, td, ">", ">=")
		hi, hiOp := findRange(conj, col, td, "<", "<=")
		if lo != nil {
			s.Start = append(s.Start, lo)
			s.StartExclusive = loOp == ">"
			score++
		}
		if hi != nil {
			s.End = append(s.End, hi)
			s.EndExclusive = hiOp == "<"
			score++
		}
		break
	}
	if score == 0 {
		return nil, 0
	}
	return s, score
}

var flipped = map[string]string{"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}

// boundOf returns the row-independent side of a comparison col op expr
// (or expr op' col), with the operator as seen from the column.
func boundOf(e executor.Expr, col int, td *storage.TableDesc) (executor.Expr, string) {
	bo, ok := e.(*executor.BinOp)
	if !ok || bo.Op.Result != types.BoolOID {
		return nil, ""
	}
	name := bo.Op.Name
	if _, ok := flipped[name]; !ok {
		return nil, ""
	}
	colT := td.Columns[col].Type
	if ref, ok := bo.L.(*executor.ColRef); ok && ref.Idx == col && rowIndependent(bo.R) && sameKind(colT, bo.R.Type()) {
		return bo.R, name
	}
	if ref, ok := bo.R.(*executor.ColRef); ok && ref.Idx == col && rowIndependent(bo.L) && sameKind(colT, bo.L.Type()) {
		return bo.L, flipped[name]
	}
	return nil, ""
}

func sameKind(a, b types.T) bool {
	ka := types.KindOf(a.OID)
	if ka != types.KindOf(b.OID) {
		return false
	}
	// char(n) compares ignoring trailing blanks; its keys don't.
	return a.OID != types.BPCharOID && b.OID != types.BPCharOID
}

func findBound(conj []executor.Expr, col int, td *storage.TableDesc, op string) executor.Expr {
	for _, c := range conj {
		if e, o := boundOf(c, col, td); e != nil && o == op {
			return e
		}
	}
	return nil
}

func findRange(conj []executor.Expr, col int, td *storage.TableDesc, strict, inclusive string) (executor.Expr, string) {
	for _, c := range conj {
		if e, o := boundOf(c, col, td); e != nil && (o == strict || o == inclusive) {
			return e, o
		}
	}
	return nil, ""
}

// rowIndependent reports an expression whose value is fixed for the whole
// scan: a constant, a parameter, or a column of an enclosing query.
func rowIndependent(e executor.Expr) bool {
	switch x := e.(type) {
	case *executor.Const, *executor.Param, *executor.OuterRef:
		return true
	case *executor.Cast:
		return rowIndependent(x.X)
	}
	return false
}
