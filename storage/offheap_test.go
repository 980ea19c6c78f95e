package storage

import "testing"

func TestOffHeap(t *testing.T) {
	if _, err := allocOffHeap(0); err == nil {
		t.Fatal("allocOffHeap(0) succeeded")
	}
	const n = 1 << 16
	o, err := allocOffHeap(n*2 + n*4)
	if err != nil {
		t.Fatal(err)
	}
	if o.size() != n*6 {
		t.Fatalf("size %d, want %d", o.size(), n*6)
	}
	h := o.uint16s(0, n)
	f := o.float32s(n*2, n)
	for i := range h {
		if h[i] != 0 || f[i] != 0 {
			t.Fatalf("memory not zeroed at %d", i)
		}
		h[i] = uint16(i)
		f[i] = float32(i) / 2
	}
	// The two views do not overlap.
	for i := range h {
		if h[i] != uint16(i) || f[i] != float32(i)/2 {
			t.Fatalf("element %d: %d %v", i, h[i], f[i])
		}
	}
	if o.uint16s(0, 0) != nil || o.float32s(0, 0) != nil {
		t.Fatal("empty views not nil")
	}
	if err := o.free(); err != nil {
		t.Fatal(err)
	}
	if err := o.free(); err != nil {
		t.Fatalf("second free: %v", err)
	}
	var nilBlock *offHeap
	if err := nilBlock.free(); err != nil {
		t.Fatal(err)
	}
}
