package snapshot_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/objstore"
	"github.com/akidb/akidb/tiering/snapshot"
	"github.com/akidb/akidb/types"
)

// testStore is the local-directory object store with a hook to make
// operations fail.
type testStore struct {
	*objstore.Local

	mu   sync.Mutex
	fail func(op, key string) error
}

var _ tiering.ObjectStore = (*testStore)(nil)

func newDirStore(t *testing.T) *testStore {
	l, err := objstore.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return &testStore{Local: l}
}

func (s *testStore) setFail(f func(op, key string) error) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

func (s *testStore) check(op, key string) error {
	s.mu.Lock()
	f := s.fail
	s.mu.Unlock()
	if f != nil {
		return f(op, key)
	}
	return nil
}

// path is the file that holds key.
func (s *testStore) path(key string) string { return filepath.Join(s.Dir(), filepath.FromSlash(key)) }

func (s *testStore) Put(ctx context.Context, key string, r io.ReaderAt, size int64) error {
	if err := s.check("put", key); err != nil {
		return err
	}
	return s.Local.Put(ctx, key, r, size)
}

func (s *testStore) Get(ctx context.Context, key string, w io.WriterAt) (int64, error) {
	if err := s.check("get", key); err != nil {
		return 0, err
	}
	return s.Local.Get(ctx, key, w)
}

func (s *testStore) Stat(ctx context.Context, key string) (tiering.ObjectInfo, error) {
	if err := s.check("stat", key); err != nil {
		return tiering.ObjectInfo{}, err
	}
	return s.Local.Stat(ctx, key)
}

func (s *testStore) List(ctx context.Context, prefix string) ([]tiering.ObjectInfo, error) {
	if err := s.check("list", prefix); err != nil {
		return nil, err
	}
	return s.Local.List(ctx, prefix)
}

func (s *testStore) Delete(ctx context.Context, key string) error {
	if err := s.check("delete", key); err != nil {
		return err
	}
	return s.Local.Delete(ctx, key)
}

// Create starts an object whose writes fail once the hook fails "write"
// for its key.
func (s *testStore) Create(ctx context.Context, key string) (io.WriteCloser, error) {
	if err := s.check("create", key); err != nil {
		return nil, err
	}
	w, err := s.Local.Create(ctx, key)
	if err != nil {
		return nil, err
	}
	return &testObjectWriter{s: s, key: key, w: w}, nil
}

type testObjectWriter struct {
	s   *testStore
	key string
	w   io.WriteCloser
}

func (w *testObjectWriter) Write(p []byte) (int, error) {
	if err := w.s.check("write", w.key); err != nil {
		return 0, err
	}
	return w.w.Write(p)
}

func (w *testObjectWriter) Close() error { return w.w.Close() }

// keys lists every key in the store.
func keys(t *testing.T, s tiering.ObjectStore) []string {
	t.Helper()
	infos, err := s.List(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, oi := range infos {
		out = append(out, oi.Key)
	}
	return out
}

var testCols = []snapshot.Column{
	{Name: "id", Type: types.Int8, NotNull: true},
	{Name: "title", Type: types.Text},
	{Name: "embedding", Type: types.T{OID: types.VectorOID, Mod: 16}},
}

// testRows returns a generator of n rows of testCols: row i (from 1) is
// (i, "row i", [i-1, i-1+1/16, ...]).
func testRows(n int) func() ([]types.Datum, bool, error) {
	i := 0
	vec := make([]float32, 16)
	return func() ([]types.Datum, bool, error) {
		if i == n {
			return nil, false, nil
		}
		for j := range vec {
			vec[j] = float32(i) + float32(j)/16
		}
		i++
		return []types.Datum{types.NewInt(int64(i)), types.NewString(fmt.Sprintf("row %d", i)), types.NewVector(vec)}, true, nil
	}
}

// checkTestRows reads the rows of a data file made of testRows(n) and
// checks them.
func checkTestRows(t *testing.T, read func(fn func(row []types.Datum) error) (int64, error), n int) {
	t.Helper()
	i := 0
	rows, err := read(func(row []types.Datum) error {
		i++
		if row[0].I != int64(i) || row[1].S != fmt.Sprintf("row %d", i) || row[2].Vector()[15] != float32(i-1)+15.0/16 {
			return fmt.Errorf("row %d: %v", i, row)
		}
		return nil
	})
	if err != nil || rows != int64(n) || i != n {
		t.Fatalf("read %d rows (%d calls): %v; want %d", rows, i, err, n)
	}
}

// snapshotFiles writes a data file of n rows and a graph file into dir.
func snapshotFiles(t *testing.T, dir string, n int) (map[string]string, snapshot.FileInfo) {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(n), 9))
	data := filepath.Join(dir, snapshot.DataObject)
	info, err := snapshot.WriteFile(data, testCols, testRows(n))
	if err != nil {
		t.Fatal(err)
	}
	graph := filepath.Join(dir, snapshot.GraphObject)
	g := make([]byte, 100_000+rng.IntN(1000))
	for j := range g {
		g[j] = byte(rng.Uint32())
	}
	if err := os.WriteFile(graph, g, 0o644); err != nil {
		t.Fatal(err)
	}
	return map[string]string{snapshot.DataObject: data, snapshot.GraphObject: graph}, info
}

