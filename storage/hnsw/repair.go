package hnsw

import (
	"sync"
	"sync/atomic"
)

// Tombstones and repair.
//
// Delete only sets a slot's dead bit: the node keeps routing searches and
// is skipped in answers. When tombstoned nodes exceed RepairFraction of
// the graph's nodes (and number at least minRepair), the mutation that
// crossed the line starts a background repair (one at a time):
//
//  1. With searches and other mutations running, every node whose list at
//     some level names a tombstoned node gets a new list at that level:
//     the heuristic selection over its surviving neighbours plus the
//     surviving neighbours of the tombstoned ones (as hnswlib and
//     pgvector's vacuum reconnect around a removed element). Inserts
//     never link to a dead node meanwhile, and a full list being pruned
//     drops its dead members. (Outside a repair, an insert that finds
//     only dead nodes in reach links to them rather than to nothing.)
//  2. Under the exclusive lock (searches wait, for a pass over the link
//     arrays only), any remaining link to those tombstones is removed,
//     their lists are cleared, the entry point moves if it was one of
//     them, and their slots go on the free list, where Add reuses them.
//
// Nodes tombstoned while a repair runs wait for the next one.

const minRepair = 64

// maybeRepair starts a background repair when tombstones exceed the
// threshold and none is running.
func (x *Index) maybeRepair() {
	if x.repairF < 0 {
		return
	}
	x.metaMu.Lock()
	graph := int(x.nodes.Load()) - len(x.free)
	need := x.nDead >= minRepair && float64(x.nDead) > x.repairF*float64(graph)
	x.metaMu.Unlock()
	if !need || !x.repairMu.TryLock() {
		return
	}
	x.repairWG.Add(1)
	go func() {
		defer x.repairWG.Done()
		defer x.repairMu.Unlock()
		x.repair()
	}()
}

// Repair unlinks every node tombstoned so far and frees its slot for
// reuse, waiting for a background repair first. Searches run meanwhile.
// It returns the number of slots freed.
func (x *Index) Repair() int {
	x.repairMu.Lock()
	defer x.repairMu.Unlock()
	return x.repair()
}

// waitRepair waits for a background repair to end.
func (x *Index) waitRepair() { x.repairWG.Wait() }

type bitset []uint64

func newBitset(n int) bitset       { return make(bitset, (n+63)/64) }
func (b bitset) set(i uint32)      { b[i>>6] |= 1 << (i & 63) }
func (b bitset) has(i uint32) bool { return int(i>>6) < len(b) && b[i>>6]&(1<<(i&63)) != 0 }

