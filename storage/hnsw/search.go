package hnsw

import (
	"math"
	"sync/atomic"

	"github.com/akidb/akidb/storage/vec"
)

// Result is one answer of Search.
type Result struct {
	Label uint64
	// Dist is the distance as SQL reports it: Euclidean for L2, 1 - cos
	// for Cosine, the negated dot product for InnerProduct, taxicab for L1.
	Dist float32
}

// Search returns up to k live labels nearest to q in increasing distance.
//
// ef (raised to k when smaller) is the size of the dynamic candidate
// list, pgvector's hnsw.ef_search. accept, when not nil, filters labels;
// it is called at most once per label, only for labels that would enter
// the answer, and must not call back into the index's mutating methods.
//
// The search is iterative, like pgvector's hnsw.iterative_scan: when the
// ef-bounded best-first search ends with fewer than k accepted results, it
// doubles ef and resumes from the candidates it had kept (the frontier and
// those it had set aside as too far), so no node is visited twice. It
// stops when k are accepted, when Config.MaxScan nodes were visited, or
// when the graph is exhausted; in the last case the nodes the graph did
// not reach are scanned too, so with no MaxScan every accepted label can
// be found. A query of the wrong dimension returns nil. Under the cosine
// metric a zero query has no defined distance: results come in graph
// order with Dist NaN, as pgvector's are.
func (x *Index) Search(q []float32, k, ef int, accept func(label uint64) bool) []Result {
	if k <= 0 || len(q) != x.dim {
		return nil
	}
	ef = max(ef, k)
	s := x.getSearcher()
	defer x.pool.Put(s)
	nan := false
	if x.metric == Cosine {
		if isZero(q) {
			nan = true
			copy(s.q, q)
		} else {
			vec.Normalize(s.q, q)
		}
		q = s.q
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	epID, epL, ok := x.entry()
	if !ok {
		return nil
	}
	cur, curD := epID, x.dist(q, x.vec(epID))
	for l := epL; l > 0; l-- {
		cur, curD = x.greedy(q, cur, curD, l)
	}
	x.searchBase(s, q, item{curD, cur}, k, ef, accept)
	out := make([]Result, len(s.res))
	for i := len(out) - 1; i >= 0; i-- {
		it := s.res.pop()
		d := x.external(it.d)
		if nan {
			d = float32(math.NaN())
		}
		out[i] = Result{Label: x.labels[it.id], Dist: d}
	}
	return out
}

// searchBase runs the iterative filtered search on layer 0, leaving the
// accepted results in s.res (a max-heap of at most k).
func (x *Index) searchBase(s *searcher, q []float32, ep item, k, ef int, accept func(uint64) bool) {
	s.vis.reset(x.capN)
	cand, top, res, disc := s.cand[:0], s.top[:0], s.res[:0], s.discarded[:0]
	scanned := 0
	limit := x.maxScan
	if limit <= 0 {
		limit = math.MaxInt
	}

	offer := func(it item) {
		if len(res) >= k && it.d >= res[0].d {
			return
		}
		if x.isDead(it.id) {
			return
		}
		if accept != nil && !accept(x.labels[it.id]) {
			return
		}
		res.push(it)
		if len(res) > k {
			res.pop()
		}
	}

	s.vis.visit(ep.id)
	scanned++
	cand.push(ep)
	top.push(ep)
	offer(ep)
	for {
		for len(cand) > 0 && scanned < limit {
			if len(top) >= ef && cand[0].d > top[0].d {
				break
			}
			c := cand.pop()
			lst := x.list(c.id, 0)
			n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
			for i := 1; i <= n && scanned < limit; i++ {
				nb := atomic.LoadUint32(&lst[i])
				if !s.vis.visit(nb) {
					continue
				}
				scanned++
				it := item{x.dist(q, x.vec(nb)), nb}
				if len(top) < ef || it.d < top[0].d {
					cand.push(it)
					top.push(it)
					if len(top) > ef {
						top.pop()
					}
				} else {
					disc = append(disc, it)
				}
				offer(it)
			}
		}
		if len(res) >= k || scanned >= limit {
			break
		}
		if len(cand) == 0 && len(disc) == 0 {
			// The graph reachable from the entry point is exhausted:
			// consider the nodes it did not reach.
			n := int(x.nodes.Load())
			for id := uint32(0); int(id) < n && scanned < limit; id++ {
				if !s.vis.visit(id) || x.isDead(id) {
					continue
				}
				scanned++
				offer(item{x.dist(q, x.vec(id)), id})
			}
			break
		}
		// Resume with a larger bound, taking back what was set aside.
		ef *= 2
		for _, it := range disc {
			cand.push(it)
			top.push(it)
			if len(top) > ef {
				top.pop()
			}
		}
		disc = disc[:0]
	}
	s.cand, s.top, s.res, s.discarded = cand, top, res, disc
}
