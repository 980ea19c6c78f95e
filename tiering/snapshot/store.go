package snapshot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/akidb/akidb/pgerr"
)

// Store is the method set of tiering.ObjectStore, the S3 bucket or local
// directory snapshots live in; see there for its contract. It is generic
// in the type of its object descriptions, which is tiering.ObjectInfo, so
// that any tiering.ObjectStore can be passed without this package
// importing tiering (which imports it): the functions below infer I.
type Store[I ObjectInfo] interface {
	Put(ctx context.Context, key string, r io.ReaderAt, size int64) error
	Get(ctx context.Context, key string, w io.WriterAt) (int64, error)
	Stat(ctx context.Context, key string) (I, error)
	List(ctx context.Context, prefix string) ([]I, error)
	Delete(ctx context.Context, key string) error
}

// ObjectInfo is the shape of tiering.ObjectInfo.
type ObjectInfo interface {
	~struct {
		Key     string
		Size    int64
		ModTime time.Time
	}
}

// objectInfo is a Store's object description as this package reads it.
type objectInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// storeErr marks err of a store operation with SQLSTATE 58030 (io_error),
// keeping a code the error already has, such as the store's 58P01
// (undefined_file) for a missing object or 57014 (query_canceled); a bare
// context error gets 57014 too.
func storeErr(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	code := pgerr.IOError
	var pe *pgerr.Error
	if errors.As(err, &pe) && pe.Code != "" {
		code = pe.Code
	} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		code = pgerr.QueryCanceled
	}
	return pgerr.Wrap(err, code, format, args...)
}

// listKeys lists the objects under prefix.
func listKeys[I ObjectInfo](ctx context.Context, store Store[I], prefix string) ([]objectInfo, error) {
	infos, err := store.List(ctx, prefix)
	if err != nil {
		return nil, err
	}
	out := make([]objectInfo, len(infos))
	for i, oi := range infos {
		out[i] = objectInfo(oi)
	}
	return out, nil
}

// Concurrency of object transfers: data objects of one snapshot go up and
// down in parallel, and List reads manifests in parallel.
const (
	transferParallel = 4
	listParallel     = 8
)

// cleanupTimeout bounds the best-effort deletes after a failed upload,
// which run even when the upload's context is canceled.
const cleanupTimeout = time.Minute

// Key layout. The prefix is used as given, with a "/" added when it is
// not empty and does not end in one.

func normPrefix(prefix string) string {
	if prefix != "" && !strings.HasSuffix(prefix, "/") {
		return prefix + "/"
	}
	return prefix
}

func collectionsPrefix(prefix string) string { return normPrefix(prefix) + "collections/" }

// SnapshotsPrefix returns the key prefix of a collection's snapshots:
// <prefix>collections/<collection-id>/snapshots/.
func SnapshotsPrefix(prefix string, collectionID uint32) string {
	return collectionsPrefix(prefix) + strconv.FormatUint(uint64(collectionID), 10) + "/snapshots/"
}

// ManifestKey returns the key of the manifest of snapshot id.
func ManifestKey(prefix string, collectionID uint32, id string) string {
	return ObjectKey(prefix, collectionID, id, ManifestObject)
}

// ObjectKey returns the key of object name of snapshot id:
// <prefix>collections/<collection-id>/snapshots/<id>/<name>.
func ObjectKey(prefix string, collectionID uint32, id, name string) string {
	return SnapshotsPrefix(prefix, collectionID) + id + "/" + name
}

