package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// storeFormat is the version of the key layout and encodings, kept at /m/format.
const storeFormat = 1

var metaFormatKey = []byte{spaceMeta, 'f'}

// Options configure Open.
type Options struct {
	// Logger receives the store's and Pebble's log lines; nil means
	// slog.Default(). Pebble's informational lines are logged at Debug.
	Logger *slog.Logger
}

// DB is AkiDB's Pebble-backed store. It is safe for concurrent use; each Txn
// it hands out belongs to one goroutine at a time.
type DB struct {
	pdb *pebble.DB
	log *slog.Logger
	dir string

	// mu orders commits. It guards commitSeq, the set of active
	// transactions, the write history used for conflict detection and the
	// record of dropped tables.
	mu        sync.Mutex
	closed    bool
	commitSeq uint64
	active    map[uint64]int // start sequence -> number of open txns
	open      int            // number of open txns
	history   writeHistory
	dropped   map[uint32]uint64 // table ID -> commit sequence of its drop

	catVersion atomic.Uint64
	cat        atomic.Pointer[catalog] // the committed catalog

	seqMu sync.Mutex
	seqs  map[uint32]*seqState

	// Vector indexes (vindex.go, vtxn.go, vcheckpoint.go, vopen.go).
	ilogSeq        uint64                             // last index log sequence; guarded by mu
	vidx           atomic.Pointer[map[uint32]*vindex] // committed graphs; replaced under mu
	applying       sync.WaitGroup                     // commits applying graph changes
	ckptCh         chan *vindex
	ckptStop       chan struct{}
	ckptDone       chan struct{}
	vecCheckpoints atomic.Int64 // checkpoints written
	vecFromMemory  atomic.Int64 // vector searches answered without reading Pebble (vkeys.go)
	vecOpen        vecOpenStats // what Open did

	flat flatCaches // exact scans' caches of vector columns (flatcache.go)
}

// Open opens the store in dir, creating the directory and an empty store
// when needed. Pebble's write-ahead log makes every synced commit durable;
// nothing else is replayed.
func Open(dir string, opts Options) (*DB, error) {
	lg := opts.Logger
	if lg == nil {
		lg = slog.Default()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, wrapf(err, "create %s", dir)
	}
	tuneAllocatorOnce.Do(tuneCAllocator)
	if err := cleanIngestDir(dir); err != nil {
		return nil, wrapf(err, "open %s", dir)
	}
	pdb, err := pebble.Open(dir, pebbleOptions(pebble.FormatNewest, pebbleLogger{lg}))
	if err != nil {
		return nil, wrapf(err, "open %s", dir)
	}
	db := &DB{
		pdb:     pdb,
		log:     lg,
		dir:     dir,
		active:  make(map[uint64]int),
		dropped: make(map[uint32]uint64),
		seqs:    make(map[uint32]*seqState),
	}
	db.history.init()
	if err := db.checkFormat(); err != nil {
		pdb.Close()
		return nil, err
	}
	if err := db.initCounters(); err != nil {
		pdb.Close()
		return nil, err
	}
	cat, err := loadCatalog(pdb)
	if err != nil {
		pdb.Close()
		return nil, err
	}
	db.cat.Store(cat)
	db.catVersion.Store(1)
	if err := db.openVectorIndexes(); err != nil {
		pdb.Close()
		return nil, err
	}
	return db, nil
}

// checkFormat stamps a new store with storeFormat and refuses a store
// written in another format.
func (db *DB) checkFormat() error {
	v, closer, err := db.pdb.Get(metaFormatKey)
	if errors.Is(err, pebble.ErrNotFound) {
		return db.pdb.Set(metaFormatKey, binary.BigEndian.AppendUint32(nil, storeFormat), pebble.Sync)
	}
	if err != nil {
		return wrapf(err, "read format")
	}
	defer closer.Close()
	if len(v) != 4 || binary.BigEndian.Uint32(v) != storeFormat {
		return fmt.Errorf("storage: unsupported store format %x (want %d)", v, storeFormat)
	}
	return nil
}

// Close closes the store. Transactions still open must not be used after;
// iterators must be closed before.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return ErrClosed
	}
	db.closed = true
	db.mu.Unlock()
	// No commit starts now; let those under way update their graphs, then
	// checkpoint the changed indexes.
	db.applying.Wait()
	if err := db.stopCheckpointer(); err != nil {
		db.log.Warn("storage: vector index checkpoint on close", "err", err)
	}
	// Free the graphs' memory (each once no search holds it).
	for _, v := range db.vindexes() {
		v.retire()
	}
	if err := db.pdb.Close(); err != nil {
		return wrapf(err, "close")
	}
	db.flat.dropAll()
	return nil
}

// CatalogVersion returns a number that grows with every committed change of
// the catalog (tables, indexes, sequences). Plan caches key on it.
func (db *DB) CatalogVersion() uint64 { return db.catVersion.Load() }

// tuneAllocatorOnce tunes the C allocator before the first DB opens.
var tuneAllocatorOnce sync.Once

// dataBlockSize is the size of the sstables' data blocks. Rows holding
// embeddings are kilobytes each: with Pebble's default 4 KiB a block held
// one or two, and a full scan (an export, an exact search) paid a read, a
// checksum and a block-cache allocation per row. At 32 KiB a scan reads
// 200 MB of 512-d rows about four times faster, and a point read of a row
// costs about 10% more.
const dataBlockSize = 32 << 10

// pebbleOptions returns the options of the DB's Pebble, and of the
// sstables a restore writes for it to ingest.
func pebbleOptions(format pebble.FormatMajorVersion, lg pebble.Logger) *pebble.Options {
	opts := &pebble.Options{Logger: lg, FormatMajorVersion: format}
	opts.EnsureDefaults()
	for i := range opts.Levels {
		opts.Levels[i].BlockSize = dataBlockSize
	}
	return opts
}

// pebbleLogger sends Pebble's log lines to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Log(context.Background(), slog.LevelDebug, fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble", "fatal", true)
	panic(msg)
}
