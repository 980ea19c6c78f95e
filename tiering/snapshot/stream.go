package snapshot

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
)

// Stream is a snapshot object being downloaded into a local file, which
// can be read while it arrives: ReadAt waits until the bytes it asks for
// are in, and fails once the download has failed. Wait returns when the
// whole object is in and has been checked against the manifest's size and
// checksum; what was read before then is not known to be good until Wait
// returns nil.
type Stream struct {
	name string
	path string
	size int64
	f    *os.File
	hw   *hashingWriterAt

	mu   sync.Mutex
	cond *sync.Cond
	have []span // bytes written, sorted and merged
	read bool   // ReadAt has been called
	done bool
	err  error
}

type span struct{ start, end int64 }

// Name, Path and Size describe the object and its local file.
func (s *Stream) Name() string { return s.name }
func (s *Stream) Path() string { return s.path }
func (s *Stream) Size() int64  { return s.size }

// streamWriter is the download's side of a Stream.
type streamWriter struct{ s *Stream }

// WriteAt writes to the file and records the bytes as present.
func (w streamWriter) WriteAt(p []byte, off int64) (int, error) {
	s := w.s
	n, err := s.hw.WriteAt(p, off)
	if n > 0 {
		s.mu.Lock()
		s.add(span{off, off + int64(n)})
		s.mu.Unlock()
		s.cond.Broadcast()
	}
	return n, err
}

// add merges sp into have.
func (s *Stream) add(sp span) {
	i, _ := slices.BinarySearchFunc(s.have, sp.start, func(x span, start int64) int {
		switch {
		case x.end < start:
			return -1
		case x.start > start:
			return 1
		}
		return 0
	})
	// have[i:] are the spans that end at or after sp.start.
	j := i
	for j < len(s.have) && s.have[j].start <= sp.end {
		sp.start = min(sp.start, s.have[j].start)
		sp.end = max(sp.end, s.have[j].end)
		j++
	}
	s.have = slices.Replace(s.have, i, j, sp)
}

// covered reports whether [off, end) has been written.
func (s *Stream) covered(off, end int64) bool {
	for _, sp := range s.have {
		if sp.start <= off && end <= sp.end {
			return true
		}
		if sp.start > off {
			return false
		}
	}
	return false
}

// ReadAt reads from the local file once the bytes are in.
func (s *Stream) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("snapshot: object %s: negative offset", s.name)
	}
	if off >= s.size {
		return 0, io.EOF
	}
	end := min(off+int64(len(p)), s.size)
	s.mu.Lock()
	s.read = true
	for !s.covered(off, end) && s.err == nil && !s.done {
		s.cond.Wait()
	}
	err := s.err
	if err == nil && !s.covered(off, end) {
		err = fmt.Errorf("snapshot: object %s: bytes %d-%d never arrived", s.name, off, end)
	}
	s.mu.Unlock()
	if err != nil {
		return 0, err
	}
	n, err := s.f.ReadAt(p[:end-off], off)
	if err == nil && end-off < int64(len(p)) {
		err = io.EOF
	}
	return n, err
}

// finish ends the download with its result.
func (s *Stream) finish(err error) {
	s.mu.Lock()
	s.done = true
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
	s.cond.Broadcast()
}

// Wait waits for the download to end and returns its error: nil when the
// object is whole and matches the manifest.
func (s *Stream) Wait() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.done {
		s.cond.Wait()
	}
	return s.err
}

// Fetch is a snapshot being downloaded: its manifest, read first, and its
// objects, which arrive in the background.
type Fetch struct {
	Manifest *Manifest
	Objects  map[string]*Stream
	cancel   context.CancelCauseFunc
	wg       sync.WaitGroup
	closed   bool
}

