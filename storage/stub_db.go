package storage

// DB is AkiDB's Pebble-backed store. (Being written.)
type DB struct{}

// Options configure Open.
type Options struct{}

// Open opens or creates the store in dir.
func Open(dir string, opts Options) (*DB, error) { return &DB{}, nil }

// Close closes the store.
func (db *DB) Close() error { return nil }
