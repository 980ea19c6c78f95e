package types

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"

	"github.com/akidb/akidb/pgerr"
)

// pgvector's limits.
const (
	VectorMaxDim    = 16000
	HalfvecMaxDim   = 16000
	SparsevecMaxDim = 1000000000
	SparsevecMaxNNZ = 16000
)

func maxDims(oid OID) int32 {
	if oid == SparsevecOID {
		return SparsevecMaxDim
	}
	return VectorMaxDim
}

// vecName is the type name pgvector's messages use.
func vecName(oid OID) string {
	switch oid {
	case HalfvecOID:
		return "halfvec"
	case SparsevecOID:
		return "sparsevec"
	}
	return "vector"
}

func errDimsTooFew(oid OID) error {
	return pgerr.New(pgerr.DataException, "%s must have at least 1 dimension", vecName(oid))
}

func errDimsTooMany(oid OID) error {
	return pgerr.New(pgerr.ProgramLimitExceeded, "%s cannot have more than %d dimensions", vecName(oid), maxDims(oid))
}

// checkDim is pgvector's CheckDim.
func checkDim(oid OID, dim int64) error {
	if dim < 1 {
		return errDimsTooFew(oid)
	}
	if dim > int64(maxDims(oid)) {
		return errDimsTooMany(oid)
	}
	return nil
}

// checkExpectedDim is pgvector's CheckExpectedDim: the typmod of
// vector(n), halfvec(n) and sparsevec(n) is n.
func checkExpectedDim(typmod int32, dim int64) error {
	if typmod != -1 && int64(typmod) != dim {
		return pgerr.New(pgerr.DataException, "expected %d dimensions, not %d", typmod, dim)
	}
	return nil
}

// checkElement is pgvector's CheckElement.
func checkElement(oid OID, v float32) error {
	if v != v {
		return pgerr.New(pgerr.DataException, "NaN not allowed in %s", vecName(oid))
	}
	if math.IsInf(float64(v), 0) {
		return pgerr.New(pgerr.DataException, "infinite value not allowed in %s", vecName(oid))
	}
	return nil
}

func errDiffDims(oid OID, a, b int) error {
	return pgerr.New(pgerr.DataException, "different %s dimensions %d and %d", vecName(oid), a, b)
}

func vecIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// strtof reads the longest prefix of s that C's strtof accepts (after
// leading white space) and returns its value and the bytes consumed (0 when
// there is no number). rangeErr reports strtof's ERANGE: overflow to
// infinity or underflow to zero.
func strtof(s string) (v float32, n int, rangeErr bool) {
	i := 0
	for i < len(s) && vecIsSpace(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	neg := start < len(s) && s[start] == '-'
	rest := s[i:]
	hasPrefix := func(p string) bool { return len(rest) >= len(p) && strings.EqualFold(rest[:len(p)], p) }
	switch {
	case hasPrefix("infinity"):
		return float32(math.Inf(sgn(neg))), i + 8, false
	case hasPrefix("inf"):
		return float32(math.Inf(sgn(neg))), i + 3, false
	case hasPrefix("nan"):
		j := i + 3
		if j < len(s) && s[j] == '(' {
			k := j + 1
			for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				j = k + 1
			}
		}
		return float32(math.NaN()), j, false
	}
	isHex := func(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }
	isDig := func(c byte) bool { return c >= '0' && c <= '9' }
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') &&
		(len(rest) > 2 && isHex(rest[2]) || len(rest) > 3 && rest[2] == '.' && isHex(rest[3])) {
		j := i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		if j < len(s) && s[j] == '.' {
			j++
			for j < len(s) && isHex(s[j]) {
				j++
			}
		}
		num := s[start:j]
		if j < len(s) && (s[j] == 'p' || s[j] == 'P') {
			k := j + 1
			if k < len(s) && (s[k] == '+' || s[k] == '-') {
				k++
			}
			if k < len(s) && isDig(s[k]) {
				for k < len(s) && isDig(s[k]) {
					k++
				}
				num = s[start:k]
				j = k
			}
		}
		if !strings.ContainsAny(num, "pP") {
			num += "p0"
		}
		f, err := strconv.ParseFloat(num, 32)
		return float32(f), j, err != nil || (f == 0 && mantissaNonZero(strings.TrimLeft(num, "+-"), true))
	}
	j := i
	digits := 0
	for j < len(s) && isDig(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDig(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0, false
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDig(s[k]) {
			for k < len(s) && isDig(s[k]) {
				k++
			}
			j = k
		}
	}
	num := s[start:j]
	f, err := strconv.ParseFloat(num, 32)
	if err != nil {
		// Only a range error is possible for this grammar.
		return float32(f), j, true
	}
	return float32(f), j, f == 0 && mantissaNonZero(strings.TrimLeft(num, "+-"), false)
}

func sgn(neg bool) int {
	if neg {
		return -1
	}
	return 1
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// parseVector is vector_in and halfvec_in (halfvec values are rounded to
// float16 precision).
func parseVector(s string, oid OID, typmod int32) (Datum, error) {
	name := vecName(oid)
	syntax := func() *pgerr.Error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", name, s)
	}
	p := 0
	for p < len(s) && vecIsSpace(s[p]) {
		p++
	}
	if p >= len(s) || s[p] != '[' {
		return Null, syntax().WithDetail("Vector contents must start with \"[\".")
	}
	p++
	for p < len(s) && vecIsSpace(s[p]) {
		p++
	}
	if p < len(s) && s[p] == ']' {
		return Null, errDimsTooFew(oid)
	}
	x := make([]float32, 0, 16)
	for {
		if len(x) == VectorMaxDim {
			return Null, errDimsTooMany(oid)
		}
		for p < len(s) && vecIsSpace(s[p]) {
			p++
		}
		if p >= len(s) {
			return Null, syntax()
		}
		v, n, rangeErr := strtof(s[p:])
		if n == 0 {
			return Null, syntax()
		}
		tok := s[p : p+n]
		if oid == HalfvecOID {
			h := roundHalf(v)
			if rangeErr && math.IsInf(float64(v), 0) || math.IsInf(float64(h), 0) && !math.IsInf(float64(v), 0) {
				return Null, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", tok, name)
			}
			v = h
		} else if rangeErr && math.IsInf(float64(v), 0) {
			return Null, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", tok, name)
		}
		if err := checkElement(oid, v); err != nil {
			return Null, err
		}
		x = append(x, v)
		p += n
		for p < len(s) && vecIsSpace(s[p]) {
			p++
		}
		if p < len(s) && s[p] == ',' {
			p++
			continue
		}
		if p < len(s) && s[p] == ']' {
			p++
			break
		}
		return Null, syntax()
	}
	for p < len(s) && vecIsSpace(s[p]) {
		p++
	}
	if p != len(s) {
		return Null, syntax().WithDetail("Junk after closing right brace.")
	}
	if err := checkDim(oid, int64(len(x))); err != nil {
		return Null, err
	}
	if err := checkExpectedDim(typmod, int64(len(x))); err != nil {
		return Null, err
	}
	return NewVector(x), nil
}

// appendVectorText is vector_out (and halfvec_out): each element in
// float4's shortest exact form.
func appendVectorText(buf []byte, v []float32) []byte {
	buf = append(buf, '[')
	for i, f := range v {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = AppendFloat(buf, float64(f), 32)
	}
	return append(buf, ']')
}

// decodeVectorBinary is vector_recv and halfvec_recv.
func decodeVectorBinary(t T, b []byte) (Datum, error) {
	if len(b) < 4 {
		return Null, errBinaryFormat
	}
	dim := int16(binary.BigEndian.Uint16(b))
	unused := int16(binary.BigEndian.Uint16(b[2:]))
	if err := checkDim(t.OID, int64(dim)); err != nil {
		return Null, err
	}
	if err := checkExpectedDim(t.Mod, int64(dim)); err != nil {
		return Null, err
	}
	if unused != 0 {
		return Null, pgerr.New(pgerr.DataException, "expected unused to be 0, not %d", unused)
	}
	b = b[4:]
	size := 4
	if t.OID == HalfvecOID {
		size = 2
	}
	if len(b) != int(dim)*size {
		return Null, errBinaryFormat
	}
	x := make([]float32, dim)
	for i := range x {
		if size == 2 {
			x[i] = HalfToFloat(binary.BigEndian.Uint16(b[2*i:]))
		} else {
			x[i] = math.Float32frombits(binary.BigEndian.Uint32(b[4*i:]))
		}
		if err := checkElement(t.OID, x[i]); err != nil {
			return Null, err
		}
	}
	return NewVector(x), nil
}

// appendVectorBinary is vector_send and halfvec_send.
func appendVectorBinary(buf []byte, v []float32, half bool) []byte {
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(v)))
	buf = binary.BigEndian.AppendUint16(buf, 0)
	for _, f := range v {
		if half {
			buf = binary.BigEndian.AppendUint16(buf, FloatToHalf(f))
		} else {
			buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(f))
		}
	}
	return buf
}

