package vec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

const maxLen = 2049

type f32Kernel struct {
	name string
	fn   func(k kernels) func(a, b []float32) float32
	ref  func(a, b []float32) (want, scale float64)
}

var f32Kernels = []f32Kernel{
	{"Dot", func(k kernels) func(a, b []float32) float32 { return k.dot }, refDot},
	{"L2Sq", func(k kernels) func(a, b []float32) float32 { return k.l2sq }, refL2Sq},
	{"L1", func(k kernels) func(a, b []float32) float32 { return k.l1 }, refL1},
}

// The references accumulate in float64 and also return the sum of the
// magnitudes of the terms, the scale that float32 rounding errors follow.
func refDot(a, b []float32) (float64, float64) {
	var s, m float64
	for i := range a {
		p := float64(a[i]) * float64(b[i])
		s += p
		m += math.Abs(p)
	}
	return s, m
}

func refL2Sq(a, b []float32) (float64, float64) {
	var s float64
	for i := range a {
		d := float64(a[i]) - float64(b[i])
		s += d * d
	}
	return s, s
}

func refL1(a, b []float32) (float64, float64) {
	var s float64
	for i := range a {
		s += math.Abs(float64(a[i]) - float64(b[i]))
	}
	return s, s
}

func close(got float32, want, scale float64) bool {
	return math.Abs(float64(got)-want) <= 1e-4*scale+1e-6
}

// guarded returns a copy of v in a buffer whose capacity extends past len(v)
// with NaNs, so a kernel that reads beyond the slice returns NaN. The start
// is offset by off elements so that loads are not always aligned.
func guarded(v []float32, off int) []float32 {
	buf := make([]float32, off+len(v)+32)
	for i := range buf {
		buf[i] = float32(math.NaN())
	}
	copy(buf[off:], v)
	return buf[off : off+len(v)]
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

func TestImplementations(t *testing.T) {
	names := []string{}
	for _, k := range impls {
		names = append(names, k.name)
	}
	t.Logf("available: %v, active: %s", names, Impl())
	if impls[0].name != "go" {
		t.Fatalf("first implementation is %q, want go", impls[0].name)
	}
	if Impl() != impls[len(impls)-1].name {
		t.Fatalf("Impl() = %q, want the last registered %q", Impl(), impls[len(impls)-1].name)
	}
}

// TestKernelsRandom compares every kernel of every implementation with the
// float64 reference for each length 1..2049.
func TestKernelsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	a0, b0 := randVec(r, maxLen), randVec(r, maxLen)
	for n := 1; n <= maxLen; n++ {
		// A different window of the random data for each length, and
		// starts that are not always aligned.
		start := (n * 7) % (maxLen - n + 1)
		a := guarded(a0[start:start+n], n%5)
		b := guarded(b0[maxLen-n-start:maxLen-start], n%3)
		for _, kern := range f32Kernels {
			want, scale := kern.ref(a, b)
			for _, impl := range impls {
				if got := kern.fn(impl)(a, b); !close(got, want, scale) {
					t.Fatalf("%s/%s n=%d: got %v, want %v", impl.name, kern.name, n, got, want)
				}
			}
		}
	}
}

// TestKernelsExact uses small integers, whose products and sums are exact in
// float32 at these lengths, so every implementation must agree exactly with
// the reference. A lost or doubled tail element cannot hide in a tolerance.
func TestKernelsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	a0, b0 := make([]float32, maxLen), make([]float32, maxLen)
	for i := range a0 {
		a0[i] = float32(r.IntN(17) - 8)
		b0[i] = float32(r.IntN(17) - 8)
	}
	for n := 0; n <= maxLen; n++ {
		a, b := guarded(a0[:n], 1), guarded(b0[maxLen-n:], 0)
		for _, kern := range f32Kernels {
			want, _ := kern.ref(a, b)
			for _, impl := range impls {
				if got := kern.fn(impl)(a, b); float64(got) != want {
					t.Fatalf("%s/%s n=%d: got %v, want %v", impl.name, kern.name, n, got, want)
				}
			}
		}
	}
}

