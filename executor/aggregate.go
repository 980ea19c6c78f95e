package executor

import (
	"fmt"
	"io"

	"github.com/cockroachdb/apd/v3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// AggKind names an aggregate function.
type AggKind uint8

const (
	AggCountStar AggKind = iota
	AggCount
	AggSum
	AggAvg
	AggMin
	AggMax
	AggBoolAnd
	AggBoolOr
)

// AggSpec is one aggregate call: Fn over Arg (nil for count(*)).
type AggSpec struct {
	Fn       AggKind
	Arg      Expr
	Distinct bool
	Filter   Expr // FILTER (WHERE ...), may be nil
	T        types.T
}

func (a *AggSpec) String() string {
	arg := "*"
	if a.Arg != nil {
		arg = a.Arg.String()
	}
	f := ""
	if a.Filter != nil {
		f = " FILTER " + a.Filter.String()
	}
	return fmt.Sprintf("agg%d(%v %s)%s", a.Fn, a.Distinct, arg, f)
}

// AggResultType is the result type of an aggregate over arg, as PostgreSQL
// types it.
func AggResultType(fn AggKind, arg types.T) types.T {
	switch fn {
	case AggCountStar, AggCount:
		return types.Int8
	case AggSum:
		switch arg.OID {
		case types.VectorOID, types.HalfvecOID:
			return types.T{OID: arg.OID, Mod: arg.Mod}
		case types.Int2OID, types.Int4OID:
			return types.Int8
		case types.Int8OID, types.NumericOID:
			return types.Numeric
		case types.Float4OID:
			return types.Float4
		}
		return types.Float8
	case AggAvg:
		switch arg.OID {
		case types.VectorOID, types.HalfvecOID:
			return types.T{OID: arg.OID, Mod: arg.Mod}
		case types.Float4OID, types.Float8OID:
			return types.Float8
		}
		return types.Numeric
	case AggBoolAnd, AggBoolOr:
		return types.Bool
	}
	return arg
}

// Aggregate groups its input by Groups and computes Aggs per group. Its rows
// are the group values followed by the aggregate results. Without GROUP BY
// it yields exactly one row, even for empty input.
type Aggregate struct {
	Input  Node
	Groups []Expr
	Aggs   []*AggSpec
}

func (n *Aggregate) Width() int { return len(n.Groups) + len(n.Aggs) }

type aggState struct {
	count int64
	i     int64
	f     float64
	dec   *apd.Decimal       // numeric sums
	vacc  *types.VectorAccum // avg(vector), avg(halfvec)
	vsum  types.Datum        // sum(vector), sum(halfvec): the running sum
	best  types.Datum
	seen  map[string]struct{}
	any   bool
}

type group struct {
	keys   types.Row
	states []aggState
}

func (n *Aggregate) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	defer in.Close()
	groups := map[string]*group{}
	var order []*group
	var keyBuf []byte
	for {
		row, err := in.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := c.checkCancel(); err != nil {
			return nil, err
		}
		keys := make(types.Row, len(n.Groups))
		for i, g := range n.Groups {
			if keys[i], err = g.Eval(c, row); err != nil {
				return nil, err
			}
		}
		keyBuf = AppendGroupKey(keyBuf[:0], keys)
		g := groups[string(keyBuf)]
		if g == nil {
			g = &group{keys: keys, states: make([]aggState, len(n.Aggs))}
			groups[string(keyBuf)] = g
			order = append(order, g)
		}
		for i, a := range n.Aggs {
			if err := a.accumulate(c, &g.states[i], row); err != nil {
				return nil, err
			}
		}
	}
	if len(n.Groups) == 0 && len(order) == 0 {
		order = append(order, &group{states: make([]aggState, len(n.Aggs))})
	}
	rows := make([]types.Row, 0, len(order))
	for _, g := range order {
		out := make(types.Row, 0, n.Width())
		out = append(out, g.keys...)
		for i, a := range n.Aggs {
			v, err := a.result(&g.states[i])
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		rows = append(rows, out)
	}
	return NewSliceIter(rows), nil
}

func (a *AggSpec) accumulate(c *Ctx, s *aggState, row types.Row) error {
	if a.Filter != nil {
		ok, err := EvalBool(c, a.Filter, row)
		if err != nil || !ok {
			return err
		}
	}
	if a.Fn == AggCountStar {
		s.count++
		return nil
	}
	v, err := a.Arg.Eval(c, row)
	if err != nil || v.IsNull() {
		return err
	}
	if a.Distinct {
		if s.seen == nil {
			s.seen = map[string]struct{}{}
		}
		k := string(AppendGroupKey(nil, types.Row{v}))
		if _, dup := s.seen[k]; dup {
			return nil
		}
		s.seen[k] = struct{}{}
	}
	s.count++
	switch a.Fn {
	case AggCount:
	case AggMin, AggMax:
		if !s.any || (a.Fn == AggMin && types.Compare(v, s.best) < 0) || (a.Fn == AggMax && types.Compare(v, s.best) > 0) {
			s.best = v
		}
	case AggBoolAnd:
		if !s.any {
			s.i = 1
		}
		s.i &= v.I
	case AggBoolOr:
		s.i |= v.I
	case AggSum, AggAvg:
		switch v.K {
		case types.KVector:
			// As pgvector: avg keeps float8 sums (vector_accum), sum adds
			// with the + of the type (vector_add, halfvec_add).
			if a.Fn == AggAvg {
				if s.vacc == nil {
					s.vacc = &types.VectorAccum{}
				}
				if err := s.vacc.Add(v.Vector()); err != nil {
					return err
				}
				break
			}
			if !s.any {
				s.vsum = v
				break
			}
			sum, err := types.LookupOp("+", a.T.OID, a.T.OID).Fn(s.vsum, v)
			if err != nil {
				return err
			}
			s.vsum = sum
		case types.KFloat:
			s.f += v.F
		case types.KInt:
			if a.T.OID == types.Int8OID {
				sum := s.i + v.I
				if (sum > s.i) != (v.I > 0) {
					return pgerr.New(pgerr.NumericValueOutOfRange, "bigint out of range")
				}
				s.i = sum
				break
			}
			if s.dec == nil {
				s.dec = new(apd.Decimal)
			}
			var d apd.Decimal
			d.SetInt64(v.I)
			if _, err := apd.BaseContext.Add(s.dec, s.dec, &d); err != nil {
				return err
			}
		case types.KNumeric:
			if s.dec == nil {
				s.dec = new(apd.Decimal)
			}
			if _, err := numericCtx.Add(s.dec, s.dec, v.Numeric()); err != nil {
				return err
			}
		}
	}
	s.any = true
	return nil
}

var numericCtx = apd.Context{Precision: 1000, MaxExponent: apd.MaxExponent, MinExponent: apd.MinExponent, Traps: apd.DefaultTraps}

func (a *AggSpec) result(s *aggState) (types.Datum, error) {
	switch a.Fn {
	case AggCountStar, AggCount:
		return types.NewInt(s.count), nil
	}
	if !s.any {
		return types.Null, nil
	}
	switch a.Fn {
	case AggMin, AggMax:
		return s.best, nil
	case AggBoolAnd, AggBoolOr:
		return types.NewBool(s.i != 0), nil
	case AggSum, AggAvg:
		if s.vsum.K == types.KVector {
			return s.vsum, nil
		}
		if s.vacc != nil {
			out, _, err := s.vacc.Avg()
			if err == nil && a.T.OID == types.HalfvecOID {
				out, err = types.RoundHalfvec(out)
			}
			if err != nil {
				return types.Null, err
			}
			return types.NewVector(out), nil
		}
	}
	switch a.Fn {
	case AggSum:
		switch a.T.OID {
		case types.Int8OID:
			return types.NewInt(s.i), nil
		case types.Float4OID:
			return types.NewFloat(float64(float32(s.f))), nil
		case types.Float8OID:
			return types.NewFloat(s.f), nil
		}
		return types.NewNumeric(s.dec), nil
	case AggAvg:
		if a.T.OID == types.Float8OID {
			return types.NewFloat(s.f / float64(s.count)), nil
		}
		var cnt apd.Decimal
		cnt.SetInt64(s.count)
		return numericDiv(types.NewNumeric(s.dec), types.NewNumeric(&cnt))
	}
	return types.Null, fmt.Errorf("executor: unknown aggregate %d", a.Fn)
}

// numericDiv divides with PostgreSQL's numeric division (result scale
// included), through the operator table.
func numericDiv(a, b types.Datum) (types.Datum, error) {
	op := FindOp("/", types.NumericOID, types.NumericOID)
	if op == nil {
		return types.Null, fmt.Errorf("executor: no numeric division operator")
	}
	return op.Fn(a, b)
}

// FindOp returns the operator name(left, right) with exactly these types.
func FindOp(name string, left, right types.OID) *types.Op {
	for _, op := range types.Operators(name) {
		if op.Left == left && op.Right == right {
			return op
		}
	}
	return nil
}

func normalizeNumeric(d types.Datum) *apd.Decimal {
	var r apd.Decimal
	r.Reduce(d.Numeric())
	return &r
}
