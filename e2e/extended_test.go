package e2e

import (
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

// setupKV makes table name(k int PRIMARY KEY, v text) with rows 1..n,
// v = 'v<k>'.
func setupKV(t testing.TB, conn *pgx.Conn, name string, n int) {
	t.Helper()
	mustExec(t, conn, "DROP TABLE IF EXISTS "+name, "CREATE TABLE "+name+" (k int PRIMARY KEY, v text)")
	if n == 0 {
		return
	}
	var vals []string
	for i := 1; i <= n; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'v%d')", i, i))
	}
	mustExec(t, conn, "INSERT INTO "+name+" VALUES "+strings.Join(vals, ", "))
}

func TestPreparedStatementsReused(t *testing.T) {
	conn := connect(t, testAddr(t))
	ctx := ctxT(t)
	setupKV(t, conn, "prep_kv", 0)

	ins, err := conn.Prepare(ctx, "ins", "INSERT INTO prep_kv (k, v) VALUES ($1, $2)")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(ins.ParamOIDs); got != "[23 25]" {
		t.Errorf("parameter types of the INSERT: %s, want [23 25] (int4, text)", got)
	}
	for i := 1; i <= 20; i++ {
		tag, err := conn.Exec(ctx, "ins", i, fmt.Sprintf("value %d", i))
		if err != nil {
			t.Fatalf("execute %d: %v", i, err)
		}
		if tag.String() != "INSERT 0 1" {
			t.Fatalf("tag %q", tag)
		}
	}
	get, err := conn.Prepare(ctx, "get", "SELECT v FROM prep_kv WHERE k = $1")
	if err != nil {
		t.Fatal(err)
	}
	if len(get.Fields) != 1 || string(get.Fields[0].Name) != "v" || get.Fields[0].DataTypeOID != 25 {
		t.Errorf("result of the SELECT: %+v", get.Fields)
	}
	for i := 20; i >= 1; i-- {
		var v string
		if err := conn.QueryRow(ctx, "get", i).Scan(&v); err != nil || v != fmt.Sprintf("value %d", i) {
			t.Fatalf("k=%d: %q %v", i, v, err)
		}
	}
	if err := conn.QueryRow(ctx, "get", 99).Scan(new(string)); err != pgx.ErrNoRows {
		t.Fatalf("missing key: %v", err)
	}
	// Preparing the same name again on the server is an error (pgx
	// deallocates first, so go through pgconn).
	_, err = conn.PgConn().Prepare(ctx, "get", "SELECT 1", nil)
	if pe := pgErr(t, err); pe.Code != "42P05" || pe.Message != `prepared statement "get" already exists` {
		t.Fatalf("duplicate prepare: %s %q", pe.Code, pe.Message)
	}
}

// A portal read a few rows at a time: PortalSuspended after each chunk,
// CommandComplete at the end.
func TestPortalReadInChunks(t *testing.T) {
	addr := testAddr(t)
	setupKV(t, connect(t, addr), "chunk_kv", 10)
	r, _ := startupRaw(t, addr)
	r.send(
		&pgproto3.Parse{Name: "s", Query: "SELECT k, v FROM chunk_kv WHERE k > $1 ORDER BY k"},
		&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "s", Parameters: [][]byte{[]byte("2")}},
		&pgproto3.Execute{Portal: "p", MaxRows: 3},
		&pgproto3.Execute{Portal: "p", MaxRows: 3},
		&pgproto3.Execute{Portal: "p", MaxRows: 3},
		&pgproto3.Sync{},
	)
	equalLists(t, "the first three chunks", r.untilReady(), []string{
		"ParseComplete", "BindComplete",
		"DataRow 3,v3", "DataRow 4,v4", "DataRow 5,v5", "PortalSuspended",
		"DataRow 6,v6", "DataRow 7,v7", "DataRow 8,v8", "PortalSuspended",
		"DataRow 9,v9", "DataRow 10,v10", "CommandComplete SELECT 2",
		"ReadyForQuery I",
	})

	// Inside a transaction block the portal outlives Sync.
	r.send(&pgproto3.Query{String: "BEGIN"})
	equalLists(t, "BEGIN", r.untilReady(), []string{"CommandComplete BEGIN", "ReadyForQuery T"})
	r.send(
		&pgproto3.Bind{DestinationPortal: "q", PreparedStatement: "s", Parameters: [][]byte{[]byte("7")},
			ResultFormatCodes: []int16{1, 0}},
		&pgproto3.Execute{Portal: "q", MaxRows: 2},
		&pgproto3.Sync{},
	)
	equalLists(t, "a chunk in a transaction", r.untilReady(), []string{
		"BindComplete", "DataRow \x00\x00\x00\x08,v8", "DataRow \x00\x00\x00\x09,v9", "PortalSuspended", "ReadyForQuery T",
	})
	r.send(&pgproto3.Execute{Portal: "q"}, &pgproto3.Sync{})
	equalLists(t, "the rest", r.untilReady(), []string{"DataRow \x00\x00\x00\x0a,v10", "CommandComplete SELECT 1", "ReadyForQuery T"})
	r.send(&pgproto3.Query{String: "COMMIT"})
	equalLists(t, "COMMIT", r.untilReady(), []string{"CommandComplete COMMIT", "ReadyForQuery I"})
	r.send(&pgproto3.Execute{Portal: "q"}, &pgproto3.Sync{})
	equalLists(t, "the portal after COMMIT", r.untilReady(), []string{"ErrorResponse ERROR 34000", "ReadyForQuery I"})
}

