//go:build !unix

package hnsw

// Without mmap the arrays stay on the Go heap; freeing drops the
// reference.

func sysAlloc(size int) []byte { return make([]byte, size) }

func sysFree([]byte) {}
