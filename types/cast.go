package types

import (
	"math"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/apd/v3"
)

// CastContext is pg_cast.castcontext: where a cast may be applied.
type CastContext int8

const (
	CastNone       CastContext = iota // no cast exists
	CastImplicit                      // anywhere (also assignment and explicit)
	CastAssignment                    // in INSERT/UPDATE assignment and explicitly
	CastExplicit                      // only with CAST or ::
)

func (c CastContext) String() string {
	switch c {
	case CastImplicit:
		return "implicit"
	case CastAssignment:
		return "assignment"
	case CastExplicit:
		return "explicit"
	}
	return "none"
}

type castKey struct{ from, to OID }

// pgCasts holds the rows of pg_cast among AkiDB's types.
var pgCasts = map[castKey]CastContext{}

func init() {
	const i, a, e = CastImplicit, CastAssignment, CastExplicit
	rows := []struct {
		from, to OID
		c        CastContext
	}{
		{BoolOID, Int4OID, e}, {BoolOID, TextOID, a}, {BoolOID, BPCharOID, a}, {BoolOID, VarcharOID, a},
		{CharOID, Int4OID, e}, {CharOID, TextOID, i}, {CharOID, BPCharOID, a}, {CharOID, VarcharOID, a},
		{NameOID, TextOID, i}, {NameOID, BPCharOID, a}, {NameOID, VarcharOID, a},
		{Int8OID, Int2OID, a}, {Int8OID, Int4OID, a}, {Int8OID, OIDOID, i}, {Int8OID, Float4OID, i}, {Int8OID, Float8OID, i}, {Int8OID, NumericOID, i},
		{Int2OID, Int8OID, i}, {Int2OID, Int4OID, i}, {Int2OID, OIDOID, i}, {Int2OID, Float4OID, i}, {Int2OID, Float8OID, i}, {Int2OID, NumericOID, i},
		{Int4OID, BoolOID, e}, {Int4OID, CharOID, e}, {Int4OID, Int8OID, i}, {Int4OID, Int2OID, a}, {Int4OID, OIDOID, i}, {Int4OID, Float4OID, i}, {Int4OID, Float8OID, i}, {Int4OID, NumericOID, i},
		{TextOID, CharOID, a}, {TextOID, NameOID, i}, {TextOID, BPCharOID, i}, {TextOID, VarcharOID, i},
		{OIDOID, Int8OID, a}, {OIDOID, Int4OID, a},
		{JSONOID, JSONBOID, a},
		{Float4OID, Int8OID, a}, {Float4OID, Int2OID, a}, {Float4OID, Int4OID, a}, {Float4OID, Float8OID, i}, {Float4OID, NumericOID, a},
		{Float8OID, Int8OID, a}, {Float8OID, Int2OID, a}, {Float8OID, Int4OID, a}, {Float8OID, Float4OID, a}, {Float8OID, NumericOID, a},
		{BPCharOID, CharOID, a}, {BPCharOID, NameOID, i}, {BPCharOID, TextOID, i}, {BPCharOID, VarcharOID, i},
		{VarcharOID, CharOID, a}, {VarcharOID, NameOID, i}, {VarcharOID, TextOID, i}, {VarcharOID, BPCharOID, i},
		{DateOID, TimestampOID, i}, {DateOID, TimestampTZOID, i},
		{TimestampOID, DateOID, a}, {TimestampOID, TimestampTZOID, i},
		{TimestampTZOID, DateOID, a}, {TimestampTZOID, TimestampOID, a},
		{NumericOID, Int8OID, a}, {NumericOID, Int2OID, a}, {NumericOID, Int4OID, a}, {NumericOID, Float4OID, i}, {NumericOID, Float8OID, i},
		{JSONBOID, BoolOID, e}, {JSONBOID, Int8OID, e}, {JSONBOID, Int2OID, e}, {JSONBOID, Int4OID, e}, {JSONBOID, JSONOID, a},
		{JSONBOID, Float4OID, e}, {JSONBOID, Float8OID, e}, {JSONBOID, NumericOID, e},
		// pgvector's CREATE CAST lines.
		{VectorOID, Float4ArrayOID, i}, {Int4ArrayOID, VectorOID, a}, {Float4ArrayOID, VectorOID, a},
		{Float8ArrayOID, VectorOID, a}, {NumericArrayOID, VectorOID, a},
		{HalfvecOID, VectorOID, a}, {VectorOID, HalfvecOID, i}, {HalfvecOID, Float4ArrayOID, a},
		{Int4ArrayOID, HalfvecOID, a}, {Float4ArrayOID, HalfvecOID, a}, {Float8ArrayOID, HalfvecOID, a},
		{NumericArrayOID, HalfvecOID, a},
		{SparsevecOID, VectorOID, a}, {VectorOID, SparsevecOID, i}, {SparsevecOID, HalfvecOID, a},
		{HalfvecOID, SparsevecOID, i}, {Int4ArrayOID, SparsevecOID, a}, {Float4ArrayOID, SparsevecOID, a},
		{Float8ArrayOID, SparsevecOID, a}, {NumericArrayOID, SparsevecOID, a},
	}
	for _, r := range rows {
		pgCasts[castKey{r.from, r.to}] = r.c
	}
}

