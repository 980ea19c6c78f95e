package tiering

import (
	"context"
	"errors"
	"io"
	"time"
)

// ObjectStore is where COLD collections live: an S3 bucket or a local
// directory. Keys are slash-separated paths without a leading slash.
//
// Implementations retry transient failures themselves (5xx, throttling,
// dropped connections, timeouts) and fail at once on permanent ones; an
// error for a missing object wraps ErrNotFound. Every method is safe for
// concurrent use.
type ObjectStore interface {
	// Put stores size bytes of r under key, replacing any object there.
	// r is read with ReadAt so a failed part can be sent again and large
	// objects can go up in parallel parts. The object is visible only
	// once Put returns nil.
	Put(ctx context.Context, key string, r io.ReaderAt, size int64) error
	// Create returns a writer whose bytes become the object at key, for
	// an object whose size is not known in advance. The bytes go to the
	// store as they are written (S3: in parts, a few at a time, each held
	// in memory until it is acknowledged, so that a failed part is sent
	// again). The object is visible only once Close returns nil. After a
	// failed write, or once ctx is done, Close leaves no object and
	// returns the error; cancelling ctx is how a writer is abandoned.
	Create(ctx context.Context, key string) (io.WriteCloser, error)
	// Get writes the whole object to w (in parallel ranges for large
	// objects) and returns its size.
	Get(ctx context.Context, key string, w io.WriterAt) (int64, error)
	// Stat returns the size and modification time of one object.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// List returns the objects whose keys start with prefix, sorted by key.
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)
	// Delete removes the object; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// ErrNotFound is wrapped by errors for objects that do not exist.
var ErrNotFound = errors.New("object not found")
