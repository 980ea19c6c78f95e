package storage

import (
	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/pebble/v2"
)

// Txn is a read-write transaction: an indexed Pebble batch holding its
// writes, read through merged with the latest committed data. It is used by
// one goroutine at a time and ends with Commit or Rollback, which also
// close the iterators the caller left open.
//
// Each read call (Get, Scan, ScanIndex, catalog lookups) sees the data
// committed when it was made plus the transaction's own writes, so a
// statement that opens one iterator reads one point-in-time view.
type Txn struct {
	db    *DB
	b     *pebble.Batch
	start uint64 // db.commitSeq when the txn began
	done  bool
	err   error // set when Begin failed

	ddl           bool     // the txn changed the catalog
	schemaTables  []uint32 // tables whose indexes the txn changed
	droppedTables []uint32 // tables dropped by the txn
	droppedSeqs   []uint32 // sequences dropped by the txn
	vec           *txnVec  // vector index changes (vtxn.go)

	iters  map[*RowIter]struct{} // open iterators
	leapt  bool                  // the batch was moved to a bigger one (batchpool.go)
	rowBuf []byte                // Insert's scratch buffer for encoding a row
}

// Begin starts a transaction.
func (db *DB) Begin() *Txn {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.closed {
		return &Txn{db: db, done: true, err: ErrClosed}
	}
	t := &Txn{db: db, start: db.commitSeq, b: db.pdb.NewIndexedBatch()}
	db.active[t.start]++
	db.open++
	return t
}

// check returns the error a call on a finished transaction gets.
func (t *Txn) check() error {
	if t.err != nil {
		return t.err
	}
	if t.done {
		return ErrTxnDone
	}
	return nil
}

// Rollback discards the transaction's writes. It is a no-op on a finished
// transaction.
func (t *Txn) Rollback() {
	if t.done {
		return
	}
	t.done = true
	t.closeIters()
	t.db.mu.Lock()
	t.db.endTxnLocked(t)
	t.db.mu.Unlock()
	releaseBatch(t.b, t.b.Len())
	t.releaseBuilt()
}

// Commit writes the transaction as one synced Pebble batch; when it returns
// nil the changes are durable. If another transaction that committed after
// this one began wrote any key this one writes (or changed the schema of a
// table it writes), nothing is written and Commit returns SQLSTATE 40001.
// The transaction is finished either way.
func (t *Txn) Commit() error {
	if err := t.check(); err != nil {
		return err
	}
	t.done = true
	t.closeIters()
	db := t.db
	if t.b.Empty() {
		db.mu.Lock()
		db.endTxnLocked(t)
		db.mu.Unlock()
		releaseBatch(t.b, t.b.Len())
		t.releaseBuilt()
		return nil
	}
	size := t.b.Len()
	ws, err := collectWriteSet(t.b, false)
	db.mu.Lock()
	fail := func(err error) error {
		db.endTxnLocked(t)
		db.mu.Unlock()
		releaseBatch(t.b, size)
		t.releaseBuilt()
		return err
	}
	if err != nil {
		return fail(err)
	}
	if db.closed {
		return fail(ErrClosed)
	}
	// The keys matter only when some other transaction is open (it may
	// conflict with this commit later) or committed history exists (this
	// commit may conflict with it). A lone bulk load skips collecting them.
	if db.open > 1 || !db.history.empty() {
		if ws, err = collectWriteSet(t.b, true); err != nil {
			return fail(err)
		}
	}
	if err := db.validateLocked(t, ws); err != nil {
		return fail(err)
	}
	vc, err := db.vecPrepareLocked(t)
	if err != nil {
		return fail(err)
	}
	// Exact scans' caches of the tables written must not be trusted while
	// the batch becomes visible (flatcache.go).
	fv := db.flat.beginWrite(ws.tables)
	if err := db.pdb.ApplyNoSyncWait(t.b, pebble.Sync); err != nil {
		endWrite(fv)
		if vc != nil {
			vc.unpend()
		}
		return fail(wrapf(err, "commit"))
	}
	endWrite(fv)
	db.vecCommittedLocked(t, vc)
	db.commitSeq++
	seq := db.commitSeq
	db.endTxnLocked(t)
	if db.open > 0 {
		// Only transactions open now can conflict with this commit; later
		// ones begin after it.
		db.history.record(seq, ws)
	}
	for _, id := range t.droppedTables {
		db.dropped[id] = seq
	}
	var catErr error
	if t.ddl {
		var cat *catalog
		if cat, catErr = loadCatalog(db.pdb); catErr == nil {
			db.cat.Store(cat)
		}
		db.catVersion.Add(1)
	}
	db.mu.Unlock()
	// The exact search caches of the tables written no longer match them.
	db.flat.dropTables(ws.tables)
	for _, id := range t.droppedTables {
		db.flat.dropTable(id)
	}

	err = t.b.SyncWait()
	releaseBatch(t.b, size)
	// The graphs follow the rows even if the sync failed: the batch is
	// applied and readers may already see it.
	db.vecFinish(vc)
	t.releaseBuilt()
	if err != nil {
		return wrapf(err, "commit sync")
	}
	for _, id := range t.droppedSeqs {
		db.dropSequenceState(id)
	}
	if catErr != nil {
		// The commit is durable; only the in-memory catalog is stale.
		db.log.Error("storage: reload catalog after commit", "err", catErr)
	}
	return nil
}

