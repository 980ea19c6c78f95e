package sql

import (
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// query is a planned row source with its result columns.
type query struct {
	node executor.Node
	cols []Column
}

// target is one select-list entry being planned.
type target struct {
	name string
	expr executor.Expr
	col  Column
	ast  *pg_query.Node
}

// selectStmt plans a SELECT; parent is the enclosing query's scope for a
// subquery (nil at top level).
func (b *binder) selectStmt(sel *pg_query.SelectStmt, parent *scope) (*query, error) {
	if sel.WithClause != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "WITH queries are not supported yet")
	}
	if sel.IntoClause != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "SELECT INTO is not supported")
	}
	if sel.Op != pg_query.SetOperation_SETOP_NONE {
		return b.setOp(sel, parent)
	}
	if len(sel.ValuesLists) > 0 {
		q, err := b.valuesList(sel.ValuesLists, parent)
		if err != nil {
			return nil, err
		}
		return b.finishSelect(sel, q, parent)
	}
	if len(sel.LockingClause) > 0 {
		// FOR UPDATE/SHARE: rows are checked for conflicts at commit.
	}
	if len(sel.WindowClause) > 0 {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "window functions are not supported yet")
	}
	node, sc, err := b.fromClause(sel.FromClause, parent)
	if err != nil {
		return nil, err
	}
	base := node
	var where executor.Expr
	if sel.WhereClause != nil {
		sc.what = "WHERE"
		w, err := b.expr(sel.WhereClause, sc)
		if err != nil {
			return nil, err
		}
		if where, err = b.condition(w, "WHERE", 0); err != nil {
			return nil, err
		}
		node = b.accessPath(node, where)
	}

	grouped := len(sel.GroupClause) > 0 || sel.HavingClause != nil || hasAggregate(sel.TargetList) || sortHasAggregate(sel.SortClause)
	var agg *executor.Aggregate
	outScope := sc
	if grouped {
		g := &grouping{}
		sc.what = "GROUP BY"
		for _, gn := range sel.GroupClause {
			gn = groupTargetAST(gn, sel.TargetList, sc)
			e, err := b.expr(gn, sc)
			if err != nil {
				return nil, err
			}
			e = b.resolveUnknown(e)
			g.keys = append(g.keys, e.String())
			g.types = append(g.types, e.Type())
			if agg == nil {
				agg = &executor.Aggregate{Input: node}
			}
			agg.Groups = append(agg.Groups, e)
		}
		if agg == nil {
			agg = &executor.Aggregate{Input: node}
		}
		outScope = &scope{cols: sc.cols, parent: parent, grouping: g}
	}

	targets, err := b.targetList(sel.TargetList, outScope)
	if err != nil {
		return nil, err
	}
	var having executor.Expr
	if sel.HavingClause != nil {
		outScope.what = "HAVING"
		h, err := b.expr(sel.HavingClause, outScope)
		if err != nil {
			return nil, err
		}
		if having, err = b.condition(h, "HAVING", 0); err != nil {
			return nil, err
		}
	}
	outScope.what = "ORDER BY"
	keys, hidden, err := b.orderBy(sel.SortClause, targets, outScope, len(sel.DistinctClause) > 0)
	if err != nil {
		return nil, err
	}
	if agg != nil {
		agg.Aggs = outScope.grouping.aggs
		node = agg
		if having != nil {
			node = &executor.Filter{Input: node, Cond: having}
		}
	}
	exprs := make([]executor.Expr, 0, len(targets)+len(hidden))
	cols := make([]Column, len(targets))
	for i, t := range targets {
		exprs = append(exprs, t.expr)
		cols[i] = t.col
	}
	exprs = append(exprs, hidden...)
	count, offset, err := b.limitExprs(sel)
	if err != nil {
		return nil, err
	}
	distinct := len(sel.DistinctClause) > 0
	ordered := false // rows come out already in ORDER BY order
	if agg == nil && !distinct && len(keys) > 0 && !keys[0].Desc && count != nil {
		if vs := b.vectorScan(base, where, exprs[keys[0].Col], limitTotal(count, offset)); vs != nil {
			node, ordered = vs, len(keys) == 1
			if ordered && len(hidden) > 0 {
				// The scan yields rows in ORDER BY order and nothing sorts
				// them again: the hidden sort keys need no computing.
				exprs, hidden = exprs[:len(targets)], nil
			}
			vs.KeyOnly = where == nil && storage.KeyOnly(vs.Table) && onlyKeyColumns(exprs, vs.Table)
		} else if where == nil && len(keys) == 1 && !keys[0].NullsFirst {
			// No index: an exact scan finds the nearest rows, which the
			// Sort below still orders.
			if es := exactScan(base, exprs[keys[0].Col], limitTotal(count, offset)); es != nil {
				node = es
			}
		}
	}
	node = &executor.Project{Input: node, Exprs: exprs}
	if distinct {
		if len(sel.DistinctClause) > 1 || sel.DistinctClause[0].GetNode() != nil {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "SELECT DISTINCT ON is not supported yet")
		}
		node = &executor.Distinct{Input: node, Cols: len(targets)}
	}
	if len(keys) > 0 && !ordered {
		node = &executor.Sort{Input: node, Keys: keys, Limit: limitTotal(count, offset)}
	}
	node = wrapLimit(node, count, offset)
	if len(hidden) > 0 {
		trim := make([]executor.Expr, len(targets))
		for i, t := range targets {
			trim[i] = &executor.ColRef{Idx: i, T: t.expr.Type()}
		}
		node = &executor.Project{Input: node, Exprs: trim}
	}
	return &query{node: node, cols: cols}, nil
}

