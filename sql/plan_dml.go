package sql

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// dml is a planned INSERT, UPDATE or DELETE.
type dml struct {
	node executor.Node
	cols []Column // RETURNING columns, nil without RETURNING
	verb string   // INSERT, UPDATE, DELETE
}

func tableScope(td *storage.TableDesc, name string) *scope {
	sc := &scope{}
	for i, c := range td.Columns {
		sc.cols = append(sc.cols, scopeCol{table: name, name: c.Name, t: c.Type, tableOID: tableOID(td), attr: int16(i + 1)})
	}
	return sc
}

func relName(rv *pg_query.RangeVar) string {
	if rv.Alias != nil {
		return rv.Alias.Aliasname
	}
	return rv.Relname
}

// defaultExpr binds column i's DEFAULT (NULL when it has none), converted
// to the column's type.
func (b *binder) defaultExpr(td *storage.TableDesc, i int) (executor.Expr, error) {
	col := td.Columns[i]
	if col.Default == "" {
		return &executor.Const{V: types.Null, T: col.Type}, nil
	}
	res, err := pg_query.Parse("SELECT " + col.Default)
	if err != nil {
		return nil, pgerr.Wrap(err, pgerr.DataCorrupted, "default of column %q", col.Name)
	}
	rt := res.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget()
	e, err := b.expr(rt.Val, &scope{what: "DEFAULT expressions"})
	if err != nil {
		return nil, err
	}
	return b.assign(e, td, i, 0)
}

// assign converts a value for column i with assignment casts.
func (b *binder) assign(e executor.Expr, td *storage.TableDesc, i int, pos int32) (executor.Expr, error) {
	col := td.Columns[i]
	out, err := b.coerce(e, col.Type, types.CastAssignment, pos)
	if err != nil && pgerr.Code(err) == pgerr.DatatypeMismatch {
		return nil, pgerr.New(pgerr.DatatypeMismatch, "column %q is of type %s but expression is of type %s", col.Name, regtypeName(col.Type.OID), regtypeName(e.Type().OID)).
			WithHint("You will need to rewrite or cast the expression.").WithPosition(pos)
	}
	return out, err
}

