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