// finishSelect applies ORDER BY and LIMIT of a VALUES or set-operation
// query to its rows (columns can be named by ordinal or output name).
func (b *binder) finishSelect(sel *pg_query.SelectStmt, q *query, parent *scope) (*query, error) {
	sc := &scope{parent: parent, what: "ORDER BY"}
	for _, c := range q.cols {
		sc.cols = append(sc.cols, scopeCol{name: c.Name, t: c.Type})
	}
	targets := make([]target, len(q.cols))
	for i, c := range q.cols {
		targets[i] = target{name: c.Name, expr: &executor.ColRef{Idx: i, T: c.Type}, col: c}
	}
	keys, hidden, err := b.orderBy(sel.SortClause, targets, sc, false)
	if err != nil {
		return nil, err
	}
	node := q.node
	if len(hidden) > 0 {
		exprs := make([]executor.Expr, 0, len(targets)+len(hidden))
		for _, t := range targets {
			exprs = append(exprs, t.expr)
		}
		node = &executor.Project{Input: node, Exprs: append(exprs, hidden...)}
	}
	count, offset, err := b.limitExprs(sel)
	if err != nil {
		return nil, err
	}
	if len(keys) > 0 {
		node = &executor.Sort{Input: node, Keys: keys, Limit: limitTotal(count, offset)}
	}
	node = wrapLimit(node, count, offset)
	if len(hidden) > 0 {
		trim := make([]executor.Expr, len(targets))
		for i, t := range targets {
			trim[i] = &executor.ColRef{Idx: i, T: t.expr.Type()}
		}
		node = &executor.Project{Input: node, Exprs: trim}
	}
	return &query{node: node, cols: q.cols}, nil
}

// limitExprs binds LIMIT and OFFSET (nil when absent, LIMIT ALL or NULL).
func (b *binder) limitExprs(sel *pg_query.SelectStmt) (count, offset executor.Expr, err error) {
	if sel.LimitOption == pg_query.LimitOption_LIMIT_OPTION_WITH_TIES {
		return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "FETCH ... WITH TIES is not supported yet")
	}
	empty := &scope{what: "LIMIT"}
	bind := func(n *pg_query.Node) (executor.Expr, error) {
		if n == nil {
			return nil, nil
		}
		if c := n.GetAConst(); c != nil && c.Isnull {
			return nil, nil // LIMIT NULL / LIMIT ALL
		}
		e, err := b.expr(n, empty)
		if err != nil {
			return nil, err
		}
		return b.coerce(e, types.Int8, types.CastImplicit, 0)
	}
	if count, err = bind(sel.LimitCount); err != nil {
		return nil, nil, err
	}
	offset, err = bind(sel.LimitOffset)
	return count, offset, err
}

