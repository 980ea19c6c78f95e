package storage

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/akidb/akidb/storage/hnsw"
	"github.com/cockroachdb/pebble/v2"
)

// Checkpoints of the vector indexes.
//
// Each hnsw index has a checkpoint file <dir>/vindex/<indexID>.hnsw: the
// graph as hnsw.Index.WriteTo writes it (flat, checksummed), stamped with
// the index log sequence it covers. It is written to a temporary file,
// synced, renamed over the old one and the directory synced, so a crash
// leaves the old or the new file whole. Once it is durable the index log
// entries it covers are deleted.
//
// A checkpoint is taken in the background after enough changes (see
// checkpointDue), after an index is built, and for every changed index on
// Close.

const vindexDir = "vindex"

// Checkpoint policy: a checkpoint is due after ckptMaxChanges changes, or
// after a quarter of the graph changed and at least ckptMinChanges
// changes (replaying fewer costs little). Variables so tests can lower them.
var (
	ckptMinChanges = 1000
	ckptMaxChanges = 10000
)

func checkpointDue(changes, size int) bool {
	if changes <= 0 {
		return false
	}
	return changes >= ckptMaxChanges || (changes >= ckptMinChanges && changes*4 >= size)
}

func (db *DB) vindexPath(id uint32) string {
	return filepath.Join(db.dir, vindexDir, strconv.FormatUint(uint64(id), 10)+".hnsw")
}

// startCheckpointer starts the goroutine that writes queued checkpoints.
func (db *DB) startCheckpointer() {
	db.ckptCh = make(chan *vindex, 64)
	db.ckptStop = make(chan struct{})
	db.ckptDone = make(chan struct{})
	go func() {
		defer close(db.ckptDone)
		for {
			select {
			case <-db.ckptStop:
				return
			case v := <-db.ckptCh:
				v.queued.Store(false)
				if err := db.checkpoint(v); err != nil {
					db.log.Warn("storage: vector index checkpoint", "index", v.id, "err", err)
				}
				// Checkpoints follow bursts of changes, which grow the
				// graph's arrays by copying: return the old copies.
				freeOSMemory()
			}
		}
	}()
}

// queueCheckpoint asks the background writer for a checkpoint of v.
func (db *DB) queueCheckpoint(v *vindex) {
	if !v.queued.CompareAndSwap(false, true) {
		return
	}
	select {
	case db.ckptCh <- v:
	default:
		v.queued.Store(false) // the writer is busy; a later change asks again
	}
}

// stopCheckpointer stops the background writer, waiting for a checkpoint
// in progress, then checkpoints every index changed since its last one.
func (db *DB) stopCheckpointer() error {
	if db.ckptStop == nil {
		return nil
	}
	close(db.ckptStop)
	<-db.ckptDone
	var first error
	for _, v := range db.vindexes() {
		v.mu.Lock()
		dirty := v.changes > 0 || !v.hasCkpt.Load() || v.ckptSeq.Load() != v.applied.Load()
		v.mu.Unlock()
		if !dirty {
			continue
		}
		if err := db.checkpoint(v); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// checkpoint writes v's graph to its checkpoint file and deletes the index
// log entries it covers.
func (db *DB) checkpoint(v *vindex) (err error) {
	v.fileMu.Lock()
	defer v.fileMu.Unlock()
	path := db.vindexPath(v.id)
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)

	v.mu.Lock()
	if v.dropped {
		v.mu.Unlock()
		return errors.New("index dropped")
	}
	seq := v.applied.Load()
	changes := v.changes
	_, err = v.g.WriteTo(bw, seq)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		v.changes -= changes
	}
	v.mu.Unlock()
	if err != nil {
		return err
	}

	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	if err = syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	v.ckptSeq.Store(seq)
	v.hasCkpt.Store(true)
	db.vecCheckpoints.Add(1)
	// The log up to seq is no longer needed. Losing this deletion in a
	// crash only means replaying entries the checkpoint already has.
	if err := db.pdb.DeleteRange(ilogKey(v.tableID, v.id, 0), ilogKey(v.tableID, v.id, seq+1), pebble.NoSync); err != nil {
		db.log.Warn("storage: truncate vector index log", "index", v.id, "err", err)
	}
	return nil
}

// retireVindex marks a dropped index, removes its checkpoint file and
// retires its graph, which is closed (its memory freed) once no search
// holds it.
func (db *DB) retireVindex(v *vindex) {
	v.mu.Lock()
	v.dropped = true
	v.cond.Broadcast()
	v.mu.Unlock()
	v.fileMu.Lock()
	path := db.vindexPath(v.id)
	for _, p := range []string{path, path + ".tmp"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			db.log.Warn("storage: remove vector index checkpoint", "index", v.id, "err", err)
		}
	}
	v.fileMu.Unlock()
	v.retire()
}

// readCheckpoint loads the checkpoint of an index. A missing file gives
// os.ErrNotExist.
func readCheckpoint(path string) (*hnsw.Index, uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	g, seq, err := hnsw.Read(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, 0, err
	}
	return g, seq, nil
}

// removeStaleCheckpoints deletes temporary files and the checkpoints of
// indexes that no longer exist (dropped before a crash removed the file).
func (db *DB) removeStaleCheckpoints(live map[uint32]bool) {
	dir := filepath.Join(db.dir, vindexDir)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		name := e.Name()
		stale := strings.HasSuffix(name, ".tmp")
		if id, ok := strings.CutSuffix(name, ".hnsw"); ok {
			n, err := strconv.ParseUint(id, 10, 32)
			stale = err != nil || !live[uint32(n)]
		}
		if stale {
			if err := os.Remove(filepath.Join(dir, name)); err != nil {
				db.log.Warn("storage: remove stale vector index file", "file", name, "err", err)
			}
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