func (b *binder) insertStmt(ins *pg_query.InsertStmt) (*dml, error) {
	if ins.WithClause != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "WITH is not supported yet")
	}
	if ins.OnConflictClause != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "INSERT ... ON CONFLICT is not supported yet")
	}
	td, err := b.table(ins.Relation)
	if err != nil {
		return nil, err
	}
	// targets[k] is the table column the k-th supplied value goes to.
	var targets []int
	if len(ins.Cols) == 0 {
		for i := range td.Columns {
			targets = append(targets, i)
		}
	} else {
		seen := map[int]bool{}
		for _, c := range ins.Cols {
			rt := c.GetResTarget()
			idx := columnIndex(td, rt.Name)
			if idx < 0 {
				return nil, pgerr.New(pgerr.UndefinedColumn, "column %q of relation %q does not exist", rt.Name, td.Name).WithPosition(rt.Location + 1)
			}
			if seen[idx] {
				return nil, pgerr.New(pgerr.DuplicateColumn, "column %q specified more than once", rt.Name).WithPosition(rt.Location + 1)
			}
			seen[idx] = true
			targets = append(targets, idx)
		}
	}
	defaults := make([]executor.Expr, len(td.Columns))
	defaultFor := func(i int) (executor.Expr, error) {
		if defaults[i] == nil {
			d, err := b.defaultExpr(td, i)
			if err != nil {
				return nil, err
			}
			defaults[i] = d
		}
		return defaults[i], nil
	}
	var input executor.Node
	sel := ins.SelectStmt.GetSelectStmt()
	switch {
	case sel == nil:
		// INSERT ... DEFAULT VALUES
		row := make([]executor.Expr, len(td.Columns))
		for i := range row {
			if row[i], err = defaultFor(i); err != nil {
				return nil, err
			}
		}
		input = &executor.Values{Rows: [][]executor.Expr{row}, N: len(row)}
	case len(sel.ValuesLists) > 0 && sel.Op == pg_query.SetOperation_SETOP_NONE && len(sel.SortClause) == 0 && sel.LimitCount == nil:
		sc := &scope{what: "VALUES"}
		var rows [][]executor.Expr
		width := len(sel.ValuesLists[0].GetList().Items)
		for _, l := range sel.ValuesLists {
			if len(l.GetList().Items) != width {
				return nil, pgerr.New(pgerr.SyntaxError, "VALUES lists must all be the same length").WithPosition(exprPos(l.GetList().Items[0]))
			}
		}
		if len(ins.Cols) == 0 && width < len(targets) {
			targets = targets[:width]
		}
		for _, l := range sel.ValuesLists {
			items := l.GetList().Items
			if len(items) > len(targets) {
				return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more expressions than target columns")
			}
			if len(items) < len(targets) {
				return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more target columns than expressions")
			}
			row := make([]executor.Expr, len(td.Columns))
			for k, it := range items {
				col := targets[k]
				if it.GetSetToDefault() != nil {
					if row[col], err = defaultFor(col); err != nil {
						return nil, err
					}
					continue
				}
				e, err := b.expr(it, sc)
				if err != nil {
					return nil, err
				}
				if row[col], err = b.assign(e, td, col, exprPos(it)); err != nil {
					return nil, err
				}
			}
			for i := range row {
				if row[i] == nil {
					if row[i], err = defaultFor(i); err != nil {
						return nil, err
					}
				}
			}
			rows = append(rows, row)
		}
		input = &executor.Values{Rows: rows, N: len(td.Columns)}
	default:
		q, err := b.selectStmt(sel, nil)
		if err != nil {
			return nil, err
		}
		if len(q.cols) > len(targets) {
			return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more expressions than target columns")
		}
		if len(ins.Cols) == 0 {
			targets = targets[:len(q.cols)]
		}
		if len(q.cols) < len(targets) {
			return nil, pgerr.New(pgerr.SyntaxError, "INSERT has more target columns than expressions")
		}
		exprs := make([]executor.Expr, len(td.Columns))
		for k, col := range targets {
			if exprs[col], err = b.assign(&executor.ColRef{Idx: k, T: q.cols[k].Type}, td, col, 0); err != nil {
				return nil, err
			}
		}
		for i := range exprs {
			if exprs[i] == nil {
				if exprs[i], err = defaultFor(i); err != nil {
					return nil, err
				}
			}
		}
		input = &executor.Project{Input: q.node, Exprs: exprs}
	}
	node := &executor.Insert{Table: td, Input: input}
	out := &dml{node: node, verb: "INSERT"}
	if len(ins.ReturningList) > 0 {
		exprs, cols, err := b.returning(ins.ReturningList, td, relName(ins.Relation))
		if err != nil {
			return nil, err
		}
		node.Returning, out.cols = exprs, cols
	}
	return out, nil
}

func exprPos(n *pg_query.Node) int32 {
	switch {
	case n.GetAConst() != nil:
		return n.GetAConst().Location + 1
	case n.GetColumnRef() != nil:
		return n.GetColumnRef().Location + 1
	case n.GetParamRef() != nil:
		return n.GetParamRef().Location + 1
	case n.GetTypeCast() != nil:
		return n.GetTypeCast().Location + 1
	case n.GetAExpr() != nil:
		return n.GetAExpr().Location + 1
	case n.GetFuncCall() != nil:
		return n.GetFuncCall().Location + 1
	}
	return 0
}