func wrapLimit(node executor.Node, count, offset executor.Expr) executor.Node {
	if count == nil && offset == nil {
		return node
	}
	return &executor.Limit{Input: node, Count: count, Offset: offset}
}

// targetList binds the select list, expanding *.
func (b *binder) targetList(list []*pg_query.Node, sc *scope) ([]target, error) {
	var out []target
	for _, n := range list {
		rt := n.GetResTarget()
		if cr := rt.Val.GetColumnRef(); cr != nil && cr.Fields[len(cr.Fields)-1].GetAStar() != nil {
			table := ""
			if len(cr.Fields) > 1 {
				table = strVal(cr.Fields[len(cr.Fields)-2])
			}
			expanded, err := b.expandStar(sc, table, cr.Location+1)
			if err != nil {
				return nil, err
			}
			out = append(out, expanded...)
			continue
		}
		e, err := b.expr(rt.Val, sc)
		if err != nil {
			return nil, err
		}
		e = b.resolveUnknown(e)
		name := rt.Name
		if name == "" {
			name = figureColname(rt.Val)
		}
		col := Column{Name: name, Type: e.Type()}
		if ref, ok := e.(*executor.ColRef); ok && sc.grouping == nil {
			c := sc.cols[ref.Idx]
			col.TableOID, col.Attr = c.tableOID, c.attr
		}
		out = append(out, target{name: name, expr: e, col: col, ast: rt.Val})
	}
	return out, nil
}

func (b *binder) expandStar(sc *scope, table string, pos int32) ([]target, error) {
	var out []target
	if sc.grouping != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "* in a grouped query is not supported").WithPosition(pos)
	}
	found := false
	for i, c := range sc.cols {
		if table != "" && c.table != table {
			continue
		}
		found = true
		if c.hidden {
			continue
		}
		out = append(out, target{
			name: c.name,
			expr: &executor.ColRef{Idx: i, T: c.t, Name: c.name},
			col:  Column{Name: c.name, Type: c.t, TableOID: c.tableOID, Attr: c.attr},
		})
	}
	if table != "" && !found {
		return nil, pgerr.New(pgerr.UndefinedTable, "missing FROM-clause entry for table %q", table).WithPosition(pos)
	}
	if table == "" && len(sc.cols) == 0 {
		return nil, pgerr.New(pgerr.SyntaxError, "SELECT * with no tables specified is not valid").WithPosition(pos)
	}
	return out, nil
}

// orderBy binds ORDER BY items: an ordinal or an output column name picks
// a select-list entry, anything else is an expression over the input that
// becomes a hidden extra column.
func (b *binder) orderBy(items []*pg_query.Node, targets []target, sc *scope, distinct bool) ([]executor.SortKey, []executor.Expr, error) {
	var keys []executor.SortKey
	var hidden []executor.Expr
	for _, it := range items {
		sb := it.GetSortBy()
		if sb.SortbyDir == pg_query.SortByDir_SORTBY_USING {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "ORDER BY ... USING is not supported")
		}
		key := executor.SortKey{Col: -1, Desc: sb.SortbyDir == pg_query.SortByDir_SORTBY_DESC}
		key.NullsFirst = key.Desc
		switch sb.SortbyNulls {
		case pg_query.SortByNulls_SORTBY_NULLS_FIRST:
			key.NullsFirst = true
		case pg_query.SortByNulls_SORTBY_NULLS_LAST:
			key.NullsFirst = false
		}
		if c := sb.Node.GetAConst(); c != nil {
			if iv, ok := c.Val.(*pg_query.A_Const_Ival); ok {
				n := int(iv.Ival.Ival)
				if n < 1 || n > len(targets) {
					return nil, nil, pgerr.New(pgerr.InvalidColumnReference, "ORDER BY position %d is not in select list", n).WithPosition(c.Location + 1)
				}
				key.Col = n - 1
			}
		}
		if cr := sb.Node.GetColumnRef(); key.Col < 0 && cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
			name := strVal(cr.Fields[0])
			for i, t := range targets {
				if t.name == name {
					if key.Col >= 0 && t.expr.String() != targets[key.Col].expr.String() {
						return nil, nil, pgerr.New(pgerr.AmbiguousColumn, "ORDER BY %q is ambiguous", name).WithPosition(cr.Location + 1)
					}
					if key.Col < 0 {
						key.Col = i
					}
				}
			}
		}
		if key.Col < 0 {
			e, err := b.expr(sb.Node, sc)
			if err != nil {
				return nil, nil, err
			}
			e = b.resolveUnknown(e)
			s := e.String()
			for i, t := range targets {
				if t.expr.String() == s {
					key.Col = i
					break
				}
			}
			if key.Col < 0 {
				for i, h := range hidden {
					if h.String() == s {
						key.Col = len(targets) + i
					}
				}
			}
			if key.Col < 0 {
				if distinct {
					return nil, nil, pgerr.New(pgerr.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list").WithPosition(sb.Location + 1)
				}
				key.Col = len(targets) + len(hidden)
				hidden = append(hidden, e)
			}
		}
		keys = append(keys, key)
	}
	return keys, hidden, nil
}

