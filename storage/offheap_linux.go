package storage

import "golang.org/x/sys/unix"

// adviseHuge asks for transparent huge pages for mem.
func adviseHuge(mem []byte) { _ = unix.Madvise(mem, unix.MADV_HUGEPAGE) }
