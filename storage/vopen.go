package storage

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// vecOpenStats counts what Open did to bring the vector indexes back.
type vecOpenStats struct {
	loaded   int // indexes loaded from a checkpoint
	rebuilt  int // indexes rebuilt from their rows
	replayed int // index log operations replayed onto loaded checkpoints
}

// openVectorIndexes brings every hnsw index of the committed catalog into
// memory: from its checkpoint, replaying the index log after it, or, when
// there is no usable checkpoint, by rebuilding the graph from the rows.
func (db *DB) openVectorIndexes() error {
	if err := os.MkdirAll(filepath.Join(db.dir, vindexDir), 0o755); err != nil {
		return wrapf(err, "create vector index directory")
	}
	m := make(map[uint32]*vindex)
	live := make(map[uint32]bool)
	type rebuild struct {
		td  *TableDesc
		idx *IndexDesc
		v   *vindex
	}
	var rebuilds []rebuild
	var maxSeq uint64
	for _, td := range db.cat.Load().sorted {
		for i := range td.Indexes {
			idx := &td.Indexes[i]
			if !idx.IsVector() {
				continue
			}
			live[idx.ID] = true
			last, err := db.lastILogSeq(td.ID, idx.ID)
			if err != nil {
				return err
			}
			maxSeq = max(maxSeq, last)
			v, err := db.loadVindex(td, idx)
			if err != nil {
				return err
			}
			if v == nil {
				if v, err = newVindex(td.ID, idx); err != nil {
					return err
				}
				rebuilds = append(rebuilds, rebuild{td, idx, v})
			} else {
				maxSeq = max(maxSeq, v.applied.Load())
			}
			m[idx.ID] = v
		}
	}
	db.ilogSeq = maxSeq
	for _, r := range rebuilds {
		if err := db.rebuildVindex(r.td, r.idx, r.v); err != nil {
			return err
		}
		r.v.applied.Store(maxSeq)
	}
	db.vidx.Store(&m)
	db.removeStaleCheckpoints(live)
	db.startCheckpointer()
	for _, r := range rebuilds {
		db.queueCheckpoint(r.v)
	}
	return nil
}

// lastILogSeq returns the sequence of the last index log entry of an
// index, or 0.
func (db *DB) lastILogSeq(tableID, indexID uint32) (uint64, error) {
	p := vecPrefix(tableID, tableILog, indexID)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return 0, wrapf(err, "read index log")
	}
	defer it.Close()
	if !it.Last() {
		return 0, it.Error()
	}
	k := it.Key()
	if len(k) != len(p)+8 {
		return 0, pgerr.New(pgerr.DataCorrupted, "storage: corrupt index log key")
	}
	return binary.BigEndian.Uint64(k[len(p):]), nil
}

