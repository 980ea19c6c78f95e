package hnsw

import (
	"testing"
	"time"
)

func measureRecall(t *testing.T, x *Index, m Metric, data, queries [][]float32, k, ef int) float64 {
	t.Helper()
	hits := 0
	for _, q := range queries {
		want := truth(m, data, nil, q, k)
		got := x.Search(q, k, ef, nil)
		if len(got) != k {
			t.Fatalf("got %d results, want %d", len(got), k)
		}
		for i := 1; i < len(got); i++ {
			if got[i].Dist < got[i-1].Dist {
				t.Fatalf("results out of order: %v", got)
			}
		}
		hits += recallOf(got, want)
	}
	return float64(hits) / float64(k*len(queries))
}

func TestRecallClustered(t *testing.T) {
	// The recall figures come from the full size without the race
	// detector; under it (or -short) the same test runs on a smaller set.
	n, nq := size(20000, 1500), size(200, 50)
	data, queries := clustered(7, n, nq, 64, 100)
	for _, m := range []Metric{L2, Cosine, InnerProduct, L1} {
		t.Run(m.String(), func(t *testing.T) {
			start := time.Now()
			x := buildIndex(t, Config{Dim: 64, Metric: m, Seed: 1}, data, 2)
			build := time.Since(start)
			for _, ef := range []int{40, 100} {
				r := measureRecall(t, x, m, data, queries, 10, ef)
				t.Logf("%s n=%d build=%v ef=%d recall@10=%.4f", m, n, build.Round(time.Millisecond), ef, r)
				if ef == 100 && r < 0.95 {
					t.Errorf("recall@10 %.4f < 0.95 at ef %d", r, ef)
				}
			}
		})
	}
}

func TestBatchRecallMatchesSerial(t *testing.T) {
	n := size(10000, 1000)
	data, queries := clustered(11, n, 100, 48, 50)
	var rs [2]float64
	var ts [2]time.Duration
	for i, workers := range []int{1, 2} {
		start := time.Now()
		x := buildIndex(t, Config{Dim: 48, Metric: L2, Seed: 3}, data, workers)
		ts[i] = time.Since(start)
		rs[i] = measureRecall(t, x, L2, data, queries, 10, 40)
	}
	t.Logf("n=%d serial: %v recall %.4f; 2 workers: %v recall %.4f", n, ts[0], rs[0], ts[1], rs[1])
	if rs[1] < rs[0]-0.01 {
		t.Errorf("batch recall %.4f below serial %.4f", rs[1], rs[0])
	}
}
