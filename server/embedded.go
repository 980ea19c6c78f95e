package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"

	"github.com/akidb/akidb/sql"
	"github.com/akidb/akidb/tiering"
)

// Embedded is a whole AkiDB (storage, engine, server) running in this
// process on a loopback port, for tests and tools.
type Embedded struct {
	addr string
	st   *Stack
	srv  *Server
	done chan error // Serve's result

	closeOnce sync.Once
	closeErr  error
}

// StartEmbedded opens (or creates) a store in dataDir and serves it on
// 127.0.0.1 at a free port, with tiering to a local directory store.
func StartEmbedded(dataDir string, cfg Config) (*Embedded, error) {
	return StartEmbeddedTiering(dataDir, cfg, TieringConfig{})
}

// StartEmbeddedTiering is StartEmbedded with a tiering configuration.
func StartEmbeddedTiering(dataDir string, cfg Config, tc TieringConfig) (*Embedded, error) {
	st, err := OpenStack(context.Background(), dataDir, tc, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("server: open store: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("server: listen: %w", err)
	}
	e := &Embedded{
		addr: ln.Addr().String(),
		st:   st,
		srv:  New(sql.NewEngine(st.DB, sql.Options{Tiers: st.Tiers, Logger: cfg.Logger}), cfg),
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
		if cerr := e.st.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("server: close store: %w", cerr))
		}
		e.closeErr = err
	})
	return e.closeErr
}

// Tiers is the tiering manager (nil when tiering is disabled).
func (e *Embedded) Tiers() *tiering.Manager { return e.st.Tiers }