// groupTargetAST resolves GROUP BY 1 and GROUP BY <output name> to the
// select-list expression they name.
func groupTargetAST(gn *pg_query.Node, targets []*pg_query.Node, sc *scope) *pg_query.Node {
	if c := gn.GetAConst(); c != nil {
		if iv, ok := c.Val.(*pg_query.A_Const_Ival); ok {
			n := int(iv.Ival.Ival)
			if n >= 1 && n <= len(targets) {
				return targets[n-1].GetResTarget().Val
			}
		}
	}
	if cr := gn.GetColumnRef(); cr != nil && len(cr.Fields) == 1 && cr.Fields[0].GetString_() != nil {
		name := strVal(cr.Fields[0])
		if idx, _ := sc.find("", name, 0); idx >= 0 {
			return gn // an input column wins
		}
		for _, t := range targets {
			if rt := t.GetResTarget(); rt.Name == name {
				return rt.Val
			}
		}
	}
	return gn
}

// hasAggregate reports an aggregate call in a select list, outside
// subqueries.
func hasAggregate(list []*pg_query.Node) bool {
	for _, n := range list {
		if rt := n.GetResTarget(); rt != nil && containsAggregate(rt.Val) {
			return true
		}
	}
	return false
}

func sortHasAggregate(list []*pg_query.Node) bool {
	for _, n := range list {
		if sb := n.GetSortBy(); sb != nil && containsAggregate(sb.Node) {
			return true
		}
	}
	return false
}

func containsAggregate(n *pg_query.Node) bool {
	found := false
	walk(n, func(x *pg_query.Node) bool {
		if found {
			return false
		}
		if x.GetSubLink() != nil {
			return false
		}
		if fc := x.GetFuncCall(); fc != nil && isAggregate(fc) {
			found = true
			return false
		}
		return true
	})
	return found
}

// figureColname names a select-list column as PostgreSQL does.
func figureColname(n *pg_query.Node) string {
	switch {
	case n.GetColumnRef() != nil:
		f := n.GetColumnRef().Fields
		if s := strVal(f[len(f)-1]); s != "" {
			return s
		}
	case n.GetFuncCall() != nil:
		return funcName(n.GetFuncCall())
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		if name := figureColname(tc.Arg); name != "?column?" {
			return name
		}
		names := nameList(tc.TypeName.Names)
		return names[len(names)-1]
	case n.GetCaseExpr() != nil:
		if d := n.GetCaseExpr().Defresult; d != nil {
			if name := figureColname(d); name != "?column?" {
				return name
			}
		}
		return "case"
	case n.GetCoalesceExpr() != nil:
		return "coalesce"
	case n.GetMinMaxExpr() != nil:
		if n.GetMinMaxExpr().Op == pg_query.MinMaxOp_IS_GREATEST {
			return "greatest"
		}
		return "least"
	case n.GetAExpr() != nil:
		if n.GetAExpr().Kind == pg_query.A_Expr_Kind_AEXPR_NULLIF {
			return "nullif"
		}
	case n.GetSqlvalueFunction() != nil:
		op := n.GetSqlvalueFunction().Op.String()
		op = strings.TrimPrefix(op, "SVFOP_")
		op = strings.TrimSuffix(op, "_N")
		return strings.ToLower(op)
	case n.GetSubLink() != nil:
		sl := n.GetSubLink()
		switch sl.SubLinkType {
		case pg_query.SubLinkType_EXISTS_SUBLINK:
			return "exists"
		case pg_query.SubLinkType_EXPR_SUBLINK:
			if sel := sl.Subselect.GetSelectStmt(); sel != nil && len(sel.TargetList) == 1 {
				rt := sel.TargetList[0].GetResTarget()
				if rt.Name != "" {
					return rt.Name
				}
				return figureColname(rt.Val)
			}
		}
	}
	return "?column?"
}

