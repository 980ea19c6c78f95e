package sql

import (
	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// canImplicit reports whether a value of type from may be used where to is
// expected without an explicit cast.
func canImplicit(from, to types.OID) bool {
	return from == to || from == types.UnknownOID || types.FindCast(from, to) == types.CastImplicit ||
		(from == types.OIDOID || from == types.RegTypeOID) && (to == types.OIDOID || to == types.RegTypeOID)
}

// coerce converts e to type to, allowing casts up to context cc. Unknown
// literals are parsed as the target type right away; an unknown parameter
// takes the type.
func (b *binder) coerce(e executor.Expr, to types.T, cc types.CastContext, pos int32) (executor.Expr, error) {
	from := e.Type()
	if from.OID == to.OID && (to.Mod < 0 || from.Mod == to.Mod) {
		return e, nil
	}
	if from.OID == types.UnknownOID {
		switch x := e.(type) {
		case *executor.Const:
			if x.V.IsNull() {
				return &executor.Const{V: types.Null, T: to}, nil
			}
			// Input as the base type, then the length coercion of the
			// context (an explicit cast truncates, assignment errors).
			base := types.T{OID: to.OID, Mod: -1}
			v, err := types.ParseTextLoc(base, x.V.S, b.sess.loc)
			if err != nil {
				return nil, withPosition(err, pos)
			}
			if to.Mod >= 0 {
				if v, err = types.Cast(v, base, to, b.sess.loc, cc == types.CastExplicit); err != nil {
					return nil, withPosition(err, pos)
				}
			}
			return &executor.Const{V: v, T: to}, nil
		case *executor.Param:
			x.T = types.T{OID: to.OID, Mod: -1}
			if to.Mod < 0 {
				return x, nil
			}
			return &executor.Cast{X: x, To: to, Explicit: cc == types.CastExplicit}, nil
		}
		// An unknown-typed expression that is not a literal (a CASE of
		// literals, say) is text underneath.
		e = retype(e, types.Text)
		from = types.Text
	}
	if binaryCoercible(from.OID, to.OID) {
		return &executor.Relabel{X: e, T: to}, nil
	}
	ok := from.OID == to.OID // a typmod change: length coercion
	if !ok {
		c := types.FindCast(from.OID, to.OID)
		ok = c != types.CastNone && c <= cc
	}
	if !ok {
		if cc == types.CastExplicit {
			return nil, pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from.String(), to.String()).WithPosition(pos)
		}
		return nil, pgerr.New(pgerr.DatatypeMismatch, "cannot cast type %s to %s", from.String(), to.String()).WithPosition(pos)
	}
	cast := &executor.Cast{X: e, To: to, Explicit: cc == types.CastExplicit}
	if k, ok := e.(*executor.Const); ok && from.OID != types.TimestampTZOID && to.OID != types.TimestampTZOID {
		v, err := cast.Eval(&executor.Ctx{}, nil)
		if err != nil {
			return nil, withPosition(err, pos)
		}
		_ = k
		return &executor.Const{V: v, T: to}, nil
	}
	return cast, nil
}

// binaryCoercible reports casts that only relabel the value.
func binaryCoercible(from, to types.OID) bool {
	isOID := func(o types.OID) bool { return o == types.OIDOID || o == types.RegTypeOID }
	return isOID(from) && isOID(to) || (from == types.Int4OID || from == types.Int8OID) && isOID(to)
}

// retype gives an unknown-typed expression a type without converting it.
func retype(e executor.Expr, t types.T) executor.Expr {
	switch x := e.(type) {
	case *executor.Const:
		return &executor.Const{V: x.V, T: t}
	case *executor.Case:
		x.T = t
	case *executor.Coalesce:
		x.T = t
	case *executor.MinMax:
		x.T = t
	}
	return e
}

