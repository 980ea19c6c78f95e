package e2e

import (
	"math/big"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// Several statements in one Query; the first error ends the string.
func TestSimpleQueryMessages(t *testing.T) {
	r, _ := startupRaw(t, testAddr(t))
	r.send(&pgproto3.Query{String: "DROP TABLE IF EXISTS sq; CREATE TABLE sq (a int, b text); " +
		"INSERT INTO sq VALUES (1, 'x'), (2, NULL); SELECT a, b FROM sq ORDER BY a"})
	got := r.untilReady()
	if len(got) > 0 && got[0] == "NoticeResponse 00000" {
		got = got[1:] // the table did not exist
	}
	equalLists(t, "several statements", got, []string{
		"CommandComplete DROP TABLE", "CommandComplete CREATE TABLE", "CommandComplete INSERT 0 2",
		"RowDescription a:23:0,b:25:0", "DataRow 1,x", "DataRow 2,NULL", "CommandComplete SELECT 2",
		"ReadyForQuery I",
	})

	r.send(&pgproto3.Query{String: "INSERT INTO sq VALUES (3, 'y'); SELECT 1/0; INSERT INTO sq VALUES (4, 'z')"})
	got = nil
	for _, m := range r.untilReady() {
		// PostgreSQL folds 1/0 while planning, before RowDescription; an
		// engine that fails while executing sends RowDescription first.
		if m != "RowDescription ?column?:23:0" {
			got = append(got, m)
		}
	}
	equalLists(t, "an error in the middle", got, []string{
		"CommandComplete INSERT 0 1", "ErrorResponse ERROR 22012", "ReadyForQuery I",
	})
	r.send(&pgproto3.Query{String: "SELECT count(*) FROM sq"})
	// The string ran as one implicit transaction: the error rolled back the
	// INSERT before it too, and the one after it never ran.
	equalLists(t, "nothing of the failed string remains", r.untilReady(), []string{
		"RowDescription count:20:0", "DataRow 2", "CommandComplete SELECT 1", "ReadyForQuery I",
	})

	// A syntax error anywhere means nothing runs.
	r.send(&pgproto3.Query{String: "INSERT INTO sq VALUES (5, 'w'); SELEC 1"})
	equalLists(t, "a syntax error", r.untilReady(), []string{"ErrorResponse ERROR 42601", "ReadyForQuery I"})

	for _, q := range []string{"", ";", "  -- just a comment\n"} {
		r.send(&pgproto3.Query{String: q})
		equalLists(t, "empty query "+q, r.untilReady(), []string{"EmptyQueryResponse", "ReadyForQuery I"})
	}
}

func TestTransactions(t *testing.T) {
	conn := connect(t, testAddr(t))
	ctx := ctxT(t)
	setupKV(t, conn, "tx_kv", 1)
	count := func() int {
		var n int
		if err := conn.QueryRow(ctx, "SELECT count(*) FROM tx_kv").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	status := func(want byte) {
		t.Helper()
		if got := conn.PgConn().TxStatus(); got != want {
			t.Fatalf("TxStatus %c, want %c", got, want)
		}
	}

	mustExec(t, conn, "BEGIN", "INSERT INTO tx_kv VALUES (2, 'b')")
	status('T')
	if n := count(); n != 2 {
		t.Fatalf("read your own writes: %d rows, want 2", n)
	}
	mustExec(t, conn, "ROLLBACK")
	status('I')
	if n := count(); n != 1 {
		t.Fatalf("after ROLLBACK: %d rows, want 1", n)
	}

	// An error puts the transaction in the failed state until ROLLBACK.
	mustExec(t, conn, "BEGIN", "INSERT INTO tx_kv VALUES (3, 'c')")
	_, err := conn.Exec(ctx, "INSERT INTO tx_kv VALUES (1, 'dup')")
	if pe := pgErr(t, err); pe.Code != "23505" {
		t.Fatalf("duplicate key: %s %s", pe.Code, pe.Message)
	}
	status('E')
	_, err = conn.Exec(ctx, "SELECT 1")
	if pe := pgErr(t, err); pe.Code != "25P02" {
		t.Fatalf("in a failed transaction: %s %s", pe.Code, pe.Message)
	}
	mustExec(t, conn, "ROLLBACK")
	status('I')
	if n := count(); n != 1 {
		t.Fatalf("after the failed transaction: %d rows, want 1", n)
	}

	mustExec(t, conn, "BEGIN", "INSERT INTO tx_kv VALUES (4, 'd')", "COMMIT")
	if n := count(); n != 2 {
		t.Fatalf("after COMMIT: %d rows, want 2", n)
	}
}

// Notices and changed settings reach the client.
func TestNoticesAndParameterStatus(t *testing.T) {
	cfg, err := pgx.ParseConfig(connString(testAddr(t)))
	if err != nil {
		t.Fatal(err)
	}
	var notices []*pgconn.Notice
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n) }
	conn, err := pgx.ConnectConfig(ctxT(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctxT(t))

	mustExec(t, conn, "DROP TABLE IF EXISTS no_such_table_here")
	if len(notices) != 1 || notices[0].Severity != "NOTICE" || notices[0].Code != "00000" ||
		notices[0].Message != `table "no_such_table_here" does not exist, skipping` {
		t.Fatalf("notices: %+v", notices)
	}
	mustExec(t, conn, "SET application_name = 'changed'")
	if got := conn.PgConn().ParameterStatus("application_name"); got != "changed" {
		t.Fatalf("application_name after SET: %q", got)
	}
}

// Every type in text (simple protocol) and binary (extended protocol,
// where pgx asks for binary results) comes back as written.
func TestTypesTextAndBinary(t *testing.T) {
	conn := connect(t, testAddr(t))
	ctx := ctxT(t)
	mustExec(t, conn, "DROP TABLE IF EXISTS types_t", `CREATE TABLE types_t (
		id int PRIMARY KEY, b bool, i2 int2, i4 int4, i8 int8, f4 float4, f8 float8,
		n numeric, t text, vc varchar(10), by bytea, d date, ts timestamp, tz timestamptz)`)

	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	want := []any{true, int16(-32768), int32(2147483647), int64(-9223372036854775808), float32(1.5), 0.1,
		"12345.6789", "héllo", "short", []byte{0, 1, 255}, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), ts, ts}
	args := append([]any{1}, want...)
	args[7] = pgtype.Numeric{Int: big.NewInt(123456789), Exp: -4, Valid: true}
	if _, err := conn.Exec(ctx, `INSERT INTO types_t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`, args...); err != nil {
		t.Fatalf("insert with binary parameters: %v", err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO types_t VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		2, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil); err != nil {
		t.Fatalf("insert NULLs: %v", err)
	}

	for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeSimpleProtocol, pgx.QueryExecModeCacheDescribe} {
		var (
			b         bool
			i2        int16
			i4        int32
			i8        int64
			f4        float32
			f8        float64
			n, s, vc  string
			by        []byte
			d, ts, tz time.Time
			nulls     [13]any
		)
		err := conn.QueryRow(ctx, `SELECT b, i2, i4, i8, f4, f8, n::text, t, vc, by, d, ts, tz FROM types_t WHERE id = 1`, mode).
			Scan(&b, &i2, &i4, &i8, &f4, &f8, &n, &s, &vc, &by, &d, &ts, &tz)
		if err != nil {
			t.Fatalf("%v: %v", mode, err)
		}
		got := []any{b, i2, i4, i8, f4, f8, n, s, vc, by, d, ts.UTC(), tz.UTC()}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%v: column %d: got %#v, want %#v", mode, i+2, got[i], want[i])
			}
		}
		ptrs := make([]any, len(nulls))
		for i := range nulls {
			ptrs[i] = &nulls[i]
		}
		if err := conn.QueryRow(ctx, `SELECT b, i2, i4, i8, f4, f8, n, t, vc, by, d, ts, tz FROM types_t WHERE id = 2`, mode).Scan(ptrs...); err != nil {
			t.Fatalf("%v: NULLs: %v", mode, err)
		}
		for i, v := range nulls {
			if v != nil {
				t.Errorf("%v: NULL column %d came back as %#v", mode, i+2, v)
			}
		}
	}

	// Text output as PostgreSQL writes it.
	var row []string
	rows, err := conn.Query(ctx, `SELECT b::text, f4::text, f8::text, n::text, by::text, d::text, ts::text, tz::text FROM types_t WHERE id = 1`,
		pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		for _, v := range rows.RawValues() {
			row = append(row, string(v))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	wantText := []string{"true", "1.5", "0.1", "12345.6789", `\x0001ff`, "1999-12-31", "2024-02-29 13:14:15.123456", "2024-02-29 13:14:15.123456+00"}
	if !reflect.DeepEqual(row, wantText) {
		t.Errorf("text forms:\ngot  %q\nwant %q", row, wantText)
	}
}