// loadVindex loads an index's checkpoint and replays the index log after
// it. It returns nil when there is no usable checkpoint.
func (db *DB) loadVindex(td *TableDesc, idx *IndexDesc) (*vindex, error) {
	path := db.vindexPath(idx.ID)
	start := time.Now()
	g, seq, err := readCheckpoint(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err == nil && g.Dim() != idx.Dims {
		err = errors.New("dimensions differ from the index's")
	}
	if err != nil {
		db.log.Warn("storage: unusable vector index checkpoint; rebuilding from rows",
			"index", idx.Name, "file", path, "err", err)
		return nil, nil
	}
	m, _ := opClassMetric(idx.OpClass)
	v := wrapVindex(td.ID, idx, m, g)
	v.ckptSeq.Store(seq)
	v.hasCkpt.Store(true)
	v.applied.Store(seq)
	n, last, err := db.replayILog(td, idx, v, seq)
	if err != nil {
		return nil, err
	}
	v.applied.Store(max(seq, last))
	v.changes = n
	db.vecOpen.loaded++
	db.vecOpen.replayed += n
	db.log.Info("storage: loaded vector index", "index", idx.Name, "vectors", g.Len(),
		"checkpoint_seq", seq, "replayed", n, "seconds", time.Since(start).Seconds())
	return v, nil
}

// replayILog brings a graph loaded from a checkpoint covering seq up to
// date with the index log entries after seq. Each label an entry names is
// set to what the rows say now: present with its row's vector when its
// label entry exists, absent otherwise. That makes replay idempotent and
// independent of entry order. It returns the number of entries replayed
// and the last sequence seen.
func (db *DB) replayILog(td *TableDesc, idx *IndexDesc, v *vindex, seq uint64) (n int, last uint64, err error) {
	p := vecPrefix(td.ID, tableILog, idx.ID)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: ilogKey(td.ID, idx.ID, seq+1), UpperBound: prefixEnd(p)})
	if err != nil {
		return 0, 0, wrapf(err, "read index log")
	}
	defer it.Close()
	touched := make(map[uint64]bool)
	var order []uint64
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		val, err := it.ValueAndErr()
		if err != nil {
			return 0, 0, wrapf(err, "read index log")
		}
		if len(k) != len(p)+8 || len(val) < 1 || val[0] != ilogFormat || (len(val)-1)%9 != 0 {
			return 0, 0, pgerr.New(pgerr.DataCorrupted, "storage: corrupt index log entry of index %q", idx.Name)
		}
		last = binary.BigEndian.Uint64(k[len(p):])
		for b := val[1:]; len(b) > 0; b = b[9:] {
			n++
			l := binary.BigEndian.Uint64(b[1:9])
			if !touched[l] {
				touched[l] = true
				order = append(order, l)
			}
		}
	}
	if err := it.Error(); err != nil {
		return 0, 0, wrapf(err, "read index log")
	}
	var labels []uint64
	var vecs [][]float32
	for _, l := range order {
		v.g.Delete(l)
		key, ok, err := getValue(db.pdb, labelKey(td.ID, idx.ID, l))
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			continue
		}
		rv, ok, err := getValue(db.pdb, rowKey(td.ID, key))
		if err != nil {
			return 0, 0, err
		}
		if !ok {
			return 0, 0, pgerr.New(pgerr.DataCorrupted, "storage: vector label without a row in table %q", td.Name)
		}
		vec, ok, err := rowVector(td, idx, rv)
		if err != nil {
			return 0, 0, err
		}
		if ok {
			labels = append(labels, l)
			vecs = append(vecs, vec)
		}
	}
	if len(labels) > 0 {
		if err := v.g.AddBatch(labels, vecs, buildWorkers); err != nil {
			return 0, 0, wrapf(err, "replay index log of %q", idx.Name)
		}
	}
	return n, last, nil
}

// rowVector decodes a row value and returns its vector for idx.
func rowVector(td *TableDesc, idx *IndexDesc, val []byte) ([]float32, bool, error) {
	row := make(types.Row, len(td.Columns))
	if err := decodeRowInto(val, row); err != nil {
		return nil, false, err
	}
	return indexedVector(td, idx, row)
}