// TestKernelsMismatch checks that unequal lengths use the shorter prefix
// instead of reading out of range or panicking.
func TestKernelsMismatch(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	a, b := randVec(r, 100), randVec(r, 37)
	for _, impl := range impls {
		for _, kern := range f32Kernels {
			fn := kern.fn(impl)
			want, scale := kern.ref(a[:37], b)
			for _, got := range []float32{fn(guarded(a, 0), guarded(b, 0)), fn(guarded(b, 0), guarded(a, 0))} {
				if !close(got, want, scale) {
					t.Errorf("%s/%s: got %v, want %v", impl.name, kern.name, got, want)
				}
			}
		}
	}
}

func TestKernelsSpecial(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	fill := func(n int, x float32) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = x
		}
		return v
	}
	for _, impl := range impls {
		for _, kern := range f32Kernels {
			fn := kern.fn(impl)
			name := impl.name + "/" + kern.name
			for _, n := range []int{1, 7, 8, 31, 64, 67, 777, 1536} {
				zero := make([]float32, n)
				if got := fn(zero, zero); got != 0 {
					t.Errorf("%s n=%d: zeros give %v", name, n, got)
				}
				// Large magnitudes: 1e17 squared is 1e34, and 1536 of them
				// still fit in float32.
				for _, pair := range [][2][]float32{
					{fill(n, 1e17), fill(n, -3e16)},
					{fill(n, 1e-17), fill(n, 2e-17)},
				} {
					want, scale := kern.ref(pair[0], pair[1])
					got := fn(pair[0], pair[1])
					if math.Abs(float64(got)-want) > 1e-5*scale {
						t.Errorf("%s n=%d: got %v, want %v", name, n, got, want)
					}
				}
				a := fill(n, 1)
				a[n-1] = nan
				if got := fn(a, fill(n, 1)); !math.IsNaN(float64(got)) {
					t.Errorf("%s n=%d: NaN input gives %v", name, n, got)
				}
				a[n-1] = inf
				if got := fn(a, fill(n, 1)); !math.IsInf(float64(got), 1) {
					t.Errorf("%s n=%d: Inf input gives %v", name, n, got)
				}
			}
			if got := fn(nil, nil); got != 0 {
				t.Errorf("%s: empty gives %v", name, got)
			}
		}
	}
}

func TestNoAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	a, b := randVec(r, 1536), randVec(r, 1536)
	h, g := make([]uint16, 1536), make([]uint16, 1536)
	for _, impl := range impls {
		allocs := testing.AllocsPerRun(100, func() {
			impl.dot(a, b)
			impl.l2sq(a, b)
			impl.l1(a, b)
			impl.dotF16(h, g)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per run", impl.name, allocs)
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		Dot(a, b)
		L2Sq(a, b)
		L1(a, b)
		Norm(a)
		Normalize(b, b)
		DotF16(h, g)
	})
	if allocs != 0 {
		t.Errorf("exported functions: %v allocations per run", allocs)
	}
}

func TestNormNormalize(t *testing.T) {
	if got := Norm([]float32{3, 4}); got != 5 {
		t.Errorf("Norm([3,4]) = %v", got)
	}
	if got := Norm(nil); got != 0 {
		t.Errorf("Norm(nil) = %v", got)
	}
	zero := []float32{0, 0, 0}
	dst := []float32{9, 9, 9}
	Normalize(dst, zero)
	if !slices.Equal(dst, zero) {
		t.Errorf("Normalize(zero) = %v", dst)
	}
	r := rand.New(rand.NewPCG(9, 10))
	for _, scale := range []float32{1, 1e-30, 1e-20, 1e20, 1e30, 3e38} {
		for _, n := range []int{1, 3, 17, 128, 1536} {
			a := randVec(r, n)
			for i := range a {
				a[i] *= scale
			}
			orig := slices.Clone(a)
			Normalize(a, a) // in place
			var s float64
			for i, x := range a {
				s += float64(x) * float64(x)
				// Same direction: a[i]/orig[i] is one positive constant.
				if (x > 0) != (orig[i] > 0) && orig[i] != 0 {
					t.Fatalf("scale %g n=%d: sign of element %d changed", scale, n, i)
				}
			}
			if math.Abs(s-1) > 1e-5 {
				t.Errorf("scale %g n=%d: |Normalize(a)|^2 = %v", scale, n, s)
			}
		}
	}
}

