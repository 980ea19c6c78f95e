//go:build ignore

// Command asm generates the amd64 distance kernels of package vec with avo.
//
// It lives in its own module so that avo never enters the requirements of
// the main module. Regenerate from storage/vec with `go generate`.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

// unroll is the number of independent accumulators in the main loop. Each
// step needs two loads; with two loads a cycle, four accumulators cover the
// four-cycle latency of FMA/ADD.
const unroll = 4

type op int

const (
	opDot op = iota
	opL2Sq
	opL1
)

// isa describes one vector width.
type isa struct {
	name  string // function name suffix
	width int    // float32 lanes
	bytes int    // vector size in bytes
	vreg  func() VecVirtual
}

var (
	avx2   = isa{name: "AVX2", width: 8, bytes: 32, vreg: YMM}
	avx512 = isa{name: "AVX512", width: 16, bytes: 64, vreg: ZMM}
)

func main() {
	ConstraintExpr("amd64,!noasm")

	// maskTable: eight all-ones words followed by eight zero words. Loading
	// eight words at offset 4*(8-r) yields a mask with the first r lanes set.
	maskTable := GLOBL("tailmask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, U32(v))
	}

	for _, s := range []isa{avx2, avx512} {
		for _, k := range []op{opDot, opL2Sq, opL1} {
			genF32(s, k, maskTable)
		}
	}
	genDotF16AVX2()
	genDotF16AVX512()
	for _, s := range []isa{avx2, avx512} {
		for _, k := range []op{opDot, opL2Sq, opL1} {
			genMixed(s, k)
		}
	}
	genDecodeScaledAVX2()
	genMaxAbsAVX2()
	genDivToHalfAVX2()
	genDotI8AVX2()
	genCPUID()
	Generate()
}

func kernelName(k op, s isa) string {
	switch k {
	case opDot:
		return "dot" + s.name
	case opL2Sq:
		return "l2sq" + s.name
	default:
		return "l1" + s.name
	}
}

// lenMin loads min(len(a), len(b)) so that a kernel never reads past either
// slice, whatever its caller passes.
func lenMin() GPVirtual {
	n := GP64()
	Load(Param("a").Len(), n)
	m := Load(Param("b").Len(), GP64())
	CMPQ(m, n)
	CMOVQLT(m, n)
	return n
}

// array is one array a kernel walks: its base register and element size.
type array struct {
	m    Mem
	size int
}

// loops emits the two loops of a kernel that walks its arrays: whole
// blocks of blockN elements while n holds one (block emits the body),
// then steps of stepN (single), then it goes on at the label exit. The
// arrays' bases advance past what each iteration read and n counts down.
func loops(name string, n Register, blockN, stepN int, arrays []array, block, single func(), exit string) {
	advance := func(elems int) {
		for _, a := range arrays {
			ADDQ(U32(elems*a.size), a.m.Base)
		}
		SUBQ(U32(elems), n)
	}
	Label(name + "_block")
	CMPQ(n, U32(blockN))
	JL(LabelRef(name + "_single"))
	block()
	advance(blockN)
	JMP(LabelRef(name + "_block"))

	Label(name + "_single")
	CMPQ(n, U32(stepN))
	JL(LabelRef(exit))
	single()
	advance(stepN)
	JMP(LabelRef(name + "_single"))
}

