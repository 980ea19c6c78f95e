package sql

import (
	"fmt"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// binder turns parse trees into typed executor expressions and plans. One
// binder plans one statement.
type binder struct {
	sess *Session
	txn  *storage.Txn
	// params holds one node per $n; every use of $n shares it, so fixing
	// its type once fixes it everywhere.
	params []*executor.Param
	hints  []uint32
	// outerRefs counts references to enclosing queries' columns, so a
	// subquery knows whether it is correlated.
	outerRefs int
	// colls are the collections the statement uses (tiering.go).
	colls []uint32
}

func (b *binder) param(n int, pos int32) (*executor.Param, error) {
	if n < 1 || n > 65535 {
		return nil, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", n).WithPosition(pos)
	}
	for len(b.params) < n {
		i := len(b.params)
		t := types.Unknown
		if i < len(b.hints) && b.hints[i] != 0 {
			if ht, ok := types.TypeByOID(b.hints[i]); ok {
				t = ht
			} else {
				return nil, pgerr.New(pgerr.UndefinedObject, "type with OID %d does not exist", b.hints[i])
			}
		}
		b.params = append(b.params, &executor.Param{Idx: i, T: t})
	}
	return b.params[n-1], nil
}

// paramTypes resolves every parameter's type; one never given a type by
// its context is text, as PostgreSQL does for a bare $n.
func (b *binder) paramTypes() []types.T {
	n := len(b.hints)
	if len(b.params) > n {
		n = len(b.params)
	}
	out := make([]types.T, n)
	for i := range out {
		if i < len(b.params) {
			if b.params[i].T.OID == types.UnknownOID {
				b.params[i].T = types.Text
			}
			out[i] = b.params[i].T
		} else if t, ok := types.TypeByOID(b.hints[i]); ok {
			out[i] = t
		} else {
			out[i] = types.Text
		}
	}
	return out
}

func strVal(n *pg_query.Node) string {
	if s := n.GetString_(); s != nil {
		return s.Sval
	}
	return ""
}

func nameList(ns []*pg_query.Node) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		out = append(out, strVal(n))
	}
	return out
}

// expr binds one expression in scope sc.
func (b *binder) expr(n *pg_query.Node, sc *scope) (executor.Expr, error) {
	if n == nil {
		return nil, pgerr.New(pgerr.InternalError, "sql: missing expression")
	}
	if g := sc.grouping; g != nil && !g.inAgg {
		if e, ok, err := b.groupedExpr(n, sc); ok || err != nil {
			return e, err
		}
	}
	switch {
	case n.GetAConst() != nil:
		return constExpr(n.GetAConst())
	case n.GetColumnRef() != nil:
		return b.columnRef(n.GetColumnRef(), sc)
	case n.GetParamRef() != nil:
		p := n.GetParamRef()
		return b.param(int(p.Number), p.Location+1)
	case n.GetAExpr() != nil:
		return b.aExpr(n.GetAExpr(), sc)
	case n.GetBoolExpr() != nil:
		return b.boolExpr(n.GetBoolExpr(), sc)
	case n.GetNullTest() != nil:
		nt := n.GetNullTest()
		x, err := b.expr(nt.Arg, sc)
		if err != nil {
			return nil, err
		}
		return &executor.IsNull{X: b.resolveUnknown(x), Not: nt.Nulltesttype == pg_query.NullTestType_IS_NOT_NULL}, nil
	case n.GetBooleanTest() != nil:
		return b.booleanTest(n.GetBooleanTest(), sc)
	case n.GetTypeCast() != nil:
		tc := n.GetTypeCast()
		t, err := b.typeName(tc.TypeName)
		if err != nil {
			return nil, err
		}
		if ae := tc.Arg.GetAArrayExpr(); ae != nil {
			if e, ok, err := b.arrayExprAs(ae, t, sc); ok || err != nil {
				return e, err
			}
		}
		x, err := b.expr(tc.Arg, sc)
		if err != nil {
			return nil, err
		}
		return b.coerce(x, t, types.CastExplicit, tc.Location+1)
	case n.GetFuncCall() != nil:
		return b.funcCall(n.GetFuncCall(), sc)
	case n.GetCaseExpr() != nil:
		return b.caseExpr(n.GetCaseExpr(), sc)
	case n.GetCoalesceExpr() != nil:
		ce := n.GetCoalesceExpr()
		args, t, err := b.commonArgs(ce.Args, sc, "COALESCE", ce.Location+1)
		if err != nil {
			return nil, err
		}
		return &executor.Coalesce{Args: args, T: t}, nil
	case n.GetMinMaxExpr() != nil:
		mm := n.GetMinMaxExpr()
		name := "GREATEST"
		if mm.Op == pg_query.MinMaxOp_IS_LEAST {
			name = "LEAST"
		}
		args, t, err := b.commonArgs(mm.Args, sc, name, mm.Location+1)
		if err != nil {
			return nil, err
		}
		return &executor.MinMax{Args: args, Greatest: mm.Op == pg_query.MinMaxOp_IS_GREATEST, T: t}, nil
	case n.GetSqlvalueFunction() != nil:
		return sqlValueFunction(n.GetSqlvalueFunction())
	case n.GetSubLink() != nil:
		return b.subLink(n.GetSubLink(), sc)
	case n.GetAArrayExpr() != nil:
		return b.arrayExpr(n.GetAArrayExpr(), sc)
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "expression not supported: %s", nodeName(n))
}

