package e2e

import (
	"encoding/binary"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/server"
)

func header(typ byte, declared uint32) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], declared)
	return b
}

// Garbage and oversized messages from raw TCP clients end those
// connections with FATAL 08P01 while a pgx connection keeps working.
func TestGarbageAndOversizedMessages(t *testing.T) {
	const capBytes = 1 << 20
	e := startServer(t, server.Config{MaxMessageSize: capBytes})
	conn := connect(t, e.Addr())

	afterStartup := []struct {
		name string
		data []byte
		msg  string // in the FATAL message
	}{
		{"unknown message type", header('Z', 4), "invalid frontend message type"},
		{"length below 4", header('Q', 2), "invalid message length"},
		{"negative length", header('Q', 0xfffffff0), "invalid message length"},
		{"over the cap", append(header('Q', capBytes+5), "SELECT 1"...), "too large"},
		{"2 GiB declared", header('P', 0x7fffffff), "too large"},
		{"malformed Bind", append(header('B', 6), 0, 0), "invalid message format"},
		{"malformed Describe", append(header('D', 6), 'S', 'a'), "invalid message format"},
	}
	for _, tc := range afterStartup {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := startupRaw(t, e.Addr())
			r.write(tc.data)
			errs := r.expectClosed()
			if len(errs) != 1 || errs[0].Severity != "FATAL" || errs[0].Code != "08P01" || !strings.Contains(errs[0].Message, tc.msg) {
				t.Fatalf("got %+v, want one FATAL 08P01 about %q", errs, tc.msg)
			}
			assertAlive(t, conn)
		})
	}

	t.Run("garbage instead of a startup packet", func(t *testing.T) {
		r := dialRaw(t, e.Addr())
		r.write([]byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"))
		errs := r.expectClosed()
		if len(errs) != 1 || errs[0].Code != "08P01" {
			t.Fatalf("got %+v, want FATAL 08P01", errs)
		}
		assertAlive(t, conn)
	})

	t.Run("a message cut off by the client", func(t *testing.T) {
		r, _ := startupRaw(t, e.Addr())
		r.write(append(header('Q', capBytes), strings.Repeat("x", 1000)...))
		r.nc.Close()
		assertAlive(t, conn)
	})

	t.Run("a large message under the cap", func(t *testing.T) {
		r, _ := startupRaw(t, e.Addr())
		q := "SELECT 1 -- " + strings.Repeat("x", capBytes-100)
		r.send(&pgproto3.Query{String: q})
		got := r.untilReady()
		if got[len(got)-1] != "ReadyForQuery I" {
			t.Fatalf("got %v", got)
		}
		assertAlive(t, conn)
	})

	t.Run("many bad clients at once", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := dialRaw(t, e.Addr())
				if i%2 == 0 {
					r.write([]byte{0, 0, 0, 3})
				} else {
					r.write(header('X', 0xffffffff))
				}
				r.expectClosed()
			}()
		}
		for range 5 {
			assertAlive(t, conn)
		}
		wg.Wait()
		assertAlive(t, conn)
	})
}

// After an error in an extended-protocol batch the server skips messages
// until Sync, then answers ReadyForQuery; the session stays usable.
func TestExtendedErrorSkipsUntilSync(t *testing.T) {
	e := startServer(t, server.Config{})
	r, _ := startupRaw(t, e.Addr())
	r.send(
		&pgproto3.Parse{Query: "SELEC 1"},
		&pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Query{String: "SELECT 1"}, // skipped too
		&pgproto3.Sync{},
	)
	got := r.untilReady()
	if len(got) != 2 || !strings.HasPrefix(got[0], "ErrorResponse ERROR ") || got[1] != "ReadyForQuery I" {
		t.Fatalf("got %v, want one ErrorResponse then ReadyForQuery", got)
	}
	// Messages for a statement that does not exist: an error, then skip.
	r.send(&pgproto3.Bind{PreparedStatement: "nope"}, &pgproto3.Execute{}, &pgproto3.Sync{})
	equalLists(t, "bind of a missing statement", r.untilReady(), []string{"ErrorResponse ERROR 26000", "ReadyForQuery I"})
	r.send(&pgproto3.Describe{ObjectType: 'P', Name: "nope"}, &pgproto3.Sync{})
	equalLists(t, "describe of a missing portal", r.untilReady(), []string{"ErrorResponse ERROR 34000", "ReadyForQuery I"})
	// Closing what does not exist is fine.
	r.send(&pgproto3.Close{ObjectType: 'S', Name: "nope"}, &pgproto3.Close{ObjectType: 'P', Name: "nope"}, &pgproto3.Sync{})
	equalLists(t, "close", r.untilReady(), []string{"CloseComplete", "CloseComplete", "ReadyForQuery I"})
	// Flush sends what is buffered without ending the batch.
	r.send(&pgproto3.Close{ObjectType: 'S', Name: "x"}, &pgproto3.Flush{})
	if m := summary(r.receive()); m != "CloseComplete" {
		t.Fatalf("after Flush: %s", m)
	}
	r.send(&pgproto3.Sync{})
	equalLists(t, "sync", r.untilReady(), []string{"ReadyForQuery I"})
}