func genF32(s isa, k op, maskTable Mem) {
	name := kernelName(k, s)
	TEXT(name, NOSPLIT, "func(a, b []float32) float32")
	Doc(fmt.Sprintf("%s computes %s with %s over the first min(len(a), len(b)) elements.", name, [...]string{"the inner product", "the squared Euclidean distance", "the taxicab distance"}[k], s.name))
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	b := Mem{Base: Load(Param("b").Base(), GP64())}
	n := lenMin()

	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = s.vreg()
		zero(acc[i], s)
	}

	// Absolute value mask (0x7fffffff in every lane) for L1.
	var abs VecVirtual
	if k == opL1 {
		abs = s.vreg()
		if s.width == 16 {
			t := GP32()
			MOVL(U32(0x7fffffff), t)
			VPBROADCASTD(t, abs)
		} else {
			VPCMPEQD(abs, abs, abs)
			VPSRLD(U8(1), abs, abs)
		}
	}

	// step accumulates x (already loaded from a) against y (register or
	// memory from b) into acc.
	step := func(x VecVirtual, y Op, acc VecVirtual) {
		switch k {
		case opDot:
			VFMADD231PS(y, x, acc)
		case opL2Sq:
			VSUBPS(y, x, x)
			VFMADD231PS(x, x, acc)
		case opL1:
			VSUBPS(y, x, x)
			if s.width == 16 {
				VPANDD(abs, x, x)
			} else {
				VANDPS(abs, x, x)
			}
			VADDPS(x, acc, acc)
		}
	}

	loops(name, n, unroll*s.width, s.width, []array{{a, 4}, {b, 4}}, func() {
		xs := make([]VecVirtual, unroll)
		for i := range xs {
			xs[i] = s.vreg()
			VMOVUPS(a.Offset(s.bytes*i), xs[i])
		}
		for i := range xs {
			step(xs[i], b.Offset(s.bytes*i), acc[i])
		}
	}, func() {
		x := s.vreg()
		VMOVUPS(a, x)
		step(x, b, acc[0])
	}, name+"_tail")

	// Tail: 0 < n < width elements, loaded under a mask. Masked-out lanes
	// read as zero and are never touched in memory, so they add nothing.
	Label(name + "_tail")
	TESTQ(n, n)
	JZ(LabelRef(name + "_reduce"))
	xt, yt := s.vreg(), s.vreg()
	if s.width == 16 {
		bits := GP32()
		MOVL(U32(0xffff), bits)
		BZHIL(n.As32(), bits, bits)
		KMOVW(bits, K1)
		VMOVUPS_Z(a, K1, xt)
		VMOVUPS_Z(b, K1, yt)
	} else {
		off := GP64()
		MOVQ(U32(8), off)
		SUBQ(n, off)
		tbl := GP64()
		LEAQ(maskTable, tbl)
		mask := YMM()
		VMOVDQU(Mem{Base: tbl, Index: off, Scale: 4}, mask)
		VMASKMOVPS(a, mask, xt)
		VMASKMOVPS(b, mask, yt)
	}
	step(xt, yt, acc[1])

	Label(name + "_reduce")
	reduce(s, acc)
	RET()
}

// zero clears v. VXORPS on ZMM registers needs AVX512DQ; VPXORD needs only
// AVX512F.
func zero(v VecVirtual, s isa) {
	if s.width == 16 {
		VPXORD(v, v, v)
	} else {
		VXORPS(v, v, v)
	}
}

// reduce sums the accumulators and their lanes into the float32 result.
func reduce(s isa, acc []VecVirtual) {
	Store(reduceSum(s, acc), ReturnIndex(0))
}

// reduceSum sums the accumulators and their lanes into the low lane of
// the register it returns.
func reduceSum(s isa, acc []VecVirtual) Register {
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	y := acc[0]
	if s.width == 16 {
		hi := YMM()
		VEXTRACTF64X4(U8(1), acc[0], hi)
		VADDPS(hi, acc[0].AsY(), hi)
		y = hi
	}
	hx := XMM()
	VEXTRACTF128(U8(1), y, hx)
	lo := y.AsX()
	VADDPS(hx, lo, lo)
	VMOVHLPS(lo, lo, hx)
	VADDPS(hx, lo, lo)
	VMOVSHDUP(lo, hx)
	VADDSS(hx, lo, lo)
	VZEROUPPER()
	return lo
}

// genDotF16AVX2 converts halves with F16C and accumulates with FMA. It
// handles the first n&^7 elements; the caller adds the rest.
func genDotF16AVX2() {
	TEXT("dotF16AVX2", NOSPLIT, "func(a, b []uint16) float32")
	Doc("dotF16AVX2 is the F16C+FMA half-precision dot product over the first min(len(a), len(b))&^7 elements.")
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	b := Mem{Base: Load(Param("b").Base(), GP64())}
	n := lenMin()
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = YMM()
		VXORPS(acc[i], acc[i], acc[i])
	}
	const w = 8
	step := func(i int, a, b Mem) {
		x, y := YMM(), YMM()
		VCVTPH2PS(a, x)
		VCVTPH2PS(b, y)
		VFMADD231PS(y, x, acc[i])
	}
	loops("dotF16AVX2", n, unroll*w, w, []array{{a, 2}, {b, 2}}, func() {
		for i := 0; i < unroll; i++ {
			step(i, a.Offset(16*i), b.Offset(16*i))
		}
	}, func() { step(0, a, b) }, "dotF16AVX2_reduce")

	Label("dotF16AVX2_reduce")
	reduce(avx2, acc)
	RET()
}

