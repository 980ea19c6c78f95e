package storage

import (
	"bytes"
	"slices"

	"github.com/akidb/akidb/types"
)

// A transaction's vector index changes.
//
// Every write of a row keeps the label entries of the table's hnsw indexes
// in the same batch, and remembers the graph change it implies (a vop).
// At commit the changes of each index become one index log entry in the
// batch, and after the batch is durable they are applied to the graph.
type txnVec struct {
	idx     map[uint32]*txnVecIndex // by index ID
	order   []uint32                // index IDs in first-change order
	built   map[uint32]*vindex      // hnsw indexes created by the txn
	dropped map[uint32]bool         // hnsw indexes dropped by the txn
}

// txnVecIndex holds the graph changes of one index, in order.
type txnVecIndex struct {
	tableID uint32
	ops     []vop
	live    map[uint64]int      // label of a pending insert -> its position in ops
	deleted map[uint64]struct{} // committed labels the txn deleted
	moves   bool                // a committed label got a new row key
}

// vop is one graph change: an insert of label with vec, or a delete.
type vop struct {
	label uint64
	vec   []float32 // inserts only
	key   RowKey    // inserts only: the row, for merging pending rows into searches
	del   bool
	dead  bool // an insert undone later in the same txn
}

// Index log entry operations.
const (
	ilogFormat = 1
	ilogInsert = 1
	ilogDelete = 2
)

func (t *Txn) vecState() *txnVec {
	if t.vec == nil {
		t.vec = &txnVec{
			idx:     make(map[uint32]*txnVecIndex),
			built:   make(map[uint32]*vindex),
			dropped: make(map[uint32]bool),
		}
	}
	return t.vec
}

func (tv *txnVec) index(tableID, indexID uint32) *txnVecIndex {
	x := tv.idx[indexID]
	if x == nil {
		x = &txnVecIndex{tableID: tableID, live: make(map[uint64]int), deleted: make(map[uint64]struct{})}
		tv.idx[indexID] = x
		tv.order = append(tv.order, indexID)
	}
	return x
}

func (x *txnVecIndex) insert(label uint64, vec []float32, key RowKey) {
	x.live[label] = len(x.ops)
	x.ops = append(x.ops, vop{label: label, vec: vec, key: key})
}

func (x *txnVecIndex) delete(label uint64) {
	if i, ok := x.live[label]; ok { // inserted by this txn: undo the insert
		x.ops[i].dead = true
		x.ops[i].vec = nil
		delete(x.live, label)
		return
	}
	x.ops = append(x.ops, vop{label: label, del: true})
	x.deleted[label] = struct{}{}
}

// moved records that a label's row has a new key: in the pending insert,
// or, for a committed label, as a move the commit tells the graph's label
// cache about.
func (x *txnVecIndex) moved(label uint64, key RowKey) {
	if i, ok := x.live[label]; ok {
		x.ops[i].key = key
	} else {
		x.moves = true
	}
}

// vecWrite is a label change planned by a row write, checked before
// anything is written so that a failing statement writes nothing.
type vecWrite struct {
	idx      *IndexDesc
	oldLabel uint64 // 0: none
	newVec   []float32
	insert   bool
	move     bool // same vector, new row key: relabel the row key only
}

// planVecInsert checks the vectors of a new row for the table's hnsw
// indexes.
func planVecInsert(td *TableDesc, row types.Row) ([]vecWrite, error) {
	var ws []vecWrite
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if !idx.IsVector() {
			continue
		}
		v, ok, err := indexedVector(td, idx, row)
		if err != nil {
			return nil, err
		}
		if ok {
			ws = append(ws, vecWrite{idx: idx, newVec: v, insert: true})
		}
	}
	return ws, nil
}

