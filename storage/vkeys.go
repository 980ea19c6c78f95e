package storage

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// labelKeys caches, for a graph in RAM, the row key of every label it
// holds: the label entries (/t/<table>/v/<index>/<label>) as of the
// graph's changes. With it a search whose view the graph matches exactly
// answers without reading Pebble (Txn.searchFromMemory).
//
// The cache is built from the label entries on first use, under v.mu (so
// no change applies meanwhile) and only when no commit to the table is
// under way or unapplied; from then on applyOps keeps it with the graph.
// A commit that gives a committed label a new row key (a primary-key
// update that keeps the vector) writes no graph change: it drops the
// cache, and bumps gen so that a build under way does not install what
// it read before.
type labelKeys struct {
	mu      sync.RWMutex
	m       map[uint64]string // nil: not built
	gen     uint64            // bumped by every drop
	lastTry atomic.Int64      // unix nanoseconds of the last build that failed
}

// keysRetry is how long after a failed build the next one may start: a
// table under constant writes does not rescan its labels on every search.
const keysRetry = time.Second

// drop forgets the cache.
func (lk *labelKeys) drop() {
	lk.mu.Lock()
	lk.m = nil
	lk.gen++
	lk.mu.Unlock()
}

// apply records graph changes, when the cache is built. Called with v.mu
// held, with the changes applyOps makes.
func (lk *labelKeys) apply(ops []vop) {
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if lk.m == nil {
		return
	}
	for _, op := range ops {
		if op.del {
			delete(lk.m, op.label)
		} else {
			lk.m[op.label] = string(op.key)
		}
	}
}

// settled returns the table's data version ver holds, and whether no
// commit to the table is under way (the version is even) and none of v's
// changes is unapplied: the graph then holds exactly the labels with
// entries. The same version before and after a read means no commit came
// in between.
func settled(ver *atomic.Uint64, v *vindex) (uint64, bool) {
	n := ver.Load()
	return n, n&1 == 0 && v.pend.Load() == 0
}

// ensureKeys builds v's label cache when it is missing, the graph is in
// RAM and nothing is being written to the table; it reports whether the
// cache is there. ver is the table's data version (flatcache.go).
func (db *DB) ensureKeys(v *vindex, ver *atomic.Uint64) bool {
	lk := &v.keys
	lk.mu.RLock()
	built, gen := lk.m != nil, lk.gen
	lk.mu.RUnlock()
	if built {
		return true
	}
	if t := lk.lastTry.Load(); t != 0 && time.Since(time.Unix(0, t)) < keysRetry {
		return false
	}
	// Another goroutine applying changes or building: search through
	// the view this time.
	if !v.mu.TryLock() {
		return false
	}
	defer v.mu.Unlock()
	if v.dropped || v.g.MappedBytes() > 0 {
		return false // a WARM graph keeps its memory small
	}
	before, ok := settled(ver, v)
	if !ok {
		return false
	}
	fail := func() bool { lk.lastTry.Store(time.Now().UnixNano()); return false }
	p := vecPrefix(v.tableID, tableVecLabels, v.id)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return fail()
	}
	m := make(map[uint64]string, v.g.Len())
	for it.First(); it.Valid(); it.Next() {
		label, err := decodeLabel(it.Key()[len(p):])
		if err != nil {
			it.Close()
			return fail()
		}
		m[label] = string(it.Value())
	}
	if err := it.Close(); err != nil {
		return fail()
	}
	lk.mu.Lock()
	defer lk.mu.Unlock()
	if now, ok := settled(ver, v); !ok || now != before || lk.gen != gen {
		return fail()
	}
	lk.m = m
	return true
}

// searchFromMemory is VectorSearchKeys answered from the graph and its
// label cache alone, for a transaction that has written nothing. It
// holds when no commit to the table was under way or unapplied to the
// graph from before the search to after it: the graph then holds exactly
// the labels with entries, and the answer is the one a view taken at any
// moment in between gives. ok is false when that cannot be ensured; the
// caller then searches through its view.
func (t *Txn) searchFromMemory(td *TableDesc, v *vindex, q []float32, k, ef int) (hits []VectorHit, ok bool, err error) {
	ver := t.db.flat.version(td.ID)
	before, ok := settled(ver, v)
	if !ok || !t.db.ensureKeys(v, ver) {
		return nil, false, nil
	}
	res := v.g.Search(q, k, ef, nil)
	hits = make([]VectorHit, 0, len(res))
	lk := &v.keys
	lk.mu.RLock()
	for _, r := range res {
		key, found := lk.m[r.Label]
		if !found {
			lk.mu.RUnlock()
			return nil, false, nil
		}
		rk := RowKey(key)
		row, err := keyRow(td, rk)
		if err != nil {
			lk.mu.RUnlock()
			return nil, false, err
		}
		hits = append(hits, VectorHit{Row: row, Key: rk, Dist: r.Dist})
	}
	lk.mu.RUnlock()
	if now, ok := settled(ver, v); !ok || now != before {
		return nil, false, nil
	}
	t.db.vecFromMemory.Add(1)
	return hits, true, nil
}
