package executor

import (
	"fmt"
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// Expr is a typed scalar expression evaluated against one input row.
type Expr interface {
	Eval(c *Ctx, row types.Row) (types.Datum, error)
	Type() types.T
	// String renders the expression; equal strings mean equal expressions
	// (the binder uses it to match GROUP BY expressions).
	String() string
}

// Const is a literal value.
type Const struct {
	V types.Datum
	T types.T
}

func (e *Const) Eval(*Ctx, types.Row) (types.Datum, error) { return e.V, nil }
func (e *Const) Type() types.T                             { return e.T }
func (e *Const) String() string {
	if e.V.IsNull() {
		return "NULL::" + e.T.String()
	}
	return fmt.Sprintf("%q::%s", types.FormatText(e.V, e.T, nil), e.T.String())
}

// Param is $N (Idx is N-1).
type Param struct {
	Idx int
	T   types.T
}

func (e *Param) Eval(c *Ctx, _ types.Row) (types.Datum, error) {
	if e.Idx >= len(c.Params) {
		return types.Null, pgerr.New(pgerr.UndefinedParameter, "there is no parameter $%d", e.Idx+1)
	}
	return c.Params[e.Idx], nil
}
func (e *Param) Type() types.T  { return e.T }
func (e *Param) String() string { return fmt.Sprintf("$%d", e.Idx+1) }

// ColRef reads column Idx of the input row.
type ColRef struct {
	Idx  int
	T    types.T
	Name string
}

func (e *ColRef) Eval(_ *Ctx, row types.Row) (types.Datum, error) { return row[e.Idx], nil }
func (e *ColRef) Type() types.T                                   { return e.T }
func (e *ColRef) String() string                                  { return fmt.Sprintf("#%d", e.Idx) }

// OuterRef reads column Idx of the row of an enclosing query, Depth levels
// up (1 = the query directly around this one).
type OuterRef struct {
	Depth int
	Idx   int
	T     types.T
}

func (e *OuterRef) Eval(c *Ctx, _ types.Row) (types.Datum, error) {
	return c.outer[len(c.outer)-e.Depth][e.Idx], nil
}
func (e *OuterRef) Type() types.T  { return e.T }
func (e *OuterRef) String() string { return fmt.Sprintf("outer(%d)#%d", e.Depth, e.Idx) }

// BinOp applies a strict binary operator.
type BinOp struct {
	Op   *types.Op
	L, R Expr
}

func (e *BinOp) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	l, err := e.L.Eval(c, row)
	if err != nil || l.IsNull() {
		return types.Null, err
	}
	r, err := e.R.Eval(c, row)
	if err != nil || r.IsNull() {
		return types.Null, err
	}
	return e.Op.Fn(l, r)
}
func (e *BinOp) Type() types.T { return types.T{OID: e.Op.Result, Mod: -1} }
func (e *BinOp) String() string {
	return fmt.Sprintf("(%s %s %s)", e.L.String(), e.Op.Name, e.R.String())
}

// UnOp applies a strict prefix operator.
type UnOp struct {
	Op *types.Op
	X  Expr
}

func (e *UnOp) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	x, err := e.X.Eval(c, row)
	if err != nil || x.IsNull() {
		return types.Null, err
	}
	return e.Op.Fn(types.Null, x)
}
func (e *UnOp) Type() types.T  { return types.T{OID: e.Op.Result, Mod: -1} }
func (e *UnOp) String() string { return fmt.Sprintf("(%s %s)", e.Op.Name, e.X.String()) }

// And is three-valued AND over its arguments.
type And struct{ Args []Expr }

func (e *And) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	sawNull := false
	for _, a := range e.Args {
		v, err := a.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		if v.IsNull() {
			sawNull = true
		} else if !v.Bool() {
			return types.NewBool(false), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(true), nil
}
func (e *And) Type() types.T  { return types.Bool }
func (e *And) String() string { return "AND(" + exprList(e.Args) + ")" }

// Or is three-valued OR over its arguments.
type Or struct{ Args []Expr }

func (e *Or) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	sawNull := false
	for _, a := range e.Args {
		v, err := a.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		if v.IsNull() {
			sawNull = true
		} else if v.Bool() {
			return types.NewBool(true), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(false), nil
}
func (e *Or) Type() types.T  { return types.Bool }
func (e *Or) String() string { return "OR(" + exprList(e.Args) + ")" }

// Not is three-valued NOT.
type Not struct{ X Expr }

func (e *Not) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	v, err := e.X.Eval(c, row)
	if err != nil || v.IsNull() {
		return types.Null, err
	}
	return types.NewBool(!v.Bool()), nil
}
func (e *Not) Type() types.T  { return types.Bool }
func (e *Not) String() string { return "NOT(" + e.X.String() + ")" }

// IsNull is X IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
}

