package storage

import "unsafe"

// The typed views of an offHeap block, whichever way it was allocated.

// uint16s returns the block as n uint16s starting at byte off (which must
// be 2-aligned and leave room for them).
func (o *offHeap) uint16s(off, n int) []uint16 {
	if n == 0 {
		return nil
	}
	b := o.mem[off : off+2*n]
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)
}

// float32s returns the block as n float32s starting at byte off (which
// must be 4-aligned and leave room for them).
func (o *offHeap) float32s(off, n int) []float32 {
	if n == 0 {
		return nil
	}
	b := o.mem[off : off+4*n]
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

// int8s returns the block as n int8s starting at byte off.
func (o *offHeap) int8s(off, n int) []int8 {
	if n == 0 {
		return nil
	}
	b := o.mem[off : off+n]
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), n)
}

// size is the number of bytes of the block.
func (o *offHeap) size() int { return len(o.mem) }
