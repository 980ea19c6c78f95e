package snapshot_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/snapshot"
	"github.com/akidb/akidb/types"
)

// streamSnapshot writes a snapshot of n rows and a graph through a
// Writer, the graph's object open while the rows are written, and
// returns the graph's bytes.
func streamSnapshot(t *testing.T, w *snapshot.Writer[tiering.ObjectInfo], n int) []byte {
	t.Helper()
	gw, err := w.Create(snapshot.GraphObject)
	if err != nil {
		t.Fatal(err)
	}
	graph := []byte(strings.Repeat("graph bytes ", 10_000))
	if _, err := gw.Write(graph); err != nil {
		t.Fatal(err)
	}
	dw, err := w.Create(snapshot.DataObject)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := snapshot.Write(dw, testCols, testRows(n))
	if err != nil || rows != int64(n) {
		t.Fatalf("Write: %d rows, %v", rows, err)
	}
	if err := dw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gw.Close(); err != nil {
		t.Fatal(err)
	}
	return graph
}

// The objects of a streamed snapshot are stored as they are written, and
// it exists once Commit has put its manifest: a Download then gets back
// the same rows and bytes, checked against the manifest's checksums.
func TestWriterRoundTrip(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	m := newManifest(7, time.Now(), 3000)
	var progress []int64
	w, err := snapshot.NewWriter(ctx, store, "akidb", m, func(b int64) { progress = append(progress, b) })
	if err != nil {
		t.Fatal(err)
	}
	graph := streamSnapshot(t, w, 3000)
	prefix := "akidb/collections/7/snapshots/" + m.ID + "/"
	if got, want := keys(t, store), []string{prefix + "data.parquet", prefix + "graph.hnsw"}; !slices.Equal(got, want) {
		t.Fatalf("keys before Commit %v, want %v", got, want)
	}
	if snaps, err := snapshot.List(ctx, store, "akidb", 7); err != nil || len(snaps) != 0 {
		t.Fatalf("List before Commit: %v, %v", snaps, err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(progress) == 0 || !slices.IsSorted(progress) || progress[len(progress)-1] != w.Bytes() {
		t.Errorf("progress %v, want increasing to %d", progress, w.Bytes())
	}
	if names := []string{m.Objects[0].Name, m.Objects[1].Name}; len(m.Objects) != 2 || !slices.Equal(names, []string{snapshot.DataObject, snapshot.GraphObject}) {
		t.Fatalf("manifest objects %+v", m.Objects)
	}

	got, paths, err := snapshot.Download(ctx, store, "akidb", 7, m.ID, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Objects, m.Objects) {
		t.Errorf("downloaded manifest objects %+v, want %+v", got.Objects, m.Objects)
	}
	if b, err := os.ReadFile(paths[snapshot.GraphObject]); err != nil || string(b) != string(graph) {
		t.Errorf("graph object: %d bytes, %v", len(b), err)
	}
	checkTestRows(t, func(fn func([]types.Datum) error) (int64, error) {
		return snapshot.ReadFile(paths[snapshot.DataObject], got.Schema(), fn)
	}, 3000)
}

// A streamed snapshot that fails, wherever it fails, leaves nothing in the
// store, and its error names what failed.
func TestWriterFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		fail  func(op, key string) error
		abort bool   // the caller aborts after the failure
		want  string // in the error
	}{
		{"object write", func(op, key string) error {
			if op == "write" && strings.HasSuffix(key, snapshot.DataObject) {
				return errors.New("disk full")
			}
			return nil
		}, true, "object data.parquet"},
		{"stat", func(op, key string) error {
			if op == "stat" && strings.HasSuffix(key, snapshot.GraphObject) {
				return errors.New("stat refused")
			}
			return nil
		}, true, "object graph.hnsw"},
		{"manifest", func(op, key string) error {
			if op == "put" && strings.HasSuffix(key, snapshot.ManifestObject) {
				return errors.New("put refused")
			}
			return nil
		}, false, "manifest.json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			store := newDirStore(t)
			m := newManifest(7, time.Now(), 100)
			w, err := snapshot.NewWriter(ctx, store, "", m, nil)
			if err != nil {
				t.Fatal(err)
			}
			store.setFail(c.fail)
			err = streamSnapshotErr(w, 100)
			if err == nil {
				err = w.Commit()
			} else if c.abort {
				w.Abort(err)
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %q", err, c.want)
			}
			store.setFail(nil)
			if got := keys(t, store); len(got) != 0 {
				t.Fatalf("keys left after the failure: %v", got)
			}
			if err := w.Commit(); err == nil {
				t.Fatal("Commit after the failure succeeded")
			}
		})
	}
}

// streamSnapshotErr is streamSnapshot that returns the first error.
func streamSnapshotErr(w *snapshot.Writer[tiering.ObjectInfo], n int) error {
	gw, err := w.Create(snapshot.GraphObject)
	if err != nil {
		return err
	}
	if _, err := gw.Write([]byte("graph")); err != nil {
		return err
	}
	if err := gw.Close(); err != nil {
		return err
	}
	dw, err := w.Create(snapshot.DataObject)
	if err != nil {
		return err
	}
	i := 0
	_, err = snapshot.Write(dw, testCols, func() ([]types.Datum, bool, error) {
		if i == n {
			return nil, false, nil
		}
		i++
		return []types.Datum{types.NewInt(int64(i)), types.Null, types.Null}, true, nil
	})
	if cerr := dw.Close(); err == nil {
		err = cerr
	}
	return err
}

// Abort stops objects still being written, and Commit refuses to run
// while one is: either way nothing stays in the store, nor in the local
// store's directory.
func TestWriterAbort(t *testing.T) {
	ctx := context.Background()
	for _, commit := range []bool{false, true} {
		store := newDirStore(t)
		m := newManifest(7, time.Now(), 0)
		w, err := snapshot.NewWriter(ctx, store, "", m, nil)
		if err != nil {
			t.Fatal(err)
		}
		gw, err := w.Create(snapshot.GraphObject)
		if err != nil {
			t.Fatal(err)
		}
		if err := gw.Close(); err != nil {
			t.Fatal(err)
		}
		dw, err := w.Create(snapshot.DataObject)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := dw.Write(make([]byte, 5<<20)); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := w.Commit(); err == nil || !strings.Contains(err.Error(), "still being written") {
				t.Fatalf("Commit with an open object: %v", err)
			}
		} else {
			w.Abort(nil)
		}
		if got := keys(t, store); len(got) != 0 {
			t.Fatalf("keys left after an abort: %v", got)
		}
		var files []string
		filepath.WalkDir(store.Dir(), func(p string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				files = append(files, p)
			}
			return nil
		})
		if len(files) != 0 {
			t.Fatalf("files left in the store's directory: %v", files)
		}
		if _, err := dw.Write([]byte("x")); err == nil {
			t.Fatal("write to an abandoned object succeeded")
		}
	}
}