// planVecUpdate plans the label changes of an update: none when the vector
// and the row key stay; a new row key for the label when only the key
// moves; otherwise a delete of the old label and an insert of a new one.
func (t *Txn) planVecUpdate(td *TableDesc, key, newKey RowKey, old, new types.Row) ([]vecWrite, error) {
	var ws []vecWrite
	moved := !bytes.Equal(key, newKey)
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if !idx.IsVector() {
			continue
		}
		nv, nok, err := indexedVector(td, idx, new)
		if err != nil {
			return nil, err
		}
		ov, ook, _ := indexedVector(td, idx, old)
		if !ook && !nok {
			continue
		}
		var oldLabel uint64
		if ook {
			if oldLabel, err = t.rowLabel(td.ID, idx.ID, key); err != nil {
				return nil, err
			}
		}
		if ook && nok && oldLabel != 0 && equalVectors(ov, nv) {
			if moved {
				ws = append(ws, vecWrite{idx: idx, oldLabel: oldLabel, move: true})
			}
			continue
		}
		ws = append(ws, vecWrite{idx: idx, oldLabel: oldLabel, newVec: nv, insert: nok})
	}
	return ws, nil
}

// planVecDelete finds the labels of a deleted row.
func (t *Txn) planVecDelete(td *TableDesc, key RowKey, old types.Row) ([]vecWrite, error) {
	var ws []vecWrite
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if !idx.IsVector() {
			continue
		}
		if _, ok, _ := indexedVector(td, idx, old); !ok {
			continue
		}
		label, err := t.rowLabel(td.ID, idx.ID, key)
		if err != nil {
			return nil, err
		}
		if label != 0 {
			ws = append(ws, vecWrite{idx: idx, oldLabel: label})
		}
	}
	return ws, nil
}

// rowLabel returns the label of the row in an index as the txn sees it, or
// 0 when the row has none.
func (t *Txn) rowLabel(tableID, indexID uint32, key RowKey) (uint64, error) {
	v, ok, err := getValue(t.b, rowLabelKey(tableID, indexID, key))
	if err != nil || !ok {
		return 0, err
	}
	return decodeLabel(v)
}

// applyVecWrites writes the label entries of planned changes for the row
// that had key oldKey and now has newKey (either nil for an insert or a
// delete), and records the graph changes.
func (t *Txn) applyVecWrites(td *TableDesc, oldKey, newKey RowKey, ws []vecWrite) error {
	for _, w := range ws {
		x := t.vecState().index(td.ID, w.idx.ID)
		if w.move {
			if err := t.b.Delete(rowLabelKey(td.ID, w.idx.ID, oldKey), nil); err != nil {
				return wrapf(err, "write vector label")
			}
			if err := t.setLabel(td.ID, w.idx.ID, w.oldLabel, newKey); err != nil {
				return err
			}
			x.moved(w.oldLabel, newKey)
			continue
		}
		if w.oldLabel != 0 {
			if err := t.b.Delete(labelKey(td.ID, w.idx.ID, w.oldLabel), nil); err != nil {
				return wrapf(err, "write vector label")
			}
			if err := t.b.Delete(rowLabelKey(td.ID, w.idx.ID, oldKey), nil); err != nil {
				return wrapf(err, "write vector label")
			}
			x.delete(w.oldLabel)
		}
		if w.insert {
			label, err := t.db.nextLabel()
			if err != nil {
				return err
			}
			if err := t.setLabel(td.ID, w.idx.ID, label, newKey); err != nil {
				return err
			}
			x.insert(label, w.newVec, slices.Clone(newKey))
		}
	}
	return nil
}

func (t *Txn) setLabel(tableID, indexID uint32, label uint64, key RowKey) error {
	if err := t.b.Set(labelKey(tableID, indexID, label), key, nil); err != nil {
		return wrapf(err, "write vector label")
	}
	if err := t.b.Set(rowLabelKey(tableID, indexID, key), encodeLabel(label), nil); err != nil {
		return wrapf(err, "write vector label")
	}
	return nil
}

// vecDropIndex removes an hnsw index's log and label entries in the txn
// and remembers to drop its graph and checkpoint at commit.
func (t *Txn) vecDropIndex(tableID, indexID uint32) error {
	for _, sub := range []byte{tableILog, tableVecLabels, tableVecRowKeys} {
		p := vecPrefix(tableID, sub, indexID)
		if err := t.b.DeleteRange(p, prefixEnd(p), nil); err != nil {
			return wrapf(err, "drop index")
		}
	}
	t.vecForget(indexID)
	return nil
}

