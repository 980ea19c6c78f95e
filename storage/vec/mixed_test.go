package vec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

type mixedKernel struct {
	name string
	fn   func(k kernels) func(a []float32, b []uint16, s float32) float32
	ref  func(a, b []float32) (want, scale float64)
}

var mixedKernels = []mixedKernel{
	{"DotMixed", func(k kernels) func([]float32, []uint16, float32) float32 { return k.dotMixed }, refDot},
	{"L2SqMixed", func(k kernels) func([]float32, []uint16, float32) float32 { return k.l2sqMixed }, refL2Sq},
	{"L1Mixed", func(k kernels) func([]float32, []uint16, float32) float32 { return k.l1Mixed }, refL1},
}

// TestMixedKernels compares every float32 x scaled-half kernel of every
// implementation with the float64 reference over the decoded halves, for
// each length 1..2049, with NaN guards past the end of both inputs.
func TestMixedKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	a0, b0 := randVec(r, maxLen), randVec(r, maxLen)
	h := make([]uint16, maxLen+32)
	for n := 1; n <= maxLen; n++ {
		start := (n * 7) % (maxLen - n + 1)
		a := guarded(a0[start:start+n], n%5)
		src := b0[maxLen-n-start : maxLen-start]
		scale := float32(1)
		if n%3 == 1 {
			scale = 37.5 // the scale multiplies every decoded element
		}
		for i := range src {
			h[i] = F32ToF16(src[i])
		}
		b := slices.Clone(h[:n+32])[:n]
		for i := n; i < n+32; i++ {
			b[:cap(b)][i] = 0x7e00 // NaN
		}
		dec := make([]float32, n)
		DecodeScaled(dec, b, scale)
		for _, kern := range mixedKernels {
			want, mag := kern.ref(a, dec)
			for _, impl := range impls {
				if got := kern.fn(impl)(a, b, scale); !close(got, want, mag) {
					t.Fatalf("%s/%s n=%d: got %v, want %v", impl.name, kern.name, n, got, want)
				}
			}
		}
	}
}

// TestMixedKernelsExact uses small integers, exact in half precision and
// in float32 sums, so every implementation must match the reference
// exactly: a lost or doubled tail element cannot hide in a tolerance.
func TestMixedKernelsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 20))
	a0, b0 := make([]float32, maxLen), make([]uint16, maxLen)
	for i := range a0 {
		a0[i] = float32(r.IntN(17) - 8)
		b0[i] = F32ToF16(float32(r.IntN(17) - 8))
	}
	for n := 0; n <= maxLen; n++ {
		a, b := guarded(a0[:n], 1), b0[maxLen-n:]
		dec := make([]float32, n)
		DecodeScaled(dec, b, 2)
		for _, kern := range mixedKernels {
			want, _ := kern.ref(a, dec)
			for _, impl := range impls {
				if got := kern.fn(impl)(a, b, 2); float64(got) != want {
					t.Fatalf("%s/%s n=%d: got %v, want %v", impl.name, kern.name, n, got, want)
				}
			}
		}
	}
}

// TestDecodeScaled checks every implementation of DecodeScaled against
// the conversion of one element at a time, bit for bit, for each length
// 0..2049 over all 65536 halves (NaNs, infinities and subnormals
// included), and that nothing past the end of the destination is written.
func TestDecodeScaled(t *testing.T) {
	all := make([]uint16, 1<<16)
	for i := range all {
		all[i] = uint16(i)
	}
	r := rand.New(rand.NewPCG(23, 24))
	r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	for _, impl := range impls {
		for n := 0; n <= maxLen; n++ {
			start := (n * 31) % (len(all) - n)
			h := all[start : start+n]
			s := []float32{1, 0.375, 3e4}[n%3]
			buf := make([]float32, n+16)
			for i := range buf {
				buf[i] = -7
			}
			impl.decodeScaled(buf[:n:n], h, s)
			for i, x := range h {
				want := s * F16ToF32(x)
				if got := buf[i]; math.Float32bits(got) != math.Float32bits(want) && !(got != got && want != want) {
					t.Fatalf("%s n=%d: element %d (half %#04x) decodes to %v, want %v", impl.name, n, i, x, got, want)
				}
			}
			for i := n; i < len(buf); i++ {
				if buf[i] != -7 {
					t.Fatalf("%s n=%d: wrote element %d past the end", impl.name, n, i)
				}
			}
		}
	}
}

