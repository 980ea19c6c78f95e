package hnsw

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
)

// clustered returns n vectors of dim d around nc Gaussian centres, and nq
// queries drawn near random data points.
func clustered(seed uint64, n, nq, d, nc int) (data, queries [][]float32) {
	r := rand.New(rand.NewPCG(seed, 1))
	centres := make([][]float32, nc)
	for i := range centres {
		c := make([]float32, d)
		for j := range c {
			c[j] = float32(r.NormFloat64())
		}
		centres[i] = c
	}
	const spread = 0.35
	data = make([][]float32, n)
	for i := range data {
		c := centres[r.IntN(nc)]
		v := make([]float32, d)
		for j := range v {
			v[j] = c[j] + float32(r.NormFloat64()*spread)
		}
		data[i] = v
	}
	queries = make([][]float32, nq)
	for i := range queries {
		b := data[r.IntN(n)]
		v := make([]float32, d)
		for j := range v {
			v[j] = b[j] + float32(r.NormFloat64()*spread*0.5)
		}
		queries[i] = v
	}
	return data, queries
}

// exactDist is a float64 reference of the reported distances.
func exactDist(m Metric, a, b []float32) float64 {
	var s, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		switch m {
		case L2:
			s += (x - y) * (x - y)
		case L1:
			s += math.Abs(x - y)
		default:
			s += x * y
			na += x * x
			nb += y * y
		}
	}
	switch m {
	case L2:
		return math.Sqrt(s)
	case Cosine:
		return 1 - s/math.Sqrt(na*nb)
	case InnerProduct:
		return -s
	}
	return s
}

// truth returns the labels of the k exact nearest live vectors accepted by
// accept, labels being the indexes into data.
func truth(m Metric, data [][]float32, live func(int) bool, q []float32, k int) []uint64 {
	type p struct {
		d float64
		i int
	}
	ps := make([]p, 0, len(data))
	for i, v := range data {
		if live != nil && !live(i) {
			continue
		}
		ps = append(ps, p{exactDist(m, q, v), i})
	}
	sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
	out := make([]uint64, 0, k)
	for i := 0; i < k && i < len(ps); i++ {
		out = append(out, uint64(ps[i].i))
	}
	return out
}

func recallOf(got []Result, want []uint64) (hit int) {
	for _, r := range got {
		if slices.Contains(want, r.Label) {
			hit++
		}
	}
	return hit
}

func buildIndex(t testing.TB, cfg Config, data [][]float32, workers int) *Index {
	t.Helper()
	x, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	labels := make([]uint64, len(data))
	for i := range labels {
		labels[i] = uint64(i)
	}
	if workers == 1 {
		for i, v := range data {
			if err := x.Add(labels[i], v); err != nil {
				t.Fatal(err)
			}
		}
	} else if err := x.AddBatch(labels, data, workers); err != nil {
		t.Fatal(err)
	}
	return x
}

// size picks a data set size: full normally, small under -short or the
// race detector (which slows inserts about tenfold).
func size(full, small int) int {
	if testing.Short() || raceEnabled {
		return small
	}
	return full
}