// StartFetch reads the manifest of snapshot id and starts downloading
// every object it names, in parallel, to dir/<name> (dir is created if
// needed); it returns without waiting for them. Each object is checked
// against the manifest's size and checksum as Download checks it. Close
// must be called in the end; it stops downloads still running and closes
// the files, which stay in dir.
//
// progress is as for Upload, over the objects' bytes.
func StartFetch[I ObjectInfo](ctx context.Context, store Store[I], prefix string, collectionID uint32, id string, dir string, progress func(done, total int64)) (*Fetch, error) {
	if err := checkID(id); err != nil {
		return nil, storeErr(err, "snapshot download")
	}
	m, err := readManifest(ctx, store, prefix, collectionID, id)
	if err != nil {
		return nil, storeErr(err, "snapshot %s of collection %d", id, collectionID)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, storeErr(err, "snapshot %s download", id)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	fe := &Fetch{Manifest: m, Objects: make(map[string]*Stream, len(m.Objects)), cancel: cancel}
	var total int64
	for _, o := range m.Objects {
		total += o.Bytes
	}
	for _, o := range m.Objects {
		path := filepath.Join(dir, o.Name)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_RDWR, 0o644)
		if err != nil {
			fe.Close()
			for _, s := range fe.Objects {
				os.Remove(s.path)
			}
			return nil, storeErr(err, "snapshot %s download", id)
		}
		_, h, _ := o.checksum()
		s := &Stream{name: o.Name, path: path, size: o.Bytes, f: f, hw: newHashingWriterAt(f, h)}
		s.cond = sync.NewCond(&s.mu)
		fe.Objects[o.Name] = s
	}
	// The last object to arrive reports completion, if all arrived whole,
	// before Close can return: progress is never called after that.
	var (
		meter  = &meter{total: total, fn: progress}
		sem    = make(chan struct{}, transferParallel)
		left   atomic.Int32
		failed atomic.Bool
	)
	left.Store(int32(len(m.Objects)))
	for _, o := range m.Objects {
		s := fe.Objects[o.Name]
		fe.wg.Add(1)
		go func() {
			defer fe.wg.Done()
			err := func() error {
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
					return storeErr(context.Cause(ctx), "snapshot %s download: object %s", id, o.Name)
				}
				if err := fetchObject(ctx, store, ObjectKey(prefix, collectionID, id, o.Name), o, s, meter); err != nil {
					return storeErr(err, "snapshot %s download", id)
				}
				return nil
			}()
			if err != nil {
				failed.Store(true)
			}
			s.finish(err)
			if left.Add(-1) == 0 && !failed.Load() {
				meter.finish()
			}
		}()
	}
	return fe, nil
}

// fetchObject downloads object o into s and checks it.
func fetchObject[I ObjectInfo](ctx context.Context, store Store[I], key string, o Object, s *Stream, meter *meter) error {
	n, err := store.Get(ctx, key, &meteredWriterAt{w: streamWriter{s}, m: meter})
	if err != nil {
		return fmt.Errorf("object %s: %w", o.Name, err)
	}
	if n != o.Bytes {
		return fmt.Errorf("object %s: downloaded %d bytes, the manifest says %d", o.Name, n, o.Bytes)
	}
	if st, err := s.f.Stat(); err != nil {
		return err
	} else if st.Size() != o.Bytes {
		return fmt.Errorf("object %s: the downloaded file has %d bytes, the manifest says %d", o.Name, st.Size(), o.Bytes)
	}
	sum, ok := s.hw.sum(o.Bytes)
	if !ok {
		// The running hash missed bytes (the Get started over): hash the
		// file, unless a reader has read some of it already, as it may
		// have read bytes that were then replaced.
		s.mu.Lock()
		read := s.read
		s.mu.Unlock()
		if read {
			return fmt.Errorf("object %s: it was downloaded again while being read", o.Name)
		}
		var n int64
		_, h, _ := o.checksum()
		if sum, n, err = fileChecksum(s.f, h); err != nil {
			return err
		} else if n != o.Bytes {
			return fmt.Errorf("object %s: the downloaded file has %d bytes, the manifest says %d", o.Name, n, o.Bytes)
		}
	}
	return o.verify(sum)
}

// Wait waits for every object and returns the first error.
func (fe *Fetch) Wait() error {
	var errs []error
	for _, o := range fe.Manifest.Objects {
		if err := fe.Objects[o.Name].Wait(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close stops the downloads still running, waits for them and closes the
// files. It is safe to call more than once.
func (fe *Fetch) Close() {
	if fe.closed {
		return
	}
	fe.closed = true
	fe.cancel(errors.New("snapshot download closed"))
	fe.wg.Wait()
	for _, s := range fe.Objects {
		s.f.Close()
	}
}
