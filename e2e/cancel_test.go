package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/server"
)

// A CancelRequest arrives on a connection of its own, which the server
// closes without an answer, whether or not the key matched; an idle
// backend is not disturbed.
func TestCancelRequestPlumbing(t *testing.T) {
	e := startServer(t, server.Config{})
	target, key := startupRaw(t, e.Addr())
	if key == nil {
		t.Fatal("no BackendKeyData")
	}
	wrong := append([]byte(nil), key.SecretKey...)
	wrong[0] ^= 0xff
	for name, req := range map[string]*pgproto3.CancelRequest{
		"matching key":    {ProcessID: key.ProcessID, SecretKey: key.SecretKey},
		"wrong secret":    {ProcessID: key.ProcessID, SecretKey: wrong},
		"unknown backend": {ProcessID: key.ProcessID + 1000, SecretKey: key.SecretKey},
	} {
		c := dialRaw(t, e.Addr())
		c.send(req)
		if errs := c.expectClosed(); len(errs) != 0 {
			t.Errorf("%s: cancel connection got %+v", name, errs)
		}
		target.send(&pgproto3.Sync{})
		equalLists(t, name+": the target after the cancel", target.untilReady(), []string{"ReadyForQuery I"})
	}
}

// A cancel interrupts a running statement with 57014, in the simple and
// the extended protocol, and the session goes on.
func TestCancelInterruptsLongStatement(t *testing.T) {
	conn := connect(t, testAddr(t))
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
		t.Run(mode.String(), func(t *testing.T) {
			done := make(chan struct{})
			defer func() { <-done }()
			go func() {
				defer close(done)
				time.Sleep(300 * time.Millisecond)
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := conn.PgConn().CancelRequest(ctx); err != nil {
					t.Errorf("cancel request: %v", err)
				}
			}()
			start := time.Now()
			_, err := conn.Exec(ctxT(t), "SELECT pg_sleep(20)", mode)
			if pe := pgErr(t, err); pe.Code != "57014" {
				t.Fatalf("got %s %q, want 57014", pe.Code, pe.Message)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("the cancel took %v", d)
			}
			var n int
			if err := conn.QueryRow(ctxT(t), "SELECT 41 + 1").Scan(&n); err != nil || n != 42 {
				t.Fatalf("after the cancel: %d %v", n, err)
			}
		})
	}
}
