package types

import "math"

// The sums behind pgvector's distances and norms, in the order its x86-64
// build adds them: PostgreSQL prints float8 results to the last bit, so a
// different order of float32 additions shows. pgvector compiles its
// vector loops with GCC's vectorizer and reassociation
// (-ftree-vectorize -fassociative-math) and, on CPUs with FMA (all current
// x86-64 servers), runs the FMA clone of each one (target_clones), which
// fuses every multiply-add; its halfvec loops use F16C/FMA intrinsics; its
// sparsevec loops are compiled for baseline SSE2.

// fma32 is C's fmaf: a*b+c rounded once to float32.
func fma32(a, b, c float32) float32 {
	x := float64(a) * float64(b) // exact: 24+24 significant bits
	s := x + float64(c)
	// Rounding s, not x+c, to float32 can differ only when s is exactly
	// halfway between two float32 values: for float32's normal range, when
	// the 29 bits below the float32 mantissa are 1000...
	if bits := math.Float64bits(s); bits&(1<<29-1) != 1<<28 && bits&(0x7ff<<52) >= (1023-126)<<52 {
		return float32(s)
	}
	return fma32Tie(x, float64(c), s)
}

// fma32Tie rounds x+c to float32 where s, x+c rounded to float64, may be
// a tie: it rounds towards x+c, whose distance from s TwoSum gives.
func fma32Tie(x, c, s float64) float32 {
	r := float32(s)
	if float64(r) == s || math.IsNaN(s) || math.IsInf(s, 0) {
		return r
	}
	bv := s - x
	e := (x - (s - bv)) + (c - bv)
	if e == 0 {
		return r
	}
	var o float32 // the float32 on the other side of s
	if float64(r) < s {
		o = math.Nextafter32(r, float32(math.Inf(1)))
	} else {
		o = math.Nextafter32(r, float32(math.Inf(-1)))
	}
	lo, hi := float64(r), float64(o)
	if math.IsInf(hi, 0) {
		hi = math.Copysign(0x1p128, hi)
	}
	if math.IsInf(lo, 0) {
		lo = math.Copysign(0x1p128, lo)
	}
	if (lo+hi)/2 != s {
		return r
	}
	if (e > 0) == (float64(o) > s) {
		return o
	}
	return r
}

// hsum4 folds four lanes as GCC's vectorized reductions do.
func hsum4(l [4]float32) float32 { return (l[1] + l[3]) + (l[0] + l[2]) }

// The terms of the float32 sums.
const (
	termDot = iota // acc + x*y, fused
	termL2         // acc + (x-y)*(x-y), fused
	termL1         // acc + |x-y|
)

// addTerm adds a term to acc. ok false means a fused multiply-add may
// have to round differently than float32(float64 result) (a rare tie):
// the caller then starts over with addTermExact.
func addTerm(kind int, acc, x, y float32) (r float32, ok bool) {
	if kind == termL1 {
		return acc + abs32(x-y), true
	}
	if kind == termL2 {
		x -= y
		y = x
	}
	s := float64(x)*float64(y) + float64(acc)
	bits := math.Float64bits(s)
	return float32(s), bits&(1<<29-1) != 1<<28 && (bits&(0x7ff<<52) >= (1023-126)<<52 || bits<<1 == 0)
}

func addTermExact(kind int, acc, x, y float32) float32 {
	switch kind {
	case termL2:
		d := x - y
		return fma32(d, d, acc)
	case termL1:
		return acc + abs32(x-y)
	}
	return fma32(x, y, acc)
}

// laneSum adds the terms of a and b (of equal length) as pgvector's
// vector (half false) and halfvec (half true) distance loops do: eight
// lanes over the first len&^7 elements, folded to four; for vector, one
// more four-lane step when four or more elements remain; then one element
// at a time.
func laneSum(kind int, a, b []float32, half bool) float32 {
	if r, ok := laneSumFast(kind, a, b, half); ok {
		return r
	}
	n := len(a)
	b = b[:n]
	var r float32
	var l4 [4]float32
	i := 0
	if n >= 8 {
		var l8 [8]float32
		for ; i+8 <= n; i += 8 {
			for k := range l8 {
				l8[k] = addTermExact(kind, l8[k], a[i+k], b[i+k])
			}
		}
		for k := range l4 {
			l4[k] = l8[k] + l8[k+4]
		}
		r = hsum4(l4)
	}
	if !half && n-i >= 4 {
		for k := range l4 {
			l4[k] = addTermExact(kind, l4[k], a[i+k], b[i+k])
		}
		i += 4
		r = hsum4(l4)
	}
	for ; i < n; i++ {
		r = addTermExact(kind, r, a[i], b[i])
	}
	return r
}

// laneSumFast is laneSum with multiply-adds rounded through float64; ok
// is false when that may have rounded differently.
func laneSumFast(kind int, a, b []float32, half bool) (r float32, ok bool) {
	n := len(a)
	b = b[:n]
	good := true
	var l4 [4]float32
	i := 0
	if n >= 8 {
		var l8 [8]float32
		if kind == termL1 {
			l8 = l1Lanes(a, b)
		} else if l8, ok = fmaLanes(a, b, kind == termL2); !ok {
			return 0, false
		}
		i = n &^ 7
		l4 = [4]float32{l8[0] + l8[4], l8[1] + l8[5], l8[2] + l8[6], l8[3] + l8[7]}
		r = hsum4(l4)
	}
	if !half && n-i >= 4 {
		for k := range l4 {
			var g bool
			l4[k], g = addTerm(kind, l4[k], a[i+k], b[i+k])
			good = good && g
		}
		i += 4
		r = hsum4(l4)
	}
	for ; i < n; i++ {
		var g bool
		r, g = addTerm(kind, r, a[i], b[i])
		good = good && g
	}
	return r, good
}

