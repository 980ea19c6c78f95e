package types

import (
	"encoding/binary"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/akidb/akidb/pgerr"
)

// checkSparseIndex is sparsevec's CheckIndex on 0-based indices.
func checkSparseIndex(idx []int32, i int, dim int32) error {
	x := idx[i]
	if x < 0 || x >= dim {
		return pgerr.New(pgerr.DataException, "sparsevec index out of bounds")
	}
	if i > 0 {
		if x < idx[i-1] {
			return pgerr.New(pgerr.DataException, "sparsevec indices must be in ascending order")
		}
		if x == idx[i-1] {
			return pgerr.New(pgerr.DataException, "sparsevec indices must not contain duplicates")
		}
	}
	return nil
}

func checkNNZ(nnz, dim int32) error {
	if nnz < 0 {
		return pgerr.New(pgerr.DataException, "sparsevec cannot have negative number of elements")
	}
	if nnz > SparsevecMaxNNZ {
		return pgerr.New(pgerr.ProgramLimitExceeded, "sparsevec cannot have more than %d non-zero elements", SparsevecMaxNNZ)
	}
	if nnz > dim {
		return pgerr.New(pgerr.ProgramLimitExceeded, "sparsevec cannot have more elements than dimensions")
	}
	return nil
}

// strtol reads the longest prefix of s that C's strtol (base 10) accepts
// and returns its value saturated to int64 and the bytes consumed.
func strtol(s string) (v int64, n int, overflow bool) {
	i := 0
	for i < len(s) && vecIsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	if j == i {
		return 0, 0, false
	}
	u, err := strconv.ParseUint(s[i:j], 10, 64)
	switch {
	case err != nil || !neg && u > math.MaxInt64:
		if neg {
			return math.MinInt64, j, true
		}
		return math.MaxInt64, j, true
	case neg && u > 1<<63:
		return math.MinInt64, j, true
	case neg:
		return -int64(u), j, false
	}
	return int64(u), j, false
}

// parseSparse is sparsevec_in: {i:v,...}/dim with 1-based indices.
func parseSparse(s string, typmod int32) (Datum, error) {
	syntax := func() *pgerr.Error {
		return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type sparsevec: \"%s\"", s)
	}
	if strings.Count(s, ",")+1 > SparsevecMaxNNZ {
		return Null, pgerr.New(pgerr.ProgramLimitExceeded, "sparsevec cannot have more than %d non-zero elements", SparsevecMaxNNZ)
	}
	type elem struct {
		idx int64
		val float32
	}
	var elems []elem
	p := 0
	skip := func() {
		for p < len(s) && vecIsSpace(s[p]) {
			p++
		}
	}
	skip()
	if p >= len(s) || s[p] != '{' {
		return Null, syntax().WithDetail("Vector contents must start with \"{\".")
	}
	p++
	skip()
	if p < len(s) && s[p] == '}' {
		p++
	} else {
		for {
			skip()
			if p >= len(s) {
				return Null, syntax()
			}
			idx, n, _ := strtol(s[p:])
			if n == 0 {
				return Null, syntax()
			}
			// Kept in int range; checkSparseIndex reports it after the
			// dimensions are known (only for non-zero values, as pgvector).
			idx = max(min(idx, math.MaxInt32), math.MinInt32+1)
			p += n
			skip()
			if p >= len(s) || s[p] != ':' {
				return Null, syntax()
			}
			p++
			skip()
			v, n, rangeErr := strtof(s[p:])
			if n == 0 {
				return Null, syntax()
			}
			if rangeErr && (v == 0 || math.IsInf(float64(v), 0)) {
				return Null, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type sparsevec", strings.TrimLeft(s[p:p+n], " \t\n\r\v\f"))
			}
			if err := checkElement(SparsevecOID, v); err != nil {
				return Null, err
			}
			if v != 0 {
				elems = append(elems, elem{idx - 1, v})
			}
			p += n
			skip()
			if p < len(s) && s[p] == ',' {
				p++
				continue
			}
			if p < len(s) && s[p] == '}' {
				p++
				break
			}
			return Null, syntax()
		}
	}
	skip()
	if p >= len(s) || s[p] != '/' {
		return Null, syntax().WithDetail("Unexpected end of input.")
	}
	p++
	skip()
	dim, n, _ := strtol(s[p:])
	if n == 0 {
		return Null, syntax()
	}
	p += n
	skip()
	if p != len(s) {
		return Null, syntax().WithDetail("Junk after closing.")
	}
	if err := checkDim(SparsevecOID, dim); err != nil {
		return Null, err
	}
	if err := checkExpectedDim(typmod, dim); err != nil {
		return Null, err
	}
	sort.SliceStable(elems, func(i, j int) bool { return elems[i].idx < elems[j].idx })
	sv := &SparseVec{Dim: int32(dim), Idx: make([]int32, len(elems)), Val: make([]float32, len(elems))}
	for i, e := range elems {
		sv.Idx[i] = int32(e.idx)
		sv.Val[i] = e.val
		if err := checkSparseIndex(sv.Idx, i, sv.Dim); err != nil {
			return Null, err
		}
	}
	return NewSparse(sv), nil
}

