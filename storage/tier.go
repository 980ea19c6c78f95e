package storage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/hnsw"
	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/snapshot"
	"github.com/akidb/akidb/types"
)

// This file is the storage side of tiering (tiering.Backend): moving a
// collection's graph between RAM and disk, writing a collection out for a
// snapshot, reading one back, and dropping local data once a snapshot
// holds it. The tiering.Manager decides when; it never runs two of these
// on one collection at once and keeps statements off a collection while
// its rows are replaced.

var _ tiering.Backend = (*DB)(nil)

// Hidden columns a snapshot adds to a collection's own: the row's key
// (its identity in Pebble) and its vector label in the graph.
const (
	snapKeyColumn   = "__akidb_row_key"
	snapLabelColumn = "__akidb_label"
)

// tierKey is the key of a tiering record: /g/<name>.
func tierKey(name string) []byte { return append([]byte{spaceTiering}, name...) }

// SaveRecords implements tiering.Backend.
func (db *DB) SaveRecords(puts map[string][]byte, deletes []string) error {
	b := db.pdb.NewBatch()
	defer b.Close()
	for k, v := range puts {
		if err := b.Set(tierKey(k), v, nil); err != nil {
			return wrapf(err, "save tiering record")
		}
	}
	for _, k := range deletes {
		if err := b.Delete(tierKey(k), nil); err != nil {
			return wrapf(err, "save tiering record")
		}
	}
	if err := b.Commit(pebble.Sync); err != nil {
		return wrapf(err, "save tiering record")
	}
	return nil
}

// Records implements tiering.Backend.
func (db *DB) Records(prefix string) (map[string][]byte, error) {
	p := tierKey(prefix)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, wrapf(err, "read tiering records")
	}
	defer it.Close()
	out := make(map[string][]byte)
	for it.First(); it.Valid(); it.Next() {
		out[string(it.Key()[1:])] = append([]byte(nil), it.Value()...)
	}
	return out, it.Error()
}