// suspect has bit 63 set when a float64 sum's rounding to float32 may
// differ from a fused multiply-add's (see fma32): a tie, or a value in
// float32's subnormal range. It has no branches.
func suspect(s float64) uint64 {
	b := math.Float64bits(s)
	z := b << 1
	return ((b & (1<<29 - 1)) ^ 1<<28 - 1) | ((b>>52&0x7ff - (1023 - 126)) & (z | -z))
}

// fmaLanes is the eight-lane part of laneSumFast for x*y (l2 false) or
// (x-y)*(x-y) terms, its lanes in float64 registers holding float32
// values.
func fmaLanes(a, b []float32, l2 bool) (l [8]float32, ok bool) {
	var s0, s1, s2, s3, s4, s5, s6, s7 float64
	var bad uint64
	n := len(a) &^ 7
	b = b[:len(a)]
	for i := 0; i < n; i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		var x0, x1, x2, x3, x4, x5, x6, x7 float64
		var y0, y1, y2, y3, y4, y5, y6, y7 float64
		if l2 {
			x0, x1, x2, x3 = float64(x[0]-y[0]), float64(x[1]-y[1]), float64(x[2]-y[2]), float64(x[3]-y[3])
			x4, x5, x6, x7 = float64(x[4]-y[4]), float64(x[5]-y[5]), float64(x[6]-y[6]), float64(x[7]-y[7])
			y0, y1, y2, y3, y4, y5, y6, y7 = x0, x1, x2, x3, x4, x5, x6, x7
		} else {
			x0, x1, x2, x3 = float64(x[0]), float64(x[1]), float64(x[2]), float64(x[3])
			x4, x5, x6, x7 = float64(x[4]), float64(x[5]), float64(x[6]), float64(x[7])
			y0, y1, y2, y3 = float64(y[0]), float64(y[1]), float64(y[2]), float64(y[3])
			y4, y5, y6, y7 = float64(y[4]), float64(y[5]), float64(y[6]), float64(y[7])
		}
		// Each product is exact in float64; one rounding to float64, then
		// to float32, is the fused multiply-add unless suspect.
		t0, t1, t2, t3 := x0*y0+s0, x1*y1+s1, x2*y2+s2, x3*y3+s3
		t4, t5, t6, t7 := x4*y4+s4, x5*y5+s5, x6*y6+s6, x7*y7+s7
		bad |= suspect(t0) | suspect(t1) | suspect(t2) | suspect(t3) |
			suspect(t4) | suspect(t5) | suspect(t6) | suspect(t7)
		s0, s1, s2, s3 = float64(float32(t0)), float64(float32(t1)), float64(float32(t2)), float64(float32(t3))
		s4, s5, s6, s7 = float64(float32(t4)), float64(float32(t5)), float64(float32(t6)), float64(float32(t7))
	}
	return [8]float32{float32(s0), float32(s1), float32(s2), float32(s3), float32(s4), float32(s5), float32(s6), float32(s7)}, bad>>63 == 0
}

// l1Lanes is the eight-lane part of laneSum for |x-y| terms.
func l1Lanes(a, b []float32) (l [8]float32) {
	n := len(a) &^ 7
	b = b[:len(a)]
	for i := 0; i < n; i += 8 {
		x, y := a[i:i+8:i+8], b[i:i+8:i+8]
		for k := range l {
			l[k] += abs32(x[k] - y[k])
		}
	}
	return l
}

// sse4Sum adds term(i) for i < n to acc as pgvector's sparsevec loops do:
// four lanes over the first n&^3 terms, folded and added to acc, then
// one term at a time.
func sse4Sum(acc float32, n int, term func(i int) float32) float32 {
	i := 0
	if n >= 4 {
		var l [4]float32
		for ; i+4 <= n; i += 4 {
			for k := range l {
				l[k] += term(i + k)
			}
		}
		acc += hsum4(l)
	}
	for ; i < n; i++ {
		acc += term(i)
	}
	return acc
}

// normSq is the float8 sum of squares of vector_norm, l2_normalize and
// their sparsevec versions: two lanes, each taking two elements of every
// four, then one element at a time. (halfvec's loops are sequential.)
func normSq(x []float32) float64 {
	n := len(x)
	var s float64
	i := 0
	if n >= 4 {
		var a0, a1 float64
		for ; i+4 <= n; i += 4 {
			a0 += float64(x[i])*float64(x[i]) + float64(x[i+2])*float64(x[i+2])
			a1 += float64(x[i+1])*float64(x[i+1]) + float64(x[i+3])*float64(x[i+3])
		}
		s = a1 + a0
	}
	for ; i < n; i++ {
		s += float64(x[i]) * float64(x[i])
	}
	return s
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }

func l2SquaredF32(a, b []float32, half bool) float32 { return laneSum(termL2, a, b, half) }

func dotF32(a, b []float32, half bool) float32 { return laneSum(termDot, a, b, half) }

func l1F32(a, b []float32, half bool) float32 { return laneSum(termL1, a, b, half) }

func cosineF64(a, b []float32, half bool) float64 {
	dot := dotF32(a, b, half)
	na := dotF32(a, a, half)
	nb := dotF32(b, b, half)
	sim := float64(dot) / math.Sqrt(float64(na)*float64(nb))
	if sim > 1 {
		sim = 1
	} else if sim < -1 {
		sim = -1
	}
	return 1 - sim
}