// Upload stores a snapshot: the files (object name -> local path, such as
// DataObject and GraphObject) are uploaded in parallel and each is checked
// with Stat, then m is completed (format version, objects with sizes and
// checksums; an id and creation time if they are unset) and
// uploaded as the manifest, last. On failure Upload deletes what it
// uploaded, manifest first (best effort), and returns the error; the
// snapshot then does not exist.
//
// progress, if not nil, is called with the bytes of the files uploaded so
// far and their total; calls are serialized and done never decreases.
func Upload[I ObjectInfo](ctx context.Context, store Store[I], prefix string, m *Manifest, files map[string]string, progress func(done, total int64)) (err error) {
	if err := prepareManifest(m); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		if err := checkName(name); err != nil {
			return storeErr(err, "snapshot %s upload", m.ID)
		}
		names = append(names, name)
	}
	sort.Strings(names)

	objs := make([]Object, len(names))
	var total int64
	for i, name := range names {
		st, err := os.Stat(files[name])
		if err != nil {
			return storeErr(err, "snapshot %s upload", m.ID)
		}
		if !st.Mode().IsRegular() {
			return storeErr(fmt.Errorf("%s is not a regular file", files[name]), "snapshot %s upload", m.ID)
		}
		objs[i] = Object{Name: name, Key: ObjectKey(prefix, m.CollectionID, m.ID, name), Bytes: st.Size()}
		total += st.Size()
	}
	manifestKey := ObjectKey(prefix, m.CollectionID, m.ID, ManifestObject)

	// What to delete if the upload fails: every data key we tried (a
	// failed Put may still have left an object), and the manifest once
	// its Put has been tried.
	var (
		putManifest bool
		attempted   = make([]bool, len(objs))
	)
	defer func() {
		if err == nil {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if putManifest {
			store.Delete(cctx, manifestKey)
		}
		for i, o := range objs {
			if attempted[i] {
				store.Delete(cctx, o.Key)
			}
		}
		err = storeErr(err, "snapshot %s upload", m.ID)
	}()

	meter := &meter{total: total, fn: progress}
	err = parallel(ctx, len(objs), transferParallel, func(ctx context.Context, i int) error {
		o := &objs[i]
		f, err := os.Open(files[o.Name])
		if err != nil {
			return err
		}
		defer f.Close()
		sum, n, err := fileChecksum(f, newChecksum())
		if err != nil {
			return err
		}
		if n != o.Bytes {
			return fmt.Errorf("%s changed size while being uploaded", files[o.Name])
		}
		o.CRC32C = sum
		attempted[i] = true
		if err := store.Put(ctx, o.Key, &meteredReaderAt{r: f, m: meter}, o.Bytes); err != nil {
			return fmt.Errorf("object %s: %w", o.Name, err)
		}
		st, err := store.Stat(ctx, o.Key)
		if err != nil {
			return fmt.Errorf("object %s: %w", o.Name, err)
		}
		if size := objectInfo(st).Size; size != o.Bytes {
			return fmt.Errorf("object %s: stored %d bytes, uploaded %d", o.Name, size, o.Bytes)
		}
		return nil
	})
	if err != nil {
		return err
	}

	putManifest = true
	if err := writeManifest(ctx, store, prefix, m, objs); err != nil {
		return err
	}
	meter.finish()
	return nil
}

// prepareManifest gives m an id and a creation time when it has none
// and checks the id.
func prepareManifest(m *Manifest) error {
	if m.ID == "" {
		if m.CreatedAt.IsZero() {
			m.CreatedAt = time.Now()
		}
		m.ID = NewID(m.CreatedAt)
	}
	if m.CreatedAt.IsZero() {
		if t, err := IDTime(m.ID); err == nil {
			m.CreatedAt = t
		} else {
			m.CreatedAt = time.Now()
		}
	}
	m.CreatedAt = m.CreatedAt.UTC()
	if err := checkID(m.ID); err != nil {
		return storeErr(err, "snapshot upload")
	}
	return nil
}

// writeManifest completes m with the format version and objs, and puts
// it: the snapshot exists once this succeeds.
func writeManifest[I ObjectInfo](ctx context.Context, store Store[I], prefix string, m *Manifest, objs []Object) error {
	m.FormatVersion = FormatVersion
	m.Objects = objs
	body, err := json.Marshal(m)
	if err != nil {
		return err
	}
	body = append(body, '\n')
	if err := store.Put(ctx, ObjectKey(prefix, m.CollectionID, m.ID, ManifestObject), bytes.NewReader(body), int64(len(body))); err != nil {
		return fmt.Errorf("object %s: %w", ManifestObject, err)
	}
	return nil
}

// Download fetches snapshot id of a collection into dir (created if
// needed): it reads the manifest, downloads every object it names in
// parallel to dir/<name>, and checks each one's size and checksum against
// the manifest; a mismatch is an error naming the object. It returns the
// manifest and the local path of every object by name. The files are not
// fsynced. On failure the files it wrote are removed. A missing snapshot
// is an error wrapping the store's not-found error (tiering.ErrNotFound).
//
// progress is as for Upload, over the objects' bytes.
func Download[I ObjectInfo](ctx context.Context, store Store[I], prefix string, collectionID uint32, id string, dir string, progress func(done, total int64)) (*Manifest, map[string]string, error) {
	fe, err := StartFetch(ctx, store, prefix, collectionID, id, dir, progress)
	if err != nil {
		return nil, nil, err
	}
	err = fe.Wait()
	fe.Close()
	paths := make(map[string]string, len(fe.Objects))
	for name, s := range fe.Objects {
		paths[name] = s.Path()
	}
	if err != nil {
		for _, p := range paths {
			os.Remove(p)
		}
		return nil, nil, err
	}
	return fe.Manifest, paths, nil
}

