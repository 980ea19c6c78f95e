//go:build !unix

package offheap

import (
	"fmt"
	"unsafe"
)

// Alloc allocates size zeroed bytes (size > 0) on the Go heap: without
// mmap there is nowhere else.
func Alloc(size int) ([]byte, error) {
	if size <= 0 {
		return nil, fmt.Errorf("offheap: allocation of %d bytes", size)
	}
	words := make([]uint64, (size+7)/8)
	return unsafe.Slice((*byte)(unsafe.Pointer(&words[0])), size), nil
}

// Free drops a block from Alloc: the collector reclaims it.
func Free([]byte) error { return nil }