// genDotF16AVX512 converts sixteen halves at a time and handles the tail
// under a mask.
func genDotF16AVX512() {
	TEXT("dotF16AVX512", NOSPLIT, "func(a, b []uint16) float32")
	Doc("dotF16AVX512 is the AVX-512 half-precision dot product over the first min(len(a), len(b)) elements.")
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	b := Mem{Base: Load(Param("b").Base(), GP64())}
	n := lenMin()
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = ZMM()
		zero(acc[i], avx512)
	}
	const w = 16
	step := func(i int, a, b Mem) {
		x, y := ZMM(), ZMM()
		VCVTPH2PS(a, x)
		VCVTPH2PS(b, y)
		VFMADD231PS(y, x, acc[i])
	}
	loops("dotF16AVX512", n, unroll*w, w, []array{{a, 2}, {b, 2}}, func() {
		for i := 0; i < unroll; i++ {
			step(i, a.Offset(32*i), b.Offset(32*i))
		}
	}, func() { step(0, a, b) }, "dotF16AVX512_tail")

	Label("dotF16AVX512_tail")
	TESTQ(n, n)
	JZ(LabelRef("dotF16AVX512_reduce"))
	bits := GP32()
	MOVL(U32(0xffff), bits)
	BZHIL(n.As32(), bits, bits)
	KMOVW(bits, K1)
	xt, yt := ZMM(), ZMM()
	VCVTPH2PS_Z(a, K1, xt)
	VCVTPH2PS_Z(b, K1, yt)
	VFMADD231PS(yt, xt, acc[1])

	Label("dotF16AVX512_reduce")
	reduce(avx512, acc)
	RET()
}

// genMixed generates a kernel between a float32 vector a and a
// half-precision vector b scaled by s (b's element i stands for s*b[i]):
// s times the inner product, or the squared Euclidean or taxicab distance
// between a and s*b. The AVX2 kernel handles the first n&^7 elements (the
// caller adds the rest); the AVX-512 one all of them, the tail under a
// mask.
func genMixed(s isa, k op) {
	name := kernelName(k, s)
	name = name[:len(name)-len(s.name)] + "Mixed" + s.name
	TEXT(name, NOSPLIT, "func(a []float32, b []uint16, s float32) float32")
	what := [...]string{"s times the inner product of a and b", "the squared Euclidean distance between a and s*b", "the taxicab distance between a and s*b"}[k]
	if s.width == 8 {
		Doc(fmt.Sprintf("%s computes %s (b in half precision) with %s over the first min(len(a), len(b))&^7 elements.", name, what, s.name))
	} else {
		Doc(fmt.Sprintf("%s computes %s (b in half precision) with %s over the first min(len(a), len(b)) elements.", name, what, s.name))
	}
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	b := Mem{Base: Load(Param("b").Base(), GP64())}
	n := lenMin()
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = s.vreg()
		zero(acc[i], s)
	}
	// The scale in every lane, for the distances; the dot product applies
	// it once at the end.
	var sv, abs VecVirtual
	if k != opDot {
		sv = s.vreg()
		VBROADCASTSS(Load(Param("s"), XMM()), sv)
	}
	if k == opL1 {
		abs = s.vreg()
		if s.width == 16 {
			t := GP32()
			MOVL(U32(0x7fffffff), t)
			VPBROADCASTD(t, abs)
		} else {
			VPCMPEQD(abs, abs, abs)
			VPSRLD(U8(1), abs, abs)
		}
	}
	// step accumulates x (a's lanes) against y (b's lanes, converted).
	step := func(x, y, acc VecVirtual) {
		switch k {
		case opDot:
			VFMADD231PS(y, x, acc)
		case opL2Sq:
			VFNMADD231PS(sv, y, x) // x -= s*y
			VFMADD231PS(x, x, acc)
		case opL1:
			VFNMADD231PS(sv, y, x)
			if s.width == 16 {
				VPANDD(abs, x, x)
			} else {
				VANDPS(abs, x, x)
			}
			VADDPS(x, acc, acc)
		}
	}
	w := s.width
	load := func(i int, a, b Mem) {
		x, y := s.vreg(), s.vreg()
		VMOVUPS(a, x)
		VCVTPH2PS(b, y)
		step(x, y, acc[i])
	}
	loops(name, n, unroll*w, w, []array{{a, 4}, {b, 2}}, func() {
		for i := 0; i < unroll; i++ {
			load(i, a.Offset(s.bytes*i), b.Offset(2*w*i))
		}
	}, func() { load(0, a, b) }, name+"_tail")

	Label(name + "_tail")
	if s.width == 16 {
		TESTQ(n, n)
		JZ(LabelRef(name + "_reduce"))
		bits := GP32()
		MOVL(U32(0xffff), bits)
		BZHIL(n.As32(), bits, bits)
		KMOVW(bits, K1)
		xt, yt := ZMM(), ZMM()
		VMOVUPS_Z(a, K1, xt)
		VCVTPH2PS_Z(b, K1, yt)
		step(xt, yt, acc[1])
	}
	Label(name + "_reduce")
	sum := reduceSum(s, acc)
	if k == opDot {
		VMULSS(Load(Param("s"), XMM()), sum, sum)
	}
	Store(sum, ReturnIndex(0))
	RET()
}

