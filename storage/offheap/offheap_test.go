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

// Grow keeps a block's bytes, zeroes the new ones, and the grown block
// frees without error; it refuses to shrink.
func TestGrow(t *testing.T) {
	b, err := Alloc(3 << 20)
	if err != nil {
		t.Fatal(err)
	}
	for i := range b {
		b[i] = byte(i % 251)
	}
	if _, err := Grow(b, len(b)); err == nil {
		t.Fatal("Grow to the same size succeeded")
	}
	for _, size := range []int{3<<20 + 1, 5 << 20, 17<<20 + 3} {
		old := len(b)
		if b, err = Grow(b, size); err != nil {
			t.Fatal(err)
		}
		if len(b) != size {
			t.Fatalf("Grow to %d: %d bytes", size, len(b))
		}
		for i := range b {
			want := byte(0)
			if i < 3<<20 {
				want = byte(i % 251)
			} else if i < old {
				want = 7
			}
			if b[i] != want {
				t.Fatalf("Grow to %d: byte %d is %d, want %d", size, i, b[i], want)
			}
		}
		for i := 3 << 20; i < size; i++ {
			b[i] = 7
		}
	}
	if err := Free(b); err != nil {
		t.Fatal(err)
	}
}
