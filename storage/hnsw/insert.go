package hnsw

import (
	"cmp"
	"math"
	"slices"
	"sync/atomic"
)

// insert writes slot id's data and links it into the graph at levels
// 0..level. alloc has handed the slot out dead; it becomes visible to
// searches only after its vector, label and empty lists are written.
// Caller holds mu.RLock.
func (x *Index) insert(s *searcher, id uint32, label uint64, level int, v []float32) {
	x.setVec(id, v)
	x.labels[id] = label
	x.levels[id] = uint8(level)
	atomic.StoreUint32(&x.in0[id], 0)
	x.heur0[id] = 0
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
	cur, curD := epID, x.distTo(v, epID)
	for l := epL; l > level; l-- {
		cur, curD = x.greedy(v, cur, curD, l)
	}
	// Choose the neighbours of every level top-down (each level's search
	// starts from the one above), then publish bottom-up: the node's list
	// on a level is written before any other node links to it there, and
	// the node becomes reachable on level l only once its lists on the
	// levels below are written. Publishing top-down would let a concurrent
	// insert descend onto it while its level-0 list is still empty, find
	// only it, link only to it, and then lose that node's back-link when
	// the list was written over.
	top := min(level, epL)
	s.eps = append(s.eps[:0], item{curD, cur})
	for l := top; l >= 0; l-- {
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
		s.links[l] = append(s.links[l][:0], sel...)
	}
	for l := 0; l <= top; l++ {
		x.setList(id, l, s.links[l])
		for _, n := range s.links[l] {
			x.addLink(s, n.id, id, n.d, l)
		}
		if l == 0 && atomic.LoadUint32(&x.in0[id]) == 0 {
			// Every neighbour's re-selection dropped the new node:
			// link it from the nearest node that can take it.
			x.linkInto(s.eps, id)
		}
	}
	if locked {
		x.setEntry(id, level)
		x.epMu.Unlock()
	}
}

// setList writes id's list at level l, under id's stripe lock. The list is
// empty: nothing links to id on level l before this.
func (x *Index) setList(id uint32, l int, items []item) {
	mu := &x.locks[id%stripes]
	mu.Lock()
	lst := x.list(id, l)
	for i, it := range items {
		atomic.StoreUint32(&lst[1+i], it.id)
		if l == 0 {
			atomic.AddUint32(&x.in0[it.id], 1)
		}
	}
	atomic.StoreUint32(&lst[0], uint32(len(items)))
	mu.Unlock()
}

// addLink adds q (at distance dq) to n's list at level l. A full list is
// re-selected with the heuristic over its live members and q (the paper's
// Algorithm 4 with keepPrunedConnections: with cap+1 candidates it drops
// the farthest pruned one, or the farthest if none is pruned); on level 0
// a member whose last incoming link that would be is kept (see release).
func (x *Index) addLink(s *searcher, n, q uint32, dq float32, l int) {
	if l == 0 && x.m0 <= maxHeurBits {
		x.addLink0(s, n, q, dq)
		return
	}
	mmax := x.m
	if l == 0 {
		mmax = x.m0
	}
	mu := &x.locks[n%stripes]
	mu.Lock()
	lst := x.list(n, l)
	c := int(lst[0])
	for i := 1; i <= c; i++ {
		if lst[i] == q {
			mu.Unlock()
			return
		}
	}
	if c < mmax {
		atomic.StoreUint32(&lst[1+c], q)
		atomic.StoreUint32(&lst[0], uint32(c+1))
		if l == 0 {
			atomic.AddUint32(&x.in0[q], 1)
		}
		mu.Unlock()
		return
	}
	nv := x.decode(s.nv, n)
	x.prefetchIDs(lst[1 : 1+c])
	cands := append(s.cands[:0], item{dq, q})
	for i := 1; i <= c; i++ {
		e := lst[i]
		if x.isDead(e) {
			continue
		}
		cands = append(cands, item{x.distTo(nv, e), e})
	}
	s.cands = cands
	sortItems(cands)
	sel := x.selectNeighbors(s, cands, mmax)
	if l == 0 {
		s.orphans = s.orphans[:0]
		sel = x.keepIncoming(s, lst[1:1+c], sel)
	}
	for i, it := range sel {
		atomic.StoreUint32(&lst[1+i], it.id)
	}
	atomic.StoreUint32(&lst[0], uint32(len(sel)))
	mu.Unlock()
	if l == 0 {
		x.adoptOrphans(s)
	}
}

// maxHeurBits is the largest level-0 cap whose heuristic state fits in
// heur0 (bit heurValid is the flag).