// genDecodeScaledAVX2 converts halves to float32 with F16C and
// multiplies them by a scale, 32 a step. It handles the first n&^7
// elements; the caller converts the rest. Each element is one rounding of
// s times an exact conversion, as in Go.
func genDecodeScaledAVX2() {
	TEXT("decodeScaledAVX2", NOSPLIT, "func(a []float32, b []uint16, s float32)")
	Doc("decodeScaledAVX2 stores s*b[i] in a[i] with F16C over the first min(len(a), len(b))&^7 elements.")
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	b := Mem{Base: Load(Param("b").Base(), GP64())}
	n := lenMin()
	sv := YMM()
	VBROADCASTSS(Load(Param("s"), XMM()), sv)
	const w = 8
	step := func(a, b Mem) {
		y := YMM()
		VCVTPH2PS(b, y)
		VMULPS(sv, y, y)
		VMOVUPS(y, a)
	}
	loops("decodeScaledAVX2", n, unroll*w, w, []array{{a, 4}, {b, 2}}, func() {
		for i := 0; i < unroll; i++ {
			step(a.Offset(4*w*i), b.Offset(2*w*i))
		}
	}, func() { step(a, b) }, "decodeScaledAVX2_done")

	Label("decodeScaledAVX2_done")
	VZEROUPPER()
	RET()
}

// genMaxAbsAVX2 generates the largest magnitude of a's first n&^7
// elements (0 when there are none); the caller takes the rest in.
func genMaxAbsAVX2() {
	TEXT("maxAbsAVX2", NOSPLIT, "func(a []float32) float32")
	Doc("maxAbsAVX2 returns the largest |a[i]| over the first len(a)&^7 elements, or 0.")
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	n := Load(Param("a").Len(), GP64())
	abs := YMM()
	VPCMPEQD(abs, abs, abs)
	VPSRLD(U8(1), abs, abs)
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = YMM()
		VXORPS(acc[i], acc[i], acc[i])
	}
	const w = 8
	step := func(i int, a Mem) {
		x := YMM()
		VANDPS(a, abs, x)
		VMAXPS(x, acc[i], acc[i])
	}
	loops("maxAbsAVX2", n, unroll*w, w, []array{{a, 4}}, func() {
		for i := 0; i < unroll; i++ {
			step(i, a.Offset(4*w*i))
		}
	}, func() { step(0, a) }, "maxAbsAVX2_reduce")

	Label("maxAbsAVX2_reduce")
	VMAXPS(acc[1], acc[0], acc[0])
	VMAXPS(acc[3], acc[2], acc[2])
	VMAXPS(acc[2], acc[0], acc[0])
	hi := XMM()
	VEXTRACTF128(U8(1), acc[0], hi)
	lo := acc[0].AsX()
	VMAXPS(hi, lo, lo)
	t := XMM()
	VMOVHLPS(lo, lo, t)
	VMAXPS(t, lo, lo)
	VMOVSHDUP(lo, t)
	VMAXSS(t, lo, lo)
	VZEROUPPER()
	Store(lo, ReturnIndex(0))
	RET()
}

