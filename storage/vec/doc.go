// Package vec holds AkiDB's distance kernels: inner product, squared
// Euclidean and taxicab distance over float32 vectors, norms, the IEEE
// half-precision conversions and inner product behind halfvec, and the
// same three distances between a float32 vector and a scaled
// half-precision one (the HNSW graph stores its vectors that way:
// EncodeScaled, DotMixed, L2SqMixed, L1Mixed). It imports
// nothing from AkiDB; the HNSW graph, exact scans and the SQL functions all
// call it.
//
// # Invariants
//
//   - No kernel allocates; all of them are safe for concurrent use.
//   - Callers pass vectors of equal length; checking dimensions (and
//     reporting a user's mismatch as an error) is the caller's job. A
//     mismatch never panics or reads out of range: the kernels work over the
//     first min(len(a), len(b)) elements.
//   - Sums accumulate in float32, in an order that depends on the
//     implementation, so results may differ in the last bits between
//     implementations (about 1e-6 relative for random data of 1536
//     dimensions, never more than 1e-4 of the sum of the magnitudes of the
//     terms in the tests). Small-integer inputs give exact, identical
//     results everywhere.
//   - NaN and Inf propagate as in plain float32 arithmetic. Norm overflows to
//     +Inf when the sum of squares exceeds float32 (elements beyond about
//     1.8e19); Normalize then falls back to float64 and still returns a unit
//     vector.
//
// # Implementations
//
// The implementation is chosen once, at start-up, from the CPU's features
// (golang.org/x/sys/cpu, plus CPUID for F16C) and reported by Impl:
//
//   - "avx512": AVX-512F (with BMI2) kernels, sixteen lanes, four
//     accumulators, tails loaded under a k-mask. The fastest where available.
//   - "avx2": AVX2+FMA (with F16C for DotF16) kernels, eight lanes, four
//     accumulators, tails loaded with VMASKMOVPS.
//   - "go": portable Go with four accumulators, also forced by the noasm
//     build tag and used on every other architecture.
//
// The assembly is generated with avo by _asm/asm.go (a separate module, so
// avo is not a dependency of AkiDB); run go generate in this directory after
// changing it. github.com/viterin/vek was measured as well: its AVX2 Dot and
// Manhattan distance are slower than these kernels at 128, 512 and 1536
// dimensions, and it has no squared L2 (squaring its Euclidean distance is
// inexact and turns Inf into NaN), so it is not used.
package vec