const (
	maxHeurBits = 63
	heurValid   = 1 << 63
)

// addLink0 is addLink on level 0, keeping the heuristic's verdicts with
// the list so that the next re-selection costs a few distances instead of
// one per pair of members. heur0[n], when heurValid is set, says that n's
// list is full, ordered by distance to n, and that bit i is set when
// member i is pruned by the heuristic: some nearer unpruned member is
// closer to it than n is. Adding q changes only the verdicts after q's
// place, and only if q is not pruned itself; dropping a pruned member or
// the farthest one changes none. The result is the one the full
// re-selection gives. Any other change to the list clears heur0[n].
func (x *Index) addLink0(s *searcher, n, q uint32, dq float32) {
	mu := &x.locks[n%stripes]
	mu.Lock()
	lst := x.list(n, 0)
	c := int(lst[0])
	if slices.Contains(lst[1:1+c], q) {
		mu.Unlock()
		return
	}
	if c < x.m0 {
		atomic.StoreUint32(&lst[1+c], q)
		atomic.StoreUint32(&lst[0], uint32(c+1))
		atomic.AddUint32(&x.in0[q], 1)
		x.heur0[n] = 0
		mu.Unlock()
		return
	}
	s.orphans = s.orphans[:0]
	nv := x.decode(s.nv, n)
	h := x.heur0[n]
	valid := h&heurValid != 0
	if !valid {
		// Every member's distance is needed.
		x.prefetchIDs(lst[1 : 1+c])
	}
	cands, pr := s.cands[:0], s.pruned0[:0]
	for i := 1; i <= c; i++ {
		e := lst[i]
		if x.isDead(e) {
			atomic.AddUint32(&x.in0[e], ^uint32(0))
			valid = false
			continue
		}
		cands = append(cands, item{unknown, e})
		pr = append(pr, h>>(i-1)&1 != 0)
	}
	// d returns member i's distance to n, computed when first needed: a
	// list in order needs few of them.
	d := func(i int) float32 {
		if cands[i].d != cands[i].d {
			cands[i].d = x.distTo(nv, cands[i].id)
		}
		return cands[i].d
	}
	if !valid {
		for i := range cands {
			d(i)
		}
		sortItems(cands)
	}
	// Put q in its place.
	k, hi := 0, len(cands)
	for k < hi {
		if mid := (k + hi) / 2; d(mid) > dq {
			hi = mid
		} else {
			k = mid + 1
		}
	}
	cands = slices.Insert(cands, k, item{dq, q})
	pr = slices.Insert(pr, k, false)
	if !valid {
		x.judge(s, cands, pr, 0)
	} else {
		// q's verdict, then those after it if q prunes.
		qv := x.decode(s.qv, q)
		for i := 0; i < k && !pr[k]; i++ {
			pr[k] = !pr[i] && x.distTo(qv, cands[i].id) < dq
		}
		if !pr[k] {
			for j := k + 1; j < len(cands); j++ {
				if !pr[j] && x.distTo(qv, cands[j].id) < d(j) {
					// A verdict changed: judge the rest afresh.
					pr[j] = true
					for i := j + 1; i < len(cands); i++ {
						d(i)
					}
					x.judge(s, cands, pr, j+1)
					break
				}
			}
		}
	}
	s.cands, s.pruned0 = cands, pr
	exact := true
	if len(cands) > x.m0 {
		// Drop the farthest pruned member, else the farthest; a member
		// that cannot spare the link is passed over.
		drop := -1
		for j := len(cands) - 1; j >= 0 && drop < 0; j-- {
			if pr[j] && x.canDrop(cands[j].id, q) {
				drop = j
			}
		}
		for j := len(cands) - 1; j >= 0 && drop < 0; j-- {
			if !pr[j] && x.canDrop(cands[j].id, q) {
				drop = j
				if j != len(cands)-1 {
					exact = false // later verdicts may change
				}
			}
		}
		if drop < 0 {
			// Every member's only link: drop the farthest all the same
			// and link it from elsewhere afterwards.
			drop = len(cands) - 1
			if id := cands[drop].id; id != q {
				atomic.AddUint32(&x.in0[id], ^uint32(0))
				s.orphans = append(s.orphans, id)
			}
		}
		cands = slices.Delete(cands, drop, drop+1)
		pr = slices.Delete(pr, drop, drop+1)
	}
	h = 0
	kept := false
	for i, it := range cands {
		atomic.StoreUint32(&lst[1+i], it.id)
		kept = kept || it.id == q
		if pr[i] {
			h |= 1 << i
		}
	}
	atomic.StoreUint32(&lst[0], uint32(len(cands)))
	if exact && len(cands) == x.m0 {
		h |= heurValid
	}
	x.heur0[n] = h
	if kept {
		atomic.AddUint32(&x.in0[q], 1)
	}
	mu.Unlock()
	if len(s.orphans) > 0 {
		x.adoptOrphans(s)
	}
}

