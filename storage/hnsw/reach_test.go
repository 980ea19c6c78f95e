package hnsw

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// unreachableFromUpper returns the number of (upper-level node, live node)
// pairs where the node cannot be reached on level 0 from the upper-level
// node: a search descends to some node of level 1 or more and walks level
// 0 from there.
func unreachableFromUpper(x *Index) int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := int(x.nodes.Load())
	seen := make([]uint32, n)
	var queue []uint32
	bad := 0
	for start := uint32(0); int(start) < n; start++ {
		if x.levels[start] == 0 || x.isDead(start) {
			continue
		}
		gen := start + 1
		seen[start] = gen
		queue = append(queue[:0], start)
		reached := 1
		for len(queue) > 0 {
			id := queue[len(queue)-1]
			queue = queue[:len(queue)-1]
			lst := x.list(id, 0)
			for _, nb := range lst[1 : 1+lst[0]] {
				if seen[nb] != gen {
					seen[nb] = gen
					queue = append(queue, nb)
					reached++
				}
			}
		}
		bad += n - reached
	}
	return bad
}

// unreachable returns the live nodes that cannot be reached from the entry
// point by following links, on every level (all) and on level 0 alone
// (base), which is what a search walks after its greedy descent.
func unreachable(x *Index) (all, base []uint32) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	n := int(x.nodes.Load())
	epID, _, ok := x.entry()
	if !ok {
		for id := uint32(0); int(id) < n; id++ {
			if !x.isDead(id) {
				all = append(all, id)
			}
		}
		return all, all
	}
	bfs := func(levels bool) []uint32 {
		seen := make([]bool, n)
		seen[epID] = true
		queue := []uint32{epID}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			top := 0
			if levels {
				top = int(x.levels[id])
			}
			for l := 0; l <= top; l++ {
				lst := x.list(id, l)
				for _, nb := range lst[1 : 1+lst[0]] {
					if !seen[nb] {
						seen[nb] = true
						queue = append(queue, nb)
					}
				}
			}
		}
		var out []uint32
		for id := uint32(0); int(id) < n; id++ {
			if !seen[id] && !x.isDead(id) {
				out = append(out, id)
			}
		}
		return out
	}
	return bfs(true), bfs(false)
}

// randomData returns n uniform vectors of dim d in [-1, 1).
func randomData(seed uint64, n, d int) [][]float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	out := make([][]float32, n)
	for i := range out {
		v := make([]float32, d)
		for j := range v {
			v[j] = float32(r.Float64()*2 - 1)
		}
		out[i] = v
	}
	return out
}

// Every live node of a freshly built graph, serial or parallel, is
// reachable from the entry point on level 0 (and so over all levels).
//
// The inner product is not a metric: a node of small norm is no one's
// near neighbour, and a few such nodes can end up linked only from one
// another (each keeps one incoming link, from the other). It is checked
// apart, in 8 and more dimensions, for a small share.
func TestEveryNodeReachable(t *testing.T) {
	type tc struct {
		n, d, m, workers int
		metric           Metric
		clustered        bool
	}
	var cases []tc
	r := rand.New(rand.NewPCG(42, 42))
	sizes := []int{50, 200, 500, 2000}
	runs := size(48, 12)
	for i := range runs {
		c := tc{
			n:         sizes[i%len(sizes)],
			d:         2 + r.IntN(15),
			m:         4 + r.IntN(13),
			workers:   1 + i%4,
			metric:    []Metric{L2, Cosine, L1}[r.IntN(3)],
			clustered: i%3 == 0,
		}
		if raceEnabled && c.n > 300 {
			c.n = 300
		}
		cases = append(cases, c)
	}
	// The case first seen failing: 200 uniform 8-d vectors, 2 workers.
	for seed := range size(40, 6) {
		cases = append(cases, tc{n: 200, d: 8, m: DefaultM, workers: 2, metric: L2, clustered: seed < 0})
	}
	for i, c := range cases {
		name := fmt.Sprintf("%d/n=%d/d=%d/m=%d/w=%d/%s", i, c.n, c.d, c.m, c.workers, c.metric)
		var data [][]float32
		if c.clustered {
			data, _ = clustered(uint64(i), c.n, 1, c.d, 1+c.n/50)
		} else {
			data = randomData(uint64(i), c.n, c.d)
		}
		x := buildIndex(t, Config{Dim: c.d, Metric: c.metric, M: c.m, EfConstruction: 4 * c.m, Seed: int64(i)}, data, c.workers)
		all, base := unreachable(x)
		if len(all) > 0 || len(base) > 0 {
			t.Errorf("%s: %d nodes unreachable over all levels (%v), %d on level 0", name, len(all), all[:min(len(all), 10)], len(base))
		}
		if u := unreachableFromUpper(x); u > 0 {
			t.Errorf("%s: %d nodes unreachable on level 0 from nodes of upper levels", name, u)
		}
	}
}

func TestInnerProductReachable(t *testing.T) {
	total, lost := 0, 0
	for i := range size(12, 4) {
		n, d := size(2000, 400), 8+i%3*4
		data := randomData(uint64(100+i), n, d)
		x := buildIndex(t, Config{Dim: d, Metric: InnerProduct, M: 4 + i, EfConstruction: 40, Seed: int64(i)}, data, 1+i%3)
		_, base := unreachable(x)
		total += n
		lost += len(base)
	}
	t.Logf("inner product: %d of %d nodes unreachable on level 0", lost, total)
	if lost*1000 > total {
		t.Errorf("inner product: %d of %d nodes unreachable on level 0", lost, total)
	}
}
