package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

var sink float32

// Benchmarks are named Benchmark<Kernel>/dims=<n>/impl=<name>, one per
// available implementation, plus impl=active for the exported function.
func benchKernel(b *testing.B, pick func(kernels) func(a, b []float32) float32, exported func(a, b []float32) float32) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, dims := range []int{128, 512, 1536} {
		x, y := randVec(r, dims), randVec(r, dims)
		run := func(name string, fn func(a, b []float32) float32) {
			b.Run(fmt.Sprintf("dims=%d/impl=%s", dims, name), func(b *testing.B) {
				b.SetBytes(int64(8 * dims))
				var s float32
				for b.Loop() {
					s += fn(x, y)
				}
				sink = s
			})
		}
		for _, k := range impls {
			run(k.name, pick(k))
		}
		run("active", exported)
	}
}

func BenchmarkDot(b *testing.B) {
	benchKernel(b, func(k kernels) func(a, b []float32) float32 { return k.dot }, Dot)
}

func BenchmarkL2Sq(b *testing.B) {
	benchKernel(b, func(k kernels) func(a, b []float32) float32 { return k.l2sq }, L2Sq)
}

func BenchmarkL1(b *testing.B) {
	benchKernel(b, func(k kernels) func(a, b []float32) float32 { return k.l1 }, L1)
}

func BenchmarkDotF16(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, dims := range []int{128, 512, 1536} {
		x, y := make([]uint16, dims), make([]uint16, dims)
		for i := range x {
			x[i] = F32ToF16(r.Float32())
			y[i] = F32ToF16(r.Float32())
		}
		for _, k := range impls {
			b.Run(fmt.Sprintf("dims=%d/impl=%s", dims, k.name), func(b *testing.B) {
				b.SetBytes(int64(4 * dims))
				var s float32
				for b.Loop() {
					s += k.dotF16(x, y)
				}
				sink = s
			})
		}
	}
}

func BenchmarkDotI8(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, dims := range []int{128, 512, 1536} {
		x, y := make([]int8, dims), make([]int16, dims)
		for i := range x {
			x[i] = int8(r.IntN(255) - 127)
			y[i] = int16(r.IntN(65535) - 32767)
		}
		for _, k := range impls {
			b.Run(fmt.Sprintf("dims=%d/impl=%s", dims, k.name), func(b *testing.B) {
				b.SetBytes(int64(3 * dims))
				var s int32
				for b.Loop() {
					s += k.dotI8(x, y)
				}
				sink = float32(s)
			})
		}
	}
}
