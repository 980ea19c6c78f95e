//go:build cgo && linux

package storage

/*
#include <malloc.h>

// akidb_tune_malloc sets the C allocator's options for Pebble, where the
// C library has them (glibc).
static void akidb_tune_malloc(void) {
#ifdef M_ARENA_MAX
	mallopt(M_ARENA_MAX, 1);
#endif
#ifdef M_TRIM_THRESHOLD
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
#endif
#ifdef M_MMAP_THRESHOLD
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
#endif
}
*/
import "C"

import (
	"os"
	"strings"
)

// tuneCAllocator keeps the memory Pebble allocates through C (its block
// cache and memtables) in one arena that is not handed back to the
// system at every free. With glibc's defaults each thread that calls
// calloc may get an arena of its own, and arenas return their free top
// to the system eagerly, so a scan, which allocates a block and evicts
// one for every 32 KiB it reads, faulted in fresh pages over and over:
// BenchmarkExport spent a quarter of its time in calloc; with one arena,
// a 256 MiB trim threshold and blocks up to 32 MiB from the heap, it runs
// about 18% faster. What Pebble holds is bounded by its cache and
// memtable sizes, so what the allocator keeps is too.
//
// It changes the whole process's C allocator, once; it does nothing when
// the environment tunes the allocator itself (GLIBC_TUNABLES, MALLOC_*).
func tuneCAllocator() {
	if strings.Contains(os.Getenv("GLIBC_TUNABLES"), "glibc.malloc.") {
		return
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "MALLOC_") {
			return
		}
	}
	C.akidb_tune_malloc()
}
