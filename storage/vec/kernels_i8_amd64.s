//go:build amd64 && !noasm

#include "textflag.h"

// func dotI8AVX2(a []int8, b []int16) int32
// Requires: AVX2. Sums a[i]*b[i] over the first min(len(a), len(b)) &^ 15
// elements in int32 lanes; the caller keeps the sum within int32.
TEXT ·dotI8AVX2(SB), NOSPLIT, $0-52
	MOVQ    a_base+0(FP), AX
	MOVQ    b_base+24(FP), CX
	MOVQ    a_len+8(FP), DX
	MOVQ    b_len+32(FP), BX
	CMPQ    BX, DX
	CMOVQLT BX, DX
	VPXOR   Y0, Y0, Y0
	VPXOR   Y1, Y1, Y1

dotI8AVX2_block:
	CMPQ      DX, $0x00000020
	JL        dotI8AVX2_single
	VPMOVSXBW (AX), Y2
	VPMADDWD  (CX), Y2, Y2
	VPADDD    Y2, Y0, Y0
	VPMOVSXBW 16(AX), Y3
	VPMADDWD  32(CX), Y3, Y3
	VPADDD    Y3, Y1, Y1
	ADDQ      $0x00000020, AX
	ADDQ      $0x00000040, CX
	SUBQ      $0x00000020, DX
	JMP       dotI8AVX2_block

dotI8AVX2_single:
	CMPQ      DX, $0x00000010
	JL        dotI8AVX2_reduce
	VPMOVSXBW (AX), Y2
	VPMADDWD  (CX), Y2, Y2
	VPADDD    Y2, Y0, Y0

dotI8AVX2_reduce:
	VPADDD       Y1, Y0, Y0
	VEXTRACTI128 $0x01, Y0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0x4e, X0, X1
	VPADDD       X1, X0, X0
	VPSHUFD      $0xb1, X0, X1
	VPADDD       X1, X0, X0
	VMOVD        X0, AX
	VZEROUPPER
	MOVL         AX, ret+48(FP)
	RET
