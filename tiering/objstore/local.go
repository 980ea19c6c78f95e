package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/akidb/akidb/tiering"
)

// tempPrefix begins the names of files a Put is still writing. List, Get
// and Stat never show them, and keys whose segments begin with it are
// rejected.
const tempPrefix = ".akidb-tmp-"

// staleTemp is how old a leftover temporary file (from a process that
// crashed mid-Put) must be before NewLocal removes it.
const staleTemp = time.Hour

// copyBufSize is the buffer size for copying object bytes.
const copyBufSize = 1 << 20

// Local is an object store in a directory of the local file system. A key
// "a/b/c" is the file dir/a/b/c. Put writes a temporary file beside the
// target, fsyncs it, renames it over the key and fsyncs the directory, so
// an object is either absent or complete, even across a crash.
//
// A file system cannot hold both an object "a" and an object "a/b"; a Put
// that would need that fails.
type Local struct {
	dir string
}

var _ tiering.ObjectStore = (*Local)(nil)

// NewLocal opens (creating it if needed) the directory object store at
// dir. Temporary files older than an hour, left by a process that crashed
// in the middle of a Put, are removed.
func NewLocal(dir string) (*Local, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, wrapOp(&OpError{Store: "local", Op: "open", Key: dir, Err: err})
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, wrapOp(&OpError{Store: "local", Op: "open", Key: dir, Err: err})
	}
	l := &Local{dir: abs}
	l.removeStaleTemp(time.Now().Add(-staleTemp))
	return l, nil
}

// Dir returns the absolute path of the store's directory.
func (l *Local) Dir() string { return l.dir }

func (l *Local) removeStaleTemp(before time.Time) {
	_ = filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasPrefix(d.Name(), tempPrefix) {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().Before(before) {
			_ = os.Remove(p)
		}
		return nil
	})
}

func (l *Local) fail(op, key string, err error) error {
	return wrapOp(&OpError{Store: "local", Op: op, Key: key, Err: err})
}

// path returns the file path of key after checking the key.
func (l *Local) path(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, tempPrefix) {
			return "", fmt.Errorf("%w: segment begins with the reserved %q", errBadKey, tempPrefix)
		}
	}
	return filepath.Join(l.dir, filepath.FromSlash(key)), nil
}

// Put implements tiering.ObjectStore.
func (l *Local) Put(ctx context.Context, key string, r io.ReaderAt, size int64) error {
	p, err := l.path(key)
	if err != nil {
		return l.fail("put", key, err)
	}
	if size < 0 {
		return l.fail("put", key, fmt.Errorf("negative size %d", size))
	}
	if err := ctx.Err(); err != nil {
		return l.fail("put", key, err)
	}
	if err := l.put(ctx, p, r, size); err != nil {
		return l.fail("put", key, err)
	}
	return nil
}

func (l *Local) put(ctx context.Context, p string, r io.ReaderAt, size int64) (err error) {
	f, err := l.createTemp(p)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	n, err := io.CopyBuffer(f, &ctxReader{ctx: ctx, r: io.NewSectionReader(r, 0, size)}, make([]byte, min(size+1, copyBufSize)))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("reader returned %d bytes, want %d: %w", n, size, io.ErrUnexpectedEOF)
	}
	return commitTemp(f, p)
}

// createTemp creates the temporary file beside p that becomes p.
func (l *Local) createTemp(p string) (*os.File, error) {
	parent := filepath.Dir(p)
	// A concurrent Delete may remove an empty parent directory between
	// mkdirAll and CreateTemp; make it again in that case.
	for i := 0; ; i++ {
		if err := l.mkdirAll(parent); err != nil {
			return nil, err
		}
		f, err := os.CreateTemp(parent, tempPrefix+"*")
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, fs.ErrNotExist) || i == 10 {
			return nil, err
		}
	}
}

// commitTemp makes the temporary file f the object file p, durably.
func commitTemp(f *os.File, p string) error {
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return err
	}
	return syncDir(filepath.Dir(p))
}

// Create implements tiering.ObjectStore: the bytes go to a temporary file
// that Close makes the object, as Put does.
func (l *Local) Create(ctx context.Context, key string) (io.WriteCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, l.fail("put", key, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, l.fail("put", key, err)
	}
	f, err := l.createTemp(p)
	if err != nil {
		return nil, l.fail("put", key, err)
	}
	return &localWriter{l: l, ctx: ctx, key: key, path: p, f: f}, nil
}

// localWriter is an object being written by Create.
type localWriter struct {
	l      *Local
	ctx    context.Context
	key    string
	path   string
	f      *os.File
	err    error
	closed bool
}

func (w *localWriter) Write(b []byte) (int, error) {
	if w.closed {
		return 0, errors.New("objstore: write to a closed object writer")
	}
	if w.err != nil {
		return 0, w.err
	}
	if err := w.ctx.Err(); err != nil {
		w.err = w.l.fail("put", w.key, err)
		return 0, w.err
	}
	n, err := w.f.Write(b)
	if err != nil {
		w.err = w.l.fail("put", w.key, err)
	}
	return n, w.err
}