func columnIndex(td *storage.TableDesc, name string) int {
	for i, c := range td.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

func (b *binder) returning(list []*pg_query.Node, td *storage.TableDesc, name string) ([]executor.Expr, []Column, error) {
	sc := tableScope(td, name)
	sc.what = "RETURNING"
	targets, err := b.targetList(list, sc)
	if err != nil {
		return nil, nil, err
	}
	exprs := make([]executor.Expr, len(targets))
	cols := make([]Column, len(targets))
	for i, t := range targets {
		exprs[i], cols[i] = t.expr, t.col
	}
	return exprs, cols, nil
}

// scanForWrite plans the rows an UPDATE or DELETE changes: the table with
// each row's key appended, filtered by WHERE.
func (b *binder) scanForWrite(td *storage.TableDesc, name string, where *pg_query.Node) (executor.Node, *scope, error) {
	sc := tableScope(td, name)
	var node executor.Node = &executor.Scan{Table: td, WithKey: true}
	if where != nil {
		sc.what = "WHERE"
		w, err := b.expr(where, sc)
		if err != nil {
			return nil, nil, err
		}
		if w, err = b.condition(w, "WHERE", 0); err != nil {
			return nil, nil, err
		}
		node = b.accessPath(node, w)
	}
	return node, sc, nil
}

func (b *binder) updateStmt(up *pg_query.UpdateStmt) (*dml, error) {
	if up.WithClause != nil || len(up.FromClause) > 0 {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "UPDATE with WITH or FROM is not supported yet")
	}
	td, err := b.table(up.Relation)
	if err != nil {
		return nil, err
	}
	name := relName(up.Relation)
	input, sc, err := b.scanForWrite(td, name, up.WhereClause)
	if err != nil {
		return nil, err
	}
	sc.what = "UPDATE"
	node := &executor.Update{Table: td, Input: input}
	seen := map[int]bool{}
	for _, t := range up.TargetList {
		rt := t.GetResTarget()
		if len(rt.Indirection) > 0 {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "UPDATE of a subfield is not supported").WithPosition(rt.Location + 1)
		}
		col := columnIndex(td, rt.Name)
		if col < 0 {
			return nil, pgerr.New(pgerr.UndefinedColumn, "column %q of relation %q does not exist", rt.Name, td.Name).WithPosition(rt.Location + 1)
		}
		if seen[col] {
			return nil, pgerr.New(pgerr.DuplicateColumn, "multiple assignments to same column %q", rt.Name).WithPosition(rt.Location + 1)
		}
		seen[col] = true
		var e executor.Expr
		if rt.Val.GetSetToDefault() != nil {
			e, err = b.defaultExpr(td, col)
		} else if rt.Val.GetMultiAssignRef() != nil {
			err = pgerr.New(pgerr.FeatureNotSupported, "multiple-column UPDATE is not supported yet").WithPosition(rt.Location + 1)
		} else {
			if e, err = b.expr(rt.Val, sc); err == nil {
				e, err = b.assign(e, td, col, exprPos(rt.Val))
			}
		}
		if err != nil {
			return nil, err
		}
		node.Cols = append(node.Cols, col)
		node.Sets = append(node.Sets, e)
	}
	out := &dml{node: node, verb: "UPDATE"}
	if len(up.ReturningList) > 0 {
		exprs, cols, err := b.returning(up.ReturningList, td, name)
		if err != nil {
			return nil, err
		}
		node.Returning, out.cols = exprs, cols
	}
	return out, nil
}

func (b *binder) deleteStmt(del *pg_query.DeleteStmt) (*dml, error) {
	if del.WithClause != nil || len(del.UsingClause) > 0 {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "DELETE with WITH or USING is not supported yet")
	}
	td, err := b.table(del.Relation)
	if err != nil {
		return nil, err
	}
	name := relName(del.Relation)
	input, _, err := b.scanForWrite(td, name, del.WhereClause)
	if err != nil {
		return nil, err
	}
	node := &executor.Delete{Table: td, Input: input}
	out := &dml{node: node, verb: "DELETE"}
	if len(del.ReturningList) > 0 {
		exprs, cols, err := b.returning(del.ReturningList, td, name)
		if err != nil {
			return nil, err
		}
		node.Returning, out.cols = exprs, cols
	}
	return out, nil
}

// sequenceFunc binds nextval/currval/setval on a sequence named by a
// constant.
func (b *binder) sequenceFunc(name string, args []executor.Expr, pos int32) (executor.Expr, bool, error) {
	if len(args) == 0 {
		return nil, true, pgerr.New(pgerr.UndefinedFunction, "function %s() does not exist", name).WithPosition(pos)
	}
	c, ok := args[0].(*executor.Const)
	if !ok || c.V.K != types.KString {
		return nil, true, pgerr.New(pgerr.FeatureNotSupported, "%s needs a constant sequence name", name).WithPosition(pos)
	}
	seqName := strings.ToLower(strings.Trim(c.V.S, `"`))
	if i := strings.LastIndexByte(seqName, '.'); i >= 0 {
		seqName = seqName[i+1:]
	}
	seq, err := b.txn.Sequence(seqName)
	if err != nil {
		return nil, true, err
	}
	if seq == nil {
		return nil, true, pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", seqName).WithPosition(pos)
	}
	id := seq.ID
	switch name {
	case "nextval":
		return &executor.SessionFunc{Name: "nextval", T: types.Int8, Fn: func(c *executor.Ctx) (types.Datum, error) {
			v, err := c.DB.NextVal(id)
			return types.NewInt(v), err
		}}, true, nil
	}
	return nil, true, pgerr.New(pgerr.FeatureNotSupported, "%s is not supported yet", name).WithPosition(pos)
}
