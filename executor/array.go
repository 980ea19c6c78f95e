package executor

import (
	"github.com/akidb/akidb/types"
)

// ArrayExpr is ARRAY[e1, e2, ...]: its elements already converted to the
// element type.
type ArrayExpr struct {
	Elems []Expr
	Elem  types.OID
	T     types.T
}

func (e *ArrayExpr) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	vals := make([]types.Datum, len(e.Elems))
	for i, x := range e.Elems {
		v, err := x.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		vals[i] = v
	}
	return types.Datum{K: types.KArray, P: &types.Array{Elem: e.Elem, Elems: vals}}, nil
}
func (e *ArrayExpr) Type() types.T  { return e.T }
func (e *ArrayExpr) String() string { return "ARRAY[" + exprList(e.Elems) + "]" }

// AnyArray is X op ANY (array) or X op ALL (array), with PostgreSQL's
// three-valued result.
type AnyArray struct {
	X, Arr Expr
	Op     *types.Op
	All    bool
}

func (e *AnyArray) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	x, err := e.X.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	a, err := e.Arr.Eval(c, row)
	if err != nil || a.IsNull() {
		return types.Null, err
	}
	arr := a.P.(*types.Array)
	if len(arr.Elems) == 0 {
		return types.NewBool(e.All), nil
	}
	if x.IsNull() {
		return types.Null, nil
	}
	sawNull := false
	for _, el := range arr.Elems {
		if el.IsNull() {
			sawNull = true
			continue
		}
		v, err := e.Op.Fn(x, el)
		if err != nil {
			return types.Null, err
		}
		if v.IsNull() {
			sawNull = true
			continue
		}
		if v.Bool() != e.All {
			return types.NewBool(!e.All), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(e.All), nil
}
func (e *AnyArray) Type() types.T { return types.Bool }
func (e *AnyArray) String() string {
	q := "ANY"
	if e.All {
		q = "ALL"
	}
	return "(" + e.X.String() + " " + e.Op.Name + " " + q + "(" + e.Arr.String() + "))"
}
