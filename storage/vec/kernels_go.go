package vec

import "math"

// Pure Go kernels. They are the reference for the assembly ones, the only
// ones under the noasm tag or off amd64, and the fallback on CPUs without
// AVX2+FMA. Four independent accumulators let the CPU overlap the adds (one
// accumulator would serialise every step on the latency of the previous add)
// and the re-slicing to four elements removes the bounds checks from the loop.
//
// Each kernel works over the first min(len(a), len(b)) elements, so a
// mismatch never reads out of range.

func dotGo(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		s0 += x[0] * y[0]
		s1 += x[1] * y[1]
		s2 += x[2] * y[2]
		s3 += x[3] * y[3]
	}
	for ; i < n; i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func l2sqGo(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		d0 := x[0] - y[0]
		d1 := x[1] - y[1]
		d2 := x[2] - y[2]
		d3 := x[3] - y[3]
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := a[i] - b[i]
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func l1Go(a, b []float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		s0 += abs32(x[0] - y[0])
		s1 += abs32(x[1] - y[1])
		s2 += abs32(x[2] - y[2])
		s3 += abs32(x[3] - y[3])
	}
	for ; i < n; i++ {
		s0 += abs32(a[i] - b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// abs32 clears the sign bit; a compare and branch would mispredict on half
// of random inputs.
func abs32(x float32) float32 {
	return math.Float32frombits(math.Float32bits(x) &^ (1 << 31))
}

func dotF16Go(a, b []uint16) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		s0 += F16ToF32(x[0]) * F16ToF32(y[0])
		s1 += F16ToF32(x[1]) * F16ToF32(y[1])
		s2 += F16ToF32(x[2]) * F16ToF32(y[2])
		s3 += F16ToF32(x[3]) * F16ToF32(y[3])
	}
	for ; i < n; i++ {
		s0 += F16ToF32(a[i]) * F16ToF32(b[i])
	}
	return (s0 + s1) + (s2 + s3)
}

func dotI8Go(a []int8, b []int16) int32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1 int32
	i := 0
	for ; i+2 <= n; i += 2 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
	}
	if i < n {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1
}

func dotMixedGo(a []float32, b []uint16, s float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		s0 += x[0] * F16ToF32(y[0])
		s1 += x[1] * F16ToF32(y[1])
		s2 += x[2] * F16ToF32(y[2])
		s3 += x[3] * F16ToF32(y[3])
	}
	for ; i < n; i++ {
		s0 += a[i] * F16ToF32(b[i])
	}
	return s * ((s0 + s1) + (s2 + s3))
}

func l2sqMixedGo(a []float32, b []uint16, s float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		d0 := x[0] - s*F16ToF32(y[0])
		d1 := x[1] - s*F16ToF32(y[1])
		d2 := x[2] - s*F16ToF32(y[2])
		d3 := x[3] - s*F16ToF32(y[3])
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < n; i++ {
		d := a[i] - s*F16ToF32(b[i])
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

func l1MixedGo(a []float32, b []uint16, s float32) float32 {
	n := min(len(a), len(b))
	a, b = a[:n], b[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		x := a[i : i+4 : i+4]
		y := b[i : i+4 : i+4]
		s0 += abs32(x[0] - s*F16ToF32(y[0]))
		s1 += abs32(x[1] - s*F16ToF32(y[1]))
		s2 += abs32(x[2] - s*F16ToF32(y[2]))
		s3 += abs32(x[3] - s*F16ToF32(y[3]))
	}
	for ; i < n; i++ {
		s0 += abs32(a[i] - s*F16ToF32(b[i]))
	}
	return (s0 + s1) + (s2 + s3)
}
