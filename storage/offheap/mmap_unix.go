//go:build unix

package offheap

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Alloc maps size zeroed bytes (size > 0). Pages become resident when
// first written, so an unused tail costs address space only.
func Alloc(size int) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("offheap: allocation of %d bytes", size)
	}
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		return nil, fmt.Errorf("offheap: map %d bytes: %w", size, err)
	}
	return b, nil
}

// Free unmaps a block from Alloc.
func Free(b []byte) error {
	if err := unix.Munmap(b); err != nil {
		return fmt.Errorf("offheap: unmap %d bytes: %w", len(b), err)
	}
	return nil
}