// Collections implements tiering.Backend.
func (db *DB) Collections() ([]tiering.CollectionInfo, error) {
	var out []tiering.CollectionInfo
	for _, td := range db.cat.Load().sorted {
		if !td.Collection {
			continue
		}
		c := tiering.CollectionInfo{ID: td.ID, Name: td.Name}
		if idx := td.vectorIndex(); idx != nil {
			c.Dims = idx.Dims
			if m, ok := opClassMetric(idx.OpClass); ok {
				c.Metric = m.String()
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// vectorIndex returns the table's first hnsw index.
func (td *TableDesc) vectorIndex() *IndexDesc {
	for i := range td.Indexes {
		if td.Indexes[i].IsVector() {
			return &td.Indexes[i]
		}
	}
	return nil
}

// collection returns the committed descriptor of a collection, its vector
// index and graph.
func (db *DB) collection(id uint32) (*TableDesc, *IndexDesc, *vindex, error) {
	td := db.cat.Load().byID[id]
	if td == nil {
		return nil, nil, nil, pgerr.New(pgerr.UndefinedTable, "collection with OID %d does not exist", id)
	}
	idx := td.vectorIndex()
	if idx == nil {
		return nil, nil, nil, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "table %q has no vector index", td.Name)
	}
	return td, idx, db.vindexes()[idx.ID], nil
}

// quiesce waits until every commit that changed v has applied its change.
func (db *DB) quiesce(v *vindex) {
	db.mu.Lock()
	target := v.issued
	db.mu.Unlock()
	v.mu.Lock()
	for v.done < target && !v.dropped {
		v.cond.Wait()
	}
	v.mu.Unlock()
}

// warmPath is where a WARM graph's arrays live, mapped.
func (db *DB) warmPath(indexID uint32) string {
	return filepath.Join(db.dir, vindexDir, fmt.Sprintf("%d.warm", indexID))
}

// Unload implements tiering.Backend: the graph's vectors and links move
// to a file on local disk that searches read through the page cache.
func (db *DB) Unload(ctx context.Context, id uint32) error {
	_, _, v, err := db.collection(id)
	if err != nil || v == nil {
		return err
	}
	if err := v.g.MapTo(db.warmPath(v.id)); err != nil {
		return wrapf(err, "move index to disk")
	}
	// Searches of a WARM graph read the label entries.
	v.keys.drop()
	// Exact scans' caches go with it. The graph's arrays were off the Go
	// heap and are unmapped already; what the caches held is returned to
	// the system by the runtime's scavenger over the next minutes. Forcing
	// that now (debug.FreeOSMemory) would cost a full collection, and the
	// next restore or export would fault the released pages back in.
	db.flat.dropTable(v.tableID)
	return nil
}

// Load implements tiering.Backend: the graph comes back into RAM.
func (db *DB) Load(ctx context.Context, id uint32) error {
	_, _, v, err := db.collection(id)
	if err != nil || v == nil {
		return err
	}
	if err := v.g.Unmap(); err != nil {
		return wrapf(err, "load index into memory")
	}
	if err := os.Remove(db.warmPath(v.id)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return wrapf(err, "load index into memory")
	}
	return nil
}

// tierExtra is what a snapshot's manifest records of the collection.
type tierExtra struct {
	Table   *TableDesc `json:"table"`
	IndexID uint32     `json:"index_id"`
	LogSeq  uint64     `json:"log_seq"`
}

func snapshotColumns(td *TableDesc) []snapshot.Column {
	cols := make([]snapshot.Column, 0, len(td.Columns)+2)
	for _, c := range td.Columns {
		cols = append(cols, snapshot.Column{Name: c.Name, Type: c.Type, NotNull: c.NotNull})
	}
	return append(cols,
		snapshot.Column{Name: snapKeyColumn, Type: types.Bytea, NotNull: true},
		snapshot.Column{Name: snapLabelColumn, Type: types.Int8})
}

// Export implements tiering.Backend. The caller keeps writers off the
// collection; Export waits for committed changes to reach the graph,
// writes it, and writes the rows of one Pebble snapshot. The graph's
// object is closed (stored) while the rows are written.
func (db *DB) Export(ctx context.Context, id uint32, create func(name string) (io.WriteCloser, error), progress func(done, total int64)) (_ *tiering.Export, err error) {
	td, idx, v, err := db.collection(id)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, pgerr.New(pgerr.ObjectNotInPrerequisiteState, "collection %q has no graph in memory", td.Name)
	}
	// The graph without its vectors (the rows carry them), as of every
	// committed change: the caller keeps writers off the collection.
	db.quiesce(v)
	gw, err := create(snapshot.GraphObject)
	if err != nil {
		return nil, err
	}
	if err := writeGraph(v, gw); err != nil {
		gw.Close()
		return nil, wrapf(err, "write index graph of %q", td.Name)
	}
	graphClosed := make(chan error, 1)
	go func() { graphClosed <- gw.Close() }()
	defer func() {
		if gerr := <-graphClosed; err == nil && gerr != nil {
			err = gerr
		}
	}()
	total := int64(v.g.Len())
	snap := db.pdb.NewSnapshot()
	defer snap.Close()
	p := rowPrefix(td.ID)
	it, err := snap.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, wrapf(err, "export")
	}
	defer it.Close()
	// Labels (RowKey -> label) are in RowKey order like the rows: walk
	// both together rather than look each label up.
	lp := vecPrefix(td.ID, tableVecRowKeys, idx.ID)
	lit, err := snap.NewIter(&pebble.IterOptions{LowerBound: lp, UpperBound: prefixEnd(lp)})
	if err != nil {
		return nil, wrapf(err, "export")
	}
	defer lit.Close()
	lit.First()
	ncols := len(td.Columns)
	row := make([]types.Datum, ncols+2)
	var sc rowScratch
	// The iterator moves on when the next row is asked for, not before:
	// the row's values point into its current value until then.
	started := false
	var rows int64
	next := func() ([]types.Datum, bool, error) {
		if started {
			it.Next()
		} else {
			it.First()
			started = true
		}
		if !it.Valid() {
			return nil, false, it.Error()
		}
		if err := ctx.Err(); err != nil {
			return nil, false, err
		}
		rk := it.Key()[len(p):]
		clear(row)
		// WriteFile is done with a row's values before it asks for the
		// next, and the iterator's value stays put until then.
		if err := decodeRowReuse(it.Value(), row[:ncols], &sc); err != nil {
			return nil, false, err
		}
		row[ncols] = types.Datum{K: types.KBytes, S: string(rk)}
		for lit.Valid() && bytes.Compare(lit.Key()[len(lp):], rk) < 0 {
			lit.Next()
		}
		if lit.Valid() && bytes.Equal(lit.Key()[len(lp):], rk) {
			label, err := decodeLabel(lit.Value())
			if err != nil {
				return nil, false, err
			}
			row[ncols+1] = types.Datum{K: types.KInt, I: int64(label)}
		}
		if err := lit.Error(); err != nil {
			return nil, false, wrapf(err, "export")
		}
		if rows++; progress != nil && rows%8192 == 0 {
			progress(rows, max(rows, total))
		}
		return row, true, nil
	}
	dw, err := create(snapshot.DataObject)
	if err != nil {
		return nil, err
	}
	n, err := snapshot.Write(dw, snapshotColumns(td), next)
	if err != nil {
		dw.Close()
		return nil, err
	}
	if err := dw.Close(); err != nil {
		return nil, err
	}
	if progress != nil {
		progress(n, n)
	}
	extra, err := json.Marshal(tierExtra{Table: td, IndexID: idx.ID, LogSeq: v.applied.Load()})
	if err != nil {
		return nil, err
	}
	return &tiering.Export{Columns: snapshotColumns(td), Rows: n, Extra: extra}, nil
}

// Import implements tiering.Backend: the collection's local rows and graph
// become the snapshot's. The graph ends mapped from disk (WARM). The rows
// are read as the data object arrives; the sstables holding them are
// ingested only once every object has been verified.
func (db *DB) Import(ctx context.Context, id uint32, m *snapshot.Manifest, objs map[string]*snapshot.Stream, progress func(done, total int64)) error {
	td, idx, _, err := db.collection(id)
	if err != nil {
		return err
	}
	want := snapshotColumns(td)
	got := m.Schema()
	if len(got) != len(want) {
		return pgerr.New(pgerr.DatatypeMismatch, "snapshot %s has %d columns, collection %q has %d", m.ID, len(got)-2, td.Name, len(want)-2)
	}
	for i := range want {
		if got[i].Name != want[i].Name || got[i].Type.OID != want[i].Type.OID {
			return pgerr.New(pgerr.DatatypeMismatch, "snapshot %s does not match collection %q: column %d is %s %s, not %s %s",
				m.ID, td.Name, i+1, got[i].Name, got[i].Type.String(), want[i].Name, want[i].Type.String())
		}
	}
	// The ingested rows shadow the deleted ones, so the range is not
	// compacted first; later compactions free the space.
	if err := db.dropLocal(ctx, id, false); err != nil {
		return err
	}
	start := time.Now()
	graph, data := objs[snapshot.GraphObject], objs[snapshot.DataObject]
	if graph == nil || data == nil {
		return pgerr.New(pgerr.DataCorrupted, "snapshot %s lacks its %s or %s object", m.ID, snapshot.GraphObject, snapshot.DataObject)
	}
	// The graph first, whole and verified: the rows fill in its vectors
	// as they go by.
	if err := graph.Wait(); err != nil {
		return err
	}
	g, _, err := hnsw.ReadGraph(bufio.NewReaderSize(io.NewSectionReader(graph, 0, graph.Size()), 1<<20))
	if err != nil {
		return wrapf(err, "restore index of %q from snapshot %s", td.Name, m.ID)
	}
	// Rows, index entries and label maps go into sstables that Pebble
	// ingests whole (see ingester).
	ncols := len(td.Columns)
	defer db.flat.writeOutside(td.ID)()
	in, err := db.newIngester()
	if err != nil {
		return err
	}
	defer in.Close()
	// Two stages: this goroutine decodes the rows and encodes their keys
	// and values; another writes them into the sstables and the vectors
	// into the graph.
	var done int64
	batches := make(chan *importBatch, 4)
	werr := make(chan error, 1)
	go func() {
		var err error
		var lbuf []byte
		for b := range batches {
			for i := 0; i < len(b.rows) && err == nil; i++ {
				r := &b.rows[i]
				if err = in.Row(r.key, r.val); err != nil {
					break
				}
				for _, e := range r.ents {
					in.Index(e, r.rk)
				}
				if !r.labeled {
					continue
				}
				lbuf = appendLabel(lbuf[:0], r.label)
				in.Label(labelKey(td.ID, idx.ID, r.label), r.rk)
				if err = in.RowLabel(rowLabelKey(td.ID, idx.ID, r.rk), lbuf); err != nil {
					break
				}
				if r.vec != nil {
					if ferr := g.FillVector(r.label, r.vec); ferr != nil {
						err = fmt.Errorf("snapshot %s: %w", m.ID, ferr)
					}
				}
			}
			if err != nil {
				werr <- err
				for range batches {
				}
				return
			}
			importBatches.Put(b)
		}
		werr <- nil
	}()
	b := newImportBatch()
	send := func() error {
		select {
		case batches <- b:
		case err := <-werr:
			werr <- err
			return err
		}
		b = newImportBatch()
		return nil
	}
	// The decoded row's values are the reader's until the callback
	// returns: everything kept is copied into the batch.
	_, err = snapshot.ScanReader(data, data.Size(), snapshot.DataObject, got, func(r []types.Datum) error {
		row := types.Row(r[:ncols])
		ir := b.add()
		start := len(b.arena)
		var err error
		if b.arena, err = AppendRow(b.arena, row); err != nil {
			return err
		}
		vend := len(b.arena)
		b.arena = append(b.arena, rowPrefix(td.ID)...)
		b.arena = append(b.arena, r[ncols].S...)
		kend := len(b.arena)
		ir.val = b.arena[start:vend:vend]
		ir.key = b.arena[vend:kend:kend]
		ir.rk = ir.key[kend-vend-len(r[ncols].S):]
		for i := range td.Indexes {
			ix := &td.Indexes[i]
			if ix.IsVector() {
				continue
			}
			ent, _, err := indexEntryKey(nil, td, ix, row, ir.rk)
			if err != nil {
				return err
			}
			ir.ents = append(ir.ents, ent)
		}
		if r[ncols+1].K == types.KInt {
			ir.labeled, ir.label = true, uint64(r[ncols+1].I)
			vec, ok, err := indexedVector(td, idx, row)
			if err != nil {
				return err
			}
			if ok {
				ir.vec = b.keepVec(vec)
			}
		}
		done++
		if len(b.rows) == importBatchRows || len(b.arena) >= importBatchBytes {
			if err := send(); err != nil {
				return err
			}
		}
		if progress != nil && done%8192 == 0 {
			progress(done, m.Rows)
		}
		return ctx.Err()
	})
	if err == nil && len(b.rows) > 0 {
		err = send()
	}
	close(batches)
	if werr := <-werr; err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	rowsDone := time.Now()
	// Nothing is ingested before the data object is known to be the
	// snapshot's.
	if err := data.Wait(); err != nil {
		return err
	}
	if err := g.FillDone(); err != nil {
		return wrapf(err, "restore index of %q from snapshot %s", td.Name, m.ID)
	}
	if err := in.Ingest(ctx, func() { tiering.CrashPoint("before_ingest") }); err != nil {
		return err
	}
	if progress != nil {
		progress(done, m.Rows)
	}
	mt, _ := opClassMetric(idx.OpClass)
	v := wrapVindex(td.ID, idx, mt, g)
	db.mu.Lock()
	// The graph holds every row now; later changes have later log entries.
	v.applied.Store(db.ilogSeq)
	db.mu.Unlock()
	v.changes = 1
	if old := db.swapVindex(idx.ID, v); old != nil {
		old.retire() // the empty graph DropLocal left
	}
	// Until the checkpoint is written a restart rebuilds the graph from
	// the rows, which hold everything. It is written a little later, not
	// now: writing it holds the graph's lock, and the statement that
	// brought the collection back is waiting to search it.
	db.queueCheckpointLater(idx.ID, v)
	synced := time.Now()
	if err := db.Unload(ctx, id); err != nil {
		return err
	}
	db.log.Info("storage: imported collection", "table", td.Name, "rows", done,
		"rows_seconds", rowsDone.Sub(start).Seconds(), "sync_seconds", synced.Sub(rowsDone).Seconds(),
		"map_seconds", time.Since(synced).Seconds())
	return nil
}

// importBatch carries decoded rows from Import's reader to its writer.
// Batches are recycled, and with them the memory of their arenas.
type importBatch struct {
	rows   []importRow
	arena  []byte    // the rows' keys and values
	floats []float32 // their vectors
}

// importBatches keeps batches, and their arenas' memory, from one import
// to the next.
var importBatches sync.Pool

func newImportBatch() *importBatch {
	if b, ok := importBatches.Get().(*importBatch); ok {
		b.reset()
		return b
	}
	return &importBatch{
		arena:  make([]byte, 0, importBatchBytes+64<<10),
		floats: make([]float32, 0, importBatchBytes/4),
	}
}

// Limits of an importBatch.
const (
	importBatchRows  = 256
	importBatchBytes = 1 << 20
)

type importRow struct {
	key, val []byte   // the row's Pebble key and value
	rk       RowKey   // the row key, a suffix of key
	ents     [][]byte // its secondary index entries
	labeled  bool
	label    uint64
	vec      []float32 // its vector, if it has one
}

func (b *importBatch) add() *importRow {
	if len(b.rows) < cap(b.rows) {
		b.rows = b.rows[:len(b.rows)+1]
		r := &b.rows[len(b.rows)-1]
		*r = importRow{ents: r.ents[:0]}
		return r
	}
	b.rows = append(b.rows, importRow{})
	return &b.rows[len(b.rows)-1]
}

func (b *importBatch) reset() {
	b.rows = b.rows[:0]
	b.arena = b.arena[:0]
	b.floats = b.floats[:0]
}

// keepVec copies v into the batch's vectors. A vector that does not fit
// gets a new block; the rows before it keep theirs.
func (b *importBatch) keepVec(v []float32) []float32 {
	if cap(b.floats)-len(b.floats) < len(v) {
		b.floats = make([]float32, 0, max(importBatchBytes/4, len(v)))
	}
	start := len(b.floats)
	b.floats = append(b.floats, v...)
	return b.floats[start:len(b.floats):len(b.floats)]
}

// restoreCheckpointDelay is how long after a restore its graph's
// checkpoint is queued. A variable so tests can shorten it.
var restoreCheckpointDelay = 5 * time.Second

// queueCheckpointLater queues a checkpoint of v after
// restoreCheckpointDelay, if v is still the graph of index id and the DB
// is open then; Close checkpoints it in any case.
func (db *DB) queueCheckpointLater(id uint32, v *vindex) {
	time.AfterFunc(restoreCheckpointDelay, func() {
		db.mu.Lock()
		closed := db.closed
		db.mu.Unlock()
		if !closed && db.vindexes()[id] == v {
			db.queueCheckpoint(v)
		}
	})
}

// writeGraph writes v's graph without its vectors to w.
func writeGraph(v *vindex, w io.Writer) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := v.g.WriteGraphTo(bw, v.applied.Load()); err != nil {
		return err
	}
	return bw.Flush()
}

