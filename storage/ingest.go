package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/cockroachdb/pebble/v2/objstorage/objstorageprovider"
	"github.com/cockroachdb/pebble/v2/sstable"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/akidb/akidb/pgerr"
)

// ingestDir holds the sstables a restore builds before Pebble ingests
// them; it sits in the data directory so that ingestion can hard-link
// them. What a crash leaves there is removed at Open.
const ingestDir = "ingest-tmp"

// ingester builds the sstables of one restored table straight from its
// rows and ingests them in one step, instead of writing the rows through
// the memtable and the WAL. Keys go to one sstable per sub-space of the
// table, whose ranges do not overlap: rows (/t/<id>/r) and row labels
// (/t/<id>/w) arrive in row-key order and are written as they come;
// index entries (/t/<id>/i) and labels (/t/<id>/v) arrive in another
// order and are sorted first.
type ingester struct {
	db     *DB
	dir    string
	wopts  sstable.WriterOptions
	rows   *sstWriter
	rlabel *sstWriter
	index  []kv
	labels []kv
	arena  []byte
}

type kv struct{ k, v []byte }

// sstWriter writes one sstable, checking that its keys strictly increase.
type sstWriter struct {
	path string
	w    *sstable.Writer
	last []byte
	n    int
}

func (db *DB) newIngester() (*ingester, error) {
	root := filepath.Join(db.dir, ingestDir)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, wrapf(err, "restore rows")
	}
	dir, err := os.MkdirTemp(root, "restore-")
	if err != nil {
		return nil, wrapf(err, "restore rows")
	}
	opts := pebbleOptions(db.pdb.FormatMajorVersion(), pebbleLogger{db.log})
	wopts := opts.MakeWriterOptions(6, db.pdb.TableFormat())
	return &ingester{db: db, dir: dir, wopts: wopts}, nil
}

// ingestBytesPerSync is how much of a restored sstable is written before
// its writeback is started.
const ingestBytesPerSync = 1 << 20

func (in *ingester) open(name string) (*sstWriter, error) {
	path := filepath.Join(in.dir, name+".sst")
	f, err := vfs.Default.Create(path, vfs.WriteCategoryUnspecified)
	if err != nil {
		return nil, err
	}
	// Writeback starts as the table is written rather than all at once
	// when the ingest syncs it.
	f = vfs.NewSyncingFile(f, vfs.SyncingFileOptions{BytesPerSync: ingestBytesPerSync})
	return &sstWriter{path: path, w: sstable.NewWriter(objstorageprovider.NewFileWritable(f), in.wopts)}, nil
}

// errOrder is a restore whose keys are out of order or repeated: the
// snapshot's rows are not what an export writes.
func errOrder(what string, k []byte) error {
	return pgerr.New(pgerr.DataCorrupted, "restore: %s key %x out of order or repeated", what, k)
}

func (s *sstWriter) set(what string, k, v []byte) error {
	if s.n > 0 && bytes.Compare(k, s.last) <= 0 {
		return errOrder(what, k)
	}
	s.last = append(s.last[:0], k...)
	s.n++
	return s.w.Set(k, v)
}

// Row adds a row; rows come in strictly increasing key order.
func (in *ingester) Row(k, v []byte) error { return in.setOrdered(&in.rows, "rows", "row", k, v) }

// RowLabel adds a row key -> label entry, in row-key order.
func (in *ingester) RowLabel(k, v []byte) error {
	return in.setOrdered(&in.rlabel, "rowlabels", "row label", k, v)
}

// setOrdered adds k -> v to the sstable *w (named name, opened on its
// first key), whose keys must strictly increase.
func (in *ingester) setOrdered(w **sstWriter, name, what string, k, v []byte) error {
	if *w == nil {
		sw, err := in.open(name)
		if err != nil {
			return wrapf(err, "restore rows")
		}
		*w = sw
	}
	return (*w).set(what, k, v)
}

func (in *ingester) keep(k, v []byte) kv {
	if cap(in.arena)-len(in.arena) < len(k)+len(v) {
		in.arena = make([]byte, 0, max(1<<20, len(k)+len(v)))
	}
	start := len(in.arena)
	in.arena = append(in.arena, k...)
	in.arena = append(in.arena, v...)
	b := in.arena[start:len(in.arena):len(in.arena)]
	return kv{k: b[:len(k):len(k)], v: b[len(k):]}
}

// Index adds a secondary index entry, in any order.
func (in *ingester) Index(k, v []byte) { in.index = append(in.index, in.keep(k, v)) }

// Label adds a label -> row key entry, in any order.
func (in *ingester) Label(k, v []byte) { in.labels = append(in.labels, in.keep(k, v)) }

func (in *ingester) writeSorted(name, what string, kvs []kv) (string, error) {
	if len(kvs) == 0 {
		return "", nil
	}
	slices.SortFunc(kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
	w, err := in.open(name)
	if err != nil {
		return "", err
	}
	for _, e := range kvs {
		if err := w.set(what, e.k, e.v); err != nil {
			w.w.Close()
			return "", err
		}
	}
	return w.path, w.w.Close()
}

// Ingest finishes the sstables and ingests them into the DB, durably.
// The ingested keys are newer than every key of the DB.
func (in *ingester) Ingest(ctx context.Context, beforeIngest func()) error {
	var paths []string
	for _, w := range []*sstWriter{in.rows, in.rlabel} {
		if w == nil {
			continue
		}
		err := w.w.Close()
		w.w = nil
		if err != nil {
			return wrapf(err, "restore rows")
		}
		paths = append(paths, w.path)
	}
	for _, s := range []struct {
		name, what string
		kvs        []kv
	}{{"index", "index", in.index}, {"labels", "label", in.labels}} {
		p, err := in.writeSorted(s.name, s.what, s.kvs)
		if err != nil {
			var pe *pgerr.Error
			if errors.As(err, &pe) {
				return err
			}
			return wrapf(err, "restore rows")
		}
		if p != "" {
			paths = append(paths, p)
		}
	}
	in.index, in.labels, in.arena = nil, nil, nil
	if len(paths) == 0 {
		return nil
	}
	if beforeIngest != nil {
		beforeIngest()
	}
	if err := in.db.pdb.Ingest(context.WithoutCancel(ctx), paths); err != nil {
		return wrapf(err, "restore rows: ingest")
	}
	return nil
}

// Close removes the ingester's files; Pebble holds its own links to
// ingested ones.
func (in *ingester) Close() {
	for _, w := range []*sstWriter{in.rows, in.rlabel} {
		if w != nil && w.w != nil {
			w.w.Close()
			w.w = nil
		}
	}
	if err := os.RemoveAll(in.dir); err != nil {
		in.db.log.Warn("storage: remove restore files", "dir", in.dir, "err", err)
	}
}

// cleanIngestDir removes the sstables of restores a crash interrupted.
func cleanIngestDir(dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, ingestDir)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove %s: %w", ingestDir, err)
	}
	return nil
}
