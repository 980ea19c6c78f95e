//go:build unix

package storage

import (
	"fmt"

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