// --- float16 ---

// FloatToHalf converts to IEEE 754 binary16, rounding to nearest even.
func FloatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b >> 23) & 0xff)
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		shift := uint(14 - e)
		if shift > 24 {
			return sign
		}
		mant |= 0x800000
		half := uint32(1) << (shift - 1)
		r := mant >> shift
		rem := mant & (1<<shift - 1)
		if rem > half || rem == half && r&1 == 1 {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && r&1 == 1 {
		r++ // may carry into the exponent, up to infinity
	}
	return sign | uint16(r)
}

// HalfToFloat converts an IEEE 754 binary16 to float32 (exactly).
func HalfToFloat(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case 0:
		f := float32(mant) / (1 << 24)
		if sign != 0 {
			f = -f
		}
		return f
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// roundHalf rounds f to the nearest float16 value (infinity when too large).
func roundHalf(f float32) float32 { return HalfToFloat(FloatToHalf(f)) }

// toHalfChecked is pgvector's Float4ToHalf: a finite value that overflows
// float16 is an error.
func toHalfChecked(f float32) (float32, error) {
	h := roundHalf(f)
	if math.IsInf(float64(h), 0) && !math.IsInf(float64(f), 0) {
		return 0, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type halfvec", AppendFloat(nil, float64(f), 32))
	}
	return h, nil
}

// --- distances, as pgvector computes them (float accumulation in the
// order of vector_sum.go, float8 result) ---

// L2Distance is pgvector's l2_distance (the <-> operator) on equal-length
// vectors.
func L2Distance(a, b []float32) float64 { return math.Sqrt(float64(l2SquaredF32(a, b, false))) }

// InnerProduct is pgvector's inner_product; <#> is its negation.
func InnerProduct(a, b []float32) float64 { return float64(dotF32(a, b, false)) }

// CosineDistance is pgvector's cosine_distance (<=>): NaN when either
// vector is zero.
func CosineDistance(a, b []float32) float64 { return cosineF64(a, b, false) }

// L1Distance is pgvector's l1_distance (<+>).
func L1Distance(a, b []float32) float64 { return float64(l1F32(a, b, false)) }

// VectorNorm is pgvector's vector_norm.
func VectorNorm(a []float32) float64 { return math.Sqrt(normSq(a)) }

// halfvecNorm is pgvector's l2_norm(halfvec), summed in order.
func halfvecNorm(a []float32) float64 {
	var n float64
	for _, x := range a {
		n += float64(x) * float64(x)
	}
	return math.Sqrt(n)
}

// VectorAdd is vector + vector.
func VectorAdd(a, b []float32) ([]float32, error) {
	return vecArith(VectorOID, a, b, func(x, y float32) float32 { return x + y })
}

// VectorScale multiplies every element by f (for avg(vector): the sum
// scaled by 1/n), checking the result is finite.
func VectorScale(a []float32, f float64) ([]float32, error) {
	r := make([]float32, len(a))
	for i, x := range a {
		r[i] = float32(float64(x) * f)
		if math.IsInf(float64(r[i]), 0) {
			return nil, errFloatOver
		}
	}
	return r, nil
}

// VectorAccum is the state of avg(vector)/sum(vector) as pgvector keeps
// it: a count and float8 sums.
type VectorAccum struct {
	N   float64
	Sum []float64
}

// Add accumulates one vector (the dimensions must match the first one).
func (s *VectorAccum) Add(v []float32) error {
	if s.N == 0 {
		s.Sum = make([]float64, len(v))
	} else if err := checkExpectedDim(int32(len(s.Sum)), int64(len(v))); err != nil {
		return err
	}
	for i, x := range v {
		s.Sum[i] += float64(x)
		if math.IsInf(s.Sum[i], 0) {
			return errFloatOver
		}
	}
	s.N++
	return nil
}

// Avg returns the average (ok false when no vector was added). For halfvec
// round the result with RoundHalfvec.
func (s *VectorAccum) Avg() (v []float32, ok bool, err error) {
	if s.N == 0 {
		return nil, false, nil
	}
	r := make([]float32, len(s.Sum))
	for i, x := range s.Sum {
		r[i] = float32(x / s.N)
		if err := checkElement(VectorOID, r[i]); err != nil {
			return nil, false, err
		}
	}
	return r, true, nil
}

// RoundHalfvec rounds every element to float16 precision, as a halfvec
// result is stored; a finite value too large for float16 is an error.
func RoundHalfvec(v []float32) ([]float32, error) {
	r := make([]float32, len(v))
	for i, x := range v {
		h, err := toHalfChecked(x)
		if err != nil {
			return nil, err
		}
		r[i] = h
	}
	return r, nil
}

func vecArith(oid OID, a, b []float32, op func(x, y float32) float32) ([]float32, error) {
	if len(a) != len(b) {
		return nil, errDiffDims(oid, len(a), len(b))
	}
	r := make([]float32, len(a))
	for i := range a {
		r[i] = op(a[i], b[i])
		if oid == HalfvecOID {
			r[i] = roundHalf(r[i])
		}
		if math.IsInf(float64(r[i]), 0) {
			return nil, errFloatOver
		}
	}
	return r, nil
}

func vecMul(oid OID, a, b []float32) ([]float32, error) {
	r, err := vecArith(oid, a, b, func(x, y float32) float32 { return x * y })
	if err != nil {
		return nil, err
	}
	for i := range r {
		if r[i] == 0 && !(a[i] == 0 || b[i] == 0) {
			return nil, errFloatUnder
		}
	}
	return r, nil
}

// compareVectors is pgvector's vector_cmp_internal: element by element,
// then the shorter first.
func compareVectors(a, b []float32) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		if a[i] < b[i] {
			return -1
		}
		if a[i] > b[i] {
			return 1
		}
	}
	return cmpInt(int64(len(a)), int64(len(b)))
}

