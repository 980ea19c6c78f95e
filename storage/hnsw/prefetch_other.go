//go:build !amd64 || noasm

package hnsw

import "unsafe"

func prefetchRows(base unsafe.Pointer, ids []uint32, stride uintptr, lines int) {}