// FindCast returns the context in which a value of type from can be cast
// to type to, following PostgreSQL's find_coercion_pathway: the same type
// (a length coercion at most) is implicit, then pg_cast, then I/O
// conversion: to a string type in assignment, from a string type
// explicitly. unknown (an untyped literal) casts implicitly to anything.
func FindCast(from, to OID) CastContext {
	if from == to {
		return CastImplicit
	}
	if _, ok := typeByOID[from]; !ok {
		return CastNone
	}
	if _, ok := typeByOID[to]; !ok {
		return CastNone
	}
	if from == UnknownOID {
		return CastImplicit
	}
	if c, ok := pgCasts[castKey{from, to}]; ok {
		return c
	}
	if fe, ok := ElemOf(from); ok {
		if te, ok := ElemOf(to); ok {
			// Array to array converts element by element: it is allowed
			// where the element cast is.
			if c := FindCast(fe, te); c != CastNone {
				return c
			}
		}
	}
	if Category(to) == 'P' || Category(from) == 'P' || to == UnknownOID {
		return CastNone
	}
	if Category(to) == 'S' {
		return CastAssignment
	}
	if Category(from) == 'S' {
		return CastExplicit
	}
	return CastNone
}

func errCannotCast(from, to T) error {
	return pgerr.New(pgerr.CannotCoerce, "cannot cast type %s to %s", from.String(), to.String())
}

func isStringType(oid OID) bool {
	switch oid {
	case TextOID, VarcharOID, BPCharOID, NameOID, UnknownOID, CharOID:
		return true
	}
	return false
}