// appendSparseText is sparsevec_out.
func appendSparseText(buf []byte, v *SparseVec) []byte {
	buf = append(buf, '{')
	for i := range v.Idx {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = strconv.AppendInt(buf, int64(v.Idx[i])+1, 10)
		buf = append(buf, ':')
		buf = AppendFloat(buf, float64(v.Val[i]), 32)
	}
	buf = append(buf, '}', '/')
	return strconv.AppendInt(buf, int64(v.Dim), 10)
}

// decodeSparseBinary is sparsevec_recv: int32 dim, int32 nnz, int32 unused,
// nnz int32 0-based indices, nnz float4 values.
func decodeSparseBinary(t T, b []byte) (Datum, error) {
	if len(b) < 12 {
		return Null, errBinaryFormat
	}
	dim := int32(binary.BigEndian.Uint32(b))
	nnz := int32(binary.BigEndian.Uint32(b[4:]))
	unused := int32(binary.BigEndian.Uint32(b[8:]))
	if err := checkDim(SparsevecOID, int64(dim)); err != nil {
		return Null, err
	}
	if err := checkNNZ(nnz, dim); err != nil {
		return Null, err
	}
	if err := checkExpectedDim(t.Mod, int64(dim)); err != nil {
		return Null, err
	}
	if unused != 0 {
		return Null, pgerr.New(pgerr.DataException, "expected unused to be 0, not %d", unused)
	}
	b = b[12:]
	if len(b) != 8*int(nnz) {
		return Null, errBinaryFormat
	}
	sv := &SparseVec{Dim: dim, Idx: make([]int32, nnz), Val: make([]float32, nnz)}
	for i := range sv.Idx {
		sv.Idx[i] = int32(binary.BigEndian.Uint32(b[4*i:]))
		if err := checkSparseIndex(sv.Idx, i, dim); err != nil {
			return Null, err
		}
	}
	b = b[4*nnz:]
	for i := range sv.Val {
		sv.Val[i] = math.Float32frombits(binary.BigEndian.Uint32(b[4*i:]))
		if err := checkElement(SparsevecOID, sv.Val[i]); err != nil {
			return Null, err
		}
		if sv.Val[i] == 0 {
			return Null, pgerr.New(pgerr.DataException, "binary representation of sparsevec cannot contain zero values")
		}
	}
	return NewSparse(sv), nil
}

func appendSparseBinary(buf []byte, v *SparseVec) []byte {
	buf = binary.BigEndian.AppendUint32(buf, uint32(v.Dim))
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(v.Idx)))
	buf = binary.BigEndian.AppendUint32(buf, 0)
	for _, x := range v.Idx {
		buf = binary.BigEndian.AppendUint32(buf, uint32(x))
	}
	for _, f := range v.Val {
		buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(f))
	}
	return buf
}

// DenseToSparse is vector_to_sparsevec (and halfvec_to_sparsevec).
func DenseToSparse(v []float32) *SparseVec {
	sv := &SparseVec{Dim: int32(len(v))}
	for i, x := range v {
		if x != 0 {
			sv.Idx = append(sv.Idx, int32(i))
			sv.Val = append(sv.Val, x)
		}
	}
	return sv
}

// SparseToDense is sparsevec_to_vector.
func SparseToDense(sv *SparseVec) []float32 {
	r := make([]float32, sv.Dim)
	for i, x := range sv.Idx {
		r[x] = sv.Val[i]
	}
	return r
}

// The sparsevec distances follow pgvector's loops (see vector_sum.go):
// a merge in index order, then b's remaining elements four lanes at a time.

func sparseL2Sq(a, b *SparseVec) float32 {
	var d float32
	bpos := 0
	for i, ai := range a.Idx {
		bi := int32(-1)
		for j := bpos; j < len(b.Idx); j++ {
			bi = b.Idx[j]
			if ai == bi {
				x := a.Val[i] - b.Val[j]
				d += float32(x * x)
			} else if ai > bi {
				d += float32(b.Val[j] * b.Val[j])
			}
			if ai >= bi {
				bpos = j + 1
			}
			if bi >= ai {
				break
			}
		}
		if ai != bi {
			d += float32(a.Val[i] * a.Val[i])
		}
	}
	rest := b.Val[bpos:]
	return sse4Sum(d, len(rest), func(j int) float32 { return float32(rest[j] * rest[j]) })
}