// unknown marks a distance not computed yet.
var unknown = float32(math.NaN())

// judge sets pr[j] for j >= from: cands[j] (sorted by distance to the
// list's node) is pruned when an earlier unpruned candidate is closer to
// it than the node is.
func (x *Index) judge(s *searcher, cands []item, pr []bool, from int) {
	for j := from; j < len(cands); j++ {
		cv := x.decode(s.cv, cands[j].id)
		pr[j] = false
		for i := 0; i < j; i++ {
			if !pr[i] && x.distTo(cv, cands[i].id) < cands[j].d {
				pr[j] = true
				break
			}
		}
	}
}

// canDrop reports whether id can leave a level-0 list, taking its link
// from the count if so. The newcomer q is not counted yet.
func (x *Index) canDrop(id, q uint32) bool {
	return id == q || x.release(id)
}

// adoptOrphans links each node in s.orphans that still has no incoming
// level-0 link from the nearest of its own neighbours that can take it.
// Caller holds mu.RLock and no stripe lock.
func (x *Index) adoptOrphans(s *searcher) {
	for _, e := range s.orphans {
		if atomic.LoadUint32(&x.in0[e]) > 0 || x.isDead(e) {
			continue
		}
		lst := x.list(e, 0)
		n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		ev := x.decode(s.ov, e)
		s.sel = s.sel[:0]
		for i := 1; i <= n; i++ {
			nb := atomic.LoadUint32(&lst[i])
			s.sel = append(s.sel, item{x.distTo(ev, nb), nb})
		}
		sortItems(s.sel)
		x.linkInto(s.sel, e)
	}
	s.orphans = s.orphans[:0]
}

// release drops one level-0 link into id from the count, unless it is the
// last one. The caller holds the lock of the list that loses the link.
func (x *Index) release(id uint32) bool {
	p := &x.in0[id]
	for {
		c := atomic.LoadUint32(p)
		if c <= 1 {
			return false
		}
		if atomic.CompareAndSwapUint32(p, c, c-1) {
			return true
		}
	}
}

// keepIncoming turns a level-0 list re-selection from old to sel into one
// that drops no live node's last incoming link, and updates the in-link
// counts. A live node that would lose its last link takes the place of the
// last selected node that can spare one (the heuristic's weakest choice),
// or of a newcomer that is linked elsewhere; only when none can is it
// dropped. The caller holds the list's lock; sel may be changed in place.
//
// The heuristic alone can drop a node from every list that names it (a
// node close to two nodes that are close to each other is pruned from
// both), leaving it unreachable; with the inner product, whose nodes of
// small norm are no one's nearest, that happens to many.
func (x *Index) keepIncoming(s *searcher, old []uint32, sel []item) []item {
	s.vis.reset(x.capN)
	for _, it := range sel {
		s.vis.visit(it.id)
	}
	for _, e := range old {
		if s.vis.has(e) {
			continue
		}
		if x.isDead(e) {
			atomic.AddUint32(&x.in0[e], ^uint32(0))
			continue
		}
		if x.release(e) {
			continue
		}
		kept := false
		for j := len(sel) - 1; j >= 0 && !kept; j-- {
			r := sel[j].id
			if slices.Contains(old, r) {
				kept = x.release(r)
			} else {
				kept = atomic.LoadUint32(&x.in0[r]) > 0
			}
			if kept {
				sel[j] = item{id: e}
			}
		}
		if !kept {
			atomic.AddUint32(&x.in0[e], ^uint32(0))
			s.orphans = append(s.orphans, e)
		}
	}
	s.vis.reset(x.capN)
	for _, e := range old {
		s.vis.visit(e)
	}
	for _, it := range sel {
		if !s.vis.has(it.id) {
			atomic.AddUint32(&x.in0[it.id], 1)
		}
	}
	return sel
}