// nodeName names a parse node's kind for error messages.
func nodeName(n *pg_query.Node) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", n.GetNode()), "*pg_query.Node_")
}

// constExpr binds a literal: integers are int4 (int8, numeric when they do
// not fit), decimals numeric, strings of unknown type until a context gives
// them one.
func constExpr(c *pg_query.A_Const) (executor.Expr, error) {
	if c.Isnull {
		return &executor.Const{V: types.Null, T: types.Unknown}, nil
	}
	switch v := c.Val.(type) {
	case *pg_query.A_Const_Ival:
		return &executor.Const{V: types.NewInt(int64(v.Ival.Ival)), T: types.Int4}, nil
	case *pg_query.A_Const_Fval:
		s := v.Fval.Fval
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			// A negated literal folded by the grammar may still fit int4.
			if i >= -1<<31 && i < 1<<31 {
				return &executor.Const{V: types.NewInt(i), T: types.Int4}, nil
			}
			return &executor.Const{V: types.NewInt(i), T: types.Int8}, nil
		}
		d, err := types.ParseText(types.Numeric, s)
		if err != nil {
			return nil, err
		}
		return &executor.Const{V: d, T: types.Numeric}, nil
	case *pg_query.A_Const_Sval:
		return &executor.Const{V: types.NewString(v.Sval.Sval), T: types.Unknown}, nil
	case *pg_query.A_Const_Boolval:
		return &executor.Const{V: types.NewBool(v.Boolval.Boolval), T: types.Bool}, nil
	case *pg_query.A_Const_Bsval:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "bit string literals are not supported")
	}
	return nil, pgerr.New(pgerr.InternalError, "sql: unknown constant")
}

func (b *binder) columnRef(cr *pg_query.ColumnRef, sc *scope) (executor.Expr, error) {
	pos := cr.Location + 1
	var parts []string
	for _, f := range cr.Fields {
		if f.GetAStar() != nil {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "* is not allowed here").WithPosition(pos)
		}
		parts = append(parts, strVal(f))
	}
	var e executor.Expr
	var err error
	switch len(parts) {
	case 1:
		e, err = sc.lookup("", parts[0], pos)
	case 2:
		e, err = sc.lookup(parts[0], parts[1], pos)
	case 3:
		e, err = sc.lookup(parts[1], parts[2], pos)
	default:
		return nil, pgerr.New(pgerr.SyntaxError, "improper qualified name (too many dotted names): %s", strings.Join(parts, ".")).WithPosition(pos)
	}
	if _, ok := e.(*executor.OuterRef); ok {
		b.outerRefs++
	}
	return e, err
}

