//go:build amd64 && !noasm

package vec

// dotI8AVX2 is in kernels_i8_amd64.s (written by hand, not generated).
//
//go:noescape
func dotI8AVX2(a []int8, b []int16) int32
