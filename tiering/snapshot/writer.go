package snapshot

import (
	"context"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"sync"
)

// StreamStore is a Store that also takes objects of unknown size as they
// are written (tiering.ObjectStore.Create).
type StreamStore[I ObjectInfo] interface {
	Store[I]
	Create(ctx context.Context, key string) (io.WriteCloser, error)
}

// Writer uploads a snapshot whose objects go to the store while they are
// being produced, with no local copy: Create an object, write it and
// Close it, for each object; then Commit puts the manifest, which makes
// the snapshot exist (the invariant of the package doc holds: objects
// first, checked with Stat, manifest last). Abort, or a failed Commit,
// abandons the objects still being written and deletes those that were
// stored.
type Writer[I ObjectInfo] struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	store  StreamStore[I]
	prefix string
	m      *Manifest

	mu        sync.Mutex
	objs      []Object
	attempted []string // keys that may hold an object
	open      map[*objectWriter[I]]bool
	done      bool
	bytes     int64 // written to closed and open objects
	progress  func(bytes int64)
}

// NewWriter starts the upload of snapshot m (given an id and a creation
// time when it has none). progress, if not nil, is called with the bytes
// written so far, from the goroutine writing.
func NewWriter[I ObjectInfo](ctx context.Context, store StreamStore[I], prefix string, m *Manifest, progress func(bytes int64)) (*Writer[I], error) {
	if err := prepareManifest(m); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancelCause(ctx)
	return &Writer[I]{ctx: ctx, cancel: cancel, store: store, prefix: prefix, m: m,
		open: make(map[*objectWriter[I]]bool), progress: progress}, nil
}

// Create starts object name of the snapshot. The returned writer hashes
// what is written on the side; its Close stores the object and checks its
// size with Stat. Writers of different objects may be used concurrently;
// one writer is not safe for concurrent use.
func (w *Writer[I]) Create(name string) (io.WriteCloser, error) {
	if err := checkName(name); err != nil {
		return nil, storeErr(err, "snapshot %s upload", w.m.ID)
	}
	key := ObjectKey(w.prefix, w.m.CollectionID, w.m.ID, name)
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return nil, storeErr(errors.New("the upload is over"), "snapshot %s upload", w.m.ID)
	}
	if slices.ContainsFunc(w.objs, func(o Object) bool { return o.Name == name }) || slices.Contains(w.attempted, key) {
		w.mu.Unlock()
		return nil, storeErr(fmt.Errorf("object %s is written twice", name), "snapshot %s upload", w.m.ID)
	}
	w.attempted = append(w.attempted, key)
	w.mu.Unlock()
	octx, cancel := context.WithCancelCause(w.ctx)
	dst, err := w.store.Create(octx, key)
	if err != nil {
		cancel(nil)
		return nil, storeErr(fmt.Errorf("object %s: %w", name, err), "snapshot %s upload", w.m.ID)
	}
	ow := &objectWriter[I]{w: w, name: name, key: key, dst: dst, cancel: cancel, h: newChecksum()}
	w.mu.Lock()
	w.open[ow] = true
	w.mu.Unlock()
	return ow, nil
}

// objectWriter is one object of a Writer: it hashes what is written and
// passes it on to the store's writer, which buffers it in parts. (Hashing
// here rather than on a goroutine of its own, as a sink does, spares a
// copy of every byte; the store's writer sends parts on goroutines.)
type objectWriter[I ObjectInfo] struct {
	w      *Writer[I]
	name   string
	key    string
	dst    io.WriteCloser
	cancel context.CancelCauseFunc
	h      hash.Hash
	n      int64
	werr   error // the first write error
	closed bool
	err    error
}

func (o *objectWriter[I]) Write(p []byte) (int, error) {
	if o.closed {
		return 0, errors.New("snapshot: write to a closed object")
	}
	if o.werr != nil {
		return 0, o.werr
	}
	o.h.Write(p)
	n, err := o.dst.Write(p)
	o.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		o.werr = storeErr(fmt.Errorf("object %s: %w", o.name, err), "snapshot %s upload", o.w.m.ID)
		return n, o.werr
	}
	if o.w.progress != nil {
		o.w.mu.Lock()
		o.w.bytes += int64(n)
		b := o.w.bytes
		o.w.mu.Unlock()
		o.w.progress(b)
	}
	return n, nil
}

