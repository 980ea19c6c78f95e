package hnsw

import (
	"bytes"
	"errors"
	"testing"
)

func TestFileRoundTrip(t *testing.T) {
	data, queries := smallData(t, size(3000, 1000))
	for _, m := range []Metric{L2, Cosine} {
		x := buildIndex(t, Config{Dim: 32, Metric: m, Seed: 4, RepairFraction: -1}, data, 2)
		for l := uint64(0); l < 300; l += 3 {
			x.Delete(l)
		}
		x.Repair() // some free slots ...
		for l := uint64(3000); l < 3050; l++ {
			x.Add(l, data[l-3000]) // ... partly reused
		}
		for l := uint64(1); l < 100; l += 3 {
			x.Delete(l) // and fresh tombstones
		}
		if m == Cosine {
			x.Add(99999, make([]float32, 32))
		}
		var buf bytes.Buffer
		nw, err := x.WriteTo(&buf, 42)
		if err != nil || nw != int64(buf.Len()) {
			t.Fatalf("WriteTo: %d, %v (buffer %d)", nw, err, buf.Len())
		}
		y, seq, err := Read(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if seq != 42 || y.Len() != x.Len() || y.Dim() != 32 || y.Config() != x.Config() {
			t.Fatalf("seq %d len %d/%d config %+v/%+v", seq, y.Len(), x.Len(), y.Config(), x.Config())
		}
		for _, q := range queries {
			a := x.Search(q, 10, 40, nil)
			b := y.Search(q, 10, 40, nil)
			if len(a) != len(b) {
				t.Fatalf("%d vs %d results", len(a), len(b))
			}
			for i := range a {
				if a[i] != b[i] {
					t.Fatalf("result %d: %v vs %v", i, a[i], b[i])
				}
			}
		}
		// The loaded index keeps working: adds, deletes, a second checkpoint.
		if err := y.Add(123456, data[0]); err != nil {
			t.Fatal(err)
		}
		var buf2 bytes.Buffer
		if _, err := y.WriteTo(&buf2, 43); err != nil {
			t.Fatal(err)
		}
		if _, _, err := Read(&buf2); err != nil {
			t.Fatal(err)
		}
	}
}

func TestFileCorrupt(t *testing.T) {
	data, _ := smallData(t, 500)
	x := buildIndex(t, Config{Dim: 32, Metric: L2, Seed: 5}, data, 1)
	x.Delete(7)
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf, 1); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	for _, n := range []int{0, 10, headerSize - 1, headerSize, headerSize + 5, len(file) / 2, len(file) - 1} {
		if _, _, err := Read(bytes.NewReader(file[:n])); !errors.Is(err, ErrCorrupt) {
			t.Errorf("truncated to %d bytes: %v", n, err)
		}
	}
	step := max(1, len(file)/size(2000, 300))
	for i := 0; i < len(file); i += step {
		for _, bit := range []byte{0x01, 0x80} {
			c := bytes.Clone(file)
			c[i] ^= bit
			if _, _, err := Read(bytes.NewReader(c)); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("bit flip at byte %d: %v", i, err)
			}
		}
	}
}

func TestEmptyIndexFile(t *testing.T) {
	x, _ := New(Config{Dim: 4})
	var buf bytes.Buffer
	if _, err := x.WriteTo(&buf, 0); err != nil {
		t.Fatal(err)
	}
	y, _, err := Read(&buf)
	if err != nil || y.Len() != 0 || y.Search([]float32{1, 2, 3, 4}, 3, 10, nil) != nil {
		t.Fatalf("empty round trip: %v", err)
	}
	if err := y.Add(1, []float32{1, 2, 3, 4}); err != nil || len(y.Search([]float32{1, 2, 3, 4}, 3, 10, nil)) != 1 {
		t.Fatal("add after loading an empty index")
	}
}