// fromClause plans the FROM list: one item, or a cross join of several.
func (b *binder) fromClause(items []*pg_query.Node, parent *scope) (executor.Node, *scope, error) {
	sc := &scope{parent: parent}
	if len(items) == 0 {
		return &executor.Values{Rows: [][]executor.Expr{{}}}, sc, nil
	}
	var node executor.Node
	for _, it := range items {
		n, cols, err := b.fromItem(it, parent)
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cols {
			for _, have := range sc.cols {
				if c.table != "" && have.table == c.table {
					return nil, nil, pgerr.New(pgerr.DuplicateObject, "table name %q specified more than once", c.table)
				}
			}
		}
		if node == nil {
			node = n
		} else {
			node = &executor.NestedLoop{Left: node, Right: n, Kind: executor.JoinInner}
		}
		sc.cols = append(sc.cols, cols...)
	}
	return node, sc, nil
}

func (b *binder) fromItem(it *pg_query.Node, parent *scope) (executor.Node, []scopeCol, error) {
	switch {
	case it.GetRangeVar() != nil:
		rv := it.GetRangeVar()
		if node, cols, ok := b.catalogView(rv); ok {
			return node, cols, nil
		}
		td, err := b.table(rv)
		if err != nil {
			return nil, nil, err
		}
		name := rv.Relname
		if rv.Alias != nil {
			name = rv.Alias.Aliasname
		}
		cols := make([]scopeCol, len(td.Columns))
		for i, c := range td.Columns {
			cols[i] = scopeCol{table: name, name: c.Name, t: c.Type, tableOID: tableOID(td), attr: int16(i + 1)}
		}
		if rv.Alias != nil {
			for i, cn := range rv.Alias.Colnames {
				if i < len(cols) {
					cols[i].name = strVal(cn)
				}
			}
		}
		return &executor.Scan{Table: td}, cols, nil
	case it.GetJoinExpr() != nil:
		return b.joinExpr(it.GetJoinExpr(), parent)
	case it.GetRangeSubselect() != nil:
		rs := it.GetRangeSubselect()
		if rs.Lateral {
			return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "LATERAL is not supported yet")
		}
		q, err := b.selectStmt(rs.Subquery.GetSelectStmt(), parent)
		if err != nil {
			return nil, nil, err
		}
		name := ""
		if rs.Alias != nil {
			name = rs.Alias.Aliasname
		}
		cols := make([]scopeCol, len(q.cols))
		for i, c := range q.cols {
			cols[i] = scopeCol{table: name, name: c.Name, t: c.Type}
			if rs.Alias != nil && i < len(rs.Alias.Colnames) {
				cols[i].name = strVal(rs.Alias.Colnames[i])
			}
		}
		return q.node, cols, nil
	}
	return nil, nil, pgerr.New(pgerr.FeatureNotSupported, "FROM item %s is not supported", nodeName(it))
}

