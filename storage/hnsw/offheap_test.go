package hnsw

import (
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// TestOffHeapGrowAndClose adds vectors one by one, so the arrays grow many
// times by moving to new regions, checks that searches still find the
// exact neighbours, then closes the index twice.
func TestOffHeapGrowAndClose(t *testing.T) {
	const dim, k = 24, 10
	n := size(6000, 2500) // minGrow is 1024: several growths either way
	data, queries := clustered(3, n, 40, dim, 20)
	x := buildIndex(t, Config{Dim: dim, Metric: L2, M: 12, EfConstruction: 80, Seed: 2}, data, 1)
	if x.OffHeapBytes() <= int64(n*dim*4) {
		t.Fatalf("OffHeapBytes %d, want more than the %d bytes of the vectors", x.OffHeapBytes(), n*dim*4)
	}
	if r := measureRecall(t, x, L2, data, queries, k, 200); r < 0.95 {
		t.Fatalf("recall after growth %.3f, want >= 0.95", r)
	}
	// Every vector is intact after the copies.
	for i := 0; i < n; i += 97 {
		got := x.Search(data[i], 1, 64, nil)
		if len(got) != 1 || got[0].Label != uint64(i) || got[0].Dist > 1e-2 {
			t.Fatalf("vector %d: nearest %v, want itself at distance 0 (to half precision)", i, got)
		}
	}

	before := TotalOffHeapBytes()
	held := x.OffHeapBytes()
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if got := x.OffHeapBytes(); got != 0 {
		t.Fatalf("OffHeapBytes after Close = %d, want 0", got)
	}
	if got := TotalOffHeapBytes(); got > before-held {
		t.Fatalf("TotalOffHeapBytes %d after Close, want at most %d", got, before-held)
	}
	if err := x.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if got := x.Search(queries[0], k, 40, nil); got != nil {
		t.Fatalf("search of a closed index: %v", got)
	}
	if err := x.Add(1, data[0]); !errors.Is(err, ErrClosed) {
		t.Fatalf("Add after Close: %v, want ErrClosed", err)
	}
	if err := x.AddBatch([]uint64{1}, data[:1], 1); !errors.Is(err, ErrClosed) {
		t.Fatalf("AddBatch after Close: %v, want ErrClosed", err)
	}
	if x.Delete(1) {
		t.Fatal("Delete after Close found a label")
	}
	if x.Len() != 0 {
		t.Fatalf("Len after Close = %d", x.Len())
	}
}

// TestCloseWhileSearching closes an index while searches and inserts run:
// they finish or find it empty, and nothing reads freed memory (a read of
// an unmapped region would crash the test).
func TestCloseWhileSearching(t *testing.T) {
	const dim = 16
	data, queries := clustered(5, 3000, 20, dim, 10)
	x := buildIndex(t, Config{Dim: dim, Metric: Cosine, M: 8, EfConstruction: 40, Seed: 1}, data[:2000], 0)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if w == 0 && 2000+i < len(data) {
					if err := x.Add(uint64(2000+i), data[2000+i]); err != nil && !errors.Is(err, ErrClosed) {
						t.Error(err)
						return
					}
					continue
				}
				for _, r := range x.Search(queries[i%len(queries)], 10, 40, nil) {
					if r.Dist < -1e-3 || r.Dist > 2+1e-3 {
						t.Errorf("cosine distance %v out of range", r.Dist)
						return
					}
				}
			}
		}()
	}
	for x.Len() < 2300 && !t.Failed() {
		x.Search(queries[0], 10, 40, nil)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if x.OffHeapBytes() != 0 {
		t.Fatalf("OffHeapBytes after Close = %d", x.OffHeapBytes())
	}
}

// TestCloseMappedIndex closes a WARM index: its mapping goes too, and the
// anonymous regions it had before MapTo were freed when it was mapped.
func TestCloseMappedIndex(t *testing.T) {
	const dim = 16
	data, queries := clustered(9, 1500, 10, dim, 10)
	x := buildIndex(t, Config{Dim: dim, Metric: L2, M: 8, EfConstruction: 40, Seed: 1}, data, 0)
	before := x.OffHeapBytes()
	if err := x.MapTo(filepath.Join(t.TempDir(), "x.warm")); err != nil {
		t.Fatal(err)
	}
	if after := x.OffHeapBytes(); after >= before {
		t.Fatalf("OffHeapBytes %d after MapTo, want less than %d (arena and lists now in the file)", after, before)
	}
	if got := x.Search(queries[0], 5, 40, nil); len(got) != 5 {
		t.Fatalf("search of the mapped index: %v", got)
	}
	// Growing while mapped copies the mapped arrays to new regions.
	more, _ := clustered(10, 1200, 0, dim, 10)
	for i, v := range more {
		if err := x.Add(uint64(len(data)+i), v); err != nil {
			t.Fatal(err)
		}
	}
	if got := x.Search(more[0], 1, 40, nil); len(got) != 1 || got[0].Label != uint64(len(data)) {
		t.Fatalf("search after growth while mapped: %v", got)
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
	if x.Mapped() || x.OffHeapBytes() != 0 {
		t.Fatalf("after Close: mapped %v, OffHeapBytes %d", x.Mapped(), x.OffHeapBytes())
	}
	if err := x.Close(); err != nil {
		t.Fatal(err)
	}
}
