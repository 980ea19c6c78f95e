package hnsw

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
)

func smallData(t *testing.T, n int) (data, queries [][]float32) {
	t.Helper()
	return clustered(3, n, 50, 32, 20)
}

func TestFilteredSearchExactK(t *testing.T) {
	data, queries := smallData(t, size(5000, 2000))
	x := buildIndex(t, Config{Dim: 32, Metric: L2, Seed: 2}, data, 2)
	for _, q := range queries {
		calls := map[uint64]int{}
		got := x.Search(q, 10, 40, func(l uint64) bool {
			calls[l]++
			return l%10 == 3
		})
		if len(got) != 10 {
			t.Fatalf("got %d results, want 10", len(got))
		}
		for l, c := range calls {
			if c != 1 {
				t.Fatalf("accept called %d times for label %d", c, l)
			}
		}
		want := truth(L2, data, func(i int) bool { return i%10 == 3 }, q, 10)
		for _, r := range got {
			if r.Label%10 != 3 {
				t.Fatalf("label %d does not pass the filter", r.Label)
			}
		}
		if h := recallOf(got, want); h < 8 {
			t.Errorf("filtered recall %d/10", h)
		}
	}
	// A very selective filter: fewer than k labels match, all are found.
	mod := uint64(len(data)/7 + 1)
	match := func(l uint64) bool { return l%mod == 5 }
	nMatch := 0
	for i := range data {
		if match(uint64(i)) {
			nMatch++
		}
	}
	for _, q := range queries[:5] {
		got := x.Search(q, 10, 40, match)
		if len(got) != nMatch {
			t.Fatalf("got %d results, want all %d matching", len(got), nMatch)
		}
	}
	// Nothing matches: empty, after considering every node.
	if got := x.Search(queries[0], 10, 40, func(uint64) bool { return false }); len(got) != 0 {
		t.Fatalf("got %d results for a filter nothing passes", len(got))
	}
}

func TestMaxScan(t *testing.T) {
	data, queries := smallData(t, size(3000, 1500))
	x := buildIndex(t, Config{Dim: 32, Metric: L2, Seed: 2, MaxScan: 500}, data, 2)
	var calls int
	got := x.Search(queries[0], 10, 40, func(uint64) bool { calls++; return false })
	if len(got) != 0 || calls > 500 {
		t.Fatalf("got %d results after %d accept calls; want 0 after <= 500", len(got), calls)
	}
}

func TestDeleteNeverReturned(t *testing.T) {
	data, queries := smallData(t, size(4000, 2000))
	x := buildIndex(t, Config{Dim: 32, Metric: Cosine, Seed: 3, RepairFraction: -1}, data, 2)
	deleted := map[uint64]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	nDel := len(data) / 4
	for len(deleted) < nDel {
		l := uint64(r.IntN(len(data)))
		if !x.Delete(l) && !deleted[l] {
			t.Fatalf("Delete(%d) of a live label returned false", l)
		}
		deleted[l] = true
	}
	if x.Delete(uint64(len(data) + 5)) {
		t.Fatal("Delete of an unknown label returned true")
	}
	if x.Len() != len(data)-nDel {
		t.Fatalf("Len %d, want %d", x.Len(), len(data)-nDel)
	}
	check := func() {
		hits := 0
		for _, q := range queries {
			got := x.Search(q, 10, 40, nil)
			if len(got) != 10 {
				t.Fatalf("got %d results", len(got))
			}
			for _, r := range got {
				if deleted[r.Label] {
					t.Fatalf("deleted label %d returned", r.Label)
				}
			}
			hits += recallOf(got, truth(Cosine, data, func(i int) bool { return !deleted[uint64(i)] }, q, 10))
		}
		if rc := float64(hits) / float64(10*len(queries)); rc < 0.95 {
			t.Errorf("recall after deletes %.3f", rc)
		}
	}
	check()
	freed := x.Repair()
	if freed != nDel {
		t.Fatalf("Repair freed %d slots, want %d", freed, nDel)
	}
	check()
	// Reuse: re-adding the deleted labels takes the freed slots.
	before := x.nodes.Load()
	for l := range deleted {
		if err := x.Add(l, data[l]); err != nil {
			t.Fatal(err)
		}
	}
	if x.nodes.Load() != before {
		t.Fatalf("slots grew from %d to %d instead of reusing freed ones", before, x.nodes.Load())
	}
	clear(deleted)
	check()
}

