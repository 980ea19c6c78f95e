package snapshot_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akidb/akidb/tiering/snapshot"
	"github.com/akidb/akidb/types"
)

// gateStore delivers the first half of each data object, then waits for
// its gate to open before the rest.
type gateStore struct {
	*testStore
	gate chan struct{}
}

func (s *gateStore) Get(ctx context.Context, key string, w io.WriterAt) (int64, error) {
	if !strings.HasSuffix(key, snapshot.DataObject) {
		return s.testStore.Get(ctx, key, w)
	}
	b, err := os.ReadFile(s.path(key))
	if err != nil {
		return 0, err
	}
	half := len(b) / 2
	if _, err := w.WriteAt(b[:half], 0); err != nil {
		return 0, err
	}
	select {
	case <-s.gate:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	if _, err := w.WriteAt(b[half:], int64(half)); err != nil {
		return 0, err
	}
	return int64(len(b)), nil
}

// A fetched object can be read while it arrives: bytes that are in are
// read at once, a read of bytes still missing waits for them, and Wait
// ends once the object is whole and checked.
func TestStreamReadsWhileArriving(t *testing.T) {
	ctx := context.Background()
	store := &gateStore{testStore: newDirStore(t), gate: make(chan struct{})}
	files, info := snapshotFiles(t, t.TempDir(), 2000)
	m := newManifest(4, time.Now(), info.Rows)
	if err := snapshot.Upload(ctx, store, "", m, files, nil); err != nil {
		t.Fatal(err)
	}
	fe, err := snapshot.StartFetch(ctx, store, "", 4, m.ID, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fe.Close()
	data := fe.Objects[snapshot.DataObject]
	want, err := os.ReadFile(files[snapshot.DataObject])
	if err != nil {
		t.Fatal(err)
	}
	if data.Size() != int64(len(want)) {
		t.Fatalf("size %d, want %d", data.Size(), len(want))
	}
	head := make([]byte, 1000)
	if _, err := data.ReadAt(head, 0); err != nil || !bytes.Equal(head, want[:1000]) {
		t.Fatalf("read of arrived bytes: %v", err)
	}
	tail := make([]byte, 100)
	got := make(chan error, 1)
	go func() {
		_, err := data.ReadAt(tail, int64(len(want)-100))
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a read of bytes not yet downloaded returned: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(store.gate)
	if err := <-got; err != nil || !bytes.Equal(tail, want[len(want)-100:]) {
		t.Fatalf("read of the tail once it arrived: %v", err)
	}
	if err := fe.Wait(); err != nil {
		t.Fatal(err)
	}
	checkTestRows(t, func(fn func([]types.Datum) error) (int64, error) {
		return snapshot.ScanReader(data, data.Size(), data.Name(), fe.Manifest.Schema(), fn)
	}, 2000)
}

// A fetched object whose bytes do not match the manifest fails Wait with
// an error naming it, and reads once the mismatch is known; a download
// that fails makes waiting reads fail too.
func TestStreamFailures(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	files, info := snapshotFiles(t, t.TempDir(), 500)
	m := newManifest(5, time.Now(), info.Rows)
	if err := snapshot.Upload(ctx, store, "", m, files, nil); err != nil {
		t.Fatal(err)
	}
	key := snapshot.ObjectKey("", 5, m.ID, snapshot.DataObject)
	b, err := os.ReadFile(store.path(key))
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(store.path(key), b, 0o644); err != nil {
		t.Fatal(err)
	}
	fe, err := snapshot.StartFetch(ctx, store, "", 5, m.ID, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	data := fe.Objects[snapshot.DataObject]
	if err := data.Wait(); err == nil || !strings.Contains(err.Error(), "object data.parquet: checksum mismatch") {
		t.Fatalf("Wait = %v, want a checksum mismatch naming data.parquet", err)
	}
	if _, err := data.ReadAt(make([]byte, 10), 0); err == nil || !strings.Contains(err.Error(), "checksum mismatch") {
		t.Fatalf("read of an object known to be damaged: %v", err)
	}
	if err := fe.Wait(); err == nil {
		t.Fatal("Fetch.Wait succeeded with a damaged object")
	}
	fe.Close()

	// The download fails: a read waiting for its bytes gets the error.
	gs := &gateStore{testStore: store, gate: make(chan struct{})}
	fe, err = snapshot.StartFetch(ctx, gs, "", 5, m.ID, filepath.Join(t.TempDir(), "x"), nil)
	if err != nil {
		t.Fatal(err)
	}
	data = fe.Objects[snapshot.DataObject]
	got := make(chan error, 1)
	go func() {
		_, err := data.ReadAt(make([]byte, 10), data.Size()-10)
		got <- err
	}()
	time.Sleep(20 * time.Millisecond)
	fe.Close() // cancels the download, which is waiting at its gate
	if err := <-got; err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("read after the download failed: %v", err)
	}
}