func (e *IsNull) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	v, err := e.X.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	return types.NewBool(v.IsNull() != e.Not), nil
}
func (e *IsNull) Type() types.T { return types.Bool }
func (e *IsNull) String() string {
	if e.Not {
		return "(" + e.X.String() + " IS NOT NULL)"
	}
	return "(" + e.X.String() + " IS NULL)"
}

// BoolTest is X IS [NOT] TRUE/FALSE/UNKNOWN.
type BoolTest struct {
	X Expr
	// Want is the truth value tested: 1 true, 0 false, -1 unknown.
	Want int
	Not  bool
}

func (e *BoolTest) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	v, err := e.X.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	got := -1
	if !v.IsNull() {
		got = int(v.I)
	}
	return types.NewBool((got == e.Want) != e.Not), nil
}
func (e *BoolTest) Type() types.T { return types.Bool }
func (e *BoolTest) String() string {
	return fmt.Sprintf("(%s IS %v %d)", e.X.String(), e.Not, e.Want)
}

// Cast converts X to To.
type Cast struct {
	X        Expr
	To       types.T
	Explicit bool
}

func (e *Cast) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	v, err := e.X.Eval(c, row)
	if err != nil || v.IsNull() {
		return types.Null, err
	}
	return types.Cast(v, e.X.Type(), e.To, c.Location, e.Explicit)
}
func (e *Cast) Type() types.T  { return e.To }
func (e *Cast) String() string { return "(" + e.X.String() + ")::" + e.To.String() }

// Func calls a builtin function.
type Func struct {
	F    *types.Func
	Args []Expr
	// Res is the result type (F.Result with a typmod, or the resolved
	// polymorphic type).
	Res types.T
}

func (e *Func) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	args := make([]types.Datum, len(e.Args))
	for i, a := range e.Args {
		v, err := a.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		if v.IsNull() && e.F.Strict {
			return types.Null, nil
		}
		args[i] = v
	}
	return e.F.Fn(args)
}
func (e *Func) Type() types.T  { return e.Res }
func (e *Func) String() string { return e.F.Name + "(" + exprList(e.Args) + ")" }

// SessionFunc is a builtin that reads the statement's context (now(),
// current_user, version(), ...).
type SessionFunc struct {
	Name string
	T    types.T
	Fn   func(c *Ctx) (types.Datum, error)
}

func (e *SessionFunc) Eval(c *Ctx, _ types.Row) (types.Datum, error) { return e.Fn(c) }
func (e *SessionFunc) Type() types.T                                 { return e.T }
func (e *SessionFunc) String() string                                { return e.Name + "()" }

// Case is CASE WHEN c THEN r ... ELSE d END; a CASE with an operand has been
// turned into equality conditions by the binder (Operand evaluated once and
// read back through CaseOperand).
type Case struct {
	Operand Expr // may be nil
	Whens   []When
	Else    Expr // nil means NULL
	T       types.T
}

// When is one arm of a Case.
type When struct{ Cond, Result Expr }

// CaseOperand stands for the value of the enclosing CASE's operand.
type CaseOperand struct{ T types.T }

func (e *CaseOperand) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	return row[len(row)-1], nil
}
func (e *CaseOperand) Type() types.T  { return e.T }
func (e *CaseOperand) String() string { return "CASE_OPERAND" }

func (e *Case) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	condRow := row
	if e.Operand != nil {
		v, err := e.Operand.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		condRow = make(types.Row, len(row)+1)
		copy(condRow, row)
		condRow[len(row)] = v
	}
	for _, w := range e.Whens {
		v, err := w.Cond.Eval(c, condRow)
		if err != nil {
			return types.Null, err
		}
		if !v.IsNull() && v.Bool() {
			return w.Result.Eval(c, row)
		}
	}
	if e.Else == nil {
		return types.Null, nil
	}
	return e.Else.Eval(c, row)
}
func (e *Case) Type() types.T { return e.T }
func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if e.Operand != nil {
		b.WriteString(" " + e.Operand.String())
	}
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	return b.String() + " END"
}

// Coalesce returns its first non-NULL argument.
type Coalesce struct {
	Args []Expr
	T    types.T
}

func (e *Coalesce) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	for _, a := range e.Args {
		v, err := a.Eval(c, row)
		if err != nil || !v.IsNull() {
			return v, err
		}
	}
	return types.Null, nil
}
func (e *Coalesce) Type() types.T  { return e.T }
func (e *Coalesce) String() string { return "COALESCE(" + exprList(e.Args) + ")" }