func l2Normalize(oid OID, a []float32) ([]float32, error) {
	norm := VectorNorm(a)
	if oid == HalfvecOID {
		norm = halfvecNorm(a)
	}
	r := make([]float32, len(a))
	if norm > 0 {
		for i, x := range a {
			r[i] = float32(float64(x) / norm)
			if oid == HalfvecOID {
				r[i] = roundHalf(r[i])
			}
			if math.IsInf(float64(r[i]), 0) {
				return nil, errFloatOver
			}
		}
	}
	return r, nil
}

func subvector(oid OID, a []float32, start, count int64) ([]float32, error) {
	end := start + count
	if start < 1 {
		start = 1
	}
	if end > int64(len(a)) {
		end = int64(len(a)) + 1
	}
	dim := end - start
	if err := checkDim(oid, dim); err != nil {
		return nil, err
	}
	return append([]float32(nil), a[start-1:end-1]...), nil
}

func registerVectorOps() {
	for _, oid := range []OID{VectorOID, HalfvecOID} {
		oid := oid
		dist := func(name, op string, f func(a, b []float32) float64) {
			fn := func(a, b Datum) (Datum, error) {
				x, y := a.Vector(), b.Vector()
				if len(x) != len(y) {
					return Null, errDiffDims(oid, len(x), len(y))
				}
				return NewFloat(f(x, y)), nil
			}
			if op != "" {
				addOp(op, oid, oid, Float8OID, fn)
			}
			if name != "" {
				addFunc(name, []OID{oid, oid}, Float8OID, func(a []Datum) (Datum, error) { return fn(a[0], a[1]) })
			}
		}
		half := oid == HalfvecOID
		dist("l2_distance", "<->", func(a, b []float32) float64 { return math.Sqrt(float64(l2SquaredF32(a, b, half))) })
		dist("inner_product", "", func(a, b []float32) float64 { return float64(dotF32(a, b, half)) })
		dist("", "<#>", func(a, b []float32) float64 { return float64(-dotF32(a, b, half)) })
		dist("cosine_distance", "<=>", func(a, b []float32) float64 { return cosineF64(a, b, half) })
		dist("l1_distance", "<+>", func(a, b []float32) float64 { return float64(l1F32(a, b, half)) })
		for _, op := range []struct {
			name string
			f    func(a, b []float32) ([]float32, error)
		}{
			{"+", func(a, b []float32) ([]float32, error) {
				return vecArith(oid, a, b, func(x, y float32) float32 { return x + y })
			}},
			{"-", func(a, b []float32) ([]float32, error) {
				return vecArith(oid, a, b, func(x, y float32) float32 { return x - y })
			}},
			{"*", func(a, b []float32) ([]float32, error) { return vecMul(oid, a, b) }},
			{"||", func(a, b []float32) ([]float32, error) {
				if err := checkDim(oid, int64(len(a)+len(b))); err != nil {
					return nil, err
				}
				return append(append(make([]float32, 0, len(a)+len(b)), a...), b...), nil
			}},
		} {
			f := op.f
			addOp(op.name, oid, oid, oid, func(a, b Datum) (Datum, error) {
				r, err := f(a.Vector(), b.Vector())
				if err != nil {
					return Null, err
				}
				return NewVector(r), nil
			})
		}
		addCmpOps(oid, oid, func(a, b Datum) int { return compareVectors(a.Vector(), b.Vector()) })
		addFunc("vector_dims", []OID{oid}, Int4OID, func(a []Datum) (Datum, error) { return NewInt(int64(len(a[0].Vector()))), nil })
		if oid == VectorOID {
			addFunc("vector_norm", []OID{oid}, Float8OID, func(a []Datum) (Datum, error) { return NewFloat(VectorNorm(a[0].Vector())), nil })
		} else {
			addFunc("l2_norm", []OID{oid}, Float8OID, func(a []Datum) (Datum, error) { return NewFloat(halfvecNorm(a[0].Vector())), nil })
		}
		addFunc("l2_normalize", []OID{oid}, oid, func(a []Datum) (Datum, error) {
			r, err := l2Normalize(oid, a[0].Vector())
			if err != nil {
				return Null, err
			}
			return NewVector(r), nil
		})
		addFunc("subvector", []OID{oid, Int4OID, Int4OID}, oid, func(a []Datum) (Datum, error) {
			r, err := subvector(oid, a[0].Vector(), a[1].I, a[2].I)
			if err != nil {
				return Null, err
			}
			return NewVector(r), nil
		})
	}
}