// rebuildVindex fills an empty graph from the committed rows that have a
// label in idx, and deletes the index log, which the rows make redundant.
func (db *DB) rebuildVindex(td *TableDesc, idx *IndexDesc, v *vindex) error {
	start := time.Now()
	db.log.Info("storage: rebuilding vector index from rows", "index", idx.Name, "table", td.Name)
	wp := vecPrefix(td.ID, tableVecRowKeys, idx.ID)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: wp, UpperBound: prefixEnd(wp)})
	if err != nil {
		return wrapf(err, "rebuild vector index")
	}
	defer it.Close()
	rp := rowPrefix(td.ID)
	rows, err := it.Clone(pebble.CloneOptions{IterOptions: &pebble.IterOptions{LowerBound: rp, UpperBound: prefixEnd(rp)}})
	if err != nil {
		return wrapf(err, "rebuild vector index")
	}
	defer rows.Close()
	b := newGraphBuilder(v)
	defer b.close()
	for ok := it.First(); ok; ok = it.Next() {
		lv, err := it.ValueAndErr()
		if err != nil {
			return wrapf(err, "rebuild vector index")
		}
		label, err := decodeLabel(lv)
		if err != nil {
			return err
		}
		k := rowKey(td.ID, it.Key()[len(wp):])
		if !rows.SeekGE(k) || !bytes.Equal(rows.Key(), k) {
			return pgerr.New(pgerr.DataCorrupted, "storage: vector label without a row in table %q", td.Name)
		}
		rv, err := rows.ValueAndErr()
		if err != nil {
			return wrapf(err, "rebuild vector index")
		}
		vec, ok, err := rowVector(td, idx, rv)
		if err != nil {
			return err
		}
		if ok {
			if err := b.add(label, vec); err != nil {
				return err
			}
		}
	}
	if err := it.Error(); err != nil {
		return wrapf(err, "rebuild vector index")
	}
	if err := b.finish(); err != nil {
		return err
	}
	lp := vecPrefix(td.ID, tableILog, idx.ID)
	if err := db.pdb.DeleteRange(lp, prefixEnd(lp), pebble.Sync); err != nil {
		return wrapf(err, "rebuild vector index")
	}
	v.changes = v.g.Len()
	db.vecOpen.rebuilt++
	db.log.Info("storage: rebuilt vector index", "index", idx.Name, "vectors", v.g.Len(),
		"seconds", time.Since(start).Seconds())
	return nil
}

// graphBuilder adds vectors to a graph in batches of buildBatch, built on
// buildWorkers goroutines by AddBatch. The batches are built by a
// goroutine of their own, so the caller reads and decodes the next batch
// of rows meanwhile instead of leaving the cores idle. The caller must
// call finish (or close, on an error path) when done.
type graphBuilder struct {
	v      *vindex
	labels []uint64
	vecs   [][]float32

	work    chan builderBatch // to the worker; nil until the first flush
	done    chan error        // the worker's one result, when it ends
	stopped bool              // the worker has ended (with err)
	err     error
}

type builderBatch struct {
	labels []uint64
	vecs   [][]float32
}

const buildBatch = 4096

func newGraphBuilder(v *vindex) *graphBuilder { return &graphBuilder{v: v} }

func (b *graphBuilder) add(label uint64, vec []float32) error {
	b.labels = append(b.labels, label)
	b.vecs = append(b.vecs, vec)
	if len(b.labels) >= buildBatch {
		return b.flush()
	}
	return nil
}

// flush hands the pending vectors to the worker, starting it if need be.
// It waits only while the worker still builds the batch before last, so
// at most three batches are held at once.
func (b *graphBuilder) flush() error {
	if b.stopped {
		return b.err
	}
	if len(b.labels) == 0 {
		return nil
	}
	if b.work == nil {
		work, done, g := make(chan builderBatch, 1), make(chan error, 1), b.v.g
		b.work, b.done = work, done
		go func() {
			var err error
			for bb := range work {
				if err = g.AddBatch(bb.labels, bb.vecs, buildWorkers); err != nil {
					err = wrapf(err, "build vector index")
					break
				}
			}
			done <- err
		}()
	}
	select {
	case b.work <- builderBatch{b.labels, b.vecs}:
	case b.err = <-b.done:
		b.stopped = true
		return b.err
	}
	// The worker owns the sent slices now.
	b.labels = make([]uint64, 0, buildBatch)
	b.vecs = make([][]float32, 0, buildBatch)
	return nil
}

// finish builds the pending vectors and waits for the worker: when it
// returns nil, every vector added is in the graph.
func (b *graphBuilder) finish() error {
	if err := b.flush(); err != nil {
		return err
	}
	return b.close()
}

// close stops the worker once it has built what it was given, and
// returns its error. Closing twice does nothing.
func (b *graphBuilder) close() error {
	if b.work == nil || b.stopped {
		return b.err
	}
	close(b.work)
	b.err = <-b.done
	b.stopped = true
	return b.err
}
