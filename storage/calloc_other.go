//go:build !cgo || !linux

package storage

// tuneCAllocator does nothing: without cgo Pebble allocates on the Go
// heap, and other systems' allocators have no such options.
func tuneCAllocator() {}
