//go:build !linux

package offheap

import "fmt"

// Grow returns b (a block from Alloc) resized to size bytes, its contents
// kept and any new bytes zeroed, and b must not be used again: a new
// block, copied, and b freed.
func Grow(b []byte, size int) ([]byte, error) {
	if size <= len(b) {
		return nil, fmt.Errorf("offheap: grow %d bytes to %d", len(b), size)
	}
	nb, err := Alloc(size)
	if err != nil {
		return nil, err
	}
	copy(nb, b)
	return nb, Free(b)
}