// Close makes the written bytes the object, unless a write failed or the
// writer's context is done: then the temporary file is removed and the
// error returned.
func (w *localWriter) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	if w.err == nil {
		if err := w.ctx.Err(); err != nil {
			w.err = w.l.fail("put", w.key, err)
		} else if err := commitTemp(w.f, w.path); err != nil {
			w.err = w.l.fail("put", w.key, err)
		}
	}
	if w.err != nil {
		w.f.Close()
		os.Remove(w.f.Name())
	}
	return w.err
}

// mkdirAll creates dir and its missing parents inside l.dir, fsyncing the
// parent of each directory it creates so that the new entries survive a
// crash.
func (l *Local) mkdirAll(dir string) error {
	if fi, err := os.Stat(dir); err == nil {
		if !fi.IsDir() {
			return &fs.PathError{Op: "mkdir", Path: dir, Err: syscall.ENOTDIR}
		}
		return nil
	}
	parent := filepath.Dir(dir)
	if parent != dir && len(parent) >= len(l.dir) {
		if err := l.mkdirAll(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, fs.ErrExist) {
			if fi, err2 := os.Stat(dir); err2 == nil && fi.IsDir() {
				return nil
			}
		}
		return err
	}
	return syncDir(parent)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get implements tiering.ObjectStore.
func (l *Local) Get(ctx context.Context, key string, w io.WriterAt) (int64, error) {
	p, err := l.path(key)
	if err != nil {
		return 0, l.fail("get", key, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, l.fail("get", key, err)
	}
	f, err := os.Open(p)
	if err != nil {
		return 0, l.fail("get", key, fileErr(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, l.fail("get", key, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, l.fail("get", key, notFound("not a regular file"))
	}
	size := fi.Size()
	n, err := io.CopyBuffer(io.NewOffsetWriter(w, 0), &ctxReader{ctx: ctx, r: io.LimitReader(f, size)}, make([]byte, min(size+1, copyBufSize)))
	if err != nil {
		return n, l.fail("get", key, err)
	}
	if n != size {
		return n, l.fail("get", key, fmt.Errorf("read %d bytes, want %d: %w", n, size, io.ErrUnexpectedEOF))
	}
	return n, nil
}

// Stat implements tiering.ObjectStore.
func (l *Local) Stat(ctx context.Context, key string) (tiering.ObjectInfo, error) {
	p, err := l.path(key)
	if err != nil {
		return tiering.ObjectInfo{}, l.fail("stat", key, err)
	}
	if err := ctx.Err(); err != nil {
		return tiering.ObjectInfo{}, l.fail("stat", key, err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		return tiering.ObjectInfo{}, l.fail("stat", key, fileErr(err))
	}
	if !fi.Mode().IsRegular() {
		return tiering.ObjectInfo{}, l.fail("stat", key, notFound("not a regular file"))
	}
	return tiering.ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}, nil
}

// List implements tiering.ObjectStore.
func (l *Local) List(ctx context.Context, prefix string) ([]tiering.ObjectInfo, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, l.fail("list", prefix, err)
	}
	// Walk only the deepest directory the prefix names completely.
	root := l.dir
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		root = filepath.Join(l.dir, filepath.FromSlash(prefix[:i]))
	}
	var out []tiering.ObjectInfo
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// The root is missing, or an entry was removed during
				// the walk.
				return nil
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(l.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			// Skip directories that cannot hold a key with the prefix.
			if p != root && !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasPrefix(d.Name(), tempPrefix) || !strings.HasPrefix(key, prefix) || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		out = append(out, tiering.ObjectInfo{Key: key, Size: info.Size(), ModTime: info.ModTime()})
		return nil
	})
	if err != nil {
		return nil, l.fail("list", prefix, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements tiering.ObjectStore. Directories left empty are
// removed.
func (l *Local) Delete(ctx context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return l.fail("delete", key, err)
	}
	if err := ctx.Err(); err != nil {
		return l.fail("delete", key, err)
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return l.fail("delete", key, err)
	}
	if fi.IsDir() {
		// A directory is not an object: the key names nothing.
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return l.fail("delete", key, err)
	}
	parent := filepath.Dir(p)
	if err := syncDir(parent); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return l.fail("delete", key, err)
	}
	// Remove the directories the delete left empty; a directory that is
	// not empty (or that a concurrent Put is using) stops the climb.
	for dir := parent; dir != l.dir && strings.HasPrefix(dir, l.dir+string(filepath.Separator)); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break
		}
	}
	return nil
}

// fileErr maps "no such file" (and "not a directory" for a key below a
// file) to ErrNotFound.
func fileErr(err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		return notFound("")
	}
	return err
}

// ctxReader stops reading once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
