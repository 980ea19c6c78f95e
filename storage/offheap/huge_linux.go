package offheap

import "golang.org/x/sys/unix"

// AdviseHuge asks for transparent huge pages for a block (they are often
// given only on request): an array read at random, or scanned, then
// misses the TLB far less. Failure changes nothing else.
func AdviseHuge(b []byte) { _ = unix.Madvise(b, unix.MADV_HUGEPAGE) }