// endTxnLocked removes t from the active set and forgets history no open
// transaction can conflict with.
func (db *DB) endTxnLocked(t *Txn) {
	db.open--
	if n := db.active[t.start]; n <= 1 {
		delete(db.active, t.start)
	} else {
		db.active[t.start] = n - 1
	}
	if len(db.active) == 0 {
		db.history.reset()
		return
	}
	oldest := ^uint64(0)
	for s := range db.active {
		oldest = min(oldest, s)
	}
	db.history.prune(oldest)
}

// validateLocked reports a write-write conflict of t with a transaction that
// committed after t began.
func (db *DB) validateLocked(t *Txn, ws writeSet) error {
	for id := range ws.tables {
		if s, ok := db.dropped[id]; ok {
			if s > t.start {
				return errSerialization()
			}
			return pgerr.New(pgerr.UndefinedTable, "relation with OID %d does not exist", id)
		}
	}
	if db.history.empty() {
		return nil
	}
	for _, k := range ws.keys {
		if db.history.last[k] > t.start {
			return errSerialization()
		}
	}
	for id := range ws.tables {
		if db.history.last[string(catTableKey(id))] > t.start {
			return errSerialization()
		}
	}
	// A new or dropped index must see every row: no other transaction may
	// have written the table since this one began.
	for _, id := range t.schemaTables {
		if db.history.tables[id] > t.start {
			return errSerialization()
		}
	}
	return nil
}

// writeSet is what a batch writes: its point keys and the tables it touches.
type writeSet struct {
	keys   []string
	tables map[uint32]struct{}
}

// collectWriteSet reads the batch's tables and, when withKeys is set, its
// distinct point keys.
func collectWriteSet(b *pebble.Batch, withKeys bool) (writeSet, error) {
	ws := writeSet{tables: make(map[uint32]struct{})}
	r := b.Reader()
	var seen map[string]struct{}
	if withKeys {
		seen = make(map[string]struct{}, b.Count())
	}
	for {
		kind, k, _, ok, err := r.Next()
		if err != nil {
			return ws, wrapf(err, "read batch")
		}
		if !ok {
			break
		}
		if id, ok := tableIDOfKey(k); ok {
			ws.tables[id] = struct{}{}
		}
		if !withKeys || kind == pebble.InternalKeyKindRangeDelete {
			continue
		}
		if _, dup := seen[string(k)]; dup {
			continue
		}
		s := string(k)
		seen[s] = struct{}{}
		ws.keys = append(ws.keys, s)
	}
	return ws, nil
}

// writeHistory remembers, for keys written by recent commits, the commit
// sequence of their last write. Entries older than the oldest open
// transaction are pruned, so it stays as small as the writes that
// overlapped some open transaction.
type writeHistory struct {
	last   map[string]uint64
	tables map[uint32]uint64 // table ID -> last commit that wrote under it
	log    []historyEntry    // in commit order
}

type historyEntry struct {
	seq    uint64
	keys   []string
	tables []uint32
}

func (h *writeHistory) init() {
	h.last = make(map[string]uint64)
	h.tables = make(map[uint32]uint64)
}
func (h *writeHistory) empty() bool { return len(h.log) == 0 }
func (h *writeHistory) reset()      { h.init(); h.log = nil }

func (h *writeHistory) record(seq uint64, ws writeSet) {
	e := historyEntry{seq: seq, keys: ws.keys}
	for _, k := range ws.keys {
		h.last[k] = seq
	}
	for id := range ws.tables {
		h.tables[id] = seq
		e.tables = append(e.tables, id)
	}
	h.log = append(h.log, e)
}

// prune forgets commits at or before seq: no open transaction began before
// them, so none can conflict with them.
func (h *writeHistory) prune(seq uint64) {
	i := 0
	for ; i < len(h.log) && h.log[i].seq <= seq; i++ {
		for _, k := range h.log[i].keys {
			if h.last[k] == h.log[i].seq {
				delete(h.last, k)
			}
		}
		for _, id := range h.log[i].tables {
			if h.tables[id] == h.log[i].seq {
				delete(h.tables, id)
			}
		}
		h.log[i] = historyEntry{}
	}
	h.log = h.log[i:]
	if len(h.log) == 0 {
		h.log = nil
	}
}