// MinMax is GREATEST or LEAST: NULLs are ignored.
type MinMax struct {
	Args     []Expr
	Greatest bool
	T        types.T
}

func (e *MinMax) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	best := types.Null
	for _, a := range e.Args {
		v, err := a.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		if v.IsNull() {
			continue
		}
		if best.IsNull() {
			best = v
			continue
		}
		cmp := types.Compare(v, best)
		if (e.Greatest && cmp > 0) || (!e.Greatest && cmp < 0) {
			best = v
		}
	}
	return best, nil
}
func (e *MinMax) Type() types.T { return e.T }
func (e *MinMax) String() string {
	return fmt.Sprintf("MINMAX(%v,%s)", e.Greatest, exprList(e.Args))
}

// NullIf is NULLIF(a, b): NULL when a = b, else a.
type NullIf struct {
	A, B Expr
	Eq   *types.Op
}

func (e *NullIf) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	a, err := e.A.Eval(c, row)
	if err != nil || a.IsNull() {
		return a, err
	}
	b, err := e.B.Eval(c, row)
	if err != nil || b.IsNull() {
		return a, err
	}
	eq, err := e.Eq.Fn(a, b)
	if err != nil {
		return types.Null, err
	}
	if eq.Bool() {
		return types.Null, nil
	}
	return a, nil
}
func (e *NullIf) Type() types.T  { return e.A.Type() }
func (e *NullIf) String() string { return "NULLIF(" + e.A.String() + "," + e.B.String() + ")" }

// InList is X [NOT] IN (list) with three-valued semantics.
type InList struct {
	X    Expr
	List []Expr
	Eqs  []*types.Op // one equality operator per list element
	Not  bool
}

func (e *InList) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	x, err := e.X.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	if x.IsNull() {
		return types.Null, nil
	}
	sawNull := false
	for i, item := range e.List {
		v, err := item.Eval(c, row)
		if err != nil {
			return types.Null, err
		}
		if v.IsNull() {
			sawNull = true
			continue
		}
		eq, err := e.Eqs[i].Fn(x, v)
		if err != nil {
			return types.Null, err
		}
		if eq.Bool() {
			return types.NewBool(!e.Not), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(e.Not), nil
}
func (e *InList) Type() types.T { return types.Bool }
func (e *InList) String() string {
	return fmt.Sprintf("(%s IN%v (%s))", e.X.String(), e.Not, exprList(e.List))
}

func exprList(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// EvalBool evaluates a condition: NULL counts as false.
func EvalBool(c *Ctx, e Expr, row types.Row) (bool, error) {
	v, err := e.Eval(c, row)
	if err != nil || v.IsNull() {
		return false, err
	}
	return v.Bool(), nil
}

// IsDistinct is L IS [NOT] DISTINCT FROM R: NULLs compare as values.
type IsDistinct struct {
	L, R Expr
	Eq   *types.Op
	Not  bool
}

func (e *IsDistinct) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	l, err := e.L.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	r, err := e.R.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	var distinct bool
	switch {
	case l.IsNull() || r.IsNull():
		distinct = l.IsNull() != r.IsNull()
	default:
		eq, err := e.Eq.Fn(l, r)
		if err != nil {
			return types.Null, err
		}
		distinct = !eq.Bool()
	}
	return types.NewBool(distinct != e.Not), nil
}
func (e *IsDistinct) Type() types.T { return types.Bool }
func (e *IsDistinct) String() string {
	return fmt.Sprintf("(%s DISTINCT%v %s)", e.L.String(), e.Not, e.R.String())
}

// Relabel gives X's value another type with the same representation
// (PostgreSQL's binary-coercible casts, such as oid to regtype).
type Relabel struct {
	X Expr
	T types.T
}

func (e *Relabel) Eval(c *Ctx, row types.Row) (types.Datum, error) { return e.X.Eval(c, row) }
func (e *Relabel) Type() types.T                                   { return e.T }
func (e *Relabel) String() string                                  { return "(" + e.X.String() + ")::" + e.T.String() }

// Rows is an in-memory row source computed when it opens (catalog views).
type Rows struct {
	Fn func(c *Ctx) ([]types.Row, error)
	N  int
}

func (n *Rows) Width() int { return n.N }

func (n *Rows) Open(c *Ctx) (RowIter, error) {
	rows, err := n.Fn(c)
	if err != nil {
		return nil, err
	}
	return NewSliceIter(rows), nil
}
