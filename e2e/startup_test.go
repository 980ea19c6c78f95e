package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/server"
)

func TestStartupParameters(t *testing.T) {
	e := startServer(t, server.Config{})
	conn := connect(t, e.Addr())
	pc := conn.PgConn()

	v := pc.ParameterStatus("server_version")
	if !strings.HasPrefix(v, "15.") || !strings.Contains(v, "AkiDB") {
		t.Errorf("server_version = %q, want a PostgreSQL 15 version naming AkiDB", v)
	}
	for name, want := range map[string]string{
		"server_encoding":             "UTF8",
		"client_encoding":             "UTF8",
		"DateStyle":                   "ISO, MDY",
		"integer_datetimes":           "on",
		"standard_conforming_strings": "on",
		"application_name":            "e2e",
		"session_authorization":       "akidb",
		"is_superuser":                "on",
	} {
		if got := pc.ParameterStatus(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if tz := pc.ParameterStatus("TimeZone"); tz == "" {
		t.Error("no TimeZone reported")
	}
	if pc.PID() == 0 || len(pc.SecretKey()) != 4 {
		t.Errorf("backend key: pid %d, secret %x", pc.PID(), pc.SecretKey())
	}
	if pc.TxStatus() != 'I' {
		t.Errorf("TxStatus = %c, want I", pc.TxStatus())
	}

	// Every connection gets its own pid and secret.
	other := connect(t, e.Addr()).PgConn()
	if other.PID() == pc.PID() || string(other.SecretKey()) == string(pc.SecretKey()) {
		t.Errorf("two connections share a backend key: %d/%x and %d/%x", pc.PID(), pc.SecretKey(), other.PID(), other.SecretKey())
	}
}

// sslmode=prefer sends SSLRequest first; the server says 'N' and the
// client goes on in plain text.
func TestSSLRequestRefused(t *testing.T) {
	e := startServer(t, server.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, strings.Replace(connString(e.Addr()), "sslmode=disable", "sslmode=prefer", 1))
	if err != nil {
		t.Fatalf("connect with sslmode=prefer: %v", err)
	}
	defer conn.Close(ctx)
	if conn.PgConn().ParameterStatus("server_encoding") != "UTF8" {
		t.Error("no parameters after the SSL refusal")
	}

	if _, err := pgx.Connect(ctx, strings.Replace(connString(e.Addr()), "sslmode=disable", "sslmode=require", 1)); err == nil {
		t.Error("sslmode=require connected to a server without TLS")
	}

	// By hand: SSLRequest, GSSENCRequest, then the startup.
	r := dialRaw(t, e.Addr())
	for _, m := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
		r.send(m)
		var b [1]byte
		r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := r.nc.Read(b[:]); err != nil || b[0] != 'N' {
			t.Fatalf("answer to %T: %q %v, want 'N'", m, b[0], err)
		}
	}
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "u", "options": "-c search_path=public"}})
	got := r.untilReady()
	if got[0] != "AuthenticationOk" || got[len(got)-2] != "BackendKeyData" || got[len(got)-1] != "ReadyForQuery I" {
		t.Fatalf("startup answer: %v", got)
	}
}

func TestStartupErrors(t *testing.T) {
	e := startServer(t, server.Config{})

	// No user: FATAL 28000.
	r := dialRaw(t, e.Addr())
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"database": "x"}})
	errs := r.expectClosed()
	if len(errs) != 1 || errs[0].Severity != "FATAL" || errs[0].Code != "28000" {
		t.Fatalf("startup without user: %+v", errs)
	}

	// Protocol 2.0: FATAL 0A000.
	r = dialRaw(t, e.Addr())
	r.write([]byte{0, 0, 0, 8, 0, 2, 0, 0})
	errs = r.expectClosed()
	if len(errs) != 1 || errs[0].Severity != "FATAL" || errs[0].Code != "0A000" {
		t.Fatalf("protocol 2.0: %+v", errs)
	}

	// Protocol 3.2 with a _pq_ option is negotiated down to 3.0.
	r = dialRaw(t, e.Addr())
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
		Parameters: map[string]string{"user": "u", "_pq_.something": "x"}})
	m := r.receive()
	npv, ok := m.(*pgproto3.NegotiateProtocolVersion)
	if !ok || npv.NewestMinorProtocol != 0 || len(npv.UnrecognizedOptions) != 1 || npv.UnrecognizedOptions[0] != "_pq_.something" {
		t.Fatalf("protocol 3.2: got %#v, want NegotiateProtocolVersion to 3.0", m)
	}
	if got := r.untilReady(); got[0] != "AuthenticationOk" {
		t.Fatalf("after negotiation: %v", got)
	}
}

func TestTerminate(t *testing.T) {
	e := startServer(t, server.Config{})
	r, _ := startupRaw(t, e.Addr())
	r.send(&pgproto3.Terminate{})
	if errs := r.expectClosed(); len(errs) != 0 {
		t.Fatalf("Terminate answered with errors: %+v", errs)
	}
}

// Shutdown closes idle connections with FATAL 57P01 and returns.
func TestShutdownClosesIdleConnections(t *testing.T) {
	e, err := server.StartEmbedded(t.TempDir(), server.Config{ShutdownTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := startupRaw(t, e.Addr())
	start := time.Now()
	if err := e.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown with only idle connections took %v", d)
	}
	errs := r.expectClosed()
	if len(errs) != 1 || errs[0].Code != "57P01" || errs[0].Severity != "FATAL" {
		t.Fatalf("idle connection at shutdown: %+v", errs)
	}
}
