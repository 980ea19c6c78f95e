package hnsw

import (
	"encoding/binary"
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// A WARM index keeps its two large arrays, the vector arena and the
// level-0 lists, in a file on local disk mapped privately into memory
// (MAP_PRIVATE): searches read them through the page cache, which is the
// bounded cache, and the process holds only the pages it touched. A
// mutation writes to its private copy of a page (copy on write) and a
// growth copies the array back to anonymous memory (offheap.go), so an index stays fully usable
// while mapped. The file is scratch space, rewritten by every MapTo; the
// checkpoint (file.go) stays the durable form.
//
// Layout: a 4096-byte header (magic "AKIWARM\0", version u32, dim u32,
// vector halves u64, link words u64), then the arena (halves; the scales
// stay in memory), then the lists, each starting on a page boundary.

const (
	warmPage    = 4096
	warmVersion = 2 // vectors in half precision
)

var warmMagic = [8]byte{'A', 'K', 'I', 'W', 'A', 'R', 'M', 0}

// MapTo moves the vector arena and level-0 lists into the file at path and
// maps it. Searches go on meanwhile; mutations wait. Mapping an index that
// is mapped already does nothing.
func (x *Index) MapTo(path string) error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	mapped := x.mapping != nil
	vecs, links := x.vecs, x.links0
	x.mu.RUnlock()
	if mapped {
		return nil
	}
	vecBytes := int64(len(vecs)) * 2
	linkOff := roundPage(warmPage + vecBytes)
	size := roundPage(linkOff + int64(len(links))*4)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	var hdr [warmPage]byte
	copy(hdr[:], warmMagic[:])
	binary.LittleEndian.PutUint32(hdr[8:], warmVersion)
	binary.LittleEndian.PutUint32(hdr[12:], uint32(x.dim))
	binary.LittleEndian.PutUint64(hdr[16:], uint64(len(vecs)))
	binary.LittleEndian.PutUint64(hdr[24:], uint64(len(links)))
	if err := f.Truncate(size); err != nil {
		return err
	}
	if _, err := f.WriteAt(hdr[:], 0); err != nil {
		return err
	}
	if len(vecs) > 0 {
		if _, err := f.WriteAt(unsafe.Slice((*byte)(unsafe.Pointer(&vecs[0])), vecBytes), warmPage); err != nil {
			return err
		}
	}
	if len(links) > 0 {
		if _, err := f.WriteAt(unsafe.Slice((*byte)(unsafe.Pointer(&links[0])), len(links)*4), linkOff); err != nil {
			return err
		}
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return fmt.Errorf("hnsw: map %s: %w", path, err)
	}
	// The pages written above are in the page cache; nothing is resident
	// in this process until a search touches it.
	x.mu.Lock()
	if x.closed {
		x.mu.Unlock()
		return syscall.Munmap(data)
	}
	if len(vecs) > 0 {
		x.vecs = unsafe.Slice((*uint16)(unsafe.Pointer(&data[warmPage])), len(vecs))
	}
	if len(links) > 0 {
		x.links0 = unsafe.Slice((*uint32)(unsafe.Pointer(&data[linkOff])), len(links))
	}
	x.mapping = data
	// No reader holds the old arrays now: free them (if they are
	// off-heap; on the heap they are the collector's).
	freeOff(x.off, vecs)
	freeOff(x.off, links)
	x.mu.Unlock()
	return nil
}

// Unmap brings the mapped arrays back into anonymous memory and unmaps the file
// (which the caller may then delete). Unmapping an index that is not
// mapped does nothing.
func (x *Index) Unmap() error {
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.RLock()
	data := x.mapping
	vecs, links := x.vecs, x.links0
	x.mu.RUnlock()
	if data == nil {
		return nil
	}
	// Copy while searches go on: no mutation runs, so the arrays are
	// stable.
	if inside(data, unsafe.Pointer(unsafe.SliceData(vecs))) {
		vecs = cloneOff(x.off, vecs)
	}
	if inside(data, unsafe.Pointer(unsafe.SliceData(links))) {
		links = cloneOff(x.off, links)
	}
	x.mu.Lock()
	x.vecs, x.links0 = vecs, links
	x.mapping = nil
	x.mu.Unlock()
	// No search can hold a slice of the mapping now: they take mu shared
	// for as long as they read the arrays.
	if err := syscall.Munmap(data); err != nil {
		return fmt.Errorf("hnsw: unmap: %w", err)
	}
	return nil
}

// Mapped reports whether the index's arrays are mapped from a file.
func (x *Index) Mapped() bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return x.mapping != nil
}

// MappedBytes is the part of MemoryBytes that lives in the mapped file
// rather than on the heap.
func (x *Index) MappedBytes() int64 {
	x.mu.RLock()
	defer x.mu.RUnlock()
	var n int64
	if inside(x.mapping, unsafe.Pointer(unsafe.SliceData(x.vecs))) {
		n += int64(cap(x.vecs)) * 2
	}
	if inside(x.mapping, unsafe.Pointer(unsafe.SliceData(x.links0))) {
		n += int64(cap(x.links0)) * 4
	}
	return n
}

func inside(data []byte, p unsafe.Pointer) bool {
	if len(data) == 0 || p == nil {
		return false
	}
	lo := uintptr(unsafe.Pointer(&data[0]))
	return uintptr(p) >= lo && uintptr(p) < lo+uintptr(len(data))
}

func roundPage(n int64) int64 { return (n + warmPage - 1) / warmPage * warmPage }