// readManifest reads and checks the manifest of snapshot id.
func readManifest[I ObjectInfo](ctx context.Context, store Store[I], prefix string, collectionID uint32, id string) (*Manifest, error) {
	var buf memWriterAt
	if _, err := store.Get(ctx, ObjectKey(prefix, collectionID, id, ManifestObject), &buf); err != nil {
		return nil, fmt.Errorf("object %s: %w", ManifestObject, err)
	}
	m := new(Manifest)
	if err := json.Unmarshal(buf.b, m); err != nil {
		return nil, fmt.Errorf("object %s: %w", ManifestObject, err)
	}
	if err := m.validate(collectionID, id); err != nil {
		return nil, fmt.Errorf("object %s: %w", ManifestObject, err)
	}
	return m, nil
}

// List returns the snapshots of a collection, newest first. Only
// snapshots whose manifest exists are listed.
func List[I ObjectInfo](ctx context.Context, store Store[I], prefix string, collectionID uint32) ([]*Manifest, error) {
	dir := SnapshotsPrefix(prefix, collectionID)
	infos, err := listKeys(ctx, store, dir)
	if err != nil {
		return nil, storeErr(err, "snapshot list of collection %d", collectionID)
	}
	var refs []snapRef
	for _, oi := range infos {
		if id, name, ok := splitSnapshotKey(strings.TrimPrefix(oi.Key, dir)); ok && name == ManifestObject {
			refs = append(refs, snapRef{collectionID, id})
		}
	}
	ms, err := readManifests(ctx, store, prefix, refs)
	if err != nil {
		return nil, storeErr(err, "snapshot list of collection %d", collectionID)
	}
	return ms, nil
}

// ListAll returns the snapshots of every collection under prefix, by
// collection id and newest first within a collection.
func ListAll[I ObjectInfo](ctx context.Context, store Store[I], prefix string) ([]*Manifest, error) {
	dir := collectionsPrefix(prefix)
	infos, err := listKeys(ctx, store, dir)
	if err != nil {
		return nil, storeErr(err, "snapshot list")
	}
	var refs []snapRef
	for _, oi := range infos {
		cid, rest, ok := strings.Cut(strings.TrimPrefix(oi.Key, dir), "/")
		if !ok {
			continue
		}
		n, err := strconv.ParseUint(cid, 10, 32)
		if err != nil || strconv.FormatUint(n, 10) != cid {
			continue
		}
		rest, ok = strings.CutPrefix(rest, "snapshots/")
		if !ok {
			continue
		}
		if id, name, ok := splitSnapshotKey(rest); ok && name == ManifestObject {
			refs = append(refs, snapRef{uint32(n), id})
		}
	}
	ms, err := readManifests(ctx, store, prefix, refs)
	if err != nil {
		return nil, storeErr(err, "snapshot list")
	}
	return ms, nil
}

type snapRef struct {
	collectionID uint32
	id           string
}

// splitSnapshotKey splits the part of a key after ".../snapshots/" into
// the snapshot id and the object name.
func splitSnapshotKey(rest string) (id, name string, ok bool) {
	id, name, ok = strings.Cut(rest, "/")
	if !ok || checkID(id) != nil || name == "" {
		return "", "", false
	}
	return id, name, true
}

// readManifests reads the manifests of refs in parallel and returns them
// by collection id, then newest first.
func readManifests[I ObjectInfo](ctx context.Context, store Store[I], prefix string, refs []snapRef) ([]*Manifest, error) {
	out := make([]*Manifest, len(refs))
	err := parallel(ctx, len(refs), listParallel, func(ctx context.Context, i int) error {
		m, err := readManifest(ctx, store, prefix, refs[i].collectionID, refs[i].id)
		if err != nil {
			// A snapshot deleted since the listing is not an error.
			key := ObjectKey(prefix, refs[i].collectionID, refs[i].id, ManifestObject)
			if infos, lerr := listKeys(ctx, store, key); lerr == nil && !slices.ContainsFunc(infos, func(oi objectInfo) bool { return oi.Key == key }) {
				return nil
			}
			return fmt.Errorf("snapshot %s of collection %d: %w", refs[i].id, refs[i].collectionID, err)
		}
		out[i] = m
		return nil
	})
	if err != nil {
		return nil, err
	}
	ms := out[:0]
	for _, m := range out {
		if m != nil {
			ms = append(ms, m)
		}
	}
	sort.Slice(ms, func(i, j int) bool {
		if ms[i].CollectionID != ms[j].CollectionID {
			return ms[i].CollectionID < ms[j].CollectionID
		}
		return ms[i].ID > ms[j].ID
	})
	return ms, nil
}