// Cast converts d from type from to type to with PostgreSQL's semantics,
// then applies to's typmod. explicit selects CAST semantics for length
// coercions (varchar(n)/char(n) truncate silently instead of raising
// 22001). loc is the session time zone for timestamptz conversions.
// Cast does not check that the cast is allowed in a context (FindCast).
func Cast(d Datum, from, to T, loc *time.Location, explicit bool) (Datum, error) {
	if d.IsNull() {
		return Null, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	r, err := castValue(d, from, to, loc)
	if err != nil {
		return Null, err
	}
	return applyTypmod(r, to, explicit)
}

// applyTypmod applies a length coercion for to's typmod.
func applyTypmod(d Datum, to T, explicit bool) (Datum, error) {
	if to.Mod < 0 || d.IsNull() {
		return d, nil
	}
	switch to.OID {
	case VarcharOID, BPCharOID:
		s, err := applyCharTypmod(d.S, to, explicit)
		if err != nil {
			return Null, err
		}
		return NewString(s), nil
	case NumericOID:
		n, err := ApplyNumericTypmod(d.Numeric(), to.Mod)
		if err != nil {
			return Null, err
		}
		return NewNumeric(n), nil
	case TimestampOID, TimestampTZOID:
		v, err := roundTimestamp(d.I, int(to.Mod))
		if err != nil {
			return Null, err
		}
		return NewTimestamp(v), nil
	case VectorOID, HalfvecOID:
		if err := checkExpectedDim(to.Mod, int64(len(d.Vector()))); err != nil {
			return Null, err
		}
	case SparsevecOID:
		if err := checkExpectedDim(to.Mod, int64(d.Sparse().Dim)); err != nil {
			return Null, err
		}
	default:
		if et, ok := ElemType(to); ok {
			a := d.Array()
			var out *Array
			for i, e := range a.Elems {
				r, err := applyTypmod(e, et, explicit)
				if err != nil {
					return Null, err
				}
				if out == nil && !sameDatum(r, e) {
					out = &Array{Elem: a.Elem, Elems: append([]Datum(nil), a.Elems...), Dims: a.Dims, Lower: a.Lower}
				}
				if out != nil {
					out.Elems[i] = r
				}
			}
			if out != nil {
				return NewArray(out), nil
			}
		}
	}
	return d, nil
}

// sameDatum reports whether applyTypmod left e as it was (only string,
// numeric and timestamp values change).
func sameDatum(r, e Datum) bool {
	switch e.K {
	case KString:
		return r.S == e.S
	case KNumeric:
		return r.P == e.P
	case KTimestamp:
		return r.I == e.I
	}
	return true
}

func castValue(d Datum, from, to T, loc *time.Location) (Datum, error) {
	f, t := from.OID, to.OID
	if f == t {
		return d, nil
	}
	switch {
	case f == Int4OID && t == CharOID:
		return castFromInt(d.I, f, t, from, to)
	case f == CharOID && t == Int4OID:
		if d.S == "" {
			return NewInt(0), nil
		}
		return NewInt(int64(int8(d.S[0]))), nil
	case f == BoolOID && isStringType(t):
		if d.I != 0 {
			return NewString("true"), nil
		}
		return NewString("false"), nil
	}
	// Anything to a string type.
	if isStringType(t) {
		var s string
		if isStringType(f) {
			s = d.S
			if f == BPCharOID {
				s = BPCharTrim(s)
			}
		} else {
			s = FormatText(d, from, loc)
		}
		switch t {
		case NameOID:
			s = truncateName(s)
		case CharOID:
			s = parseChar(s)
		}
		return NewString(s), nil
	}
	// A string type to anything: the input function.
	if isStringType(f) {
		s := d.S
		if f == CharOID {
			s = FormatText(d, from, loc)
		}
		return ParseTextLoc(T{OID: t, Mod: -1}, s, loc)
	}
	if r, ok, err := castVectorOrArray(d, from, to, loc); ok {
		return r, err
	}
	switch f {
	case Int2OID, Int4OID, Int8OID:
		return castFromInt(d.I, f, t, from, to)
	case OIDOID:
		switch t {
		case Int4OID:
			return NewInt(int64(int32(uint32(d.I)))), nil
		case Int8OID:
			return NewInt(int64(uint32(d.I))), nil
		}
	case Float4OID, Float8OID:
		return castFromFloat(d.F, f, t, from, to)
	case NumericOID:
		n := d.Numeric()
		switch t {
		case Int2OID, Int4OID, Int8OID:
			v, err := NumericToInt64(n, t)
			if err != nil {
				return Null, err
			}
			return NewInt(v), nil
		case Float8OID:
			v, err := NumericToFloat64(n)
			if err != nil {
				return Null, err
			}
			return NewFloat(v), nil
		case Float4OID:
			var tmp [64]byte
			v, err := parseFloat(string(AppendNumeric(tmp[:0], n)), 32)
			if err != nil {
				return Null, err
			}
			return NewFloat(v), nil
		}
	case BoolOID:
		if t == Int4OID {
			return NewInt(d.I), nil
		}
	case DateOID, TimestampOID, TimestampTZOID:
		return castDatetime(d, f, t, loc)
	case JSONOID:
		if t == JSONBOID {
			n, err := NormalizeJSONB(d.S)
			if err != nil {
				return Null, err
			}
			return NewJSON(n), nil
		}
	case JSONBOID:
		if t == JSONOID {
			return d, nil
		}
		return castFromJSONB(d.S, to)
	}
	return Null, errCannotCast(from, to)
}

func castFromInt(v int64, f, t OID, from, to T) (Datum, error) {
	switch t {
	case Int2OID, Int4OID, Int8OID:
		if err := checkIntRange(v, t); err != nil {
			return Null, err
		}
		return NewInt(v), nil
	case OIDOID:
		if f == Int8OID {
			if v < 0 || v > math.MaxUint32 {
				return Null, errOIDRange
			}
			return NewInt(v), nil
		}
		return NewInt(int64(uint32(int32(v)))), nil
	case Float8OID:
		return NewFloat(float64(v)), nil
	case Float4OID:
		return NewFloat(float64(float32(v))), nil
	case NumericOID:
		return NewNumeric(NumericFromInt(v)), nil
	case BoolOID:
		if f == Int4OID {
			return NewBool(v != 0), nil
		}
	case CharOID:
		if f == Int4OID {
			if v < -128 || v > 127 {
				return Null, pgerr.New(pgerr.NumericValueOutOfRange, "\"char\" out of range")
			}
			if v == 0 {
				return NewString(""), nil
			}
			return NewString(string([]byte{byte(v)})), nil
		}
	}
	return Null, errCannotCast(from, to)
}

// FloatToInt rounds f half to even (rint) and range-checks it for the
// integer type oid, as PostgreSQL's dtoi2/dtoi4/dtoi8 do.
func FloatToInt(f float64, oid OID) (int64, error) {
	r := math.RoundToEven(f)
	if r != r {
		return 0, intRangeErr(oid)
	}
	switch oid {
	case Int2OID:
		if r < math.MinInt16 || r >= math.MaxInt16+1 {
			return 0, errInt2Range
		}
	case Int4OID:
		if r < math.MinInt32 || r >= math.MaxInt32+1 {
			return 0, errInt4Range
		}
	default:
		if r < math.MinInt64 || r >= -float64(math.MinInt64) {
			return 0, errInt8Range
		}
	}
	return int64(r), nil
}

func castFromFloat(v float64, f, t OID, from, to T) (Datum, error) {
	switch t {
	case Int2OID, Int4OID, Int8OID:
		i, err := FloatToInt(v, t)
		if err != nil {
			return Null, err
		}
		return NewInt(i), nil
	case Float8OID:
		return NewFloat(v), nil
	case Float4OID:
		r, err := toFloat4(v)
		if err != nil {
			return Null, err
		}
		return NewFloat(r), nil
	case NumericOID:
		n, err := NumericFromFloat(v, f == Float4OID)
		if err != nil {
			return Null, err
		}
		return NewNumeric(n), nil
	}
	return Null, errCannotCast(from, to)
}

// toFloat4 narrows a float8 to float4 with PostgreSQL's overflow checks.
func toFloat4(v float64) (float64, error) {
	r := float32(v)
	if math.IsInf(float64(r), 0) && !math.IsInf(v, 0) {
		return 0, errFloatOver
	}
	if r == 0 && v != 0 {
		return 0, errFloatUnder
	}
	return float64(r), nil
}

// numericDatum is a helper for building numeric results.
func numericDatum(n *apd.Decimal) Datum { return NewNumeric(n) }

// castVectorOrArray converts among vector, halfvec, sparsevec and arrays as
// pgvector's cast functions and PostgreSQL's array coercion do. ok is false
// when neither side is one of those types.
func castVectorOrArray(d Datum, from, to T, loc *time.Location) (r Datum, ok bool, err error) {
	f, t := from.OID, to.OID
	switch t {
	case VectorOID, HalfvecOID:
		switch f {
		case VectorOID, HalfvecOID:
			v := d.Vector()
			if err := checkDim(t, int64(len(v))); err != nil {
				return Null, true, err
			}
			if err := checkExpectedDim(to.Mod, int64(len(v))); err != nil {
				return Null, true, err
			}
			if t == HalfvecOID {
				h, err := RoundHalfvec(v)
				return NewVector(h), true, err
			}
			return d, true, nil
		case SparsevecOID:
			sv := d.Sparse()
			if err := checkDim(t, int64(sv.Dim)); err != nil {
				return Null, true, err
			}
			if err := checkExpectedDim(to.Mod, int64(sv.Dim)); err != nil {
				return Null, true, err
			}
			v := SparseToDense(sv)
			if t == HalfvecOID {
				h, err := RoundHalfvec(v)
				return NewVector(h), true, err
			}
			return NewVector(v), true, nil
		case Int4ArrayOID, Float4ArrayOID, Float8ArrayOID, NumericArrayOID:
			v, err := arrayToVector(d.Array(), t, to.Mod)
			return NewVector(v), true, err
		}
	case SparsevecOID:
		switch f {
		case VectorOID, HalfvecOID:
			v := d.Vector()
			if err := checkDim(t, int64(len(v))); err != nil {
				return Null, true, err
			}
			if err := checkExpectedDim(to.Mod, int64(len(v))); err != nil {
				return Null, true, err
			}
			return NewSparse(DenseToSparse(v)), true, nil
		case Int4ArrayOID, Float4ArrayOID, Float8ArrayOID, NumericArrayOID:
			// array_to_sparsevec: array_to_vector's checks, zeros dropped.
			v, err := arrayToVector(d.Array(), t, to.Mod)
			if err != nil {
				return Null, true, err
			}
			return NewSparse(DenseToSparse(v)), true, nil
		}
	case Float4ArrayOID:
		if f == VectorOID || f == HalfvecOID {
			v := d.Vector()
			a := &Array{Elem: Float4OID, Elems: make([]Datum, len(v))}
			for i, x := range v {
				a.Elems[i] = NewFloat(float64(x))
			}
			return NewArray(a), true, nil
		}
	}
	fe, ok1 := ElemOf(f)
	te, ok2 := ElemOf(t)
	if !ok1 || !ok2 {
		return Null, false, nil
	}
	a := d.Array()
	out := &Array{Elem: te, Elems: make([]Datum, len(a.Elems)), Dims: a.Dims, Lower: a.Lower}
	ft, tt := T{OID: fe, Mod: from.Mod}, T{OID: te, Mod: -1}
	for i, e := range a.Elems {
		if e.K == KNull {
			continue
		}
		r, err := castValue(e, ft, tt, loc)
		if err != nil {
			return Null, true, err
		}
		out.Elems[i] = r
	}
	return NewArray(out), true, nil
}

// arrayToVector is pgvector's array_to_vector / array_to_halfvec.
func arrayToVector(a *Array, oid OID, typmod int32) ([]float32, error) {
	if a.NDims() > 1 {
		return nil, pgerr.New(pgerr.DataException, "array must be 1-D")
	}
	if a.HasNull() {
		return nil, pgerr.New(pgerr.NullValueNotAllowed, "array must not contain nulls")
	}
	if err := checkDim(oid, int64(len(a.Elems))); err != nil {
		return nil, err
	}
	if err := checkExpectedDim(typmod, int64(len(a.Elems))); err != nil {
		return nil, err
	}
	v := make([]float32, len(a.Elems))
	for i, e := range a.Elems {
		switch e.K {
		case KInt:
			v[i] = float32(e.I)
		case KFloat:
			v[i] = float32(e.F)
		case KNumeric:
			var tmp [64]byte
			f, err := parseFloat(string(AppendNumeric(tmp[:0], e.Numeric())), 32)
			if err != nil {
				return nil, err
			}
			v[i] = float32(f)
		default:
			return nil, pgerr.New(pgerr.DataException, "unsupported array type")
		}
		if oid == HalfvecOID {
			h, err := toHalfChecked(v[i])
			if err != nil {
				return nil, err
			}
			v[i] = h
		}
	}
	for _, x := range v {
		if err := checkElement(oid, x); err != nil {
			return nil, err
		}
	}
	return v, nil
}