// resolveUnknown turns a still-unknown expression into text, as PostgreSQL
// does where no context gives it a type.
func (b *binder) resolveUnknown(e executor.Expr) executor.Expr {
	if e.Type().OID != types.UnknownOID {
		return e
	}
	if p, ok := e.(*executor.Param); ok {
		p.T = types.Text
		return p
	}
	return retype(e, types.Text)
}

func withPosition(err error, pos int32) error {
	if pe, ok := err.(*pgerr.Error); ok && pe.Position == 0 && pos > 0 {
		return pe.WithPosition(pos)
	}
	return err
}

// commonType is PostgreSQL's select_common_type: the type every value of
// a CASE, COALESCE, IN list or VALUES column is converted to.
func (b *binder) commonType(es []executor.Expr, what string, pos int32) (types.T, error) {
	var ptype types.T
	found := false
	for _, e := range es {
		t := e.Type()
		if t.OID == types.UnknownOID {
			continue
		}
		if !found {
			ptype, found = types.T{OID: t.OID, Mod: t.Mod}, true
			continue
		}
		if t.OID == ptype.OID {
			if t.Mod != ptype.Mod {
				ptype.Mod = -1
			}
			continue
		}
		if types.Category(t.OID) != types.Category(ptype.OID) {
			return types.T{}, pgerr.New(pgerr.DatatypeMismatch, "%s types %s and %s cannot be matched", what, ptype.String(), t.String()).WithPosition(pos)
		}
		if !types.IsPreferred(ptype.OID) && canImplicit(ptype.OID, t.OID) && !canImplicit(t.OID, ptype.OID) {
			ptype = types.T{OID: t.OID, Mod: -1}
		}
	}
	if !found {
		return types.Text, nil
	}
	// A typmod survives only when every input has the same one.
	for _, e := range es {
		if t := e.Type(); t.OID != ptype.OID || t.Mod != ptype.Mod {
			ptype.Mod = -1
		}
	}
	for _, e := range es {
		t := e.Type()
		if t.OID != types.UnknownOID && !canImplicit(t.OID, ptype.OID) {
			return types.T{}, pgerr.New(pgerr.DatatypeMismatch, "%s could not convert type %s to %s", what, t.String(), ptype.String()).WithPosition(pos)
		}
	}
	return ptype, nil
}

// binaryOp resolves and builds l name r with PostgreSQL's operator
// resolution rules.
func (b *binder) binaryOp(name string, l, r executor.Expr, pos int32) (executor.Expr, error) {
	if name == "||" {
		// PostgreSQL's text || anynonarray and anynonarray || text: the
		// non-string side is converted with its output function.
		var err error
		if l, r, err = b.concatArgs(l, r, pos); err != nil {
			return nil, err
		}
	}
	lt, rt := l.Type().OID, r.Type().OID
	// Array operators are polymorphic in PostgreSQL (anyarray): they never
	// win over a scalar operator unless an operand is an array.
	arrays := types.IsArray(lt) || types.IsArray(rt)
	var cands []*types.Op
	for _, op := range types.Operators(name) {
		if op.Left != 0 && (arrays || !types.IsArray(op.Left) && !types.IsArray(op.Right)) {
			cands = append(cands, op)
		}
	}
	op := pickOp(cands, lt, rt)
	if op == nil {
		if anyFits(cands, []types.OID{lt, rt}, func(op *types.Op) []types.OID { return []types.OID{op.Left, op.Right} }) {
			return nil, pgerr.New(pgerr.AmbiguousFunction, "operator is not unique: %s %s %s", regtypeName(l.Type().OID), name, regtypeName(r.Type().OID)).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.").WithPosition(pos)
		}
		if len(cands) == 0 {
			return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", regtypeName(l.Type().OID), name, regtypeName(r.Type().OID)).WithPosition(pos)
		}
		return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s %s", regtypeName(l.Type().OID), name, regtypeName(r.Type().OID)).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.").WithPosition(pos)
	}
	var err error
	if l, err = b.coerce(l, types.T{OID: op.Left, Mod: -1}, types.CastImplicit, pos); err != nil {
		return nil, err
	}
	if r, err = b.coerce(r, types.T{OID: op.Right, Mod: -1}, types.CastImplicit, pos); err != nil {
		return nil, err
	}
	return &executor.BinOp{Op: op, L: l, R: r}, nil
}