// vecForget drops the txn's pending state of an index that goes away with
// its table or by DropIndex.
func (t *Txn) vecForget(indexID uint32) {
	tv := t.vecState()
	tv.dropped[indexID] = true
	delete(tv.idx, indexID)
}

// vecCommit is what a commit does to the vector indexes.
type vecCommit struct {
	seq     uint64
	items   []vecItem
	built   []*vindex
	dropped []*vindex
	pending []*vindex // graphs whose pend the commit raised
}

// unpend lowers the pend counts the commit raised, once its changes are
// in the graphs or it failed.
func (vc *vecCommit) unpend() {
	for _, v := range vc.pending {
		v.pend.Add(-1)
	}
	vc.pending = nil
}

type vecItem struct {
	v      *vindex
	ticket uint64
	ops    []vop
}

// vecPrepareLocked writes the txn's index log entries into its batch under
// the next index log sequence. Called with db.mu held, before the batch is
// applied, so log sequences follow commit order.
func (db *DB) vecPrepareLocked(t *Txn) (*vecCommit, error) {
	tv := t.vec
	if tv == nil && len(t.droppedTables) == 0 {
		return nil, nil
	}
	vc := &vecCommit{seq: db.ilogSeq + 1}
	if tv == nil {
		return vc, nil
	}
	for _, id := range tv.order {
		x := tv.idx[id]
		if x == nil || slices.Contains(t.droppedTables, x.tableID) {
			continue
		}
		// The graph the changes go to: the one the txn built, else the
		// committed one.
		v := tv.built[id]
		if v == nil {
			v = db.vindexes()[id]
		}
		if x.moves && v != nil {
			v.keys.drop()
		}
		val := []byte{ilogFormat}
		n := 0
		for _, op := range x.ops {
			switch {
			case op.dead:
				continue
			case op.del:
				val = append(val, ilogDelete)
			default:
				val = append(val, ilogInsert)
			}
			val = appendUint64(val, op.label)
			n++
		}
		if n == 0 {
			continue
		}
		if err := t.b.Set(ilogKey(x.tableID, id, vc.seq), val, nil); err != nil {
			vc.unpend()
			return nil, wrapf(err, "write index log")
		}
		if v != nil {
			v.pend.Add(1)
			vc.pending = append(vc.pending, v)
		}
	}
	return vc, nil
}

func appendUint64(b []byte, v uint64) []byte {
	return appendLabel(b, v)
}

// vecCommittedLocked publishes new graphs, retires dropped ones and hands
// out apply tickets, once the batch is applied. Called with db.mu held.
func (db *DB) vecCommittedLocked(t *Txn, vc *vecCommit) {
	if vc == nil {
		return
	}
	db.ilogSeq = vc.seq
	tv := t.vec
	cur := db.vindexes()
	m := make(map[uint32]*vindex, len(cur)+1)
	for id, v := range cur {
		m[id] = v
	}
	if tv != nil {
		for id := range tv.dropped {
			if v := m[id]; v != nil {
				vc.dropped = append(vc.dropped, v)
				delete(m, id)
			}
		}
		for id, v := range tv.built {
			if tv.dropped[id] {
				continue
			}
			v.applied.Store(vc.seq)
			v.published = true
			m[id] = v
			vc.built = append(vc.built, v)
		}
	}
	// Tables dropped by the txn take their indexes along.
	for _, tid := range t.droppedTables {
		for id, v := range m {
			if v.tableID == tid {
				vc.dropped = append(vc.dropped, v)
				delete(m, id)
			}
		}
	}
	if tv != nil {
		for _, id := range tv.order {
			x := tv.idx[id]
			v := m[id]
			if x == nil || v == nil {
				continue
			}
			ops := slices.DeleteFunc(x.ops, func(op vop) bool { return op.dead })
			if len(ops) == 0 {
				continue
			}
			v.issued++
			vc.items = append(vc.items, vecItem{v: v, ticket: v.issued, ops: ops})
		}
	}
	db.vidx.Store(&m)
	db.applying.Add(1)
}