func newManifest(collectionID uint32, at time.Time, rows int64) *snapshot.Manifest {
	return &snapshot.Manifest{
		ID:           snapshot.NewID(at),
		Collection:   "docs",
		CollectionID: collectionID,
		CreatedAt:    at,
		Columns:      snapshot.ColumnsOf(testCols),
		Rows:         rows,
		Extra:        json.RawMessage(`{"index":{"m":16,"ef_construction":64},"log_seq":42}`),
	}
}

func sameFile(t *testing.T, a, b string) {
	t.Helper()
	x, err := os.ReadFile(a)
	if err != nil {
		t.Fatal(err)
	}
	y, err := os.ReadFile(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(x, y) {
		t.Fatalf("%s and %s differ", a, b)
	}
}

func TestUploadDownload(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	files, info := snapshotFiles(t, t.TempDir(), 1000)
	at := time.Date(2026, 12, 1, 5, 53, 42, 123456789, time.FixedZone("JST", 9*3600))
	m := newManifest(7, at, info.Rows)

	var calls []int64
	var total int64
	err := snapshot.Upload(ctx, store, "akidb/", m, files, func(done, tot int64) {
		calls = append(calls, done)
		total = tot
	})
	if err != nil {
		t.Fatal(err)
	}
	prefix := "akidb/collections/7/snapshots/" + m.ID + "/"
	want := []string{prefix + "data.parquet", prefix + "graph.hnsw", prefix + "manifest.json"}
	if got := keys(t, store); !slices.Equal(got, want) {
		t.Fatalf("keys %v, want %v", got, want)
	}
	if len(calls) == 0 || calls[len(calls)-1] != total || !slices.IsSorted(calls) {
		t.Errorf("progress calls %v (total %d): want increasing to the total", calls, total)
	}
	if o, ok := m.Object(snapshot.DataObject); !ok || o.Bytes != info.Bytes || o.CRC32C != info.CRC32C || o.SHA256 != "" || o.Key != prefix+"data.parquet" {
		t.Errorf("manifest data object %+v, file %+v", o, info)
	}

	// The manifest as stored.
	raw, err := os.ReadFile(store.path(prefix + "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc["created_at"] != "2026-11-30T20:53:42.123456789Z" || doc["format_version"] != 2.0 ||
		doc["collection_id"] != 7.0 || doc["id"] != m.ID || doc["rows"] != 1000.0 {
		t.Errorf("manifest:\n%s", raw)
	}
	if ex, _ := json.Marshal(doc["extra"]); string(ex) != `{"index":{"ef_construction":64,"m":16},"log_seq":42}` {
		t.Errorf("extra %s", ex)
	}

	dir := filepath.Join(t.TempDir(), "restore")
	var dl []int64
	got, paths, err := snapshot.Download(ctx, store, "akidb", 7, m.ID, dir, func(done, tot int64) { dl = append(dl, done) })
	if err != nil {
		t.Fatal(err)
	}
	if len(dl) == 0 || dl[len(dl)-1] != total {
		t.Errorf("download progress %v, want it to end at %d", dl, total)
	}
	if got.ID != m.ID || got.Rows != 1000 || !got.CreatedAt.Equal(at) || got.Collection != "docs" ||
		!slices.Equal(got.Objects, m.Objects) || string(got.Extra) != string(m.Extra) {
		t.Errorf("downloaded manifest %+v\nuploaded %+v", got, m)
	}
	for name, p := range files {
		if paths[name] != filepath.Join(dir, name) {
			t.Errorf("path of %s: %s", name, paths[name])
		}
		sameFile(t, p, paths[name])
	}
	checkTestRows(t, func(fn func([]types.Datum) error) (int64, error) {
		return snapshot.ReadFile(paths[snapshot.DataObject], got.Schema(), fn)
	}, 1000)
}

// uploadTestSnapshot uploads a snapshot of 200 rows of collection 3.
func uploadTestSnapshot(t *testing.T, store *testStore) (files map[string]string, m *snapshot.Manifest) {
	t.Helper()
	files, info := snapshotFiles(t, t.TempDir(), 200)
	m = newManifest(3, time.Now(), info.Rows)
	if err := snapshot.Upload(context.Background(), store, "", m, files, nil); err != nil {
		t.Fatal(err)
	}
	return files, m
}

// flipByte changes one bit of the middle byte of the object at key and
// returns the object's bytes as they were.
func flipByte(t *testing.T, store *testStore, key string) []byte {
	t.Helper()
	b, err := os.ReadFile(store.path(key))
	if err != nil {
		t.Fatal(err)
	}
	damaged := slices.Clone(b)
	damaged[len(b)/2] ^= 0x40
	if err := os.WriteFile(store.path(key), damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDownloadDetectsCorruption(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	_, m := uploadTestSnapshot(t, store)
	graphKey := snapshot.ObjectKey("", 3, m.ID, snapshot.GraphObject)
	dataKey := snapshot.ObjectKey("", 3, m.ID, snapshot.DataObject)

	// Flip one byte of the graph: same size, other checksum.
	b := flipByte(t, store, graphKey)
	dir := t.TempDir()
	_, _, err := snapshot.Download(ctx, store, "", 3, m.ID, dir, nil)
	if err == nil || !strings.Contains(err.Error(), "object graph.hnsw: checksum mismatch") {
		t.Fatalf("err = %v, want a checksum mismatch naming graph.hnsw", err)
	}
	if pgerr.Code(err) != pgerr.IOError {
		t.Errorf("code %s", pgerr.Code(err))
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("a failed download left %v", ents)
	}

	// Cut the data object short.
	os.WriteFile(store.path(graphKey), b, 0o644)
	d, _ := os.ReadFile(store.path(dataKey))
	os.WriteFile(store.path(dataKey), d[:len(d)-1], 0o644)
	_, _, err = snapshot.Download(ctx, store, "", 3, m.ID, dir, nil)
	if err == nil || !strings.Contains(err.Error(), "object data.parquet: downloaded") {
		t.Fatalf("err = %v, want a size mismatch naming data.parquet", err)
	}

	// A missing object.
	os.Remove(store.path(dataKey))
	_, _, err = snapshot.Download(ctx, store, "", 3, m.ID, dir, nil)
	if !errors.Is(err, tiering.ErrNotFound) || !strings.Contains(err.Error(), "object data.parquet") {
		t.Fatalf("err = %v, want not found naming data.parquet", err)
	}

	// A missing snapshot: the store's not-found error and code (58P01).
	_, _, err = snapshot.Download(ctx, store, "", 3, snapshot.NewID(time.Now()), dir, nil)
	if !errors.Is(err, tiering.ErrNotFound) || pgerr.Code(err) != pgerr.UndefinedFile {
		t.Fatalf("err = %v (%s), want not found", err, pgerr.Code(err))
	}
}

// A manifest of format version 1 gives SHA-256 checksums: its snapshot
// still downloads, and a damaged object is still caught. A manifest whose
// checksums are not (only) of its version's kind is refused.
func TestDownloadVersion1Manifest(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	files, m := uploadTestSnapshot(t, store)
	manifestPath := store.path(snapshot.ObjectKey("", 3, m.ID, snapshot.ManifestObject))
	rewrite := func(edit func(doc map[string]any, o map[string]any, name string)) {
		t.Helper()
		raw, err := os.ReadFile(manifestPath)
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		for _, o := range doc["objects"].([]any) {
			o := o.(map[string]any)
			edit(doc, o, o["name"].(string))
		}
		if raw, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(manifestPath, raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rewrite(func(doc, o map[string]any, name string) {
		b, err := os.ReadFile(files[name])
		if err != nil {
			t.Fatal(err)
		}
		doc["format_version"] = 1
		delete(o, "crc32c")
		o["sha256"] = fmt.Sprintf("%x", sha256.Sum256(b))
	})
	got, paths, err := snapshot.Download(ctx, store, "", 3, m.ID, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if o, _ := got.Object(snapshot.DataObject); o.CRC32C != "" || len(o.SHA256) != 64 {
		t.Errorf("data object %+v", o)
	}
	for name, p := range files {
		sameFile(t, p, paths[name])
	}

	flipByte(t, store, snapshot.ObjectKey("", 3, m.ID, snapshot.GraphObject))
	_, _, err = snapshot.Download(ctx, store, "", 3, m.ID, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "object graph.hnsw: checksum mismatch: SHA-256") {
		t.Fatalf("err = %v, want a SHA-256 mismatch naming graph.hnsw", err)
	}

	// A version 1 manifest gives SHA-256 checksums only.
	rewrite(func(doc, o map[string]any, name string) { o["crc32c"] = "00000000" })
	_, _, err = snapshot.Download(ctx, store, "", 3, m.ID, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "gives sha256 checksums only") {
		t.Fatalf("err = %v, want a version 1 manifest with a crc32c refused", err)
	}

	// Version 2 calls for CRC-32C checksums.
	rewrite(func(doc, o map[string]any, name string) {
		doc["format_version"] = 2
		delete(o, "crc32c")
	})
	_, _, err = snapshot.Download(ctx, store, "", 3, m.ID, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "gives crc32c checksums only") {
		t.Fatalf("err = %v, want a version 2 manifest with sha256 refused", err)
	}
	rewrite(func(doc, o map[string]any, name string) { delete(o, "sha256") })
	_, _, err = snapshot.Download(ctx, store, "", 3, m.ID, t.TempDir(), nil)
	if err == nil || !strings.Contains(err.Error(), "bad crc32c") {
		t.Fatalf("err = %v, want a version 2 manifest without crc32c refused", err)
	}
}

func TestNoManifestNoSnapshot(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	files, info := snapshotFiles(t, t.TempDir(), 100)

	whole := newManifest(5, time.Now().Add(-time.Hour), info.Rows)
	if err := snapshot.Upload(ctx, store, "p", whole, files, nil); err != nil {
		t.Fatal(err)
	}

	// A crash after the data objects went up and before the manifest.
	half := snapshot.NewID(time.Now())
	var halfKeys []string
	for _, name := range []string{snapshot.DataObject, snapshot.GraphObject} {
		key := snapshot.ObjectKey("p", 5, half, name)
		f, _ := os.Open(files[name])
		st, _ := f.Stat()
		if err := store.Put(ctx, key, f, st.Size()); err != nil {
			t.Fatal(err)
		}
		f.Close()
		halfKeys = append(halfKeys, key)
	}
	// And a stray key beside the snapshot directories.
	stray := snapshot.SnapshotsPrefix("p", 5) + "stray"
	store.Put(ctx, stray, bytes.NewReader([]byte("x")), 1)

	list, err := snapshot.List(ctx, store, "p", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != whole.ID {
		t.Fatalf("List = %v, want only %s", ids(list), whole.ID)
	}
	garbage, err := snapshot.GarbageKeys(ctx, store, "p", 5)
	if err != nil {
		t.Fatal(err)
	}
	want := append(halfKeys, stray)
	sort.Strings(want)
	if !slices.Equal(garbage, want) {
		t.Fatalf("GarbageKeys = %v, want %v", garbage, want)
	}
	if _, _, err := snapshot.Download(ctx, store, "p", 5, half, t.TempDir(), nil); !errors.Is(err, tiering.ErrNotFound) {
		t.Fatalf("downloading the half upload: %v", err)
	}
}

func TestUploadFailureLeavesNothing(t *testing.T) {
	ctx := context.Background()
	files, info := snapshotFiles(t, t.TempDir(), 100)
	boom := errors.New("503 Slow Down")
	for _, failOn := range []string{snapshot.GraphObject, snapshot.ManifestObject} {
		t.Run(failOn, func(t *testing.T) {
			store := newDirStore(t)
			store.setFail(func(op, key string) error {
				if op == "put" && strings.HasSuffix(key, "/"+failOn) {
					return boom
				}
				return nil
			})
			m := newManifest(1, time.Now(), info.Rows)
			err := snapshot.Upload(ctx, store, "", m, files, nil)
			if !errors.Is(err, boom) || pgerr.Code(err) != pgerr.IOError || !strings.Contains(err.Error(), failOn) {
				t.Fatalf("err = %v (%s)", err, pgerr.Code(err))
			}
			if k := keys(t, store); len(k) != 0 {
				t.Fatalf("a failed upload left %v", k)
			}
		})
	}
	t.Run("size check", func(t *testing.T) {
		store := &shortStore{newDirStore(t)}
		err := snapshot.Upload(ctx, store, "", newManifest(1, time.Now(), info.Rows), files, nil)
		if err == nil || !strings.Contains(err.Error(), "stored") {
			t.Fatalf("err = %v, want a size mismatch", err)
		}
		if k := keys(t, store); len(k) != 0 {
			t.Fatalf("a failed upload left %v", k)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		store := newDirStore(t)
		ctx, cancel := context.WithCancel(ctx)
		store.setFail(func(op, key string) error {
			if op == "put" {
				cancel()
			}
			return nil
		})
		err := snapshot.Upload(ctx, store, "", newManifest(1, time.Now(), info.Rows), files, nil)
		if !errors.Is(err, context.Canceled) || pgerr.Code(err) != pgerr.QueryCanceled {
			t.Fatalf("err = %v (%s)", err, pgerr.Code(err))
		}
		if k := keys(t, store); len(k) != 0 {
			t.Fatalf("a canceled upload left %v", k)
		}
	})
}

// shortStore stores one byte less than it is given, so Upload's Stat
// check catches it.
type shortStore struct{ *testStore }

func (s *shortStore) Put(ctx context.Context, key string, r io.ReaderAt, size int64) error {
	return s.testStore.Put(ctx, key, r, max(0, size-1))
}

func ids(ms []*snapshot.Manifest) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%d/%s", m.CollectionID, m.ID))
	}
	return out
}

func TestListNewestFirstAndDelete(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	files, info := snapshotFiles(t, t.TempDir(), 50)
	base := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var want []string
	// Upload in shuffled time order; the sub-millisecond steps check the
	// ids' microseconds.
	for _, k := range []int{3, 0, 4, 1, 2} {
		at := base.Add(time.Duration(k) * 1500 * time.Microsecond)
		m := newManifest(9, at, info.Rows)
		if err := snapshot.Upload(ctx, store, "", m, files, nil); err != nil {
			t.Fatal(err)
		}
		want = append(want, m.ID)
	}
	other := newManifest(2, base, info.Rows)
	if err := snapshot.Upload(ctx, store, "", other, files, nil); err != nil {
		t.Fatal(err)
	}
	sort.Sort(sort.Reverse(sort.StringSlice(want)))

	list, err := snapshot.List(ctx, store, "", 9)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, m := range list {
		got = append(got, m.ID)
		if i > 0 && !m.CreatedAt.Before(list[i-1].CreatedAt) {
			t.Errorf("snapshot %d (%s) is not older than the one before", i, m.CreatedAt)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("List = %v, want %v", got, want)
	}

	all, err := snapshot.ListAll(ctx, store, "")
	if err != nil {
		t.Fatal(err)
	}
	wantAll := []string{"2/" + other.ID}
	for _, id := range want {
		wantAll = append(wantAll, "9/"+id)
	}
	if !slices.Equal(ids(all), wantAll) {
		t.Fatalf("ListAll = %v, want %v", ids(all), wantAll)
	}

	// Delete the newest: the manifest goes first, then its data.
	var (
		mu    sync.Mutex
		order []string
	)
	store.setFail(func(op, key string) error {
		if op == "delete" {
			mu.Lock()
			order = append(order, key[strings.LastIndexByte(key, '/')+1:])
			mu.Unlock()
		}
		return nil
	})
	if err := snapshot.Delete(ctx, store, "", 9, want[0]); err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[0] != snapshot.ManifestObject {
		t.Fatalf("deleted %v, want the manifest first", order)
	}
	list, _ = snapshot.List(ctx, store, "", 9)
	if len(list) != 4 || list[0].ID != want[1] {
		t.Fatalf("after delete: %v", ids(list))
	}
	for _, k := range keys(t, store) {
		if strings.Contains(k, want[0]) {
			t.Fatalf("%s is left after the delete", k)
		}
	}
	if err := snapshot.Delete(ctx, store, "", 9, want[0]); err != nil {
		t.Fatalf("deleting again: %v", err)
	}

	// A delete that dies after the manifest leaves garbage, not a snapshot.
	store.setFail(func(op, key string) error {
		if op == "delete" && !strings.HasSuffix(key, snapshot.ManifestObject) {
			return errors.New("connection reset")
		}
		return nil
	})
	if err := snapshot.Delete(ctx, store, "", 9, want[1]); err == nil || pgerr.Code(err) != pgerr.IOError {
		t.Fatalf("err = %v", err)
	}
	store.setFail(nil)
	list, _ = snapshot.List(ctx, store, "", 9)
	if len(list) != 3 || list[0].ID != want[2] {
		t.Fatalf("after a half delete: %v", ids(list))
	}
	garbage, _ := snapshot.GarbageKeys(ctx, store, "", 9)
	if len(garbage) != 2 {
		t.Fatalf("garbage %v", garbage)
	}
	for _, k := range garbage {
		if err := store.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if garbage, _ := snapshot.GarbageKeys(ctx, store, "", 9); len(garbage) != 0 {
		t.Fatalf("garbage left: %v", garbage)
	}
}

func TestNewID(t *testing.T) {
	at := time.Date(2026, 12, 1, 5, 53, 42, 123456789, time.UTC)
	id := snapshot.NewID(at)
	if !regexp.MustCompile(`^20261201T055342\.123456Z-[0-9a-f]{8}$`).MatchString(id) {
		t.Fatalf("NewID = %q", id)
	}
	if id == snapshot.NewID(at) {
		t.Fatal("two ids at the same time are equal")
	}
	tm, err := snapshot.IDTime(id)
	if err != nil || !tm.Equal(at.Truncate(time.Microsecond)) {
		t.Fatalf("IDTime = %v, %v", tm, err)
	}
	// Ids sort as their times do, whatever the zone of the time given.
	var ids []string
	for i := range 50 {
		tt := at.Add(time.Duration(i*i*i) * time.Millisecond).In(time.FixedZone("", (i%5-2)*3600))
		ids = append(ids, snapshot.NewID(tt))
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("ids out of order: %v", ids)
	}
}

func TestBadIDs(t *testing.T) {
	ctx := context.Background()
	store := newDirStore(t)
	for _, id := range []string{"", ".", "..", "a/b", `a\b`} {
		if _, _, err := snapshot.Download(ctx, store, "", 1, id, t.TempDir(), nil); err == nil {
			t.Errorf("Download(%q) did not fail", id)
		}
		if err := snapshot.Delete(ctx, store, "", 1, id); err == nil {
			t.Errorf("Delete(%q) did not fail", id)
		}
	}
	m := newManifest(1, time.Now(), 0)
	if err := snapshot.Upload(ctx, store, "", m, map[string]string{"../x": "/dev/null"}, nil); err == nil {
		t.Error("Upload of an object named ../x did not fail")
	}
	if err := snapshot.Upload(ctx, store, "", m, map[string]string{snapshot.ManifestObject: "/dev/null"}, nil); err == nil {
		t.Error("Upload of an object named manifest.json did not fail")
	}
}