// linkInto gives q a level-0 incoming link from the first of nbrs (nearest
// first) that can take it: appended to a list with room, or in place of a
// member that keeps another incoming link. It reports whether q is linked
// from one of them. Caller holds mu.RLock.
func (x *Index) linkInto(nbrs []item, q uint32) bool {
	for _, nb := range nbrs {
		n := nb.id
		if x.isDead(n) {
			continue
		}
		mu := &x.locks[n%stripes]
		mu.Lock()
		lst := x.list(n, 0)
		c := int(lst[0])
		if slices.Contains(lst[1:1+c], q) {
			mu.Unlock()
			return true
		}
		at := 0
		if c < x.m0 {
			atomic.StoreUint32(&lst[c+1], q)
			atomic.StoreUint32(&lst[0], uint32(c+1))
			at = c + 1
		} else {
			for j := c; j >= 1 && at == 0; j-- {
				if r := lst[j]; x.isDead(r) {
					atomic.AddUint32(&x.in0[r], ^uint32(0))
					at = j
				} else if x.release(r) {
					at = j
				}
			}
		}
		if at > 0 {
			atomic.StoreUint32(&lst[at], q)
			atomic.AddUint32(&x.in0[q], 1)
			x.heur0[n] = 0
		}
		mu.Unlock()
		if at > 0 {
			return true
		}
	}
	return false
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
		cv := x.decode(s.cv, c.id)
		good := true
		for _, r := range sel {
			if x.distTo(cv, r.id) < c.d {
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
	var buf [maxM + 1]uint32
	for changed := true; changed; {
		changed = false
		lst := x.list(cur, l)
		n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		ids := buf[:0]
		for i := 1; i <= n; i++ {
			ids = append(ids, atomic.LoadUint32(&lst[i]))
		}
		x.prefetchIDs(ids)
		for _, nb := range ids {
			if d := x.distTo(q, nb); d < curD {
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
		if l == 0 && len(cand) > 0 {
			x.prefetchList0(cand[0].id)
		}
		lst := x.list(c.id, l)
		n := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
		ids := s.nbrs[:0]
		for i := 1; i <= n; i++ {
			if nb := atomic.LoadUint32(&lst[i]); s.vis.visit(nb) {
				ids = append(ids, nb)
			}
		}
		x.prefetchIDs(ids)
		for _, nb := range ids {
			consider(item{x.distTo(q, nb), nb})
		}
		s.nbrs = ids
	}
	out := s.sorted[:0]
	for len(top) > 0 {
		out = append(out, top.pop())
	}
	slices.Reverse(out)
	s.cand, s.top, s.sorted, s.dead = cand, top, out, dead
	return out
}

// connect makes every live node reachable on level 0 from the entry
// point, as a last resort after a batch: a walk from the entry point marks
// what it reaches, and each node it missed is linked from the nearest
// reached nodes (found by a search for its vector), which brings its whole
// group in. The in-link counts keep every node linked from somewhere, but
// a tight group of nodes can keep its links only among its members once
// the nodes around it prune them (the heuristic keeps one of a group of
// close nodes), and parallel inserts make that likelier. Caller holds
// mu.RLock; concurrent inserts are harmless.
func (x *Index) connect(s *searcher) {
	epID, epL, ok := x.entry()
	if !ok {
		return
	}
	n := int(x.nodes.Load())
	seen := newBitset(n)
	var stack []uint32
	v := make([]float32, x.dim)
	walk := func(from uint32) {
		seen.set(from)
		stack = append(stack[:0], from)
		for len(stack) > 0 {
			id := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			lst := x.list(id, 0)
			c := min(int(atomic.LoadUint32(&lst[0])), len(lst)-1)
			for i := 1; i <= c; i++ {
				if nb := atomic.LoadUint32(&lst[i]); int(nb) < n && !seen.has(nb) {
					seen.set(nb)
					stack = append(stack, nb)
				}
			}
		}
	}
	walk(epID)
	// A link that makes room for a missed node can cut another one off:
	// check again, a few times at most.
	for range 3 {
		missed := false
		for id := uint32(0); int(id) < n; id++ {
			if seen.has(id) || x.isDead(id) {
				continue
			}
			missed = true
			x.decode(v, id)
			cur, curD := epID, x.distTo(v, epID)
			for l := epL; l > 0; l-- {
				cur, curD = x.greedy(v, cur, curD, l)
			}
			w := x.searchLayer(s, v, []item{{curD, cur}}, x.efc, 0, id)
			s.cands = s.cands[:0]
			for _, it := range w {
				if seen.has(it.id) {
					s.cands = append(s.cands, it)
				}
			}
			if x.linkInto(s.cands, id) {
				walk(id)
			}
		}
		if !missed {
			return
		}
		clear(seen)
		walk(epID)
	}
}
