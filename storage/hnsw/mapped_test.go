package hnsw

import (
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
)

// TestMapToAndBack maps an index to a file, searches and mutates it while
// mapped (copy on write, growth back to the heap), and brings it back:
// the answers are those of the same index never mapped.
func TestMapToAndBack(t *testing.T) {
	const n, dim = 2000, 16
	rng := rand.New(rand.NewPCG(7, 7))
	vecs := make([][]float32, n+500)
	for i := range vecs {
		v := make([]float32, dim)
		for j := range v {
			v[j] = rng.Float32()*2 - 1
		}
		vecs[i] = v
	}
	build := func() *Index {
		x, err := New(Config{Dim: dim, Metric: Cosine, M: 8, EfConstruction: 64, Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			if err := x.Add(uint64(i+1), vecs[i]); err != nil {
				t.Fatal(err)
			}
		}
		return x
	}
	ref, x := build(), build()
	path := filepath.Join(t.TempDir(), "x.warm")
	if err := x.MapTo(path); err != nil {
		t.Fatal(err)
	}
	if !x.Mapped() || x.MappedBytes() < int64(n*dim*4) {
		t.Fatalf("mapped %v, %d mapped bytes", x.Mapped(), x.MappedBytes())
	}
	same := func(what string) {
		t.Helper()
		for q := 0; q < 50; q++ {
			a := ref.Search(vecs[q], 10, 64, nil)
			b := x.Search(vecs[q], 10, 64, nil)
			if len(a) != len(b) {
				t.Fatalf("%s: query %d: %d hits, want %d", what, q, len(b), len(a))
			}
			for i := range a {
				if a[i].Label != b[i].Label {
					t.Fatalf("%s: query %d hit %d: label %d, want %d", what, q, i, b[i].Label, a[i].Label)
				}
			}
		}
	}
	same("mapped")
	// Concurrent searches while mutations write into the mapping.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for q := 0; q < 200; q++ {
			x.Search(vecs[q%n], 10, 40, nil)
		}
	}()
	for i := 0; i < 100; i++ {
		for _, g := range []*Index{ref, x} {
			g.Delete(uint64(i + 1))
			if err := g.Add(uint64(n+i+1), vecs[n+i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	wg.Wait()
	same("mutated while mapped")
	if err := x.Unmap(); err != nil {
		t.Fatal(err)
	}
	if x.Mapped() || x.MappedBytes() != 0 {
		t.Fatal("still mapped after Unmap")
	}
	same("unmapped")
	// Growth while mapped moves the arrays to the heap; Unmap still works.
	if err := x.MapTo(path); err != nil {
		t.Fatal(err)
	}
	for i := 100; i < 500; i++ {
		for _, g := range []*Index{ref, x} {
			if err := g.Add(uint64(n+i+1), vecs[n+i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	same("grown while mapped")
	if err := x.Unmap(); err != nil {
		t.Fatal(err)
	}
	same("unmapped after growth")
}
