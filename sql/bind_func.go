package sql

import (
	"strings"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

var aggKinds = map[string]executor.AggKind{
	"count":    executor.AggCount,
	"sum":      executor.AggSum,
	"avg":      executor.AggAvg,
	"min":      executor.AggMin,
	"max":      executor.AggMax,
	"bool_and": executor.AggBoolAnd,
	"bool_or":  executor.AggBoolOr,
	"every":    executor.AggBoolAnd,
}

func funcName(fc *pg_query.FuncCall) string {
	names := nameList(fc.Funcname)
	return strings.ToLower(names[len(names)-1])
}

func isAggregate(fc *pg_query.FuncCall) bool {
	_, ok := aggKinds[funcName(fc)]
	return ok && fc.Over == nil
}

func (b *binder) funcCall(fc *pg_query.FuncCall, sc *scope) (executor.Expr, error) {
	pos := fc.Location + 1
	name := funcName(fc)
	if fc.Over != nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "window functions are not supported yet").WithPosition(pos)
	}
	if isAggregate(fc) {
		if sc.grouping != nil && sc.grouping.inAgg {
			return nil, pgerr.New(pgerr.GroupingError, "aggregate function calls cannot be nested").WithPosition(pos)
		}
		what := sc.what
		if what == "" {
			what = "this context"
		}
		return nil, pgerr.New(pgerr.GroupingError, "aggregate functions are not allowed in %s", what).WithPosition(pos)
	}
	if fc.AggStar || fc.AggDistinct || len(fc.AggOrder) > 0 || fc.AggFilter != nil {
		return nil, pgerr.New(pgerr.WrongObjectType, "%s is not an aggregate function", name).WithPosition(pos)
	}
	args := make([]executor.Expr, len(fc.Args))
	for i, a := range fc.Args {
		e, err := b.expr(a, sc)
		if err != nil {
			return nil, err
		}
		args[i] = e
	}
	if e, ok, err := b.sessionFunc(name, args, pos); ok || err != nil {
		return e, err
	}
	return b.builtin(name, args, pos)
}

// builtin resolves a call to a function of the types package.
func (b *binder) builtin(name string, args []executor.Expr, pos int32) (executor.Expr, error) {
	argTypes := make([]types.OID, len(args))
	for i, a := range args {
		argTypes[i] = a.Type().OID
	}
	var cands []*types.Func
	for _, f := range types.Functions(name) {
		if len(f.Args) == len(args) || (f.Variadic && len(args) >= len(f.Args)-1) {
			cands = append(cands, f)
		}
	}
	sigOf := func(f *types.Func) []types.OID { return funcSig(f, len(args)) }
	f := pickCandidate(cands, argTypes, sigOf)
	if f == nil {
		names := make([]string, len(args))
		for i, a := range args {
			names[i] = regtypeName(a.Type().OID)
		}
		if anyFits(cands, argTypes, sigOf) {
			return nil, pgerr.New(pgerr.AmbiguousFunction, "function %s(%s) is not unique", name, strings.Join(names, ", ")).
				WithHint("Could not choose a best candidate function. You might need to add explicit type casts.").WithPosition(pos)
		}
		return nil, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(names, ", ")).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.").WithPosition(pos)
	}
	sig := funcSig(f, len(args))
	for i := range args {
		if sig[i] == types.AnyOID {
			// "any" arguments reach the function as text.
			var err error
			if args[i], err = b.coerce(b.resolveUnknown(args[i]), types.Text, types.CastExplicit, pos); err != nil {
				return nil, err
			}
			continue
		}
		var err error
		if args[i], err = b.coerce(args[i], types.T{OID: sig[i], Mod: -1}, types.CastImplicit, pos); err != nil {
			return nil, err
		}
	}
	return &executor.Func{F: f, Args: args, Res: types.T{OID: f.Result, Mod: -1}}, nil
}

// funcSig expands a function's argument types to n arguments (the last
// one repeats for a variadic function).
func funcSig(f *types.Func, n int) []types.OID {
	if !f.Variadic || n == len(f.Args) {
		if n == len(f.Args) {
			return f.Args
		}
	}
	out := make([]types.OID, n)
	for i := range out {
		if i < len(f.Args)-1 {
			out[i] = f.Args[i]
		} else {
			out[i] = f.Args[len(f.Args)-1]
		}
	}
	return out
}

// ServerVersion is what version() and the server_version setting say.
const ServerVersion = "15.0"

// VersionString is the text of version().
const VersionString = "PostgreSQL 15.0 (AkiDB 0.1) on x86_64-pc-linux-gnu, compiled by Go, 64-bit"