// Close stores the object: the store's writer gets the last bytes and
// is closed, and the stored size is checked. On failure the object is
// abandoned and the error returned.
func (o *objectWriter[I]) Close() error {
	if o.closed {
		return o.err
	}
	o.closed = true
	o.err = o.finish()
	o.cancel(nil)
	o.w.mu.Lock()
	delete(o.w.open, o)
	if o.err == nil {
		o.w.objs = append(o.w.objs, Object{Name: o.name, Key: o.key, Bytes: o.n, CRC32C: sumHex(o.h)})
	}
	o.w.mu.Unlock()
	if o.err != nil && o.err != o.werr { // a write error names the object already
		o.err = storeErr(fmt.Errorf("object %s: %w", o.name, o.err), "snapshot %s upload", o.w.m.ID)
	}
	return o.err
}

func (o *objectWriter[I]) finish() error {
	if o.werr != nil {
		o.cancel(o.werr) // the store's writer then leaves nothing
		o.dst.Close()
		return o.werr
	}
	if err := o.dst.Close(); err != nil {
		return err
	}
	st, err := o.w.store.Stat(o.w.ctx, o.key)
	if err != nil {
		return err
	}
	if size := objectInfo(st).Size; size != o.n {
		return fmt.Errorf("stored %d bytes, wrote %d", size, o.n)
	}
	return nil
}

// abandon stops an object that will not be completed.
func (o *objectWriter[I]) abandon(cause error) {
	if o.closed {
		return
	}
	o.closed = true
	o.cancel(cause)
	o.dst.Close()
}

// Commit puts the manifest, completed with the stored objects sorted by
// name; every object writer must have been closed. The snapshot exists
// once Commit returns nil; on failure it has been aborted.
func (w *Writer[I]) Commit() error {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return storeErr(errors.New("the upload is over"), "snapshot %s upload", w.m.ID)
	}
	if len(w.open) > 0 {
		var names []string
		for o := range w.open {
			names = append(names, o.name)
		}
		w.mu.Unlock()
		err := fmt.Errorf("objects %s are still being written", strings.Join(names, ", "))
		w.Abort(err)
		return storeErr(err, "snapshot %s upload", w.m.ID)
	}
	w.done = true
	objs := slices.Clone(w.objs)
	w.mu.Unlock()
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Name, b.Name) })
	err := writeManifest(w.ctx, w.store, w.prefix, w.m, objs)
	if err != nil {
		w.cleanup(true)
		return storeErr(err, "snapshot %s upload", w.m.ID)
	}
	w.cancel(nil)
	return nil
}

// Abort abandons the upload: objects not closed yet are stopped and every
// object that may have been stored is deleted (best effort, even when the
// Writer's context is done). No object writer may be in use while Abort
// runs. It is a no-op after a successful Commit.
func (w *Writer[I]) Abort(cause error) {
	w.mu.Lock()
	if w.done {
		w.mu.Unlock()
		return
	}
	w.done = true
	open := make([]*objectWriter[I], 0, len(w.open))
	for o := range w.open {
		open = append(open, o)
	}
	clear(w.open)
	w.mu.Unlock()
	if cause == nil {
		cause = errors.New("snapshot upload aborted")
	}
	for _, o := range open {
		o.abandon(cause)
	}
	w.cleanup(false)
}

// cleanup deletes the manifest (when its Put was tried) and every key an
// object was started at, then ends the Writer's context.
func (w *Writer[I]) cleanup(manifest bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(w.ctx), cleanupTimeout)
	defer cancel()
	if manifest {
		w.store.Delete(ctx, ObjectKey(w.prefix, w.m.CollectionID, w.m.ID, ManifestObject))
	}
	for _, k := range w.attempted {
		w.store.Delete(ctx, k)
	}
	w.cancel(errors.New("snapshot upload aborted"))
}

// Bytes returns the bytes of the stored objects.
func (w *Writer[I]) Bytes() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	var n int64
	for _, o := range w.objs {
		n += o.Bytes
	}
	return n
}