func int4(v int32) []byte { return binary.BigEndian.AppendUint32(nil, uint32(v)) }

func TestExtendedProtocolMessages(t *testing.T) {
	addr := testAddr(t)
	setupKV(t, connect(t, addr), "ext_kv", 3)
	r, _ := startupRaw(t, addr)

	// Describe a statement and a portal; result formats from Bind.
	r.send(
		&pgproto3.Parse{Name: "sel", Query: "SELECT k, v FROM ext_kv WHERE k = $1"},
		&pgproto3.Describe{ObjectType: 'S', Name: "sel"},
		&pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "sel", ParameterFormatCodes: []int16{1},
			Parameters: [][]byte{int4(2)}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"},
		&pgproto3.Execute{Portal: "p"},
		&pgproto3.Sync{},
	)
	equalLists(t, "describe and binary results", r.untilReady(), []string{
		"ParseComplete",
		"ParameterDescription [23]",
		"RowDescription k:23:0,v:25:0",
		"BindComplete",
		"RowDescription k:23:1,v:25:1",
		"DataRow \x00\x00\x00\x02,v2",
		"CommandComplete SELECT 1",
		"ReadyForQuery I",
	})

	// A statement without results: NoData; the unnamed statement and
	// portal are replaced by the next Parse and Bind.
	r.send(
		&pgproto3.Parse{Query: "UPDATE ext_kv SET v = $2 WHERE k = $1"},
		&pgproto3.Describe{ObjectType: 'S'},
		&pgproto3.Parse{Query: "SELECT v FROM ext_kv WHERE k = $1"},
		&pgproto3.Bind{Parameters: [][]byte{[]byte("3")}},
		&pgproto3.Bind{Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	)
	equalLists(t, "unnamed statement and portal", r.untilReady(), []string{
		"ParseComplete", "ParameterDescription [23 25]", "NoData",
		"ParseComplete", "BindComplete", "BindComplete",
		"RowDescription v:25:0", "DataRow v1", "CommandComplete SELECT 1", "ReadyForQuery I",
	})

	// Wrong number of parameters.
	r.send(&pgproto3.Parse{Name: "two", Query: "SELECT $1::int + $2::int"},
		&pgproto3.Bind{PreparedStatement: "two", Parameters: [][]byte{[]byte("1")}}, &pgproto3.Sync{})
	got := r.receiveAll()
	if len(got) != 3 {
		t.Fatalf("bind with a missing parameter: %v", got)
	}
	e, ok := got[1].(*pgproto3.ErrorResponse)
	if !ok || e.Code != "08P01" || e.Message != `bind message supplies 1 parameters, but prepared statement "two" requires 2` {
		t.Fatalf("bind with a missing parameter: %+v", got[1])
	}

	// A binary parameter that is not a valid int4 (five bytes).
	r.send(&pgproto3.Bind{PreparedStatement: "two", ParameterFormatCodes: []int16{1},
		Parameters: [][]byte{{0, 0, 0, 0, 1}, {0, 0, 0, 1}}}, &pgproto3.Sync{})
	got = r.receiveAll()
	if e, ok := got[0].(*pgproto3.ErrorResponse); !ok || e.Code != "22P03" ||
		e.Message != "incorrect binary data format in bind parameter 1" {
		t.Fatalf("bad binary parameter: %#v", got[0])
	}
	// A text parameter that does not parse.
	r.send(&pgproto3.Bind{PreparedStatement: "two", Parameters: [][]byte{[]byte("x"), []byte("1")}}, &pgproto3.Sync{})
	got = r.receiveAll()
	if e, ok := got[0].(*pgproto3.ErrorResponse); !ok || e.Code != "22P02" || e.Message != `invalid input syntax for type integer: "x"` {
		t.Fatalf("bad text parameter: %+v", got)
	}
	// A duplicate statement name; NULL parameters; the statement still works.
	r.send(&pgproto3.Parse{Name: "two", Query: "SELECT 1"}, &pgproto3.Sync{},
		&pgproto3.Bind{PreparedStatement: "two", Parameters: [][]byte{nil, []byte("5")}}, &pgproto3.Execute{},
		&pgproto3.Bind{PreparedStatement: "two", ParameterFormatCodes: []int16{0, 1}, Parameters: [][]byte{[]byte("4"), int4(5)}},
		&pgproto3.Execute{}, &pgproto3.Close{ObjectType: 'S', Name: "two"}, &pgproto3.Sync{})
	equalLists(t, "duplicate name", r.untilReady(), []string{"ErrorResponse ERROR 42P05", "ReadyForQuery I"})
	equalLists(t, "after the duplicate", r.untilReady(), []string{
		"BindComplete", "DataRow NULL", "CommandComplete SELECT 1",
		"BindComplete", "DataRow 9", "CommandComplete SELECT 1", "CloseComplete", "ReadyForQuery I"})

	// An empty query.
	r.send(&pgproto3.Parse{Query: ""}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	equalLists(t, "empty query", r.untilReady(), []string{"ParseComplete", "BindComplete", "NoData", "EmptyQueryResponse", "ReadyForQuery I"})
}

// receiveAll reads messages up to ReadyForQuery and keeps copies of them.
func (r *rawConn) receiveAll() []pgproto3.BackendMessage {
	r.t.Helper()
	var out []pgproto3.BackendMessage
	for {
		m := r.receive()
		switch m := m.(type) {
		case *pgproto3.ErrorResponse:
			c := *m
			out = append(out, &c)
		default:
			out = append(out, m)
		}
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			return out
		}
	}
}

// A syntax error answers 42601 with the position and leaves the session
// usable, in both protocols.
func TestSyntaxErrorLeavesSessionUsable(t *testing.T) {
	conn := connect(t, testAddr(t))
	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeExec} {
		_, err := conn.Exec(ctxT(t), "SELECT * FORM nowhere", mode)
		pe := pgErr(t, err)
		if pe.Code != "42601" || pe.Position != 10 || pe.Message != `syntax error at or near "FORM"` {
			t.Errorf("%v: got %s at %d %q, want 42601 at 10", mode, pe.Code, pe.Position, pe.Message)
		}
		var n int
		if err := conn.QueryRow(ctxT(t), "SELECT 2", mode).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%v: after the error: %d %v", mode, n, err)
		}
	}
}