func TestReplace(t *testing.T) {
	x, _ := New(Config{Dim: 2, Metric: L2})
	x.Add(1, []float32{0, 0})
	x.Add(2, []float32{10, 10})
	x.Add(1, []float32{20, 20}) // replaces label 1
	if x.Len() != 2 {
		t.Fatalf("Len %d, want 2", x.Len())
	}
	got := x.Search([]float32{0, 0}, 5, 10, nil)
	if len(got) != 2 || got[0].Label != 2 || got[1].Label != 1 {
		t.Fatalf("after replace: %v", got)
	}
	if math.Abs(float64(got[1].Dist)-math.Sqrt(800)) > 1e-4 {
		t.Fatalf("distance %v, want sqrt(800)", got[1].Dist)
	}
	if err := x.Add(3, []float32{1}); !errors.Is(err, ErrDim) {
		t.Fatalf("wrong dimension: %v", err)
	}
	if err := x.Add(3, []float32{float32(math.NaN()), 1}); !errors.Is(err, ErrNotFinite) {
		t.Fatalf("NaN: %v", err)
	}
	if x.Search([]float32{1, 2, 3}, 1, 10, nil) != nil {
		t.Fatal("wrong-dimension query answered")
	}
}

func TestDistances(t *testing.T) {
	a := []float32{1, 2, 3}
	b := []float32{-2, 0.5, 4}
	for _, m := range []Metric{L2, Cosine, InnerProduct, L1} {
		x, _ := New(Config{Dim: 3, Metric: m})
		x.Add(7, b)
		got := x.Search(a, 1, 10, nil)
		want := exactDist(m, a, b)
		if len(got) != 1 || math.Abs(float64(got[0].Dist)-want) > 1e-5 {
			t.Errorf("%s: got %v, want %v", m, got, want)
		}
	}
}

func TestCosineZeroVectors(t *testing.T) {
	x, _ := New(Config{Dim: 2, Metric: Cosine})
	x.Add(1, []float32{1, 0})
	x.Add(2, []float32{0, 0})
	if x.Len() != 2 || !x.Contains(2) {
		t.Fatalf("zero vector not remembered")
	}
	got := x.Search([]float32{1, 1}, 5, 10, nil)
	if len(got) != 1 || got[0].Label != 1 {
		t.Fatalf("zero vector indexed: %v", got)
	}
	got = x.Search([]float32{0, 0}, 5, 10, nil)
	if len(got) != 1 || !math.IsNaN(float64(got[0].Dist)) {
		t.Fatalf("zero query: %v", got)
	}
	x.Add(1, []float32{0, 0}) // a graph label becomes a zero vector
	if got := x.Search([]float32{1, 1}, 5, 10, nil); len(got) != 0 {
		t.Fatalf("replaced by zero vector, still found: %v", got)
	}
	if !x.Delete(2) || x.Len() != 1 {
		t.Fatalf("delete of a zero vector")
	}
}