func (b *binder) sessionFunc(name string, args []executor.Expr, pos int32) (executor.Expr, bool, error) {
	noArgs := func() error {
		if len(args) != 0 {
			return pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, argTypeList(args)).WithPosition(pos)
		}
		return nil
	}
	switch name {
	case "version":
		return &executor.SessionFunc{Name: name, T: types.Text, Fn: func(*executor.Ctx) (types.Datum, error) {
			return types.NewString(VersionString), nil
		}}, true, noArgs()
	case "current_database":
		return &executor.SessionFunc{Name: name, T: types.Name, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewString(c.Database), nil
		}}, true, noArgs()
	case "current_schema":
		return &executor.SessionFunc{Name: name, T: types.Name, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewString("public"), nil
		}}, true, noArgs()
	case "current_user", "session_user", "user":
		return &executor.SessionFunc{Name: name, T: types.Name, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewString(c.User), nil
		}}, true, noArgs()
	case "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp":
		return &executor.SessionFunc{Name: name, T: types.TimestampTZ, Fn: func(c *executor.Ctx) (types.Datum, error) {
			t := c.StatementTime
			if name == "clock_timestamp" {
				t = time.Now()
			}
			return timestampDatum(t), nil
		}}, true, noArgs()
	case "pg_backend_pid":
		pid := b.sess.pid
		return &executor.SessionFunc{Name: name, T: types.Int4, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewInt(int64(pid)), nil
		}}, true, noArgs()
	case "pg_sleep":
		if len(args) != 1 {
			return nil, true, pgerr.New(pgerr.UndefinedFunction, "function pg_sleep(%s) does not exist", argTypeList(args)).WithPosition(pos)
		}
		arg, err := b.coerce(args[0], types.Float8, types.CastImplicit, pos)
		if err != nil {
			return nil, true, err
		}
		return &executor.SessionFunc{Name: name, T: types.Void, Fn: func(c *executor.Ctx) (types.Datum, error) {
			v, err := arg.Eval(c, nil)
			if err != nil || v.IsNull() {
				return types.Null, err
			}
			t := time.NewTimer(time.Duration(v.F * float64(time.Second)))
			defer t.Stop()
			select {
			case <-t.C:
				return types.Datum{K: types.KString}, nil
			case <-c.Context.Done():
				return types.Null, c.Canceled()
			}
		}}, true, nil
	case "to_regtype":
		if len(args) != 1 {
			return nil, true, pgerr.New(pgerr.UndefinedFunction, "function to_regtype(%s) does not exist", argTypeList(args)).WithPosition(pos)
		}
		arg, err := b.coerce(args[0], types.Text, types.CastImplicit, pos)
		if err != nil {
			return nil, true, err
		}
		return &executor.SessionFunc{Name: "to_regtype", T: types.RegType, Fn: func(c *executor.Ctx) (types.Datum, error) {
			v, err := arg.Eval(c, nil)
			if err != nil || v.IsNull() {
				return types.Null, err
			}
			t, err := types.RegTypeByName(v.S)
			if err != nil {
				return types.Null, nil
			}
			return types.NewInt(int64(t.OID)), nil
		}}, true, nil
	case "pg_typeof":
		if len(args) != 1 {
			return nil, true, pgerr.New(pgerr.UndefinedFunction, "function pg_typeof(%s) does not exist", argTypeList(args)).WithPosition(pos)
		}
		name := regtypeName(b.resolveUnknown(args[0]).Type().OID)
		if args[0].Type().OID == types.UnknownOID {
			name = "unknown"
		}
		return &executor.SessionFunc{Name: "pg_typeof", T: types.Text, Fn: func(*executor.Ctx) (types.Datum, error) {
			return types.NewString(name), nil
		}}, true, nil
	case "nextval", "currval", "setval":
		return b.sequenceFunc(name, args, pos)
	}
	return nil, false, nil
}

// regtypeName is regtype's output (format_type_be): the type without a
// typmod.
func regtypeName(oid types.OID) string {
	if oid == types.BPCharOID {
		return "character"
	}
	if el, ok := types.ElemOf(oid); ok && el == types.BPCharOID {
		return "character[]"
	}
	return types.T{OID: oid, Mod: -1}.String()
}

func argTypeList(args []executor.Expr) string {
	names := make([]string, len(args))
	for i, a := range args {
		names[i] = regtypeName(a.Type().OID)
	}
	return strings.Join(names, ", ")
}

// timestampDatum converts a Go time to a timestamp value.
func timestampDatum(t time.Time) types.Datum {
	return types.NewTimestamp(t.UnixMicro() - pgEpochMicros)
}