// vecFinish applies a durable commit's changes to the graphs, in ticket
// order per index, and removes the checkpoints of dropped indexes.
func (db *DB) vecFinish(vc *vecCommit) {
	if vc == nil {
		return
	}
	defer db.applying.Done()
	for _, it := range vc.items {
		v := it.v
		v.mu.Lock()
		for v.done+1 != it.ticket {
			v.cond.Wait()
		}
		if !v.dropped {
			if err := applyOps(v, it.ops); err != nil {
				// The rows are committed; the graph lacks them until it is
				// rebuilt. Searches still read rows, so answers stay right
				// but may miss these vectors.
				db.log.Error("storage: apply vector index changes", "index", v.id, "err", err)
			}
			v.applied.Store(vc.seq)
			v.changes += len(it.ops)
		}
		v.done = it.ticket
		v.cond.Broadcast()
		due := !v.dropped && checkpointDue(v.changes, v.g.Len())
		v.mu.Unlock()
		if due {
			db.queueCheckpoint(v)
		}
	}
	vc.unpend()
	for _, v := range vc.built {
		if v.g.Len() > 0 {
			db.queueCheckpoint(v)
		}
	}
	for _, v := range vc.dropped {
		db.retireVindex(v)
	}
}

// applyOps applies graph changes in order, batching runs of inserts.
// Called with v.mu held.
func applyOps(v *vindex, ops []vop) error {
	var labels []uint64
	var vecs [][]float32
	var first error
	flush := func() {
		if len(labels) == 0 {
			return
		}
		if len(labels) >= 64 {
			if err := v.g.AddBatch(labels, vecs, buildWorkers); err != nil && first == nil {
				first = err
			}
		} else {
			for i := range labels {
				if err := v.g.Add(labels[i], vecs[i]); err != nil && first == nil {
					first = err
				}
			}
		}
		labels, vecs = labels[:0], vecs[:0]
	}
	for _, op := range ops {
		if op.del {
			flush()
			v.g.Delete(op.label)
			continue
		}
		labels = append(labels, op.label)
		vecs = append(vecs, op.vec)
	}
	flush()
	v.keys.apply(ops)
	return first
}

// buildWorkers is the number of goroutines that build a graph.
const buildWorkers = 2

// nextLabel returns a new vector label; labels are never reused.
func (db *DB) nextLabel() (uint64, error) {
	v, err := db.NextVal(seqVecLabels)
	return uint64(v), err
}

// releaseBuilt closes the graphs the txn built that its commit did not
// install (it rolled back, failed, or dropped them again). Called once
// the txn is done.
func (t *Txn) releaseBuilt() {
	if t.vec == nil {
		return
	}
	t.db.mu.Lock()
	var unused []*vindex
	for _, v := range t.vec.built {
		if !v.published {
			unused = append(unused, v)
		}
	}
	t.db.mu.Unlock()
	for _, v := range unused {
		v.retire()
	}
}

// acquireVindex returns the graph a txn searches for an index, holding a
// reference the caller releases, or nil when there is none.
func (t *Txn) acquireVindex(indexID uint32) *vindex {
	// A graph retired between the look-up and the acquire was replaced
	// (a local drop installs an empty one) or dropped: look again.
	for range 100 {
		v := t.vindexFor(indexID)
		if v == nil || v.acquire() {
			return v
		}
	}
	return nil
}

// vindexFor returns the graph a txn searches for an index: the one it
// built, or the committed one.
func (t *Txn) vindexFor(indexID uint32) *vindex {
	if t.vec != nil {
		if t.vec.dropped[indexID] {
			return nil
		}
		if v := t.vec.built[indexID]; v != nil {
			return v
		}
	}
	return t.db.vindexes()[indexID]
}