func TestF16Known(t *testing.T) {
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{0, 0x0000},
		{float32(math.Copysign(0, -1)), 0x8000},
		{1, 0x3c00},
		{-1, 0xbc00},
		{2, 0x4000},
		{0.5, 0x3800},
		{-2, 0xc000},
		{0.333251953125, 0x3555},
		{65504, 0x7bff},          // largest half
		{0x1p-14, 0x0400},        // smallest normal
		{0x1p-24, 0x0001},        // smallest subnormal
		{1023 * 0x1p-24, 0x03ff}, // largest subnormal
		{float32(math.Inf(1)), 0x7c00},
		{float32(math.Inf(-1)), 0xfc00},
	} {
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
		if got := F16ToF32(c.h); got != c.f || math.Signbit(float64(got)) != math.Signbit(float64(c.f)) {
			t.Errorf("F16ToF32(%#04x) = %v, want %v", c.h, got, c.f)
		}
	}
	// Rounding only (no exact round trip).
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{1 + 0x1p-11, 0x3c00},           // tie, to even (down)
		{1 + 3*0x1p-11, 0x3c02},         // tie, to even (up)
		{1 + 0x1p-11 + 0x1p-20, 0x3c01}, // above the tie
		{65519, 0x7bff},                 // below the tie with Inf: 65504
		{65520, 0x7c00},                 // the tie rounds to even: Inf
		{1e6, 0x7c00},
		{-1e6, 0xfc00},
		{float32(math.MaxFloat32), 0x7c00},
		{0x1p-25, 0x0000}, // tie between 0 and 2^-24: even is 0
		{0x1p-25 * 1.0000001, 0x0001},
		{3 * 0x1p-25, 0x0002}, // tie between 1 and 2 units: 2
		{0x1p-26, 0x0000},
		{-0x1p-26, 0x8000},
		{1e-10, 0x0000},
		{0x1p-14 - 0x1p-26, 0x0400}, // rounds up into the smallest normal
		{float32(math.SmallestNonzeroFloat32), 0x0000},
	} {
		if got := F32ToF16(c.f); got != c.h {
			t.Errorf("F32ToF16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	nan := float32(math.NaN())
	if h := F32ToF16(nan); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("F32ToF16(NaN) = %#04x, not a NaN", h)
	}
	// A NaN whose payload sits only in the low bits must not become Inf.
	if h := F32ToF16(math.Float32frombits(0x7f800001)); h&0x3ff == 0 {
		t.Errorf("F32ToF16(signalling NaN) = %#04x, not a NaN", h)
	}
	if f := F16ToF32(0x7e00); !math.IsNaN(float64(f)) {
		t.Errorf("F16ToF32(0x7e00) = %v, want NaN", f)
	}
}

// TestF16RoundTrip checks every half: converting to float32 and back is the
// identity (NaNs stay NaN).
func TestF16RoundTrip(t *testing.T) {
	for i := 0; i <= 0xffff; i++ {
		h := uint16(i)
		f := F16ToF32(h)
		isNaN := h&0x7c00 == 0x7c00 && h&0x3ff != 0
		if isNaN {
			if !math.IsNaN(float64(f)) {
				t.Fatalf("F16ToF32(%#04x) = %v, want NaN", h, f)
			}
			if back := F32ToF16(f); back != h|0x200 {
				t.Fatalf("NaN %#04x comes back as %#04x", h, back)
			}
			continue
		}
		if back := F32ToF16(f); back != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x) = %v) = %#04x", h, f, back)
		}
	}
}

