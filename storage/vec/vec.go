package vec

import "math"

// kernels is one implementation of every kernel.
type kernels struct {
	name   string
	dot    func(a, b []float32) float32
	l2sq   func(a, b []float32) float32
	l1     func(a, b []float32) float32
	dotF16 func(a, b []uint16) float32
	dotI8  func(a []int8, b []int16) int32
	// Between float32 and scaled half-precision vectors.
	dotMixed, l2sqMixed, l1Mixed func(a []float32, b []uint16, s float32) float32
	decodeScaled                 func(dst []float32, h []uint16, s float32)
	encodeScaled                 func(dst []uint16, a []float32) float32
}

var pureGo = kernels{name: "go", dot: dotGo, l2sq: l2sqGo, l1: l1Go, dotF16: dotF16Go, dotI8: dotI8Go,
	dotMixed: dotMixedGo, l2sqMixed: l2sqMixedGo, l1Mixed: l1MixedGo, decodeScaled: decodeScaledGo, encodeScaled: encodeScaledGo}

// impls lists the implementations this CPU can run, pure Go first; the
// architecture files append to it in init. The last entry is the fastest and
// becomes active. Tests and benchmarks run every entry.
var impls = []kernels{pureGo}

// active is chosen once, at start-up, and never changes afterwards.
var active = pureGo

func register(k kernels) {
	impls = append(impls, k)
	active = k
}

// Impl names the active implementation: "avx512", "avx2" or "go".
func Impl() string { return active.name }

// Dot returns the inner product of a and b.
func Dot(a, b []float32) float32 { return active.dot(a, b) }

// L2Sq returns the squared Euclidean distance between a and b.
func L2Sq(a, b []float32) float32 { return active.l2sq(a, b) }

// L1 returns the taxicab (Manhattan) distance between a and b.
func L1(a, b []float32) float32 { return active.l1(a, b) }

// DotF16 returns the inner product of two IEEE half-precision vectors,
// accumulated in float32.
func DotF16(a, b []uint16) float32 { return active.dotF16(a, b) }

// DotI8 returns the inner product of an int8 vector and an int16 vector
// over their common length, summed in int32: the caller keeps every
// partial sum within int32 (len × 127 × max|b| < 2³¹ suffices).
func DotI8(a []int8, b []int16) int32 { return active.dotI8(a, b) }

// DotMixed returns the inner product of a and s*b, where b is in IEEE
// half precision: s times the sum of a[i]*b[i], accumulated in float32.
func DotMixed(a []float32, b []uint16, s float32) float32 { return active.dotMixed(a, b, s) }

// L2SqMixed returns the squared Euclidean distance between a and s*b, b in
// half precision.
func L2SqMixed(a []float32, b []uint16, s float32) float32 { return active.l2sqMixed(a, b, s) }

// L1Mixed returns the taxicab distance between a and s*b, b in half
// precision.
func L1Mixed(a []float32, b []uint16, s float32) float32 { return active.l1Mixed(a, b, s) }

// Norm returns the Euclidean norm of a, sqrt(Dot(a, a)). It is +Inf when the
// sum of squares overflows float32 (elements beyond about 1.8e19).
func Norm(a []float32) float32 {
	return float32(math.Sqrt(float64(active.dot(a, a))))
}

// Normalize stores a / |a| in dst[:len(a)]. A zero vector stays zero. dst
// may be a itself; it must be at least as long as a. When the sum of squares
// overflows or underflows float32 the norm is recomputed in float64, so
// vectors of very large or very small magnitude still come out unit length.
func Normalize(dst, a []float32) {
	dst = dst[:len(a)]
	s := float64(active.dot(a, a))
	if s == 0 || math.IsInf(s, 0) || s < 0x1p-100 {
		s = 0
		for _, x := range a {
			s += float64(x) * float64(x)
		}
	}
	if s == 0 {
		clear(dst)
		return
	}
	inv := 1 / math.Sqrt(s)
	for i, x := range a {
		dst[i] = float32(float64(x) * inv)
	}
}