// pgEpochMicros is 2000-01-01 00:00 UTC in Unix microseconds.
const pgEpochMicros = 946684800 * 1000000

func sqlValueFunction(f *pg_query.SQLValueFunction) (executor.Expr, error) {
	switch f.Op {
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg_query.SQLValueFunctionOp_SVFOP_SESSION_USER,
		pg_query.SQLValueFunctionOp_SVFOP_USER, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		return &executor.SessionFunc{Name: "current_user", T: types.Name, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewString(c.User), nil
		}}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return &executor.SessionFunc{Name: "current_catalog", T: types.Name, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewString(c.Database), nil
		}}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return &executor.SessionFunc{Name: "current_schema", T: types.Name, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return types.NewString("public"), nil
		}}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
		return &executor.SessionFunc{Name: "current_timestamp", T: types.TimestampTZ, Fn: func(c *executor.Ctx) (types.Datum, error) {
			return timestampDatum(c.StatementTime), nil
		}}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg_query.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
		return &executor.SessionFunc{Name: "localtimestamp", T: types.Timestamp, Fn: func(c *executor.Ctx) (types.Datum, error) {
			t := c.StatementTime.In(c.Location)
			_, off := t.Zone()
			return types.NewTimestamp(t.UnixMicro() + int64(off)*1000000 - pgEpochMicros), nil
		}}, nil
	case pg_query.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
		return &executor.SessionFunc{Name: "current_date", T: types.Date, Fn: func(c *executor.Ctx) (types.Datum, error) {
			t := c.StatementTime.In(c.Location)
			_, off := t.Zone()
			secs := t.Unix() + int64(off) - pgEpochMicros/1000000
			days := secs / 86400
			if secs < 0 && secs%86400 != 0 {
				days--
			}
			return types.NewDate(days), nil
		}}, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "%s is not supported yet", f.Op.String())
}

// groupedExpr binds n in a grouped query: aggregates become references to
// the Aggregate node's results, expressions equal to a GROUP BY expression
// references to its keys; a bare column that is neither is an error. ok is
// false when n must be bound by the ordinary rules (its parts are then
// checked one by one).
func (b *binder) groupedExpr(n *pg_query.Node, sc *scope) (executor.Expr, bool, error) {
	g := sc.grouping
	if fc := n.GetFuncCall(); fc != nil && isAggregate(fc) {
		e, err := b.aggCall(fc, sc)
		return e, true, err
	}
	if n.GetAConst() != nil || n.GetParamRef() != nil {
		return nil, false, nil
	}
	in := &scope{cols: sc.cols, parent: sc.parent, what: sc.what}
	if len(g.keys) > 0 {
		if e, err := b.expr(n, in); err == nil {
			k := e.String()
			for i, key := range g.keys {
				if key == k {
					return &executor.ColRef{Idx: i, T: g.types[i]}, true, nil
				}
			}
		}
	}
	if cr := n.GetColumnRef(); cr != nil {
		e, err := b.columnRef(cr, in)
		if err != nil {
			return nil, true, err
		}
		if ref, ok := e.(*executor.ColRef); ok {
			c := sc.cols[ref.Idx]
			return nil, true, pgerr.New(pgerr.GroupingError, "column \"%s.%s\" must appear in the GROUP BY clause or be used in an aggregate function", c.table, c.name).WithPosition(cr.Location + 1)
		}
		return e, true, nil
	}
	return nil, false, nil
}