// genDivToHalfAVX2 generates the conversion of a[i]/s to half precision,
// rounded to nearest even as F32ToF16 does, over the first n&^7 elements.
func genDivToHalfAVX2() {
	TEXT("divToHalfAVX2", NOSPLIT, "func(dst []uint16, a []float32, s float32)")
	Doc("divToHalfAVX2 stores a[i]/s in half precision in dst[i] with F16C over the first min(len(dst), len(a))&^7 elements.")
	d := Mem{Base: Load(Param("dst").Base(), GP64())}
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	n := Load(Param("dst").Len(), GP64())
	m := Load(Param("a").Len(), GP64())
	CMPQ(m, n)
	CMOVQLT(m, n)
	sv := YMM()
	VBROADCASTSS(Load(Param("s"), XMM()), sv)
	const w = 8
	step := func(d, a Mem) {
		x := YMM()
		VMOVUPS(a, x)
		VDIVPS(sv, x, x) // x / s
		VCVTPS2PH(U8(0), x, d)
	}
	loops("divToHalfAVX2", n, 2*w, w, []array{{a, 4}, {d, 2}}, func() {
		for i := 0; i < 2; i++ {
			step(d.Offset(2*w*i), a.Offset(4*w*i))
		}
	}, func() { step(d, a) }, "divToHalfAVX2_done")

	Label("divToHalfAVX2_done")
	VZEROUPPER()
	RET()
}

// genDotI8AVX2 widens sixteen int8 codes to int16 and multiplies them with
// sixteen int16 values, adding pairs into int32 lanes (VPMADDWD), two
// blocks a step into two accumulators. It handles the first n&^15
// elements; the caller adds the rest and keeps the sum within int32.
func genDotI8AVX2() {
	TEXT("dotI8AVX2", NOSPLIT, "func(a []int8, b []int16) int32")
	Doc("dotI8AVX2 is the AVX2 int8 x int16 inner product over the first min(len(a), len(b))&^15 elements.")
	a := Mem{Base: Load(Param("a").Base(), GP64())}
	b := Mem{Base: Load(Param("b").Base(), GP64())}
	n := lenMin()
	acc := []VecVirtual{YMM(), YMM()}
	for _, v := range acc {
		VPXOR(v, v, v)
	}
	const w = 16
	Label("dotI8AVX2_block")
	CMPQ(n, U32(2*w))
	JL(LabelRef("dotI8AVX2_single"))
	for i := range acc {
		x := YMM()
		VPMOVSXBW(a.Offset(w*i), x)
		VPMADDWD(b.Offset(2*w*i), x, x)
		VPADDD(x, acc[i], acc[i])
	}
	ADDQ(U32(2*w), a.Base)
	ADDQ(U32(4*w), b.Base)
	SUBQ(U32(2*w), n)
	JMP(LabelRef("dotI8AVX2_block"))

	Label("dotI8AVX2_single")
	CMPQ(n, U32(w))
	JL(LabelRef("dotI8AVX2_reduce"))
	x := YMM()
	VPMOVSXBW(a, x)
	VPMADDWD(b, x, x)
	VPADDD(x, acc[0], acc[0])

	Label("dotI8AVX2_reduce")
	VPADDD(acc[1], acc[0], acc[0])
	hi := XMM()
	VEXTRACTI128(U8(1), acc[0], hi)
	lo := acc[0].AsX()
	VPADDD(hi, lo, lo)
	VPSHUFD(U8(0x4e), lo, hi)
	VPADDD(hi, lo, lo)
	VPSHUFD(U8(0xb1), lo, hi)
	VPADDD(hi, lo, lo)
	sum := GP32()
	VMOVD(lo, sum)
	VZEROUPPER()
	Store(sum, ReturnIndex(0))
	RET()
}

// genCPUID reads ECX of CPUID leaf 1, for the F16C bit that
// golang.org/x/sys/cpu does not report.
func genCPUID() {
	TEXT("cpuid1ECX", NOSPLIT, "func() uint32")
	Doc("cpuid1ECX returns ECX of CPUID leaf 1.")
	MOVL(U32(1), EAX)
	XORL(ECX, ECX)
	CPUID()
	Store(ECX, ReturnIndex(0))
	RET()
}