func (b *binder) unaryOp(name string, x executor.Expr, pos int32) (executor.Expr, error) {
	var cands []*types.Op
	for _, op := range types.Operators(name) {
		if op.Left == 0 {
			cands = append(cands, op)
		}
	}
	xt := x.Type().OID
	var best *types.Op
	for _, op := range cands {
		if op.Right == xt {
			best = op
			break
		}
	}
	if best == nil {
		var ok []*types.Op
		for _, op := range cands {
			if canImplicit(xt, op.Right) {
				ok = append(ok, op)
			}
		}
		best = preferOne(ok, func(op *types.Op) types.OID { return op.Right })
	}
	if best == nil {
		return nil, pgerr.New(pgerr.UndefinedFunction, "operator does not exist: %s %s", name, regtypeName(x.Type().OID)).
			WithHint("No operator matches the given name and argument type. You might need to add an explicit type cast.").WithPosition(pos)
	}
	x, err := b.coerce(x, types.T{OID: best.Right, Mod: -1}, types.CastImplicit, pos)
	if err != nil {
		return nil, err
	}
	if c, ok := x.(*executor.Const); ok {
		if c.V.IsNull() {
			return &executor.Const{V: types.Null, T: types.T{OID: best.Result, Mod: -1}}, nil
		}
		v, err := best.Fn(types.Null, c.V)
		if err != nil {
			return nil, withPosition(err, pos)
		}
		return &executor.Const{V: v, T: types.T{OID: best.Result, Mod: -1}}, nil
	}
	return &executor.UnOp{Op: best, X: x}, nil
}

// preferOne picks among candidates the one whose argument is a preferred
// type, when exactly one is; a single candidate wins outright.
func preferOne[T any](cands []T, arg func(T) types.OID) T {
	var zero T
	if len(cands) == 1 {
		return cands[0]
	}
	var pick T
	n := 0
	for _, c := range cands {
		if types.IsPreferred(arg(c)) {
			pick = c
			n++
		}
	}
	if n == 1 {
		return pick
	}
	return zero
}

// pickOp implements PostgreSQL's binary operator selection (oper_select_candidate).
func pickOp(cands []*types.Op, lt, rt types.OID) *types.Op {
	sig := func(op *types.Op) []types.OID { return []types.OID{op.Left, op.Right} }
	return pickCandidate(cands, []types.OID{lt, rt}, sig)
}

// anyFits reports whether some candidate takes every argument with
// implicit casts: when pickCandidate finds none, the call is then
// ambiguous rather than unmatched.
func anyFits[T any](cands []T, args []types.OID, sig func(T) []types.OID) bool {
	for _, c := range cands {
		fits := true
		for i, p := range sig(c) {
			if !canImplicit(args[i], p) {
				fits = false
			}
		}
		if fits {
			return true
		}
	}
	return false
}