// TestF16RoundingReference compares F32ToF16 with a nearest-value search over
// all finite halves, on random bit patterns and on every midpoint between
// neighbouring halves (and its float32 neighbours).
func TestF16RoundingReference(t *testing.T) {
	// Non-negative finite halves in increasing order: 0x0000..0x7bff.
	vals := make([]float64, 0x7c00)
	for i := range vals {
		vals[i] = float64(F16ToF32(uint16(i)))
	}
	ref := func(f float32) uint16 {
		x := math.Abs(float64(f))
		var sign uint16
		if math.Signbit(float64(f)) {
			sign = 0x8000
		}
		// Beyond 65504 + half an ulp (65520) the result is Inf.
		if x >= 65520 {
			return sign | 0x7c00
		}
		i, _ := slices.BinarySearch(vals, x)
		if i == len(vals) {
			i--
		}
		if i > 0 {
			lo, hi := x-vals[i-1], vals[i]-x
			if lo < hi || (lo == hi && (i-1)&1 == 0) {
				i--
			}
		}
		return sign | uint16(i)
	}
	check := func(f float32) {
		if got, want := F32ToF16(f), ref(f); got != want {
			t.Fatalf("F32ToF16(%v [%#08x]) = %#04x, want %#04x", f, math.Float32bits(f), got, want)
		}
	}
	for i := 0; i+1 < len(vals); i++ {
		mid := float32((vals[i] + vals[i+1]) / 2) // exact in float32
		check(mid)
		check(math.Nextafter32(mid, 0))
		check(math.Nextafter32(mid, 1e9))
		check(-mid)
	}
	r := rand.New(rand.NewPCG(11, 12))
	for range 200000 {
		f := math.Float32frombits(r.Uint32())
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			continue
		}
		check(f)
	}
}

func TestDotF16(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	a0, b0 := make([]uint16, maxLen+40), make([]uint16, maxLen+40)
	for i := range a0 {
		a0[i] = F32ToF16(r.Float32()*2 - 1)
		b0[i] = F32ToF16(r.Float32()*2 - 1)
	}
	// NaN guards past the end of every window.
	for n := 0; n <= maxLen; n++ {
		a := slices.Clone(a0[:n+32])[:n]
		b := slices.Clone(b0[n%7 : n%7+n+32])[:n]
		for i := n; i < n+32; i++ {
			a[:cap(a)][i] = 0x7e00
			b[:cap(b)][i] = 0x7e00
		}
		var want, scale float64
		for i := range a {
			p := float64(F16ToF32(a[i])) * float64(F16ToF32(b[i]))
			want += p
			scale += math.Abs(p)
		}
		for _, impl := range impls {
			if got := impl.dotF16(a, b); !close(got, want, scale) {
				t.Fatalf("%s n=%d: got %v, want %v", impl.name, n, got, want)
			}
		}
	}
}

func TestDotI8(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	a0, b0 := make([]int8, maxLen+40), make([]int16, maxLen+40)
	for i := range a0 {
		a0[i] = int8(r.IntN(255) - 127)
		b0[i] = int16(r.IntN(65535) - 32767)
	}
	// Extremes, where a lane's pairs sum to the most.
	ext := func(n int) ([]int8, []int16) {
		a, b := make([]int8, n), make([]int16, n)
		for i := range a {
			a[i], b[i] = -127, -32767
		}
		return a, b
	}
	for n := 0; n <= maxLen; n++ {
		a := slices.Clone(a0[:n+32])[:n]
		b := slices.Clone(b0[n%7 : n%7+n+32])[:n]
		// Garbage past the end of every window.
		for i := n; i < n+32; i++ {
			a[:cap(a)][i] = 127
			b[:cap(b)][i] = 32767
		}
		var want int64
		for i := range a {
			want += int64(a[i]) * int64(b[i])
		}
		if want != int64(int32(want)) {
			continue
		}
		ea, eb := ext(min(n, 500))
		var ewant int64
		for i := range ea {
			ewant += int64(ea[i]) * int64(eb[i])
		}
		for _, impl := range impls {
			if got := impl.dotI8(a, b); int64(got) != want {
				t.Fatalf("%s n=%d: got %d, want %d", impl.name, n, got, want)
			}
			if got := impl.dotI8(ea, eb); int64(got) != ewant {
				t.Fatalf("%s extremes n=%d: got %d, want %d", impl.name, len(ea), got, ewant)
			}
			if got := impl.dotI8(a, b[:n/2]); n > 0 && int64(got) != dotI8Ref(a[:n/2], b[:n/2]) {
				t.Fatalf("%s n=%d, shorter b: got %d", impl.name, n, got)
			}
		}
	}
}

func dotI8Ref(a []int8, b []int16) int64 {
	var s int64
	for i := range a {
		s += int64(a[i]) * int64(b[i])
	}
	return s
}
