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
	// for Cosine, the negated dot product for InnerProduct, taxicab for L1;
	// computed from the stored half-precision vector, so it differs from
	// the exact distance by up to about 2^-11 of the vector's largest
	// element per dimension.
	Dist float32
}

// Search returns up to k live labels nearest to q in increasing distance.
//
// ef (raised to k when smaller) is the size of the dynamic candidate
// list, pgvector's hnsw.ef_search. accept, when not nil, filters labels;
// it is called at most once per label, only for labels that would enter
// the answer, and must not call back into the index's mutating methods.
//
// The best-first search on layer 0 ends when its frontier is farther than
// both the ef nearest nodes seen and the k-th accepted result, so a filter
// (or tombstones) widens it to the radius of the accepted answers.
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
	cur, curD := epID, x.distTo(q, epID)
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

	// top holds the ef nearest live nodes seen (as hnswlib does with
	// deleted elements), so tombstones widen the search instead of
	// filling its bound; res holds the k nearest accepted ones.
	offer := func(it item) {
		if len(res) >= k && it.d >= res[0].d {
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
	consider := func(it item) {
		dead := x.isDead(it.id)
		if len(top) < ef || it.d < top[0].d {
			cand.push(it)
			if !dead {
				top.push(it)
				if len(top) > ef {
					top.pop()
				}
			}
		} else if len(res) >= k && it.d < res[0].d {
			cand.push(it)
		} else {
			disc = append(disc, it)
		}
		if !dead {
			offer(it)
		}
	}

	s.vis.visit(ep.id)
	scanned++
	consider(ep)
	for {
		for len(cand) > 0 && scanned < limit {
			// Stop when the frontier is beyond the ef nearest live nodes
			// and beyond the k-th accepted result: with a filter the
			// accepted radius is the wider one.
			if c := cand[0].d; len(top) >= ef && c > top[0].d && (len(res) < k || c >= res[0].d) {
				break
			}
			c := cand.pop()
			if len(cand) > 0 {
				x.prefetchList0(cand[0].id)
			}
			lst := x.list(c.id, 0)
			n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
			ids := s.nbrs[:0]
			for i := 1; i <= n && scanned < limit; i++ {
				if nb := atomic.LoadUint32(&lst[i]); s.vis.visit(nb) {
					ids = append(ids, nb)
					scanned++
				}
			}
			x.prefetchIDs(ids)
			for _, nb := range ids {
				consider(item{x.distTo(q, nb), nb})
			}
			s.nbrs = ids
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
				offer(item{x.distTo(q, id), id})
			}
			break
		}
		// Resume with a larger bound, taking back what was set aside.
		ef *= 2
		for _, it := range disc {
			cand.push(it)
			if !x.isDead(it.id) {
				top.push(it)
				if len(top) > ef {
					top.pop()
				}
			}
		}
		disc = disc[:0]
	}
	s.cand, s.top, s.res, s.discarded = cand, top, res, disc
}