// DropLocal implements tiering.Backend: rows, index entries, the index log
// and label maps go in one durable batch, then the graph and its files.
func (db *DB) DropLocal(ctx context.Context, id uint32) error {
	return db.dropLocal(ctx, id, true)
}

// dropLocal is DropLocal; compact says whether to compact the deleted
// range at once to free its space.
func (db *DB) dropLocal(ctx context.Context, id uint32, compact bool) error {
	td, idx, old, err := db.collection(id)
	if err != nil {
		return err
	}
	if old != nil {
		db.quiesce(old)
	}
	p := tablePrefix(td.ID)
	defer db.flat.writeOutside(td.ID)()
	if err := db.pdb.DeleteRange(p, prefixEnd(p), pebble.Sync); err != nil {
		return wrapf(err, "drop local data of %q", td.Name)
	}
	// A range deletion alone leaves the rows in their files until some
	// compaction reaches them; compact the range so the space is freed now.
	if compact {
		if err := db.pdb.Compact(context.WithoutCancel(ctx), p, prefixEnd(p), false); err != nil {
			db.log.Warn("storage: compact dropped local data", "table", td.Name, "err", err)
		}
	}
	empty, err := newVindex(td.ID, idx)
	if err != nil {
		return err
	}
	db.swapVindex(idx.ID, empty)
	if old != nil {
		// Closing the graph, once no search holds it, unmaps it too.
		db.retireVindex(old)
	}
	for _, f := range []string{db.warmPath(idx.ID), db.vindexPath(idx.ID)} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			return wrapf(err, "drop local data of %q", td.Name)
		}
	}
	return nil
}

