//go:build !noasm

#include "textflag.h"

// func prefetchRows(base unsafe.Pointer, ids []uint32, stride uintptr, lines int)
//
// Issues PREFETCHT0 for the first lines cache lines of row ids[i] at
// base + ids[i]*stride, for every i. A prefetch never faults.
TEXT ·prefetchRows(SB), NOSPLIT, $0-48
	MOVQ base+0(FP), AX
	MOVQ ids_base+8(FP), SI
	MOVQ ids_len+16(FP), CX
	MOVQ stride+32(FP), DX
	MOVQ lines+40(FP), R8
	TESTQ CX, CX
	JZ done
row:
	MOVL (SI), BX
	IMULQ DX, BX
	ADDQ AX, BX
	MOVQ R8, R9
line:
	PREFETCHT0 (BX)
	ADDQ $64, BX
	DECQ R9
	JNZ line
	ADDQ $4, SI
	DECQ CX
	JNZ row
done:
	RET
