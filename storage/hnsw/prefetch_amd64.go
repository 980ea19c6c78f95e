//go:build !noasm

package hnsw

import "unsafe"

// prefetchRows asks the CPU to fetch the first lines cache lines (at
// least one) of each row ids[i] of the arena at base, rows stride bytes
// apart.
//
//go:noescape
func prefetchRows(base unsafe.Pointer, ids []uint32, stride uintptr, lines int)
