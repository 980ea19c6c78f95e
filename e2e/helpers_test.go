package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/server"
)

// testAddr is the address of the server a SQL test talks to: an embedded
// AkiDB on a fresh data directory, or, when AKIDB_E2E_POSTGRES is set to a
// host:port, that server (a PostgreSQL to check the tests' expectations
// against; it needs a superuser "akidb" and a database "akidb").
func testAddr(t testing.TB) string {
	t.Helper()
	if a := os.Getenv("AKIDB_E2E_POSTGRES"); a != "" {
		return a
	}
	return startServer(t, server.Config{}).Addr()
}

// startServer runs an embedded AkiDB on a fresh data directory.
func startServer(t testing.TB, cfg server.Config) *server.Embedded {
	t.Helper()
	e, err := server.StartEmbedded(t.TempDir(), cfg)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return e
}

func connString(addr string) string {
	return fmt.Sprintf("postgres://akidb@%s/akidb?sslmode=disable&application_name=e2e", addr)
}

// connect opens a pgx connection that the test closes at its end.
func connect(t testing.TB, addr string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString(addr))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustExec runs statements through the simple protocol.
func mustExec(t testing.TB, conn *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, s := range sqls {
		if _, err := conn.Exec(ctxT(t), s, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// pgErr returns err's *pgconn.PgError or fails.
func pgErr(t testing.TB, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v (%T), want a PostgreSQL error", err, err)
	}
	return pe
}

// assertAlive checks that conn still talks to the server: a query comes
// back with a result or a server error, not a broken connection.
func assertAlive(t testing.TB, conn *pgx.Conn) {
	t.Helper()
	var one int
	err := conn.QueryRow(ctxT(t), "SELECT 1").Scan(&one)
	var pe *pgconn.PgError
	if err != nil && !errors.As(err, &pe) {
		t.Fatalf("connection broken: %v", err)
	}
	if conn.IsClosed() {
		t.Fatal("connection closed")
	}
}

// rawConn is a hand-driven protocol client for what pgx will not send.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

// startupRaw dials and completes a startup; it returns the backend key.
func startupRaw(t testing.TB, addr string) (*rawConn, *pgproto3.BackendKeyData) {
	t.Helper()
	r := dialRaw(t, addr)
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "akidb", "database": "akidb"}})
	var key *pgproto3.BackendKeyData
	for {
		switch m := r.receive().(type) {
		case *pgproto3.BackendKeyData:
			key = &pgproto3.BackendKeyData{ProcessID: m.ProcessID, SecretKey: append([]byte(nil), m.SecretKey...)}
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s %s", m.Code, m.Message)
		case *pgproto3.ReadyForQuery:
			return r, key
		}
	}
}

func (r *rawConn) send(msgs ...pgproto3.FrontendMessage) {
	r.t.Helper()
	for _, m := range msgs {
		r.fe.Send(m)
	}
	if err := r.fe.Flush(); err != nil {
		r.t.Fatalf("send: %v", err)
	}
}

func (r *rawConn) write(b []byte) {
	r.t.Helper()
	if _, err := r.nc.Write(b); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// receive reads one message, failing the test after 10 s.
func (r *rawConn) receive() pgproto3.BackendMessage {
	r.t.Helper()
	m, err := r.tryReceive()
	if err != nil {
		r.t.Fatalf("receive: %v", err)
	}
	return m
}

func (r *rawConn) tryReceive() (pgproto3.BackendMessage, error) {
	r.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	return r.fe.Receive()
}

// untilReady reads up to and including ReadyForQuery and returns each
// message summarized by summary.
func (r *rawConn) untilReady() []string {
	r.t.Helper()
	var out []string
	for {
		m := r.receive()
		out = append(out, summary(m))
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return out
		}
	}
}

// expectClosed reads until the server closes the connection and returns
// the ErrorResponses seen.
func (r *rawConn) expectClosed() []*pgproto3.ErrorResponse {
	r.t.Helper()
	var errs []*pgproto3.ErrorResponse
	for {
		m, err := r.tryReceive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.t.Fatal("the server did not close the connection")
			}
			return errs
		}
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			c := *e
			errs = append(errs, &c)
		}
	}
}

// summary is a short stable text for a backend message.
func summary(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.ReadyForQuery:
		return "ReadyForQuery " + string(m.TxStatus)
	case *pgproto3.CommandComplete:
		return "CommandComplete " + string(m.CommandTag)
	case *pgproto3.ErrorResponse:
		return "ErrorResponse " + m.Severity + " " + m.Code
	case *pgproto3.DataRow:
		vals := make([]string, len(m.Values))
		for i, v := range m.Values {
			if v == nil {
				vals[i] = "NULL"
			} else {
				vals[i] = string(v)
			}
		}
		return "DataRow " + strings.Join(vals, ",")
	case *pgproto3.RowDescription:
		var cols []string
		for _, f := range m.Fields {
			cols = append(cols, fmt.Sprintf("%s:%d:%d", f.Name, f.DataTypeOID, f.Format))
		}
		return "RowDescription " + strings.Join(cols, ",")
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("ParameterDescription %v", m.ParameterOIDs)
	case *pgproto3.NoticeResponse:
		return "NoticeResponse " + m.Code
	}
	return strings.TrimPrefix(fmt.Sprintf("%T", m), "*pgproto3.")
}

func equalLists(t testing.TB, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("%s:\ngot:\n  %s\nwant:\n  %s", what, strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}