// swapVindex installs v as the committed graph of index id and returns
// the graph it replaced, if any.
func (db *DB) swapVindex(id uint32, v *vindex) *vindex {
	db.mu.Lock()
	defer db.mu.Unlock()
	m := maps.Clone(db.vindexes())
	if m == nil {
		m = make(map[uint32]*vindex)
	}
	old := m[id]
	m[id] = v
	db.vidx.Store(&m)
	return old
}

// Usage implements tiering.Backend.
func (db *DB) Usage(id uint32) tiering.Usage {
	td, idx, v, err := db.collection(id)
	if err != nil {
		return tiering.Usage{}
	}
	var u tiering.Usage
	if v != nil {
		u.Rows = int64(v.g.Len())
		u.RAMBytes = v.g.MemoryBytes() - v.g.MappedBytes()
	}
	p := tablePrefix(td.ID)
	if n, err := db.pdb.EstimateDiskUsage(p, prefixEnd(p)); err == nil {
		u.DiskBytes = int64(n)
	}
	for _, f := range []string{db.warmPath(idx.ID), db.vindexPath(idx.ID)} {
		if fi, err := os.Stat(f); err == nil {
			u.DiskBytes += fi.Size()
		}
	}
	return u
}

// freeOSMemory hands the memory of an unloaded graph back to the system
// now rather than when the runtime's scavenger gets to it.
func freeOSMemory() { debug.FreeOSMemory() }