func sparseDot(a, b *SparseVec) float32 {
	var d float32
	i, j := 0, 0
	for i < len(a.Idx) && j < len(b.Idx) {
		switch {
		case a.Idx[i] < b.Idx[j]:
			i++
		case a.Idx[i] > b.Idx[j]:
			j++
		default:
			d += float32(a.Val[i] * b.Val[j])
			i++
			j++
		}
	}
	return d
}

func sparseCosine(a, b *SparseVec) float64 {
	sim := float64(sparseDot(a, b))
	na := sse4Sum(0, len(a.Val), func(i int) float32 { return float32(a.Val[i] * a.Val[i]) })
	nb := sse4Sum(0, len(b.Val), func(i int) float32 { return float32(b.Val[i] * b.Val[i]) })
	sim /= math.Sqrt(float64(na) * float64(nb))
	if sim > 1 {
		sim = 1
	} else if sim < -1 {
		sim = -1
	}
	return 1 - sim
}

func sparseL1(a, b *SparseVec) float64 {
	var d float32
	bpos := 0
	for i, ai := range a.Idx {
		bi := int32(-1)
		for j := bpos; j < len(b.Idx); j++ {
			bi = b.Idx[j]
			if ai == bi {
				d += abs32(a.Val[i] - b.Val[j])
			} else if ai > bi {
				d += abs32(b.Val[j])
			}
			if ai >= bi {
				bpos = j + 1
			}
			if bi >= ai {
				break
			}
		}
		if ai != bi {
			d += abs32(a.Val[i])
		}
	}
	rest := b.Val[bpos:]
	return float64(sse4Sum(d, len(rest), func(j int) float32 { return abs32(rest[j]) }))
}

func sparseNorm(a *SparseVec) float64 { return math.Sqrt(normSq(a.Val)) }

func sparseNormalize(a *SparseVec) (*SparseVec, error) {
	norm := sparseNorm(a)
	r := &SparseVec{Dim: a.Dim}
	if norm > 0 {
		for i, x := range a.Val {
			v := float32(float64(x) / norm)
			if math.IsInf(float64(v), 0) {
				return nil, errFloatOver
			}
			if v != 0 {
				r.Idx = append(r.Idx, a.Idx[i])
				r.Val = append(r.Val, v)
			}
		}
	}
	return r, nil
}

// compareSparse is sparsevec_cmp_internal (0-based indices).
func compareSparse(a, b *SparseVec) int {
	nnz := min(len(a.Idx), len(b.Idx))
	for i := 0; i < nnz; i++ {
		if a.Idx[i] < b.Idx[i] {
			if a.Val[i] < 0 {
				return -1
			}
			return 1
		}
		if a.Idx[i] > b.Idx[i] {
			if b.Val[i] < 0 {
				return 1
			}
			return -1
		}
		if a.Val[i] < b.Val[i] {
			return -1
		}
		if a.Val[i] > b.Val[i] {
			return 1
		}
	}
	if len(a.Idx) < len(b.Idx) && b.Idx[nnz] < a.Dim {
		if b.Val[nnz] < 0 {
			return 1
		}
		return -1
	}
	if len(a.Idx) > len(b.Idx) && a.Idx[nnz] < b.Dim {
		if a.Val[nnz] < 0 {
			return -1
		}
		return 1
	}
	return cmpInt(int64(a.Dim), int64(b.Dim))
}

func registerSparseOps() {
	oid := SparsevecOID
	dist := func(name, op string, f func(a, b *SparseVec) float64) {
		fn := func(a, b Datum) (Datum, error) {
			x, y := a.Sparse(), b.Sparse()
			if x.Dim != y.Dim {
				return Null, errDiffDims(oid, int(x.Dim), int(y.Dim))
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
	dist("l2_distance", "<->", func(a, b *SparseVec) float64 { return math.Sqrt(float64(sparseL2Sq(a, b))) })
	dist("inner_product", "", func(a, b *SparseVec) float64 { return float64(sparseDot(a, b)) })
	dist("", "<#>", func(a, b *SparseVec) float64 { return -float64(sparseDot(a, b)) })
	dist("cosine_distance", "<=>", sparseCosine)
	dist("l1_distance", "<+>", sparseL1)
	addCmpOps(oid, oid, func(a, b Datum) int { return compareSparse(a.Sparse(), b.Sparse()) })
	addFunc("l2_norm", []OID{oid}, Float8OID, func(a []Datum) (Datum, error) { return NewFloat(sparseNorm(a[0].Sparse())), nil })
	addFunc("l2_normalize", []OID{oid}, oid, func(a []Datum) (Datum, error) {
		r, err := sparseNormalize(a[0].Sparse())
		if err != nil {
			return Null, err
		}
		return NewSparse(r), nil
	})
}