func (x *Index) repair() int {
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()

	x.mu.RLock()
	n := int(x.nodes.Load())
	// D: dead slots that are neither free nor handed to a label (a slot
	// being inserted is dead until ready, but is mapped).
	inD := newBitset(n)
	isFree := newBitset(n)
	x.metaMu.Lock()
	mapped := newBitset(n)
	for _, id := range x.byLabel {
		if int(id) < n {
			mapped.set(id)
		}
	}
	for _, id := range x.free {
		isFree.set(id)
	}
	x.metaMu.Unlock()
	var dl []uint32
	for id := uint32(0); int(id) < n; id++ {
		if x.isDead(id) && !isFree.has(id) && !mapped.has(id) {
			inD.set(id)
			dl = append(dl, id)
		}
	}
	if len(dl) == 0 {
		x.mu.RUnlock()
		return 0
	}

	// Phase 1: reconnect around D, concurrently with searches and inserts.
	x.repairSet.Store(&inD)
	defer x.repairSet.Store(nil)
	const workers = 2
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := x.getSearcher()
			defer x.pool.Put(s)
			for id := uint32(w); int(id) < n; id += workers {
				// A dead slot outside D is being inserted (its fields
				// are not ours to read yet) or was tombstoned after the
				// snapshot (the next repair handles it).
				if inD.has(id) || isFree.has(id) || x.isDead(id) {
					continue
				}
				for l := 0; l <= int(x.levels[id]); l++ {
					x.reconnect(s, id, l, inD)
				}
			}
		}()
	}
	wg.Wait()
	x.mu.RUnlock()

	// Phase 2: strip what is left, free the slots.
	x.mu.Lock()
	defer x.mu.Unlock()
	n2 := int(x.nodes.Load())
	bestL, best := -1, uint32(0)
	for id := uint32(0); int(id) < n2; id++ {
		if inD.has(id) || isFree.has(id) {
			continue
		}
		if x.isDead(id) {
			// Tombstoned during the repair: still routes, but not an
			// entry point of choice.
		} else if lv := int(x.levels[id]); lv > bestL {
			bestL, best = lv, id
		}
		for l := 0; l <= int(x.levels[id]); l++ {
			lst := x.list(id, l)
			c, k := int(lst[0]), 0
			for i := 1; i <= c; i++ {
				if !inD.has(lst[i]) {
					k++
					lst[k] = lst[i]
				}
			}
			if k != c && l == 0 {
				x.heur0[id] = 0
			}
			lst[0] = uint32(k)
		}
	}
	// Clearing the lists of D takes links from their targets; a live node
	// left with none gets one from its own nearest neighbours.
	var orphans []uint32
	for _, id := range dl {
		lst := x.list(id, 0)
		for _, t := range lst[1 : 1+lst[0]] {
			if inD.has(t) || x.in0[t] == 0 {
				continue
			}
			if x.in0[t]--; x.in0[t] == 0 {
				orphans = append(orphans, t)
			}
		}
		for l := 0; l <= int(x.levels[id]); l++ {
			x.list(id, l)[0] = 0
		}
		x.in0[id] = 0
	}
	s := x.getSearcher()
	for _, t := range orphans {
		if x.in0[t] > 0 {
			continue
		}
		lst := x.list(t, 0)
		s.cands = s.cands[:0]
		for _, nb := range lst[1 : 1+lst[0]] {
			s.cands = append(s.cands, item{id: nb})
		}
		x.linkInto(s.cands, t)
	}
	x.pool.Put(s)
	if epID, _, ok := x.entry(); ok && inD.has(epID) {
		if bestL < 0 {
			// Only tombstoned-during-repair nodes remain, or none.
			bestL = -1
			for id := uint32(0); int(id) < n2; id++ {
				if !inD.has(id) && !isFree.has(id) && int(x.levels[id]) > bestL {
					bestL, best = int(x.levels[id]), id
				}
			}
		}
		if bestL < 0 {
			x.ep.Store(noEntry)
		} else {
			x.setEntry(best, bestL)
		}
	}
	x.metaMu.Lock()
	x.free = append(x.free, dl...)
	x.nDead -= len(dl)
	x.metaMu.Unlock()
	return len(dl)
}

// reconnect rebuilds id's list at level l without the members in D.
func (x *Index) reconnect(s *searcher, id uint32, l int, inD bitset) {
	mu := &x.locks[id%stripes]
	mu.Lock()
	lst := x.list(id, l)
	c := int(lst[0])
	has := false
	for i := 1; i <= c; i++ {
		if inD.has(lst[i]) {
			has = true
			break
		}
	}
	if !has {
		mu.Unlock()
		return
	}
	mmax := x.m
	if l == 0 {
		mmax = x.m0
	}
	s.vis.reset(x.capN)
	s.vis.visit(id)
	v := x.decode(s.nv, id)
	cands := s.cands[:0]
	for i := 1; i <= c; i++ {
		if e := lst[i]; !inD.has(e) && s.vis.visit(e) {
			cands = append(cands, item{x.distTo(v, e), e})
		}
	}
	for i := 1; i <= c; i++ {
		e := lst[i]
		if !inD.has(e) {
			continue
		}
		el := x.list(e, l)
		ec := min(int(atomic.LoadUint32(&el[0])), len(el)-1)
		for j := 1; j <= ec; j++ {
			nb := atomic.LoadUint32(&el[j])
			if !inD.has(nb) && !x.isDead(nb) && s.vis.visit(nb) {
				cands = append(cands, item{x.distTo(v, nb), nb})
			}
		}
	}
	s.cands = cands
	sortItems(cands)
	sel := x.selectNeighbors(s, cands, mmax)
	if l == 0 {
		s.orphans = s.orphans[:0]
		sel = x.keepIncoming(s, lst[1:1+c], sel)
		x.heur0[id] = 0
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