// TestProtocolErrorFailsTransaction: an error the wire layer raises (a
// second Parse of a named statement) inside a transaction block fails the
// block, as in PostgreSQL: the next statement gets 25P02 until ROLLBACK.
func TestProtocolErrorFailsTransaction(t *testing.T) {
	r, _ := startupRaw(t, testAddr(t))
	r.send(&pgproto3.Query{String: "BEGIN"})
	equalLists(t, "begin", r.untilReady(), []string{"CommandComplete BEGIN", "ReadyForQuery T"})
	r.send(&pgproto3.Parse{Name: "dup", Query: "SELECT 1"}, &pgproto3.Sync{})
	equalLists(t, "first parse", r.untilReady(), []string{"ParseComplete", "ReadyForQuery T"})
	r.send(&pgproto3.Parse{Name: "dup", Query: "SELECT 2"}, &pgproto3.Sync{})
	equalLists(t, "second parse", r.untilReady(), []string{"ErrorResponse ERROR 42P05", "ReadyForQuery E"})
	r.send(&pgproto3.Query{String: "SELECT 1"})
	equalLists(t, "in the failed block", r.untilReady(), []string{"ErrorResponse ERROR 25P02", "ReadyForQuery E"})
	r.send(&pgproto3.Query{String: "ROLLBACK"})
	equalLists(t, "rollback", r.untilReady(), []string{"CommandComplete ROLLBACK", "ReadyForQuery I"})
}