func TestConcurrentAddSearchDelete(t *testing.T) {
	n := size(6000, 1500)
	data, queries := clustered(5, n, 50, 16, 20)
	x, _ := New(Config{Dim: 16, Metric: L2, Seed: 9, RepairFraction: 0.05})
	var writers, readers sync.WaitGroup
	var done atomic.Bool
	var deleted sync.Map
	for w := range 2 {
		writers.Add(1)
		go func() {
			defer writers.Done()
			for i := w; i < n; i += 2 {
				if err := x.Add(uint64(i), data[i]); err != nil {
					t.Error(err)
					return
				}
				if i%7 == 0 && i > 100 {
					l := uint64(i - 100)
					deleted.Store(l, true)
					x.Delete(l)
				}
			}
		}()
	}
	for w := range 2 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; !done.Load(); i++ {
				got := x.Search(queries[(i+w)%len(queries)], 10, 40, func(l uint64) bool { return l%2 == 0 })
				for j := 1; j < len(got); j++ {
					if got[j].Dist < got[j-1].Dist {
						t.Error("unsorted results")
						return
					}
				}
			}
		}()
	}
	var buf bytes.Buffer
	writers.Add(1)
	go func() { // a checkpoint in the middle of the inserts
		defer writers.Done()
		for x.Len() < n/3 {
			x.Search(queries[0], 1, 10, nil)
		}
		if _, err := x.WriteTo(&buf, 1); err != nil {
			t.Error(err)
		}
	}()
	writers.Wait()
	done.Store(true)
	readers.Wait()
	x.waitRepair()
	hits := 0
	for _, q := range queries {
		got := x.Search(q, 10, 64, nil)
		for _, r := range got {
			if _, ok := deleted.Load(r.Label); ok {
				t.Fatalf("deleted label %d returned", r.Label)
			}
		}
		hits += recallOf(got, truth(L2, data, func(i int) bool { _, d := deleted.Load(uint64(i)); return !d }, q, 10))
	}
	if rc := float64(hits) / float64(10*len(queries)); rc < 0.95 {
		t.Errorf("recall after concurrent build %.3f", rc)
	}
	if _, _, err := Read(bytes.NewReader(buf.Bytes())); err != nil {
		t.Errorf("checkpoint taken during inserts: %v", err)
	}
}

// Small tables updated over and over (every update a delete and an add)
// must keep every live row reachable: the top 5 distances equal the exact
// ones for every query.
func TestChurnKeepsEveryRowReachable(t *testing.T) {
	for _, frac := range []float64{-1, 0.1} {
		x, _ := New(Config{Dim: 3, Metric: L2, Seed: 1, RepairFraction: frac})
		r := rand.New(rand.NewPCG(4, 4))
		const rows = 20
		live := map[uint64][]float32{}
		for round := range 150 {
			for l := range uint64(rows) {
				if (round+int(l))%3 == 0 {
					continue
				}
				v := []float32{float32(r.IntN(9)), float32(r.IntN(9)), float32(l % 3)}
				if err := x.Add(l, v); err != nil {
					t.Fatal(err)
				}
				live[l] = v
			}
			if round%5 == 0 {
				x.Delete(uint64(round % rows))
				delete(live, uint64(round%rows))
			}
			for qi := range 10 {
				q := []float32{float32(qi), float32(9 - qi), 1}
				got := x.Search(q, 5, 10, nil)
				var ds []float64
				for _, v := range live {
					ds = append(ds, exactDist(L2, q, v))
				}
				slices.Sort(ds)
				if len(got) != min(5, len(ds)) {
					t.Fatalf("round %d: %d results", round, len(got))
				}
				for i, g := range got {
					// Within the error of the half-precision vectors.
					if math.Abs(float64(g.Dist)-ds[i]) > 1e-2 {
						t.Fatalf("repair %v round %d query %v: result %d at %v, exact %v", frac, round, q, i, g.Dist, ds[:5])
					}
				}
			}
		}
		x.waitRepair()
	}
}

// Deleting every row and adding new ones: the new rows are found.
func TestDeleteAllThenAdd(t *testing.T) {
	data, queries := smallData(t, 600)
	x := buildIndex(t, Config{Dim: 32, Metric: L2, Seed: 1, RepairFraction: -1}, data[:300], 1)
	for l := range uint64(300) {
		x.Delete(l)
	}
	for i := 300; i < 600; i++ {
		if err := x.Add(uint64(i), data[i]); err != nil {
			t.Fatal(err)
		}
	}
	check := func() {
		for _, q := range queries[:10] {
			want := truth(L2, data, func(i int) bool { return i >= 300 }, q, 10)
			got := x.Search(q, 10, 40, nil)
			if len(got) != 10 || recallOf(got, want) < 9 {
				t.Fatalf("got %v, want %v", got, want)
			}
		}
		if got := x.Search(queries[0], 300, 40, nil); len(got) != 300 {
			t.Fatalf("k=300: %d results", len(got))
		}
	}
	check()
	x.Repair()
	check()
}
