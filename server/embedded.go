package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/akidb/akidb/sql"
	"github.com/akidb/akidb/storage"
)

// Embedded is a whole AkiDB (storage, engine, server) running in this
// process on a loopback port, for tests and tools.
type Embedded struct {
	addr string
	db   *storage.DB
	srv  *Server
	done chan error // Serve's result

	closeOnce sync.Once
	closeErr  error
}

// StartEmbedded opens (or creates) a store in dataDir and serves it on
// 127.0.0.1 at a free port.
func StartEmbedded(dataDir string, cfg Config) (*Embedded, error) {
	db, err := storage.Open(dataDir, storage.Options{})
	if err != nil {
		return nil, fmt.Errorf("server: open store: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	e := &Embedded{
		addr: ln.Addr().String(),
		db:   db,
		srv:  New(sql.NewEngine(db, sql.Options{}), cfg),
		done: make(chan error, 1),
	}
	go func() { e.done <- e.srv.Serve(ln) }()
	return e, nil
}

// Addr is "127.0.0.1:port".
func (e *Embedded) Addr() string { return e.addr }

// Server is the embedded wire server.
func (e *Embedded) Server() *Server { return e.srv }

// Close shuts the server down and closes the store.
func (e *Embedded) Close() error {
	e.closeOnce.Do(func() {
		err := e.srv.Shutdown(context.Background())
		if serr := <-e.done; serr != nil {
			err = errors.Join(err, serr)
		}
		if cerr := e.db.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("server: close store: %w", cerr))
		}
		e.closeErr = err
	})
	return e.closeErr
}