// Delete removes snapshot id of a collection: the manifest first, so the
// snapshot stops existing before any of its data goes, then every other
// object under the snapshot's directory. Deleting a snapshot that does
// not exist is not an error.
func Delete[I ObjectInfo](ctx context.Context, store Store[I], prefix string, collectionID uint32, id string) error {
	if err := checkID(id); err != nil {
		return storeErr(err, "snapshot delete")
	}
	if err := store.Delete(ctx, ObjectKey(prefix, collectionID, id, ManifestObject)); err != nil {
		return storeErr(err, "snapshot %s of collection %d: delete manifest", id, collectionID)
	}
	dir := ObjectKey(prefix, collectionID, id, "")
	infos, err := listKeys(ctx, store, dir)
	if err != nil {
		return storeErr(err, "snapshot %s of collection %d: delete", id, collectionID)
	}
	err = parallel(ctx, len(infos), transferParallel, func(ctx context.Context, i int) error {
		return store.Delete(ctx, infos[i].Key)
	})
	if err != nil {
		return storeErr(err, "snapshot %s of collection %d: delete", id, collectionID)
	}
	return nil
}

// GarbageKeys returns the keys under a collection's snapshots that belong
// to no snapshot: the objects of snapshot directories without a manifest
// (uploads that did not finish, deletes that did not finish) and stray
// keys directly under the snapshots prefix. An upload in progress has no
// manifest yet, so its objects are listed too: delete garbage only when
// no upload for the collection can be running (at start-up recovery), or
// skip the snapshot id of an upload that is (the segment after
// "snapshots/" in the key).
func GarbageKeys[I ObjectInfo](ctx context.Context, store Store[I], prefix string, collectionID uint32) ([]string, error) {
	dir := SnapshotsPrefix(prefix, collectionID)
	infos, err := listKeys(ctx, store, dir)
	if err != nil {
		return nil, storeErr(err, "snapshot garbage of collection %d", collectionID)
	}
	hasManifest := map[string]bool{}
	for _, oi := range infos {
		if id, name, ok := splitSnapshotKey(strings.TrimPrefix(oi.Key, dir)); ok && name == ManifestObject {
			hasManifest[id] = true
		}
	}
	var keys []string
	for _, oi := range infos {
		id, _, ok := splitSnapshotKey(strings.TrimPrefix(oi.Key, dir))
		if !ok || !hasManifest[id] {
			keys = append(keys, oi.Key)
		}
	}
	return keys, nil
}

// parallel runs f(ctx, i) for i in [0, n), at most limit at a time. The
// first error cancels the context of the others; parallel waits for all
// and returns that error, or the context's error if it was canceled
// before every f could start.
func parallel(ctx context.Context, n, limit int, f func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
		started  int
		sem      = make(chan struct{}, limit)
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		started++
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := f(ctx, i); err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				cancel()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if started < n {
		return ctx.Err()
	}
	return nil
}

// meter reports transfer progress.
type meter struct {
	mu    sync.Mutex
	done  int64
	total int64
	fn    func(done, total int64)
}

func (m *meter) add(n int64) {
	if m.fn == nil || n <= 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done >= m.total {
		return
	}
	// A retried part is read or written again, so done may count bytes
	// twice; it stops at total.
	m.done = min(m.done+n, m.total)
	m.fn(m.done, m.total)
}

// finish reports completion (when the counts fell short, say because an
// object was empty).
func (m *meter) finish() {
	if m.fn == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.done < m.total || m.total == 0 {
		m.done = m.total
		m.fn(m.done, m.total)
	}
}

type meteredReaderAt struct {
	r io.ReaderAt
	m *meter
}

func (r *meteredReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.r.ReadAt(p, off)
	r.m.add(int64(n))
	return n, err
}

type meteredWriterAt struct {
	w io.WriterAt
	m *meter
}

func (w *meteredWriterAt) WriteAt(p []byte, off int64) (int, error) {
	n, err := w.w.WriteAt(p, off)
	w.m.add(int64(n))
	return n, err
}

// memWriterAt collects a small object in memory.
type memWriterAt struct {
	mu sync.Mutex
	b  []byte
}

func (w *memWriterAt) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if end := off + int64(len(p)); end > int64(len(w.b)) {
		w.b = append(w.b, make([]byte, end-int64(len(w.b)))...)
	}
	copy(w.b[off:], p)
	return len(p), nil
}
