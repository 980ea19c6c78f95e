//go:build !unix

package storage

import (
	"fmt"
	"unsafe"
)

// offHeap is a block of memory for a large cache. Without mmap it lives
// on the Go heap; free drops the reference.
type offHeap struct {
	mem []byte
}

// allocOffHeap allocates size bytes of zeroed memory (size > 0), 8-aligned.
func allocOffHeap(size int) (*offHeap, error) {
	if size <= 0 {
		return nil, fmt.Errorf("storage: off-heap allocation of %d bytes", size)
	}
	words := make([]uint64, (size+7)/8)
	mem := unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size)
	return &offHeap{mem: mem}, nil
}

// free drops the memory. It is a no-op on a freed or nil block.
func (o *offHeap) free() error {
	if o != nil {
		o.mem = nil
	}
	return nil
}

func (o *offHeap) uint16s(off, n int) []uint16 {
	if n == 0 {
		return nil
	}
	b := o.mem[off : off+2*n]
	return unsafe.Slice((*uint16)(unsafe.Pointer(&b[0])), n)
}

func (o *offHeap) float32s(off, n int) []float32 {
	if n == 0 {
		return nil
	}
	b := o.mem[off : off+4*n]
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), n)
}

func (o *offHeap) int8s(off, n int) []int8 {
	if n == 0 {
		return nil
	}
	b := o.mem[off : off+n]
	return unsafe.Slice((*int8)(unsafe.Pointer(&b[0])), n)
}

func (o *offHeap) size() int { return len(o.mem) }