func (b *binder) aggCall(fc *pg_query.FuncCall, sc *scope) (executor.Expr, error) {
	g := sc.grouping
	pos := fc.Location + 1
	name := funcName(fc)
	if g.inAgg {
		return nil, pgerr.New(pgerr.GroupingError, "aggregate function calls cannot be nested").WithPosition(pos)
	}
	g.inAgg = true
	defer func() { g.inAgg = false }()
	spec := &executor.AggSpec{Fn: aggKinds[name], Distinct: fc.AggDistinct}
	switch {
	case fc.AggStar:
		if name != "count" {
			return nil, pgerr.New(pgerr.WrongObjectType, "%s(*) specified, but %s is not an aggregate function", name, name).WithPosition(pos)
		}
		spec.Fn = executor.AggCountStar
	case len(fc.Args) != 1:
		return nil, pgerr.New(pgerr.UndefinedFunction, "function %s with %d arguments does not exist", name, len(fc.Args)).WithPosition(pos)
	default:
		arg, err := b.expr(fc.Args[0], sc)
		if err != nil {
			return nil, err
		}
		arg = b.resolveUnknown(arg)
		at := arg.Type()
		switch spec.Fn {
		case executor.AggSum, executor.AggAvg:
			if types.Category(at.OID) != 'N' && at.OID != types.VectorOID && at.OID != types.HalfvecOID {
				return nil, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, at.String()).
					WithHint("No function matches the given name and argument types. You might need to add explicit type casts.").WithPosition(pos)
			}
		case executor.AggMin, executor.AggMax:
			// Types with no min/max aggregate in PostgreSQL and pgvector.
			switch at.OID {
			case types.BoolOID, types.ByteaOID, types.JSONOID, types.JSONBOID, types.UUIDOID,
				types.VectorOID, types.HalfvecOID, types.SparsevecOID:
				return nil, pgerr.New(pgerr.UndefinedFunction, "function %s(%s) does not exist", name, types.T{OID: at.OID, Mod: -1}.String()).
					WithHint("No function matches the given name and argument types. You might need to add explicit type casts.").WithPosition(pos)
			}
		case executor.AggBoolAnd, executor.AggBoolOr:
			if arg, err = b.coerce(arg, types.Bool, types.CastImplicit, pos); err != nil {
				return nil, err
			}
		}
		spec.Arg = arg
	}
	if fc.AggFilter != nil {
		f, err := b.expr(fc.AggFilter, sc)
		if err != nil {
			return nil, err
		}
		if spec.Filter, err = b.condition(f, "FILTER", pos); err != nil {
			return nil, err
		}
	}
	var argT types.T
	if spec.Arg != nil {
		argT = spec.Arg.Type()
	}
	spec.T = executor.AggResultType(spec.Fn, argT)
	key := spec.String()
	for i, a := range g.aggs {
		if a.String() == key {
			return &executor.ColRef{Idx: len(g.keys) + i, T: a.T}, nil
		}
	}
	g.aggs = append(g.aggs, spec)
	return &executor.ColRef{Idx: len(g.keys) + len(g.aggs) - 1, T: spec.T}, nil
}

// subLink binds a subquery used as an expression.
func (b *binder) subLink(sl *pg_query.SubLink, sc *scope) (executor.Expr, error) {
	pos := sl.Location + 1
	sel := sl.Subselect.GetSelectStmt()
	if sel == nil {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "subquery kind not supported").WithPosition(pos)
	}
	before := b.outerRefs
	q, err := b.selectStmt(sel, sc)
	if err != nil {
		return nil, err
	}
	sub := &executor.Subquery{Plan: q.node, Correlated: b.outerRefs != before}
	switch sl.SubLinkType {
	case pg_query.SubLinkType_EXISTS_SUBLINK:
		sub.Kind, sub.T = executor.SubExists, types.Bool
		return sub, nil
	case pg_query.SubLinkType_EXPR_SUBLINK:
		if len(q.cols) != 1 {
			return nil, pgerr.New(pgerr.SyntaxError, "subquery must return only one column").WithPosition(pos)
		}
		sub.Kind, sub.T = executor.SubScalar, q.cols[0].Type
		return sub, nil
	case pg_query.SubLinkType_ANY_SUBLINK, pg_query.SubLinkType_ALL_SUBLINK:
		if len(q.cols) != 1 {
			return nil, pgerr.New(pgerr.SyntaxError, "subquery has too many columns").WithPosition(pos)
		}
		x, err := b.expr(sl.Testexpr, sc)
		if err != nil {
			return nil, err
		}
		opName := "="
		if len(sl.OperName) > 0 {
			opName = strVal(sl.OperName[len(sl.OperName)-1])
		}
		cmp, err := b.binaryOp(opName, x, &executor.ColRef{Idx: 0, T: q.cols[0].Type}, pos)
		if err != nil {
			return nil, err
		}
		bo, ok := cmp.(*executor.BinOp)
		if !ok || bo.Op.Result != types.BoolOID {
			return nil, pgerr.New(pgerr.DatatypeMismatch, "operator %s must return type boolean", opName).WithPosition(pos)
		}
		if _, same := bo.R.(*executor.ColRef); !same {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "subquery comparison needing a cast of the subquery's column is not supported yet").WithPosition(pos)
		}
		sub.X, sub.Op, sub.T = bo.L, bo.Op, types.Bool
		sub.Kind = executor.SubAny
		if sl.SubLinkType == pg_query.SubLinkType_ALL_SUBLINK {
			sub.Kind = executor.SubAll
		}
		return sub, nil
	}
	return nil, pgerr.New(pgerr.FeatureNotSupported, "subquery kind %s is not supported", sl.SubLinkType.String()).WithPosition(pos)
}