func (b *binder) joinExpr(j *pg_query.JoinExpr, parent *scope) (executor.Node, []scopeCol, error) {
	left, lcols, err := b.fromItem(j.Larg, parent)
	if err != nil {
		return nil, nil, err
	}
	right, rcols, err := b.fromItem(j.Rarg, parent)
	if err != nil {
		return nil, nil, err
	}
	kind := executor.JoinInner
	switch j.Jointype {
	case pg_query.JoinType_JOIN_LEFT:
		kind = executor.JoinLeft
	case pg_query.JoinType_JOIN_RIGHT:
		kind = executor.JoinRight
	case pg_query.JoinType_JOIN_FULL:
		kind = executor.JoinFull
	}
	cols := append(append([]scopeCol{}, lcols...), rcols...)
	sc := &scope{cols: cols, parent: parent, what: "JOIN conditions"}
	var cond executor.Expr
	using := nameList(j.UsingClause)
	if j.IsNatural {
		for _, l := range lcols {
			for _, r := range rcols {
				if l.name == r.name && !l.hidden && !r.hidden {
					using = append(using, l.name)
				}
			}
		}
	}
	if len(using) > 0 {
		var conds []executor.Expr
		for _, name := range using {
			li, ri := -1, -1
			for i, c := range lcols {
				if c.name == name && !c.hidden {
					li = i
				}
			}
			for i, c := range rcols {
				if c.name == name && !c.hidden {
					ri = i
				}
			}
			if li < 0 || ri < 0 {
				return nil, nil, pgerr.New(pgerr.UndefinedColumn, "column %q specified in USING clause does not exist in %s table", name, map[bool]string{true: "left", false: "right"}[li < 0])
			}
			eq, err := b.binaryOp("=", &executor.ColRef{Idx: li, T: lcols[li].t}, &executor.ColRef{Idx: len(lcols) + ri, T: rcols[ri].t}, 0)
			if err != nil {
				return nil, nil, err
			}
			conds = append(conds, eq)
			cols[len(lcols)+ri].hidden = true
		}
		cond = &executor.And{Args: conds}
	} else if j.Quals != nil {
		q, err := b.expr(j.Quals, sc)
		if err != nil {
			return nil, nil, err
		}
		if cond, err = b.condition(q, "JOIN/ON", 0); err != nil {
			return nil, nil, err
		}
	}
	if j.Alias != nil {
		for i := range cols {
			cols[i].table = j.Alias.Aliasname
		}
	}
	return &executor.NestedLoop{Left: left, Right: right, Cond: cond, Kind: kind}, cols, nil
}

// table looks a relation up in the catalog.
func (b *binder) table(rv *pg_query.RangeVar) (*storage.TableDesc, error) {
	if rv.Schemaname != "" && rv.Schemaname != "public" {
		return nil, pgerr.New(pgerr.UndefinedTable, "relation \"%s.%s\" does not exist", rv.Schemaname, rv.Relname).WithPosition(rv.Location + 1)
	}
	td, err := b.txn.Table(rv.Relname)
	if err != nil {
		return nil, err
	}
	if td == nil {
		return nil, pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", rv.Relname).WithPosition(rv.Location + 1)
	}
	b.noteCollection(td)
	return td, nil
}

// tableOID is the OID clients see for a table (RowDescription, catalogs).
func tableOID(td *storage.TableDesc) uint32 { return td.ID }

// valuesList plans VALUES (...), (...).
func (b *binder) valuesList(lists []*pg_query.Node, parent *scope) (*query, error) {
	sc := &scope{parent: parent, what: "VALUES"}
	var rows [][]executor.Expr
	width := -1
	for _, l := range lists {
		items := l.GetList().Items
		if width >= 0 && len(items) != width {
			return nil, pgerr.New(pgerr.SyntaxError, "VALUES lists must all be the same length")
		}
		width = len(items)
		row := make([]executor.Expr, len(items))
		for i, it := range items {
			e, err := b.expr(it, sc)
			if err != nil {
				return nil, err
			}
			row[i] = e
		}
		rows = append(rows, row)
	}
	cols := make([]Column, width)
	for c := 0; c < width; c++ {
		col := make([]executor.Expr, len(rows))
		for r := range rows {
			col[r] = rows[r][c]
		}
		t, err := b.commonType(col, "VALUES", 0)
		if err != nil {
			return nil, err
		}
		for r := range rows {
			if rows[r][c], err = b.coerce(rows[r][c], t, types.CastImplicit, 0); err != nil {
				return nil, err
			}
		}
		cols[c] = Column{Name: "column" + strconv.Itoa(c+1), Type: t}
	}
	return &query{node: &executor.Values{Rows: rows, N: width}, cols: cols}, nil
}