// pickCandidate selects one of several overloads for argument types args,
// following PostgreSQL's func_select_candidate.
func pickCandidate[T any](cands []T, args []types.OID, sig func(T) []types.OID) T {
	var zero T
	unknowns := 0
	for _, a := range args {
		if a == types.UnknownOID {
			unknowns++
		}
	}
	// With one side unknown, first try the other side's type for it.
	if unknowns > 0 && unknowns < len(args) {
		var known types.OID
		same := true
		for _, a := range args {
			if a != types.UnknownOID {
				if known != 0 && known != a {
					same = false
				}
				known = a
			}
		}
		if same {
			for _, c := range cands {
				s := sig(c)
				match := true
				for _, p := range s {
					if p != known {
						match = false
					}
				}
				if match {
					return c
				}
			}
		}
	}
	// Exact match.
	for _, c := range cands {
		s := sig(c)
		match := true
		for i, p := range s {
			if args[i] != p {
				match = false
			}
		}
		if match {
			return c
		}
	}
	// Candidates every argument can be implicitly coerced to.
	var ok []T
	for _, c := range cands {
		s := sig(c)
		fits := true
		for i, p := range s {
			if !canImplicit(args[i], p) {
				fits = false
			}
		}
		if fits {
			ok = append(ok, c)
		}
	}
	if len(ok) <= 1 {
		if len(ok) == 1 {
			return ok[0]
		}
		return zero
	}
	// Keep those with the most exact matches on known arguments.
	ok = keepBest(ok, func(c T) int {
		n := 0
		for i, p := range sig(c) {
			if args[i] == p {
				n++
			}
		}
		return n
	})
	if len(ok) == 1 {
		return ok[0]
	}
	// Then those with the most preferred types where coercion is needed.
	ok = keepBest(ok, func(c T) int {
		n := 0
		for i, p := range sig(c) {
			if args[i] != p && types.IsPreferred(p) {
				n++
			}
		}
		return n
	})
	if len(ok) == 1 {
		return ok[0]
	}
	if unknowns > 0 {
		// For unknown arguments prefer the string category, then preferred
		// types (PostgreSQL's category rule).
		ok = keepBest(ok, func(c T) int {
			n := 0
			for i, p := range sig(c) {
				if args[i] == types.UnknownOID {
					if types.Category(p) == 'S' {
						n += 2
					}
					if types.IsPreferred(p) {
						n++
					}
				}
			}
			return n
		})
		if len(ok) == 1 {
			return ok[0]
		}
		// Unknowns alongside one known type: assume that type.
		var known types.OID
		for _, a := range args {
			if a != types.UnknownOID {
				known = a
			}
		}
		if known != 0 {
			for _, c := range ok {
				fits := true
				for i, p := range sig(c) {
					if args[i] == types.UnknownOID && !canImplicit(known, p) {
						fits = false
					}
				}
				if fits {
					return c
				}
			}
		}
	}
	return zero
}

func keepBest[T any](cands []T, score func(T) int) []T {
	best := -1
	var out []T
	for _, c := range cands {
		s := score(c)
		switch {
		case s > best:
			best, out = s, []T{c}
		case s == best:
			out = append(out, c)
		}
	}
	return out
}

// concatArgs converts the non-string operand of || to text when the other
// one is a string (or an unknown literal).
func (b *binder) concatArgs(l, r executor.Expr, pos int32) (executor.Expr, executor.Expr, error) {
	isStr := func(e executor.Expr) bool {
		o := e.Type().OID
		return o == types.UnknownOID || types.Category(o) == 'S'
	}
	other := func(e executor.Expr) bool {
		o := e.Type().OID
		return o != types.UnknownOID && types.Category(o) != 'S' && o != types.ByteaOID && o != types.JSONBOID
	}
	// An unknown literal next to a type with its own || (vector, arrays)
	// takes that type, as in PostgreSQL's first resolution step.
	lt, rt := l.Type().OID, r.Type().OID
	if (lt == types.UnknownOID) != (rt == types.UnknownOID) {
		known := lt
		if known == types.UnknownOID {
			known = rt
		}
		for _, op := range types.Operators("||") {
			if op.Left == known && op.Right == known {
				return l, r, nil
			}
		}
	}
	var err error
	switch {
	case isStr(l) && other(r):
		r, err = b.coerce(r, types.Text, types.CastExplicit, pos)
	case other(l) && isStr(r):
		l, err = b.coerce(l, types.Text, types.CastExplicit, pos)
	}
	return l, r, err
}
