//go:build unix

package storage

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// offHeap is a block of memory outside the Go heap: an anonymous private
// mapping. The garbage collector neither scans nor counts it, so a large
// cache in it costs no GC work and does not raise the heap goal. It must
// be freed with free; the slices handed out are invalid afterwards.
type offHeap struct {
	mem []byte
}

// allocOffHeap maps size bytes of zeroed memory (size > 0).
func allocOffHeap(size int) (*offHeap, error) {
	if size <= 0 {
		return nil, fmt.Errorf("storage: off-heap allocation of %d bytes", size)
	}
	mem, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("storage: map %d bytes: %w", size, err)
	}
	// Large pages cut the TLB misses of a sequential scan; the kernel may
	// decline, which changes nothing else.
	adviseHuge(mem)
	return &offHeap{mem: mem}, nil
}

// free unmaps the memory. It is a no-op on a freed or nil block.
func (o *offHeap) free() error {
	if o == nil || o.mem == nil {
		return nil
	}
	mem := o.mem
	o.mem = nil
	if err := unix.Munmap(mem); err != nil {
		return fmt.Errorf("storage: unmap %d bytes: %w", len(mem), err)
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
