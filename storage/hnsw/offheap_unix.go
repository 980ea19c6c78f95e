//go:build unix

package hnsw

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// hugeMin is the smallest region given huge pages: below it the rounding
// to 2 MiB pages would cost more memory than the TLB misses cost time.
const hugeMin = 8 << 20

// sysAlloc returns size zeroed bytes in a private anonymous mapping. Pages
// become resident when first written, so the unused tail of a grown array
// costs address space only.
func sysAlloc(size int) []byte {
	b, err := unix.Mmap(-1, 0, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		// As the runtime does when the heap cannot grow.
		panic(fmt.Sprintf("hnsw: allocate %d bytes: %v", size, err))
	}
	if size >= hugeMin {
		adviseHuge(b)
	}
	return b
}

// sysFree returns a mapping from sysAlloc to the system.
func sysFree(b []byte) {
	if err := unix.Munmap(b); err != nil {
		panic(fmt.Sprintf("hnsw: free %d bytes: %v", len(b), err))
	}
}
