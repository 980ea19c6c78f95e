package hnsw

import (
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/akidb/akidb/storage/offheap"
)

// The index's big arrays (the vector arena, the link lists and the
// per-slot arrays) live outside the Go heap, in anonymous mappings
// (package offheap; other systems fall back to the heap). The garbage
// collector then neither scans nor counts them: its heap target stays
// proportional to the server's garbage rather than to the vectors, and a
// grown or dropped array goes back to the system at once instead of when
// a collection and the scavenger get to it.
//
// An array is grown by growing its region (moving it, on Linux, without
// a copy) or by allocating a new region, copying and freeing the old one,
// all under mu held exclusively, so no reader (they hold mu shared while
// they use an array) can see a freed or moved region. Close frees
// every region; a runtime cleanup frees them if an index becomes
// unreachable without Close.

// offHeap is the set of regions an index owns, keyed by base address.
// Arrays mapped from a file (mapped.go) are not in it. It is kept apart
// from Index so that the cleanup does not keep the index reachable. Its
// own lock guards the set; when a region may be freed is the index's
// business (see above).
type offHeap struct {
	mu      sync.Mutex
	regions map[uintptr][]byte
	bytes   int64
}

// hugeMin is the smallest region given huge pages: below it the rounding
// to 2 MiB pages would cost more memory than the TLB misses cost time.
// (Searches and inserts read vectors at random: with 4 KiB pages nearly
// every vector read misses the TLB.)
const hugeMin = 8 << 20

// sysAlloc returns size zeroed bytes off the heap.
func sysAlloc(size int) []byte {
	b, err := offheap.Alloc(size)
	if err != nil {
		// As the runtime does when the heap cannot grow.
		panic(fmt.Sprintf("hnsw: allocate %d bytes: %v", size, err))
	}
	if size >= hugeMin {
		offheap.AdviseHuge(b)
	}
	return b
}

// sysFree gives a region from sysAlloc back.
func sysFree(b []byte) {
	if err := offheap.Free(b); err != nil {
		panic(fmt.Sprintf("hnsw: free %d bytes: %v", len(b), err))
	}
}

// offHeapTotal counts the bytes of all indexes' regions, for tests and
// diagnostics.
var offHeapTotal atomic.Int64

// TotalOffHeapBytes returns the bytes held off the Go heap by all indexes
// of the process.
func TotalOffHeapBytes() int64 { return offHeapTotal.Load() }

// allocOff returns a zeroed array of n elements in a new region of h.
func allocOff[T any](h *offHeap, n int) []T {
	if n == 0 {
		return nil
	}
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	b := sysAlloc(size)
	h.register(b)
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// register records b as a region of h.
func (h *offHeap) register(b []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.regions == nil {
		h.regions = make(map[uintptr][]byte)
	}
	h.regions[uintptr(unsafe.Pointer(unsafe.SliceData(b)))] = b
	h.bytes += int64(len(b))
	offHeapTotal.Add(int64(len(b)))
}

// unregister forgets the region of h that s starts, and returns it;
// false when h has none there (s is nil, or mapped from a file).
func unregister[T any](h *offHeap, s []T) ([]byte, bool) {
	if cap(s) == 0 {
		return nil, false
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(s[:1])))
	h.mu.Lock()
	defer h.mu.Unlock()
	b, ok := h.regions[p]
	if !ok {
		return nil, false
	}
	delete(h.regions, p)
	h.bytes -= int64(len(b))
	offHeapTotal.Add(-int64(len(b)))
	return b, true
}

// freeOff frees the region s starts, if h owns one there (an array mapped
// from a file, or nil, is left alone).
func freeOff[T any](h *offHeap, s []T) {
	if b, ok := unregister(h, s); ok {
		sysFree(b)
	}
}

// cloneOff returns a copy of s in a new region of h.
func cloneOff[T any](h *offHeap, s []T) []T {
	t := allocOff[T](h, len(s))
	copy(t, s)
	return t
}

// growOff returns s grown to n elements, with s's elements kept. A region
// h owns is grown in place of s's (offheap.Grow: on Linux its pages move
// rather than being copied, so only the new tail costs page faults);
// otherwise (nil, or an array mapped from a file) the elements are copied
// to a new region. Caller holds the index's mu exclusively.
func growOff[T any](h *offHeap, s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	b, ok := unregister(h, s)
	if !ok {
		t := allocOff[T](h, n)
		copy(t, s)
		return t
	}
	var zero T
	if size := n * int(unsafe.Sizeof(zero)); size > len(b) { // else the region already holds n elements
		nb, err := offheap.Grow(b, size)
		if err != nil {
			panic(fmt.Sprintf("hnsw: grow %d bytes to %d: %v", len(b), size, err))
		}
		if len(b) < hugeMin && size >= hugeMin {
			offheap.AdviseHuge(nb)
		}
		b = nb
	}
	h.register(b)
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

// freeAll frees every region.
func (h *offHeap) freeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for p, b := range h.regions {
		delete(h.regions, p)
		offHeapTotal.Add(-int64(len(b)))
		sysFree(b)
	}
	h.bytes = 0
}

// size returns the bytes of h's regions.
func (h *offHeap) size() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.bytes
}
