package tiering

import (
	"context"
	"encoding/json"
	"io"

	"github.com/akidb/akidb/tiering/snapshot"
)

// Backend is the storage engine as the tiering layer sees it. The storage
// package implements it; the Manager drives it. Every method is safe for
// concurrent use on different collections; the Manager never runs two
// transitions of one collection at once.
type Backend interface {
	// Collections lists the collections of the committed catalog.
	Collections() ([]CollectionInfo, error)
	// Unload moves the collection's vector index out of RAM into its file
	// on local disk, from where searches read it (HOT -> WARM).
	Unload(ctx context.Context, id uint32) error
	// Load reads it back into RAM (WARM -> HOT).
	Load(ctx context.Context, id uint32) error
	// Export writes the collection's rows and graph, as one consistent
	// view, into the snapshot objects create starts (snapshot.DataObject
	// and snapshot.GraphObject), closing each. progress, if not nil, is
	// called with the rows written so far and about how many there are.
	Export(ctx context.Context, id uint32, create func(name string) (io.WriteCloser, error), progress func(done, total int64)) (*Export, error)
	// Import replaces the collection's local rows and index with those of
	// a snapshot being downloaded (objects by name); the index ends on
	// local disk (WARM). It reads the objects as they arrive, checks the
	// snapshot fits the collection, drops the local data itself, and
	// makes nothing of the snapshot visible until every object has been
	// verified (Stream.Wait).
	Import(ctx context.Context, id uint32, m *snapshot.Manifest, objs map[string]*snapshot.Stream, progress func(done, total int64)) error
	// DropLocal deletes the collection's rows and index files; the catalog
	// entry stays. It is idempotent.
	DropLocal(ctx context.Context, id uint32) error
	// Usage reports where the collection's bytes are.
	Usage(id uint32) Usage
	// SaveRecords writes and deletes records of the tiering layer's own key
	// space in one durable batch; Records reads those under prefix.
	SaveRecords(puts map[string][]byte, deletes []string) error
	Records(prefix string) (map[string][]byte, error)
}

// CollectionInfo names a collection.
type CollectionInfo struct {
	ID   uint32
	Name string
	Dims int
	// Metric is the distance of its index: l2, cosine, ip or l1.
	Metric string
}

// Export is a collection written out for a snapshot.
type Export struct {
	Columns []snapshot.Column
	Rows    int64
	Extra   json.RawMessage
}

// Usage is where a collection's bytes are.
type Usage struct {
	Rows      int64
	RAMBytes  int64 // graph and vectors held in memory
	DiskBytes int64 // rows and index files on local disk
}
