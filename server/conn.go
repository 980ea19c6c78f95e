package server

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/sql"
)

// flushAt is the size of buffered output at which it is written out even
// before the client asked for it (large results stream in pieces).
const flushAt = 32 << 10

// conn is one client connection. Everything but the fields under mu is
// owned by the connection's goroutine (serve).
type conn struct {
	srv    *Server
	nc     net.Conn
	rd     *msgReader
	log    *slog.Logger
	pid    uint32
	secret [4]byte

	ctx    context.Context // cancelled when the connection ends or the server gives up
	cancel context.CancelFunc

	wbuf     []byte
	writeErr error
	closing  bool // a FATAL error was sent: end after flushing

	sess *sql.Session

	// Extended-protocol state.
	stmts          map[string]*sql.Statement
	portals        map[string]*portal
	ignoreTillSync bool

	mu sync.Mutex
	// idle is true while the goroutine waits for a message at a point where
	// the connection may be closed for shutdown (before the startup packet,
	// or after ReadyForQuery).
	idle bool
	// stmtCancel cancels the running message's statement; nil when none.
	stmtCancel context.CancelFunc
}

func newConn(s *Server, nc net.Conn, pid uint32) *conn {
	c := &conn{
		srv:     s,
		nc:      nc,
		rd:      newMsgReader(nc, s.cfg.MaxMessageSize),
		log:     s.log.With("pid", pid, "remote", nc.RemoteAddr().String()),
		pid:     pid,
		stmts:   map[string]*sql.Statement{},
		portals: map[string]*portal{},
		idle:    true,
	}
	_, _ = rand.Read(c.secret[:])
	c.ctx, c.cancel = context.WithCancel(s.baseCtx)
	return c
}

// serve runs the connection to its end: startup, then the message loop.
func (c *conn) serve() {
	defer c.srv.unregister(c)
	defer c.nc.Close()
	defer c.cancel()
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("connection panic", "panic", r)
			c.sendFatal(pgerr.New(pgerr.InternalError, "internal error: %v", r))
		}
	}()
	if !c.startup() {
		return
	}
	defer c.closeSession()
	c.loop()
}

func (c *conn) closeSession() {
	for name, p := range c.portals {
		p.close()
		delete(c.portals, name)
	}
	c.sess.Close()
}

// loop reads and answers messages until Terminate, a broken socket, a
// protocol violation or shutdown. See
// https://www.postgresql.org/docs/current/protocol-flow.html.
func (c *conn) loop() {
	ready := true // the last thing sent was ReadyForQuery
	for {
		if c.closing {
			c.flush()
			return
		}
		if c.writeErr != nil {
			return
		}
		if ready && !c.setIdle() {
			c.sendFatal(shutdownError())
			return
		}
		typ, body, err := c.rd.ReadMessage()
		c.setBusy()
		if err != nil {
			c.readFailed(err)
			return
		}
		msg, err := decodeMessage(typ, body)
		if err != nil {
			c.sendFatal(err)
			return
		}
		if _, ok := msg.(*pgproto3.Terminate); ok {
			return
		}
		if c.ignoreTillSync {
			// After an error in an extended-query batch every message up to
			// Sync is discarded, as PostgreSQL does.
			if _, ok := msg.(*pgproto3.Sync); !ok {
				ready = false
				continue
			}
		}
		ready = false
		switch m := msg.(type) {
		case *pgproto3.Query:
			c.simpleQuery(m.String)
			ready = true
		case *pgproto3.Parse:
			c.extended(func() error { return c.parse(m) })
		case *pgproto3.Bind:
			c.extended(func() error { return c.bind(m) })
		case *pgproto3.Describe:
			c.extended(func() error { return c.describe(m) })
		case *pgproto3.Execute:
			c.extended(func() error { return c.execute(m) })
		case *pgproto3.Close:
			c.extended(func() error { return c.closeMsg(m) })
		case *pgproto3.Sync:
			c.sync()
			ready = true
		case *pgproto3.Flush:
			c.flush()
		case *pgproto3.FunctionCall:
			c.extended(func() error {
				return pgerr.New(pgerr.FeatureNotSupported, "function call messages are not supported")
			})
		case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
			// Ignored outside COPY, as PostgreSQL does: they are what a
			// client still sends after a COPY that failed.
		}
	}
}

// readFailed ends the connection after a failed read: EOF quietly, a
// frame error with FATAL 08P01, a shutdown wake-up with FATAL 57P01.
func (c *conn) readFailed(err error) {
	var pe *pgerr.Error
	switch {
	case errors.As(err, &pe):
		c.sendFatal(pe)
	case c.srv.shutting.Load() && errors.Is(err, os.ErrDeadlineExceeded):
		c.sendFatal(shutdownError())
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		c.log.Debug("client went away", "err", err)
	default:
		c.log.Debug("read failed", "err", err)
	}
}

func shutdownError() *pgerr.Error {
	return fatal(pgerr.New(pgerr.AdminShutdown, "terminating connection due to administrator command"))
}

// setIdle marks the connection idle before it blocks on a read. It returns
// false when the server is shutting down (the connection should end).
func (c *conn) setIdle() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.srv.shutting.Load() {
		return false
	}
	c.idle = true
	return true
}

func (c *conn) setBusy() {
	c.mu.Lock()
	c.idle = false
	c.mu.Unlock()
}

// wakeIfIdle interrupts a read that waits for the client's next query, so
// that the goroutine sees the shutdown. A busy connection notices it by
// itself after its current statement.
func (c *conn) wakeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.idle {
		_ = c.nc.SetReadDeadline(time.Now())
	}
}

// beginStatement returns the context of one message's work, which a
// CancelRequest or the end of the server cancels; end must be called.
func (c *conn) beginStatement() (ctx context.Context, end func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	c.stmtCancel = cancel
	c.mu.Unlock()
	return ctx, func() {
		c.mu.Lock()
		c.stmtCancel = nil
		c.mu.Unlock()
		cancel()
	}
}

// cancelStatement cancels the running statement, if any.
func (c *conn) cancelStatement() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stmtCancel != nil {
		c.stmtCancel()
	}
}

// send queues a message; output is written at ReadyForQuery, on Flush, or
// when enough has accumulated.
func (c *conn) send(msg pgproto3.BackendMessage) {
	if c.writeErr != nil {
		return
	}
	b, err := msg.Encode(c.wbuf)
	if err != nil {
		c.log.Error("encoding a message", "err", err)
		return
	}
	c.wbuf = b
	if len(c.wbuf) >= flushAt {
		c.flush()
	}
}

// flush writes the queued output. A write error ends the connection at the
// next loop turn.
func (c *conn) flush() error {
	if c.writeErr != nil {
		return c.writeErr
	}
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.wbuf)
	if cap(c.wbuf) > keepBuf {
		c.wbuf = nil
	} else {
		c.wbuf = c.wbuf[:0]
	}
	if err != nil {
		c.writeErr = err
		c.log.Debug("write failed", "err", err)
	}
	return err
}

func (c *conn) readyForQuery() {
	if c.closing {
		return
	}
	if c.sess.TxStatus() == 'I' {
		// Portals live until the end of their transaction.
		for name, p := range c.portals {
			p.close()
			delete(c.portals, name)
		}
	}
	c.send(&pgproto3.ReadyForQuery{TxStatus: c.sess.TxStatus()})
	c.flush()
}
