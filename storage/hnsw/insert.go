package hnsw

import (
	"cmp"
	"slices"
	"sync/atomic"
)

// insert writes slot id's data and links it into the graph at levels
// 0..level. alloc has handed the slot out dead; it becomes visible to
// searches only after its vector, label and empty lists are written.
// Caller holds mu.RLock.
func (x *Index) insert(s *searcher, id uint32, label uint64, level int, v []float32) {
	copy(x.vec(id), v)
	x.labels[id] = label
	x.levels[id] = uint8(level)
	for l := 0; l <= level; l++ {
		lst := x.list(id, l)
		for i := range lst {
			atomic.StoreUint32(&lst[i], 0)
		}
	}
	x.metaMu.Lock()
	if cur, ok := x.byLabel[label]; ok && cur == id {
		x.clearDead(id)
	}
	x.metaMu.Unlock()

	epID, epL, ok := x.entry()
	locked := false
	if !ok || level > epL {
		// A new top level: hold epMu for the whole insertion, as hnswlib
		// does, so two new top nodes do not race for the entry point.
		x.epMu.Lock()
		locked = true
		epID, epL, ok = x.entry()
		if !ok {
			x.setEntry(id, level)
			x.epMu.Unlock()
			return
		}
		if level <= epL {
			x.epMu.Unlock()
			locked = false
		}
	}
	cur, curD := epID, x.dist(v, x.vec(epID))
	for l := epL; l > level; l-- {
		cur, curD = x.greedy(v, cur, curD, l)
	}
	s.eps = append(s.eps[:0], item{curD, cur})
	for l := min(level, epL); l >= 0; l-- {
		// The ef nearest live nodes, found through dead ones too.
		w := x.searchLayer(s, v, s.eps, x.efc, l, id)
		// The paper's Algorithm 1: M new links on every level; a list
		// grows to its cap (2*M on level 0) through reverse links.
		mmax := x.m
		s.cands = append(s.cands[:0], w...)
		if len(w) > 0 {
			s.eps = append(s.eps[:0], w...)
		} else {
			// Only dead nodes are in reach: link to the nearest of them
			// (they keep routing until a repair reconnects around them)
			// rather than leave the new node unreachable. Those a
			// running repair is about to free are left out.
			rs := x.repairSet.Load()
			sortItems(s.dead)
			for _, c := range s.dead {
				if len(s.cands) == mmax {
					break
				}
				if rs == nil || !rs.has(c.id) {
					s.cands = append(s.cands, c)
				}
			}
			if len(s.cands) > 0 {
				s.eps = append(s.eps[:0], s.cands...)
			}
		}
		sel := x.selectNeighbors(s, s.cands, mmax)
		s.links = append(s.links[:0], sel...)
		x.setList(id, l, s.links)
		for _, n := range s.links {
			x.addLink(s, n.id, id, n.d, l)
		}
	}
	if locked {
		x.setEntry(id, level)
		x.epMu.Unlock()
	}
}

// setList replaces id's list at level l with items, under id's stripe lock.
func (x *Index) setList(id uint32, l int, items []item) {
	mu := &x.locks[id%stripes]
	mu.Lock()
	lst := x.list(id, l)
	for i, it := range items {
		atomic.StoreUint32(&lst[1+i], it.id)
	}
	atomic.StoreUint32(&lst[0], uint32(len(items)))
	mu.Unlock()
}

// addLink adds q (at distance dq) to n's list at level l; a full list is
// re-selected with the heuristic over its live members and q.
func (x *Index) addLink(s *searcher, n, q uint32, dq float32, l int) {
	mmax := x.m
	if l == 0 {
		mmax = x.m0
	}
	mu := &x.locks[n%stripes]
	mu.Lock()
	defer mu.Unlock()
	lst := x.list(n, l)
	c := int(lst[0])
	for i := 1; i <= c; i++ {
		if lst[i] == q {
			return
		}
	}
	if c < mmax {
		atomic.StoreUint32(&lst[1+c], q)
		atomic.StoreUint32(&lst[0], uint32(c+1))
		return
	}
	nv := x.vec(n)
	cands := append(s.cands[:0], item{dq, q})
	for i := 1; i <= c; i++ {
		e := lst[i]
		if x.isDead(e) {
			continue
		}
		cands = append(cands, item{x.dist(nv, x.vec(e)), e})
	}
	s.cands = cands
	sortItems(cands)
	sel := x.selectNeighbors(s, cands, mmax)
	for i, it := range sel {
		atomic.StoreUint32(&lst[1+i], it.id)
	}
	atomic.StoreUint32(&lst[0], uint32(len(sel)))
}

