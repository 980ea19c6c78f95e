package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/akidb/akidb/sql"
)

// Config configures a Server.
type Config struct {
	// MaxMessageSize caps one frontend message; 0 means 1 GiB.
	MaxMessageSize int64
	// ShutdownTimeout bounds how long Shutdown lets running statements finish.
	// 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	Logger          *slog.Logger
}

// DefaultShutdownTimeout is used when Config.ShutdownTimeout is 0.
const DefaultShutdownTimeout = 10 * time.Second

// ErrServerClosed is returned by Serve when it is called after Shutdown.
var ErrServerClosed = errors.New("server: closed")

// Server accepts pgwire connections for one sql.Engine. Serve may run on
// several listeners at once; Shutdown stops them all.
type Server struct {
	eng *sql.Engine
	cfg Config
	log *slog.Logger

	// baseCtx is the parent of every connection's context; cancelled when
	// Shutdown gives up waiting for running statements.
	baseCtx    context.Context
	baseCancel context.CancelFunc

	shutting atomic.Bool
	wg       sync.WaitGroup // one per connection goroutine

	mu        sync.Mutex
	listeners map[net.Listener]struct{}
	conns     map[uint32]*conn // by backend pid
	nextPID   uint32
}

// New returns a server for eng.
func New(eng *sql.Engine, cfg Config) *Server {
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = DefaultShutdownTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	ctx, cancel := context.WithCancel(context.Background())
	return &Server{
		eng:        eng,
		cfg:        cfg,
		log:        log,
		baseCtx:    ctx,
		baseCancel: cancel,
		listeners:  map[net.Listener]struct{}{},
		conns:      map[uint32]*conn{},
		// Backend pids start somewhere random in a range that looks like
		// process ids, so two servers on one machine rarely share them.
		nextPID: 1000 + binary.BigEndian.Uint32(seed[:])%(1<<22),
	}
}

// Serve accepts connections on ln until Shutdown; it returns nil after a
// clean shutdown. Each connection runs in its own goroutine.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.shutting.Load() {
		s.mu.Unlock()
		ln.Close()
		return ErrServerClosed
	}
	s.listeners[ln] = struct{}{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.listeners, ln)
		s.mu.Unlock()
	}()

	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.shutting.Load() {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || isTemporary(err) {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				s.log.Warn("accept failed; retrying", "err", err, "delay", backoff)
				time.Sleep(backoff)
				continue
			}
			return fmt.Errorf("server: accept: %w", err)
		}
		backoff = 0
		c := s.register(nc)
		if c == nil {
			nc.Close()
			continue
		}
		go c.serve()
	}
}

func isTemporary(err error) bool {
	t, ok := err.(interface{ Temporary() bool })
	return ok && t.Temporary()
}

// register makes the connection state for nc and gives it a backend pid
// and a random cancel secret. It returns nil once shutting down.
func (s *Server) register(nc net.Conn) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.shutting.Load() {
		return nil
	}
	pid := s.nextPID
	for {
		pid++
		if pid == 0 || pid >= 1<<30 {
			pid = 1000
		}
		if _, used := s.conns[pid]; !used {
			break
		}
	}
	s.nextPID = pid
	c := newConn(s, nc, pid)
	s.conns[pid] = c
	s.wg.Add(1)
	return c
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c.pid)
	s.mu.Unlock()
	s.wg.Done()
}

// Shutdown stops accepting, lets running statements finish until ctx or
// ShutdownTimeout ends, then closes every connection.
//
// Idle connections (waiting for the client's next query) are told FATAL
// 57P01 and closed at once; a busy one is closed when its statement ends.
// When time runs out, running statements are cancelled and the remaining
// sockets closed. Shutdown returns once every connection goroutine has
// ended, or with an error when some have not ended shortly after that.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.shutting.Store(true)
	for ln := range s.listeners {
		ln.Close()
	}
	conns := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.wakeIfIdle()
	}

	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	timer := time.NewTimer(s.cfg.ShutdownTimeout)
	defer timer.Stop()
	select {
	case <-done:
		s.baseCancel()
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}

	// Out of patience: cancel what still runs and close the sockets.
	s.mu.Lock()
	n := len(s.conns)
	for _, c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.log.Warn("shutdown: cancelling running statements", "connections", n)
	s.baseCancel()
	select {
	case <-done:
		return nil
	case <-time.After(5 * time.Second):
		return fmt.Errorf("server: shutdown: %d connections did not stop", n)
	}
}

// lookup returns the connection with the backend pid, or nil.
func (s *Server) lookup(pid uint32) *conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns[pid]
}
