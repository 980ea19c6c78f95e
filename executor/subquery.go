package executor

import (
	"io"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// SubqueryKind is how a subquery's rows become a value.
type SubqueryKind uint8

const (
	SubScalar SubqueryKind = iota // (SELECT x ...): NULL for no row, error for two
	SubExists                     // EXISTS (SELECT ...)
	SubAny                        // X op ANY (SELECT y ...), X IN (SELECT y ...)
	SubAll                        // X op ALL (SELECT y ...)
)

// Subquery evaluates a plan as an expression. A correlated subquery runs
// again for each outer row (which it reads through OuterRef); an
// uncorrelated one runs once per statement.
type Subquery struct {
	Plan       Node
	Kind       SubqueryKind
	Correlated bool
	T          types.T
	// For SubAny/SubAll: the left operand and the comparison operator.
	X  Expr
	Op *types.Op
}

type subResult struct {
	rows []types.Row
}

func (e *Subquery) Type() types.T  { return e.T }
func (e *Subquery) String() string { return "SUBQUERY" }

func (e *Subquery) rows(c *Ctx, row types.Row) ([]types.Row, error) {
	if !e.Correlated {
		if r, ok := c.subCache[e]; ok {
			return r.rows, nil
		}
	}
	c.outer = append(c.outer, row)
	defer func() { c.outer = c.outer[:len(c.outer)-1] }()
	it, err := e.Plan.Open(c)
	if err != nil {
		return nil, err
	}
	var rows []types.Row
	defer it.Close()
	for {
		r, err := it.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, r)
		if e.Kind == SubExists || (e.Kind == SubScalar && len(rows) > 1) {
			break
		}
	}
	if !e.Correlated {
		if c.subCache == nil {
			c.subCache = map[*Subquery]subResult{}
		}
		c.subCache[e] = subResult{rows: rows}
	}
	return rows, nil
}

func (e *Subquery) Eval(c *Ctx, row types.Row) (types.Datum, error) {
	rows, err := e.rows(c, row)
	if err != nil {
		return types.Null, err
	}
	switch e.Kind {
	case SubExists:
		return types.NewBool(len(rows) > 0), nil
	case SubScalar:
		if len(rows) > 1 {
			return types.Null, pgerr.New(pgerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}
		if len(rows) == 0 {
			return types.Null, nil
		}
		return rows[0][0], nil
	}
	x, err := e.X.Eval(c, row)
	if err != nil {
		return types.Null, err
	}
	all := e.Kind == SubAll
	sawNull := false
	for _, r := range rows {
		if x.IsNull() || r[0].IsNull() {
			sawNull = true
			continue
		}
		v, err := e.Op.Fn(x, r[0])
		if err != nil {
			return types.Null, err
		}
		if v.Bool() != all {
			return types.NewBool(!all), nil
		}
	}
	if sawNull {
		return types.Null, nil
	}
	return types.NewBool(all), nil
}
