package server

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
)

func encode(t testing.TB, msgs ...pgproto3.FrontendMessage) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func frame(typ byte, declared int32, body []byte) []byte {
	b := []byte{typ, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(b[1:], uint32(declared))
	return append(b, body...)
}

func TestReadMessageRoundTrip(t *testing.T) {
	in := []pgproto3.FrontendMessage{
		&pgproto3.Query{String: "SELECT 1; SELECT 2"},
		&pgproto3.Parse{Name: "s1", Query: "SELECT $1::int", ParameterOIDs: []uint32{23}},
		&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s1", ParameterFormatCodes: []int16{1},
			Parameters: [][]byte{{0, 0, 0, 7}, nil, {}}, ResultFormatCodes: []int16{0, 1}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"},
		&pgproto3.Execute{Portal: "p", MaxRows: 10},
		&pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Flush{},
		&pgproto3.Sync{},
		&pgproto3.Terminate{},
	}
	mr := newMsgReader(bytes.NewReader(encode(t, in...)), 0)
	for i, want := range in {
		typ, body, err := mr.ReadMessage()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		got, err := decodeMessage(typ, body)
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		wb, _ := want.Encode(nil)
		gb, _ := got.Encode(nil)
		if !bytes.Equal(wb, gb) {
			t.Errorf("message %d: got %x, want %x", i, gb, wb)
		}
	}
	if _, _, err := mr.ReadMessage(); err != io.EOF {
		t.Fatalf("after the last message: %v, want EOF", err)
	}
}

func TestReadMessageViolations(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		max  int64
		code string // "" means a plain I/O error
	}{
		{"length below 4", frame('Q', 3, nil), 0, pgerr.ProtocolViolation},
		{"negative length", frame('Q', -1, nil), 0, pgerr.ProtocolViolation},
		{"over the cap", frame('Q', 1<<20+5, nil), 1 << 20, pgerr.ProtocolViolation},
		{"over the default cap", frame('Q', 1<<30+5, nil), 0, pgerr.ProtocolViolation},
		{"truncated body", frame('Q', 100, []byte("SELECT")), 0, ""},
		{"truncated header", []byte{'Q', 0, 0}, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := newMsgReader(bytes.NewReader(tc.data), tc.max).ReadMessage()
			if err == nil {
				t.Fatal("no error")
			}
			if tc.code == "" {
				if !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("got %v, want unexpected EOF", err)
				}
				return
			}
			e := toPG(err)
			if e.Code != tc.code || e.Severity != pgerr.SeverityFatal {
				t.Fatalf("got %s %s %q, want FATAL %s", e.Severity, e.Code, e.Message, tc.code)
			}
		})
	}
	if _, err := decodeMessage('Z', nil); pgerr.Code(err) != pgerr.ProtocolViolation {
		t.Fatalf("unknown type: %v", err)
	}
	if _, err := decodeMessage('B', []byte{0}); pgerr.Code(err) != pgerr.ProtocolViolation {
		t.Fatalf("short Bind: %v", err)
	}
}

// A client that declares a huge message and sends a few bytes must not
// make the server allocate the declared size.
func TestReadMessageAllocatesLazily(t *testing.T) {
	data := frame('Q', 1<<30, bytes.Repeat([]byte("x"), 100<<10))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, _, err := newMsgReader(bytes.NewReader(data), 0).ReadMessage()
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want unexpected EOF", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Fatalf("allocated %d bytes for 100 KiB that arrived", n)
	}
}

func TestReadStartup(t *testing.T) {
	sm := &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "u", "database": "d", "options": "-c a=b --c-d=e"}}
	data := encode(t, &pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}, sm,
		&pgproto3.CancelRequest{ProcessID: 7, SecretKey: []byte{1, 2, 3, 4}})
	mr := newMsgReader(bytes.NewReader(data), 0)
	var got []pgproto3.FrontendMessage
	for range 4 {
		body, err := mr.ReadStartup()
		if err != nil {
			t.Fatal(err)
		}
		m, err := decodeStartup(body)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, m)
	}
	if _, ok := got[0].(*pgproto3.SSLRequest); !ok {
		t.Errorf("got %T, want SSLRequest", got[0])
	}
	if _, ok := got[1].(*pgproto3.GSSEncRequest); !ok {
		t.Errorf("got %T, want GSSEncRequest", got[1])
	}
	if m, ok := got[2].(*pgproto3.StartupMessage); !ok || m.Parameters["user"] != "u" {
		t.Errorf("got %#v, want the startup message", got[2])
	}
	if m, ok := got[3].(*pgproto3.CancelRequest); !ok || m.ProcessID != 7 {
		t.Errorf("got %#v, want the cancel request", got[3])
	}
	opts := splitOptions(`-c a=b --c-d=e -cx=y\ z`)
	if opts["a"] != "b" || opts["c_d"] != "e" || opts["x"] != "y z" {
		t.Errorf("splitOptions: %v", opts)
	}

	for name, data := range map[string][]byte{
		"too short":   {0, 0, 0, 4},
		"too long":    {0, 0, 0x30, 0},
		"bad version": {0, 0, 0, 8, 0, 2, 0, 0},
	} {
		body, err := newMsgReader(bytes.NewReader(data), 0).ReadStartup()
		if err == nil {
			_, err = decodeStartup(body)
		}
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// FuzzReadMessage feeds arbitrary bytes to the frame reader and the
// message decoders: they may fail but never panic, and never return a body
// over the cap.
func FuzzReadMessage(f *testing.F) {
	f.Add(encode(f, &pgproto3.Query{String: "SELECT 1"}, &pgproto3.Sync{}))
	f.Add(encode(f, &pgproto3.Parse{Name: "a", Query: "SELECT $1", ParameterOIDs: []uint32{23}},
		&pgproto3.Bind{PreparedStatement: "a", Parameters: [][]byte{[]byte("1"), nil}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'S', Name: "a"}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Close{ObjectType: 'P'}))
	f.Add(encode(f, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "postgres"}}))
	f.Add(encode(f, &pgproto3.CancelRequest{ProcessID: 1, SecretKey: []byte{1, 2, 3, 4}}))
	f.Add(encode(f, &pgproto3.SSLRequest{}))
	f.Add(frame('Q', 3, nil))
	f.Add(frame('Q', 1<<30, []byte("x")))
	f.Add(frame('B', 6, []byte{0, 0}))
	f.Add(frame('B', 14, []byte{0, 0, 0, 0, 0, 1, 0x7f, 0xff, 0xff, 0xff}))
	f.Add(frame('P', 5, []byte{0}))
	f.Add(frame('D', 6, []byte{'X', 0}))
	f.Add(frame('?', 4, nil))
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte{})

	const max = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		mr := newMsgReader(bytes.NewReader(data), max)
		for {
			typ, body, err := mr.ReadMessage()
			if err != nil {
				break
			}
			if len(body) > max {
				t.Fatalf("body of %d bytes over the cap", len(body))
			}
			_, _ = decodeMessage(typ, body)
		}
		mr = newMsgReader(bytes.NewReader(data), max)
		if body, err := mr.ReadStartup(); err == nil {
			_, _ = decodeStartup(body)
		}
	})
}
