package offheap

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Grow returns b (a block from Alloc) resized to size bytes, its contents
// kept and any new bytes zeroed, and b must not be used again. On Linux
// the kernel moves b's pages to a larger mapping (mremap): nothing is
// copied, and only the new tail's pages are faulted in when first
// written, where a copy would fault in and fill every page afresh.
func Grow(b []byte, size int) ([]byte, error) {
	if size <= len(b) {
		return nil, fmt.Errorf("offheap: grow %d bytes to %d", len(b), size)
	}
	nb, err := unix.Mremap(b, size, unix.MREMAP_MAYMOVE)
	if err != nil {
		return nil, fmt.Errorf("offheap: remap %d bytes to %d: %w", len(b), size, err)
	}
	return nb, nil
}
