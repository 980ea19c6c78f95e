//go:build !noasm

package vec

import "golang.org/x/sys/cpu"

//go:generate sh -c "cd _asm && go run asm.go -out ../kernels_amd64.s -stubs ../kernels_amd64_stubs.go -pkg vec"

var (
	hasAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpuid1ECX()&(1<<29) != 0 // F16C
	hasAVX512 = hasAVX2 && cpu.X86.HasAVX512F && cpu.X86.HasBMI2
)

func dotF16AVX2Tail(a, b []uint16) float32 {
	n := min(len(a), len(b))
	m := n &^ 7
	return dotF16AVX2(a[:n], b[:n]) + dotF16Go(a[m:n], b[m:n])
}

func dotI8AVX2Tail(a []int8, b []int16) int32 {
	n := min(len(a), len(b))
	m := n &^ 15
	return dotI8AVX2(a[:n], b[:n]) + dotI8Go(a[m:n], b[m:n])
}

// mixedAVX2Tail completes an AVX2 kernel between float32 and half
// vectors, which handles whole groups of eight, with the Go kernel.
func mixedAVX2Tail(asm, tail func([]float32, []uint16, float32) float32) func([]float32, []uint16, float32) float32 {
	return func(a []float32, b []uint16, s float32) float32 {
		n := min(len(a), len(b))
		m := n &^ 7
		if m == n {
			return asm(a[:n], b[:n], s)
		}
		return asm(a[:n], b[:n], s) + tail(a[m:n], b[m:n], s)
	}
}

func decodeScaledAVX2Tail(dst []float32, h []uint16, s float32) {
	n := min(len(dst), len(h))
	m := n &^ 7
	decodeScaledAVX2(dst[:n], h[:n], s)
	decodeScaledGo(dst[m:n], h[m:n], s)
}

// encodeScaledAVX2Tail is EncodeScaled with AVX2 and F16C over whole
// groups of eight, the rest in Go: the same halves and scale, bit for bit.
func encodeScaledAVX2Tail(dst []uint16, a []float32) float32 {
	return encodeScaled(dst, a, func(a []float32) float32 {
		return max(maxAbsAVX2(a), maxAbsGo(a[len(a)&^7:]))
	}, func(dst []uint16, a []float32, s float32) {
		n := min(len(dst), len(a))
		m := n &^ 7
		divToHalfAVX2(dst[:n], a[:n], s)
		divToHalfGo(dst[m:n], a[m:n], s)
	})
}

func init() {
	if hasAVX2 {
		register(kernels{name: "avx2", dot: dotAVX2, l2sq: l2sqAVX2, l1: l1AVX2, dotF16: dotF16AVX2Tail, dotI8: dotI8AVX2Tail,
			dotMixed: mixedAVX2Tail(dotMixedAVX2, dotMixedGo), l2sqMixed: mixedAVX2Tail(l2sqMixedAVX2, l2sqMixedGo), l1Mixed: mixedAVX2Tail(l1MixedAVX2, l1MixedGo), decodeScaled: decodeScaledAVX2Tail, encodeScaled: encodeScaledAVX2Tail})
	}
	if hasAVX512 {
		register(kernels{name: "avx512", dot: dotAVX512, l2sq: l2sqAVX512, l1: l1AVX512, dotF16: dotF16AVX512, dotI8: dotI8AVX2Tail,
			dotMixed: dotMixedAVX512, l2sqMixed: l2sqMixedAVX512, l1Mixed: l1MixedAVX512, decodeScaled: decodeScaledAVX2Tail, encodeScaled: encodeScaledAVX2Tail})
	}
}