// TestEncodeScaledImpls checks every implementation of EncodeScaled
// against the Go one, halves and scale bit for bit, for each length
// 0..2049 and magnitudes whose quotients are normal, subnormal and zero
// in half precision, and that nothing past the end is written.
func TestEncodeScaledImpls(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 26))
	for _, impl := range impls {
		for n := 0; n <= maxLen; n++ {
			a := make([]float32, n)
			for i := range a {
				switch (i + n) % 7 {
				case 0:
					a[i] = 0
				case 1:
					a[i] = (r.Float32() - 0.5) * 1e-6 // subnormal or zero as halves
				default:
					a[i] = (r.Float32()*2 - 1) * []float32{1, 3e-20, 7e25}[n%3]
				}
			}
			if n%11 == 5 {
				clear(a) // the zero vector
			}
			want := make([]uint16, n)
			ws := encodeScaledGo(want, a)
			got := make([]uint16, n+16)
			for i := range got {
				got[i] = 0xabcd
			}
			gs := impl.encodeScaled(got[:n:n], a)
			if math.Float32bits(gs) != math.Float32bits(ws) {
				t.Fatalf("%s n=%d: scale %v, want %v", impl.name, n, gs, ws)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("%s n=%d: half %d is %#04x, want %#04x (element %v, scale %v)", impl.name, n, i, got[i], want[i], a[i], ws)
				}
			}
			for i := n; i < len(got); i++ {
				if got[i] != 0xabcd {
					t.Fatalf("%s n=%d: wrote half %d past the end", impl.name, n, i)
				}
			}
		}
	}
}

// TestEncodeScaled checks the error bound EncodeScaled promises, that
// large magnitudes do not overflow and that a zero vector stays zero.
func TestEncodeScaled(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, mag := range []float32{1e-30, 1e-3, 1, 1e5, 1e30} {
		a := randVec(r, 300)
		for i := range a {
			a[i] *= mag
		}
		h := make([]uint16, len(a))
		s := EncodeScaled(h, a)
		dec := make([]float32, len(a))
		DecodeScaled(dec, h, s)
		for i := range a {
			if d := math.Abs(float64(dec[i] - a[i])); d > float64(s)*0x1p-11 || math.IsInf(float64(dec[i]), 0) {
				t.Fatalf("mag %g: element %d %v decodes to %v (scale %v)", mag, i, a[i], dec[i], s)
			}
		}
	}
	h := []uint16{1, 2, 3}
	if s := EncodeScaled(h, make([]float32, 3)); s != 0 || h[0]|h[1]|h[2] != 0 {
		t.Fatalf("zero vector: scale %v, halves %v", s, h)
	}
}

func BenchmarkEncodeScaled(b *testing.B) {
	r := rand.New(rand.NewPCG(6, 6))
	for _, dims := range []int{128, 512, 1536} {
		x, dst := randVec(r, dims), make([]uint16, dims)
		for _, k := range impls {
			b.Run(fmt.Sprintf("dims=%d/impl=%s", dims, k.name), func(b *testing.B) {
				b.SetBytes(int64(6 * dims))
				for b.Loop() {
					k.encodeScaled(dst, x)
				}
			})
		}
	}
}

func BenchmarkDecodeScaled(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 5))
	for _, dims := range []int{128, 512, 1536} {
		y, dst := make([]uint16, dims), make([]float32, dims)
		s := EncodeScaled(y, randVec(r, dims))
		for _, k := range impls {
			b.Run(fmt.Sprintf("dims=%d/impl=%s", dims, k.name), func(b *testing.B) {
				b.SetBytes(int64(6 * dims))
				for b.Loop() {
					k.decodeScaled(dst, y, s)
				}
			})
		}
	}
}

func BenchmarkMixed(b *testing.B) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, kern := range mixedKernels {
		for _, dims := range []int{128, 512, 1536} {
			x, y := randVec(r, dims), make([]uint16, dims)
			s := EncodeScaled(y, randVec(r, dims))
			for _, k := range impls {
				f := kern.fn(k)
				b.Run(fmt.Sprintf("%s/dims=%d/impl=%s", kern.name, dims, k.name), func(b *testing.B) {
					b.SetBytes(int64(6 * dims))
					var acc float32
					for b.Loop() {
						acc += f(x, y, s)
					}
					sink = acc
				})
			}
		}
	}
}
