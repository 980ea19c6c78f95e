package offheap

import (
	"testing"
	"unsafe"
)

// A block is zeroed, 8-aligned, writable to its end, and freed without
// error; a size of zero or less is refused.
func TestAllocFree(t *testing.T) {
	for _, size := range []int{0, -1} {
		if _, err := Alloc(size); err == nil {
			t.Fatalf("Alloc(%d) succeeded", size)
		}
	}
	for _, size := range []int{1, 4095, 1 << 20, 9 << 20} {
		b, err := Alloc(size)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != size {
			t.Fatalf("Alloc(%d): %d bytes", size, len(b))
		}
		if uintptr(unsafe.Pointer(&b[0]))%8 != 0 {
			t.Fatalf("Alloc(%d) not 8-aligned", size)
		}
		AdviseHuge(b)
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("Alloc(%d): byte %d not zero", size, i)
			}
			b[i] = byte(i)
		}
		if b[size-1] != byte(size-1) {
			t.Fatalf("Alloc(%d): last byte not written", size)
		}
		if err := Free(b); err != nil {
			t.Fatal(err)
		}
	}
}
