package hnsw

import (
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/akidb/akidb/storage/vec"
)

type benchSet struct {
	x       *Index
	data    [][]float32
	queries [][]float32
	truth   [][]uint64
	build   time.Duration
}

var (
	benchMu   sync.Mutex
	benchSets = map[string]*benchSet{}
)

// benchIndex builds (once per process) a cosine index over clustered data
// with exact top-10 ground truth for its queries.
func benchIndex(b *testing.B, n, d int) *benchSet {
	benchMu.Lock()
	defer benchMu.Unlock()
	key := fmt.Sprint(n, "x", d)
	if s := benchSets[key]; s != nil {
		return s
	}
	b.StopTimer()
	defer b.StartTimer()
	data, queries := clustered(uint64(n+d), n, 200, d, 100)
	start := time.Now()
	x := buildIndex(b, Config{Dim: d, Metric: Cosine, Seed: 1}, data, 2)
	s := &benchSet{x: x, data: data, queries: queries, build: time.Since(start)}
	norm := make([][]float32, n)
	for i, v := range data {
		norm[i] = make([]float32, d)
		vec.Normalize(norm[i], v)
	}
	type p struct {
		d float32
		i int
	}
	ps := make([]p, n)
	qn := make([]float32, d)
	for _, q := range queries {
		vec.Normalize(qn, q)
		for i, v := range norm {
			ps[i] = p{-vec.Dot(qn, v), i}
		}
		sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
		t := make([]uint64, 10)
		for i := range t {
			t[i] = uint64(ps[i].i)
		}
		s.truth = append(s.truth, t)
	}
	benchSets[key] = s
	return s
}

func BenchmarkSearch(b *testing.B) {
	for _, c := range []struct{ n, d int }{{20000, 128}, {100000, 128}, {20000, 512}, {100000, 512}} {
		for _, ef := range []int{40, 100} {
			b.Run(fmt.Sprintf("n=%d/dim=%d/ef=%d", c.n, c.d, ef), func(b *testing.B) {
				s := benchIndex(b, c.n, c.d)
				hits := 0
				for i, q := range s.queries {
					hits += recallOf(s.x.Search(q, 10, ef, nil), s.truth[i])
				}
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; b.Loop(); i++ {
					s.x.Search(s.queries[i%len(s.queries)], 10, ef, nil)
				}
				b.ReportMetric(float64(hits)/float64(10*len(s.queries)), "recall@10")
				b.ReportMetric(s.build.Seconds(), "build-s")
			})
		}
	}
}

func BenchmarkSearchFiltered(b *testing.B) {
	s := benchIndex(b, 20000, 128)
	for _, mod := range []uint64{2, 10, 100} {
		b.Run(fmt.Sprintf("pass=1in%d", mod), func(b *testing.B) {
			accept := func(l uint64) bool { return l%mod == 0 }
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if len(s.x.Search(s.queries[i%len(s.queries)], 10, 40, accept)) != 10 {
					b.Fatal("short answer")
				}
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	for _, d := range []int{128, 512} {
		data, _ := clustered(uint64(d), 20000, 1, d, 100)
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("dim=%d/workers=%d", d, workers), func(b *testing.B) {
				// Each op inserts one vector; the index restarts every len(data).
				var x *Index
				labels := make([]uint64, 0, len(data))
				vs := make([][]float32, 0, len(data))
				flush := func() {
					if len(vs) > 0 {
						if err := x.AddBatch(labels, vs, workers); err != nil {
							b.Fatal(err)
						}
						labels, vs = labels[:0], vs[:0]
					}
				}
				for i := 0; b.Loop(); i++ {
					j := i % len(data)
					if j == 0 {
						if x != nil {
							flush()
						}
						x, _ = New(Config{Dim: d, Metric: Cosine, Seed: 1})
					}
					labels = append(labels, uint64(j))
					vs = append(vs, data[j])
					if len(vs) == 1000 {
						flush()
					}
				}
				flush()
			})
		}
	}
}
