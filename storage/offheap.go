package storage

import (
	"fmt"
	"unsafe"

	"github.com/akidb/akidb/storage/offheap"
)

// offHeap is a block of memory outside the Go heap (package offheap) for
// a large cache. It must be freed with free; the slices handed out are
// invalid afterwards.
type offHeap struct {
	mem []byte
}

// allocOffHeap returns size bytes of zeroed memory (size > 0), asking
// for huge pages: they cut the TLB misses of a sequential scan (the
// kernel may decline, which changes nothing else).
func allocOffHeap(size int) (*offHeap, error) {
	if size <= 0 {
		return nil, fmt.Errorf("storage: off-heap allocation of %d bytes", size)
	}
	mem, err := offheap.Alloc(size)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	offheap.AdviseHuge(mem)
	return &offHeap{mem: mem}, nil
}

// free gives the memory back. It is a no-op on a freed or nil block.
func (o *offHeap) free() error {
	if o == nil || o.mem == nil {
		return nil
	}
	mem := o.mem
	o.mem = nil
	if err := offheap.Free(mem); err != nil {
		return fmt.Errorf("storage: %w", err)
	}
	return nil
}

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