func (b *binder) boolExpr(be *pg_query.BoolExpr, sc *scope) (executor.Expr, error) {
	args := make([]executor.Expr, len(be.Args))
	for i, a := range be.Args {
		e, err := b.expr(a, sc)
		if err != nil {
			return nil, err
		}
		what := "AND"
		switch be.Boolop {
		case pg_query.BoolExprType_OR_EXPR:
			what = "OR"
		case pg_query.BoolExprType_NOT_EXPR:
			what = "NOT"
		}
		if args[i], err = b.condition(e, what, be.Location+1); err != nil {
			return nil, err
		}
	}
	switch be.Boolop {
	case pg_query.BoolExprType_AND_EXPR:
		return &executor.And{Args: args}, nil
	case pg_query.BoolExprType_OR_EXPR:
		return &executor.Or{Args: args}, nil
	}
	return &executor.Not{X: args[0]}, nil
}

// condition coerces e to boolean for a clause such as WHERE or an argument
// of AND.
func (b *binder) condition(e executor.Expr, what string, pos int32) (executor.Expr, error) {
	if e.Type().OID == types.BoolOID {
		return e, nil
	}
	if e.Type().OID == types.UnknownOID {
		return b.coerce(e, types.Bool, types.CastAssignment, pos)
	}
	return nil, pgerr.New(pgerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", what, e.Type().String()).WithPosition(pos)
}

func (b *binder) booleanTest(bt *pg_query.BooleanTest, sc *scope) (executor.Expr, error) {
	x, err := b.expr(bt.Arg, sc)
	if err != nil {
		return nil, err
	}
	if x, err = b.condition(x, "IS TRUE", bt.Location+1); err != nil {
		return nil, err
	}
	t := &executor.BoolTest{X: x}
	switch bt.Booltesttype {
	case pg_query.BoolTestType_IS_TRUE:
		t.Want = 1
	case pg_query.BoolTestType_IS_NOT_TRUE:
		t.Want, t.Not = 1, true
	case pg_query.BoolTestType_IS_FALSE:
		t.Want = 0
	case pg_query.BoolTestType_IS_NOT_FALSE:
		t.Want, t.Not = 0, true
	case pg_query.BoolTestType_IS_UNKNOWN:
		t.Want = -1
	case pg_query.BoolTestType_IS_NOT_UNKNOWN:
		t.Want, t.Not = -1, true
	}
	return t, nil
}

func (b *binder) aExpr(ae *pg_query.A_Expr, sc *scope) (executor.Expr, error) {
	pos := ae.Location + 1
	name := ""
	if len(ae.Name) > 0 {
		name = strVal(ae.Name[len(ae.Name)-1])
	}
	switch ae.Kind {
	case pg_query.A_Expr_Kind_AEXPR_OP, pg_query.A_Expr_Kind_AEXPR_LIKE, pg_query.A_Expr_Kind_AEXPR_ILIKE:
		if ae.Lexpr == nil {
			x, err := b.expr(ae.Rexpr, sc)
			if err != nil {
				return nil, err
			}
			return b.unaryOp(name, x, pos)
		}
		l, err := b.expr(ae.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(ae.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		return b.binaryOp(name, l, r, pos)
	case pg_query.A_Expr_Kind_AEXPR_DISTINCT, pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT:
		l, err := b.expr(ae.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(ae.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binaryOp("=", l, r, pos)
		if err != nil {
			return nil, err
		}
		bo := eq.(*executor.BinOp)
		return &executor.IsDistinct{L: bo.L, R: bo.R, Eq: bo.Op, Not: ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_DISTINCT}, nil
	case pg_query.A_Expr_Kind_AEXPR_NULLIF:
		l, err := b.expr(ae.Lexpr, sc)
		if err != nil {
			return nil, err
		}
		r, err := b.expr(ae.Rexpr, sc)
		if err != nil {
			return nil, err
		}
		eq, err := b.binaryOp("=", l, r, pos)
		if err != nil {
			return nil, err
		}
		bo := eq.(*executor.BinOp)
		return &executor.NullIf{A: bo.L, B: bo.R, Eq: bo.Op}, nil
	case pg_query.A_Expr_Kind_AEXPR_IN:
		return b.inList(ae, name, sc)
	case pg_query.A_Expr_Kind_AEXPR_BETWEEN, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN,
		pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM, pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM:
		return b.between(ae, sc)
	case pg_query.A_Expr_Kind_AEXPR_OP_ANY, pg_query.A_Expr_Kind_AEXPR_OP_ALL:
		return b.anyArray(ae, name, sc)
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "operator kind %s is not supported", ae.Kind.String()).WithPosition(pos)
}

func (b *binder) inList(ae *pg_query.A_Expr, name string, sc *scope) (executor.Expr, error) {
	pos := ae.Location + 1
	x, err := b.expr(ae.Lexpr, sc)
	if err != nil {
		return nil, err
	}
	list := ae.Rexpr.GetList()
	if list == nil {
		return nil, pgerr.New(pgerr.SyntaxError, "syntax error in IN list").WithPosition(pos)
	}
	items := make([]executor.Expr, len(list.Items))
	all := []executor.Expr{x}
	for i, it := range list.Items {
		if items[i], err = b.expr(it, sc); err != nil {
			return nil, err
		}
		all = append(all, items[i])
	}
	// PostgreSQL compares in the common type of all the values.
	t, err := b.commonType(all, "IN", pos)
	if err != nil {
		return nil, err
	}
	if x, err = b.coerce(x, t, types.CastImplicit, pos); err != nil {
		return nil, err
	}
	in := &executor.InList{X: x, Not: name == "<>"}
	for _, it := range items {
		e, err := b.binaryOp("=", x, it, pos)
		if err != nil {
			return nil, err
		}
		bo := e.(*executor.BinOp)
		in.List = append(in.List, bo.R)
		in.Eqs = append(in.Eqs, bo.Op)
	}
	return in, nil
}

func (b *binder) between(ae *pg_query.A_Expr, sc *scope) (executor.Expr, error) {
	pos := ae.Location + 1
	x, err := b.expr(ae.Lexpr, sc)
	if err != nil {
		return nil, err
	}
	bounds := ae.Rexpr.GetList()
	lo, err := b.expr(bounds.Items[0], sc)
	if err != nil {
		return nil, err
	}
	hi, err := b.expr(bounds.Items[1], sc)
	if err != nil {
		return nil, err
	}
	ge, err := b.binaryOp(">=", x, lo, pos)
	if err != nil {
		return nil, err
	}
	le, err := b.binaryOp("<=", x, hi, pos)
	if err != nil {
		return nil, err
	}
	var e executor.Expr = &executor.And{Args: []executor.Expr{ge, le}}
	sym := ae.Kind == pg_query.A_Expr_Kind_AEXPR_BETWEEN_SYM || ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM
	if sym {
		ge2, err := b.binaryOp(">=", x, hi, pos)
		if err != nil {
			return nil, err
		}
		le2, err := b.binaryOp("<=", x, lo, pos)
		if err != nil {
			return nil, err
		}
		e = &executor.Or{Args: []executor.Expr{e, &executor.And{Args: []executor.Expr{ge2, le2}}}}
	}
	if ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN || ae.Kind == pg_query.A_Expr_Kind_AEXPR_NOT_BETWEEN_SYM {
		e = &executor.Not{X: e}
	}
	return e, nil
}

func (b *binder) caseExpr(ce *pg_query.CaseExpr, sc *scope) (executor.Expr, error) {
	pos := ce.Location + 1
	out := &executor.Case{}
	var operand executor.Expr
	if ce.Arg != nil {
		var err error
		if operand, err = b.expr(ce.Arg, sc); err != nil {
			return nil, err
		}
	}
	results := make([]executor.Expr, 0, len(ce.Args)+1)
	for _, a := range ce.Args {
		w := a.GetCaseWhen()
		var cond executor.Expr
		var err error
		if operand != nil {
			whenVal, err := b.expr(w.Expr, sc)
			if err != nil {
				return nil, err
			}
			// Compare the operand's value (read back through CaseOperand)
			// with each WHEN value.
			if cond, err = b.binaryOp("=", &executor.CaseOperand{T: operand.Type()}, whenVal, w.Location+1); err != nil {
				return nil, err
			}
		} else {
			c, err := b.expr(w.Expr, sc)
			if err != nil {
				return nil, err
			}
			if cond, err = b.condition(c, "CASE/WHEN", w.Location+1); err != nil {
				return nil, err
			}
		}
		r, err := b.expr(w.Result, sc)
		if err != nil {
			return nil, err
		}
		out.Whens = append(out.Whens, executor.When{Cond: cond, Result: r})
		results = append(results, r)
	}
	if ce.Defresult != nil {
		d, err := b.expr(ce.Defresult, sc)
		if err != nil {
			return nil, err
		}
		out.Else = d
		results = append(results, d)
	}
	t, err := b.commonType(results, "CASE", pos)
	if err != nil {
		return nil, err
	}
	for i := range out.Whens {
		if out.Whens[i].Result, err = b.coerce(out.Whens[i].Result, t, types.CastImplicit, pos); err != nil {
			return nil, err
		}
	}
	if out.Else != nil {
		if out.Else, err = b.coerce(out.Else, t, types.CastImplicit, pos); err != nil {
			return nil, err
		}
	}
	if operand != nil {
		out.Operand = operand
	}
	out.T = t
	return out, nil
}

// commonArgs binds args and coerces them all to their common type.
func (b *binder) commonArgs(ns []*pg_query.Node, sc *scope, what string, pos int32) ([]executor.Expr, types.T, error) {
	args := make([]executor.Expr, len(ns))
	for i, a := range ns {
		e, err := b.expr(a, sc)
		if err != nil {
			return nil, types.T{}, err
		}
		args[i] = e
	}
	t, err := b.commonType(args, what, pos)
	if err != nil {
		return nil, t, err
	}
	for i := range args {
		if args[i], err = b.coerce(args[i], t, types.CastImplicit, pos); err != nil {
			return nil, t, err
		}
	}
	return args, t, nil
}

// typeName resolves a parse tree's type name.
func (b *binder) typeName(tn *pg_query.TypeName) (types.T, error) {
	if len(tn.ArrayBounds) > 0 {
		el, err := b.typeName(&pg_query.TypeName{Names: tn.Names, Typmods: tn.Typmods, Location: tn.Location})
		if err != nil {
			return el, err
		}
		at, ok := types.ArrayTypeOf(el)
		if !ok {
			return at, pgerr.New(pgerr.UndefinedObject, "type \"%s[]\" does not exist", el.String()).WithPosition(tn.Location + 1)
		}
		return at, nil
	}
	names := nameList(tn.Names)
	var mods []int32
	for _, m := range tn.Typmods {
		c := m.GetAConst()
		if c == nil {
			return types.T{}, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers").WithPosition(tn.Location + 1)
		}
		iv, ok := c.Val.(*pg_query.A_Const_Ival)
		if !ok {
			return types.T{}, pgerr.New(pgerr.SyntaxError, "type modifiers must be simple constants or identifiers").WithPosition(tn.Location + 1)
		}
		mods = append(mods, iv.Ival.Ival)
	}
	t, err := types.ParseTypeName(names, mods)
	if err != nil {
		if pe, ok := err.(*pgerr.Error); ok && pe.Position == 0 {
			return t, pe.WithPosition(tn.Location + 1)
		}
		return t, err
	}
	return t, nil
}

// arrayExpr binds ARRAY[...]: the elements take their common type.
func (b *binder) arrayExpr(ae *pg_query.A_ArrayExpr, sc *scope) (executor.Expr, error) {
	pos := ae.Location + 1
	if len(ae.Elements) == 0 {
		return nil, pgerr.New(pgerr.IndeterminateDatatype, "cannot determine type of empty array").
			WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].").WithPosition(pos)
	}
	elems, t, err := b.commonArgs(ae.Elements, sc, "ARRAY", pos)
	if err != nil {
		return nil, err
	}
	at, ok := types.ArrayTypeOf(t)
	if !ok {
		return nil, pgerr.New(pgerr.UndefinedObject, "could not find array type for data type %s", t.String()).WithPosition(pos)
	}
	return &executor.ArrayExpr{Elems: elems, Elem: t.OID, T: at}, nil
}

// arrayExprAs binds ARRAY[...]::t for an array type t as PostgreSQL does:
// each element is cast to t's element type (so ARRAY[]::integer[] is an
// empty array). ok is false when the ordinary rules apply (t is not an
// array type, or the elements are arrays themselves).
func (b *binder) arrayExprAs(ae *pg_query.A_ArrayExpr, t types.T, sc *scope) (executor.Expr, bool, error) {
	el, isArr := types.ElemOf(t.OID)
	if !isArr {
		return nil, false, nil
	}
	for _, n := range ae.Elements {
		if n.GetAArrayExpr() != nil {
			return nil, false, nil
		}
	}
	elemT := types.T{OID: el, Mod: t.Mod}
	elems := make([]executor.Expr, len(ae.Elements))
	for i, n := range ae.Elements {
		x, err := b.expr(n, sc)
		if err != nil {
			return nil, true, err
		}
		if elems[i], err = b.coerce(x, elemT, types.CastExplicit, ae.Location+1); err != nil {
			return nil, true, err
		}
	}
	if len(elems) == 0 {
		return &executor.Const{V: types.NewArray(&types.Array{Elem: el}), T: t}, true, nil
	}
	return &executor.ArrayExpr{Elems: elems, Elem: el, T: t}, true, nil
}

// anyArray binds x op ANY (array) and x op ALL (array).
func (b *binder) anyArray(ae *pg_query.A_Expr, name string, sc *scope) (executor.Expr, error) {
	pos := ae.Location + 1
	x, err := b.expr(ae.Lexpr, sc)
	if err != nil {
		return nil, err
	}
	arr, err := b.expr(ae.Rexpr, sc)
	if err != nil {
		return nil, err
	}
	if arr.Type().OID == types.UnknownOID {
		// An untyped literal or parameter is an array of x's type.
		x = b.resolveUnknown(x)
		at, ok := types.ArrayTypeOf(types.T{OID: x.Type().OID, Mod: -1})
		if !ok {
			return nil, pgerr.New(pgerr.UndefinedObject, "could not find array type for data type %s", x.Type().String()).WithPosition(pos)
		}
		if arr, err = b.coerce(arr, at, types.CastImplicit, pos); err != nil {
			return nil, err
		}
	}
	elem, ok := types.ElemOf(arr.Type().OID)
	if !ok {
		return nil, pgerr.New(pgerr.WrongObjectType, "op ANY/ALL (array) requires array on right side").WithPosition(pos)
	}
	cmp, err := b.binaryOp(name, x, &executor.ColRef{T: types.T{OID: elem, Mod: -1}}, pos)
	if err != nil {
		return nil, err
	}
	bo, ok := cmp.(*executor.BinOp)
	if !ok || bo.Op.Result != types.BoolOID {
		return nil, pgerr.New(pgerr.WrongObjectType, "op ANY/ALL (array) requires operator to yield boolean").WithPosition(pos)
	}
	if bo.Op.Right != elem {
		at, ok := types.ArrayTypeOf(types.T{OID: bo.Op.Right, Mod: -1})
		if !ok {
			return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", x.Type().String(), name, arr.Type().String()).WithPosition(pos)
		}
		if arr, err = b.coerce(arr, at, types.CastExplicit, pos); err != nil {
			return nil, err
		}
	}
	return &executor.AnyArray{X: bo.L, Arr: arr, Op: bo.Op, All: ae.Kind == pg_query.A_Expr_Kind_AEXPR_OP_ALL}, nil
}