func sortItems(s []item) {
	if len(s) <= 40 {
		for i := 1; i < len(s); i++ {
			it := s[i]
			j := i
			for j > 0 && s[j-1].d > it.d {
				s[j] = s[j-1]
				j--
			}
			s[j] = it
		}
		return
	}
	slices.SortFunc(s, func(a, b item) int { return cmp.Compare(a.d, b.d) })
}

// selectNeighbors is the HNSW paper's Algorithm 4 with
// keepPrunedConnections and without extendCandidates: cands, sorted by
// distance to the base, are taken in order when closer to the base than to
// every one already taken; pruned ones fill the remaining places.
// The result aliases s.sel.
func (x *Index) selectNeighbors(s *searcher, cands []item, m int) []item {
	if len(cands) <= m {
		s.sel = append(s.sel[:0], cands...)
		return s.sel
	}
	sel := s.sel[:0]
	pruned := s.pruned[:0]
	for _, c := range cands {
		if len(sel) >= m {
			break
		}
		cv := x.vec(c.id)
		good := true
		for _, r := range sel {
			if x.dist(cv, x.vec(r.id)) < c.d {
				good = false
				break
			}
		}
		if good {
			sel = append(sel, c)
		} else {
			pruned = append(pruned, c)
		}
	}
	for _, p := range pruned {
		if len(sel) >= m {
			break
		}
		sel = append(sel, p)
	}
	s.sel, s.pruned = sel, pruned
	return sel
}

// greedy walks level l from cur to a local minimum of the distance to q.
func (x *Index) greedy(q []float32, cur uint32, curD float32, l int) (uint32, float32) {
	for changed := true; changed; {
		changed = false
		lst := x.list(cur, l)
		n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		for i := 1; i <= n; i++ {
			nb := atomic.LoadUint32(&lst[i])
			if d := x.dist(q, x.vec(nb)); d < curD {
				cur, curD, changed = nb, d, true
			}
		}
	}
	return cur, curD
}

// searchLayer is the paper's Algorithm 2 on level l from eps, returning
// up to ef nearest live nodes other than self, sorted by distance, in
// s.sorted. Dead nodes are traversed but not returned; the dead ones
// visited within the search's bound are left in s.dead.
func (x *Index) searchLayer(s *searcher, q []float32, eps []item, ef, l int, self uint32) []item {
	s.vis.reset(x.capN)
	s.vis.visit(self)
	cand, top, dead := s.cand[:0], s.top[:0], s.dead[:0]
	consider := func(it item) {
		if x.isDead(it.id) {
			if len(top) < ef || it.d < top[0].d {
				cand.push(it)
				dead = append(dead, it)
			}
			return
		}
		if len(top) < ef || it.d < top[0].d {
			cand.push(it)
			top.push(it)
			if len(top) > ef {
				top.pop()
			}
		}
	}
	for _, e := range eps {
		if s.vis.visit(e.id) {
			consider(e)
		}
	}
	for len(cand) > 0 {
		if len(top) >= ef && cand[0].d > top[0].d {
			break
		}
		c := cand.pop()
		lst := x.list(c.id, l)
		n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		for i := 1; i <= n; i++ {
			nb := atomic.LoadUint32(&lst[i])
			if s.vis.visit(nb) {
				consider(item{x.dist(q, x.vec(nb)), nb})
			}
		}
	}
	out := s.sorted[:0]
	for len(top) > 0 {
		out = append(out, top.pop())
	}
	slices.Reverse(out)
	s.cand, s.top, s.sorted, s.dead = cand, top, out, dead
	return out
}
