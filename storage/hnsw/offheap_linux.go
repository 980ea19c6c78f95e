package hnsw

import "golang.org/x/sys/unix"

// adviseHuge asks for huge pages for a region (transparent huge pages are
// often given only on request). Searches and inserts read vectors at
// random: with 4 KiB pages nearly every vector read misses the TLB.
// Failure is harmless.
func adviseHuge(b []byte) { _ = unix.Madvise(b, unix.MADV_HUGEPAGE) }
