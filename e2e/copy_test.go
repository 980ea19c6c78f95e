package e2e

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// COPY over the wire, checked against what PostgreSQL 15 answers (run with
// AKIDB_E2E_POSTGRES to see the same expectations hold there).

func freshTable(t testing.TB, conn *pgx.Conn, name, def string) {
	t.Helper()
	mustExec(t, conn, "DROP TABLE IF EXISTS "+name, "CREATE TABLE "+name+" "+def)
}

func count(t testing.TB, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(ctxT(t), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// pgx's CopyFrom sends `COPY ... FROM STDIN BINARY` in the simple protocol.
func TestCopyFromPgx50k(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_big", "(id int8 PRIMARY KEY, name text, score float8, ok bool, at timestamptz, amount numeric)")
	const n = 50000
	base := time.Date(2024, 1, 2, 3, 4, 5, 123456000, time.UTC)
	row := func(i int) []any {
		var name any = fmt.Sprintf("name-%d\twith\\specials\n", i)
		if i%97 == 0 {
			name = nil
		}
		amount := pgtype.Numeric{Int: big.NewInt(int64(i)*1000 + 7), Exp: -3, Valid: true}
		return []any{int64(i), name, float64(i) / 8, i%3 == 0, base.Add(time.Duration(i) * time.Second), amount}
	}
	src := pgx.CopyFromFunc(func() func() ([]any, error) {
		i := 0
		return func() ([]any, error) {
			if i >= n {
				return nil, nil
			}
			i++
			return row(i), nil
		}
	}())
	start := time.Now()
	got, err := conn.CopyFrom(ctxT(t), pgx.Identifier{"copy_big"}, []string{"id", "name", "score", "ok", "at", "amount"}, src)
	if err != nil {
		t.Fatalf("CopyFrom: %v", err)
	}
	d := time.Since(start)
	t.Logf("COPY of %d rows (binary, pgx CopyFrom): %v, %.0f rows/s", n, d, float64(n)/d.Seconds())
	if got != n {
		t.Fatalf("CopyFrom copied %d rows, want %d", got, n)
	}
	if c := count(t, conn, "copy_big"); c != n {
		t.Fatalf("count = %d, want %d", c, n)
	}
	for _, i := range []int{1, 2, 97, 12345, n} {
		var (
			id     int64
			name   *string
			score  float64
			ok     bool
			at     time.Time
			amount string
		)
		err := conn.QueryRow(ctxT(t), "SELECT id, name, score, ok, at, amount::text FROM copy_big WHERE id = $1", i).
			Scan(&id, &name, &score, &ok, &at, &amount)
		if err != nil {
			t.Fatalf("row %d: %v", i, err)
		}
		want := row(i)
		wantName, _ := want[1].(string)
		if (name == nil) != (want[1] == nil) || (name != nil && *name != wantName) {
			t.Errorf("row %d: name %v, want %v", i, name, want[1])
		}
		wantAmount := fmt.Sprintf("%d.%03d", i, 7)
		if score != want[2].(float64) || ok != want[3].(bool) || !at.Equal(want[4].(time.Time)) || amount != wantAmount {
			t.Errorf("row %d: got %v %v %v %v, want %v %v %v %v", i, score, ok, at, amount, want[2], want[3], want[4], wantAmount)
		}
	}
}

// copyIn runs a COPY FROM STDIN with data through pgconn.
func copyIn(t testing.TB, conn *pgx.Conn, sql, data string) (pgconn.CommandTag, error) {
	t.Helper()
	return conn.PgConn().CopyFrom(ctxT(t), strings.NewReader(data), sql)
}

func wantCopyError(t testing.TB, err error, code, msg, where string) {
	t.Helper()
	pe := pgErr(t, err)
	if pe.Code != code || pe.Message != msg || pe.Where != where {
		t.Fatalf("got %s %q CONTEXT %q, want %s %q CONTEXT %q", pe.Code, pe.Message, pe.Where, code, msg, where)
	}
}

func TestCopyFromBadRow(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_bad", "(id int, b text)")
	cases := []struct {
		name, sql, data    string
		code, msg, context string
	}{
		{"text bad int", "COPY copy_bad FROM STDIN", "1\ta\n2\tb\nx\tc\n4\td\n",
			"22P02", `invalid input syntax for type integer: "x"`, `COPY copy_bad, line 3, column id: "x"`},
		{"text extra column", "COPY copy_bad FROM STDIN", "1\ta\n2\tb\t3\n",
			"22P04", "extra data after last expected column", "COPY copy_bad, line 2: \"2\tb\t3\""},
		{"text missing column", "COPY copy_bad FROM STDIN", "1\ta\n2\n",
			"22P04", `missing data for column "b"`, `COPY copy_bad, line 2: "2"`},
		{"csv bad int with header", "COPY copy_bad FROM STDIN WITH CSV HEADER", "id,b\n1,a\n\"2\",\"b\"\n3x,c\n",
			"22P02", `invalid input syntax for type integer: "3x"`, `COPY copy_bad, line 4, column id: "3x"`},
		{"csv quoted newline", "COPY copy_bad FROM STDIN (FORMAT csv)", "1,a\n2,\"b\nc\",x\n",
			"22P04", "extra data after last expected column", "COPY copy_bad, line 3: \"2,\"b\nc\",x\""},
		{"csv unterminated", "COPY copy_bad FROM STDIN (FORMAT csv)", "1,\"a\n",
			"22P04", "unterminated CSV quoted field", "COPY copy_bad, line 1: \"1,\"a\n\""},
		{"column list", "COPY copy_bad (b, id) FROM STDIN", "a\t1\nb\t2.5\n",
			"22P02", `invalid input syntax for type integer: "2.5"`, `COPY copy_bad, line 2, column id: "2.5"`},
		{"end marker", "COPY copy_bad FROM STDIN", "1\ta\n\\.x\n",
			"22P04", "end-of-copy marker corrupt", "COPY copy_bad, line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := copyIn(t, conn, tc.sql, tc.data)
			wantCopyError(t, err, tc.code, tc.msg, tc.context)
			if c := count(t, conn, "copy_bad"); c != 0 {
				t.Fatalf("%d rows loaded, want 0", c)
			}
		})
	}
}

func TestCopyFromConstraints(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_c", "(id int PRIMARY KEY, b text NOT NULL, c int DEFAULT 7)")
	_, err := copyIn(t, conn, "COPY copy_c FROM STDIN", "1\ta\t2\n1\tb\t3\n")
	wantCopyError(t, err, "23505", `duplicate key value violates unique constraint "copy_c_pkey"`, "COPY copy_c, line 2")
	_, err = copyIn(t, conn, "COPY copy_c FROM STDIN", "1\t\\N\t2\n")
	wantCopyError(t, err, "23502", `null value in column "b" of relation "copy_c" violates not-null constraint`, "COPY copy_c, line 1: \"1\t\\N\t2\"")
	if pe := pgErr(t, err); pe.Detail != "Failing row contains (1, null, 2)." {
		t.Errorf("detail %q", pe.Detail)
	}
	_, err = copyIn(t, conn, "COPY copy_c (id) FROM STDIN", "5\n")
	wantCopyError(t, err, "23502", `null value in column "b" of relation "copy_c" violates not-null constraint`, `COPY copy_c, line 1: "5"`)
	if pe := pgErr(t, err); pe.Detail != "Failing row contains (5, null, 7)." {
		t.Errorf("detail %q", pe.Detail)
	}
	if c := count(t, conn, "copy_c"); c != 0 {
		t.Fatalf("%d rows loaded, want 0", c)
	}
	tag, err := copyIn(t, conn, "COPY copy_c (b, id) FROM STDIN", "x\t1\ny\t2\n")
	if err != nil || tag.String() != "COPY 2" {
		t.Fatalf("COPY: %v %v", tag, err)
	}
	var sum int
	if err := conn.QueryRow(ctxT(t), "SELECT sum(c) FROM copy_c").Scan(&sum); err != nil || sum != 14 {
		t.Fatalf("defaults: sum(c) = %d, %v; want 14", sum, err)
	}

	// Serial columns get nextval.
	freshTable(t, conn, "copy_s", "(id bigserial PRIMARY KEY, v text)")
	if _, err := copyIn(t, conn, "COPY copy_s (v) FROM STDIN (FORMAT csv)", "a\nb\nc\n"); err != nil {
		t.Fatal(err)
	}
	rows, _ := conn.Query(ctxT(t), "SELECT id::text || v FROM copy_s ORDER BY id")
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || strings.Join(got, ",") != "1a,2b,3c" {
		t.Fatalf("serial: %v %v", got, err)
	}
}

// A COPY is part of the transaction block it runs in.
func TestCopyInTransaction(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_tx", "(id int, b text)")
	mustExec(t, conn, "BEGIN")
	if _, err := copyIn(t, conn, "COPY copy_tx FROM STDIN", "1\ta\n2\tb\n"); err != nil {
		t.Fatal(err)
	}
	if c := count(t, conn, "copy_tx"); c != 2 {
		t.Fatalf("inside the block: %d rows, want 2", c)
	}
	mustExec(t, conn, "ROLLBACK")
	if c := count(t, conn, "copy_tx"); c != 0 {
		t.Fatalf("after ROLLBACK: %d rows, want 0", c)
	}

	mustExec(t, conn, "BEGIN")
	if _, err := copyIn(t, conn, "COPY copy_tx FROM STDIN", "1\ta\n"); err != nil {
		t.Fatal(err)
	}
	_, err := copyIn(t, conn, "COPY copy_tx FROM STDIN", "2\tb\nzz\tc\n")
	wantCopyError(t, err, "22P02", `invalid input syntax for type integer: "zz"`, `COPY copy_tx, line 2, column id: "zz"`)
	if conn.PgConn().TxStatus() != 'E' {
		t.Fatalf("tx status %c, want E", conn.PgConn().TxStatus())
	}
	_, err = copyIn(t, conn, "COPY copy_tx FROM STDIN", "3\tc\n")
	if pe := pgErr(t, err); pe.Code != "25P02" {
		t.Fatalf("COPY in a failed block: %s %s", pe.Code, pe.Message)
	}
	mustExec(t, conn, "ROLLBACK")

	mustExec(t, conn, "BEGIN")
	if _, err := copyIn(t, conn, "COPY copy_tx FROM STDIN", "1\ta\n"); err != nil {
		t.Fatal(err)
	}
	mustExec(t, conn, "COMMIT")
	if c := count(t, conn, "copy_tx"); c != 1 {
		t.Fatalf("after COMMIT: %d rows, want 1", c)
	}
}

func TestCopyFromTextEscapes(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_esc", "(id int, b text)")
	data := "1\ttab\\there\n2\tback\\\\slash\n3\t\\x41\\101\\n\\r\n4\t\\N\n5\t\\\\N\n6\t\n7\tcr-lf\\\n\n\\.\nignored\tafter the end\n"
	tag, err := copyIn(t, conn, "COPY copy_esc FROM STDIN", data)
	if err != nil || tag.String() != "COPY 7" {
		t.Fatalf("COPY: %v %v", tag, err)
	}
	rows, _ := conn.Query(ctxT(t), "SELECT coalesce(b, '<null>') FROM copy_esc ORDER BY id")
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"tab\there", `back\slash`, "AA\n\r", "<null>", `\N`, "", "cr-lf\n"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q, want %q", got, want)
	}

	// CSV with other delimiter, quote, NULL and FORCE_NULL/FORCE_NOT_NULL.
	freshTable(t, conn, "copy_csv", "(id int, b text, c text)")
	data = "1;'a;b';NULL\r\n2;'it''s';''\r\n3;;'NULL'\r\n"
	tag, err = copyIn(t, conn, "COPY copy_csv FROM STDIN (FORMAT csv, DELIMITER ';', QUOTE '''', NULL 'NULL', FORCE_NOT_NULL (b), FORCE_NULL (c))", data)
	if err != nil || tag.String() != "COPY 3" {
		t.Fatalf("COPY: %v %v", tag, err)
	}
	rows, _ = conn.Query(ctxT(t), "SELECT coalesce(b, '<null>') || '|' || coalesce(c, '<null>') FROM copy_csv ORDER BY id")
	got, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"a;b|<null>", "it's|", "|<null>"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func binaryCopy(tuples ...[][]byte) []byte {
	b := append([]byte("PGCOPY\n\xff\r\n\x00"), 0, 0, 0, 0, 0, 0, 0, 0)
	for _, tup := range tuples {
		b = binary.BigEndian.AppendUint16(b, uint16(len(tup)))
		for _, f := range tup {
			if f == nil {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
				continue
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
			b = append(b, f...)
		}
	}
	return binary.BigEndian.AppendUint16(b, 0xffff)
}

func TestCopyFromBinaryErrors(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_bin", "(id int, b text)")
	ok := binaryCopy([][]byte{int4(1), []byte("a")}, [][]byte{int4(2), nil})
	tag, err := copyIn(t, conn, "COPY copy_bin FROM STDIN (FORMAT binary)", string(ok))
	if err != nil || tag.String() != "COPY 2" {
		t.Fatalf("COPY: %v %v", tag, err)
	}
	mustExec(t, conn, "DELETE FROM copy_bin")
	cases := []struct {
		name, data         string
		code, msg, context string
	}{
		{"signature", "PGCOPY\n\xff\r\n\x01" + string(ok[11:]), "22P04", "COPY file signature not recognized", ""},
		{"field count", string(binaryCopy([][]byte{int4(1), []byte("a")}, [][]byte{int4(1), []byte("a"), nil})),
			"22P04", "row field count is 3, expected 2", "COPY copy_bin, line 2"},
		{"bad int", string(binaryCopy([][]byte{{0, 0, 0, 0, 1}, []byte("a")})),
			"22P03", "incorrect binary data format", "COPY copy_bin, line 1, column id"},
		{"truncated", string(ok[:len(ok)-5]), "22P04", "unexpected EOF in COPY data", "COPY copy_bin, line 2, column b"},
		{"after trailer", string(ok) + "x", "22P04", "received copy data after EOF marker", "COPY copy_bin, line 3"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := copyIn(t, conn, "COPY copy_bin FROM STDIN WITH BINARY", tc.data)
			wantCopyError(t, err, tc.code, tc.msg, tc.context)
			if c := count(t, conn, "copy_bin"); c != 0 {
				t.Fatalf("%d rows loaded, want 0", c)
			}
		})
	}
}

func copyOut(t testing.TB, conn *pgx.Conn, sql string) string {
	t.Helper()
	var buf bytes.Buffer
	tag, err := conn.PgConn().CopyTo(ctxT(t), &buf, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	if !strings.HasPrefix(tag.String(), "COPY ") {
		t.Fatalf("%s: tag %q", sql, tag)
	}
	return buf.String()
}

func TestCopyTo(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_out", "(id int, b text, f float8, n numeric(6,2))")
	mustExec(t, conn, `INSERT INTO copy_out VALUES (1, 'plain', 1.5, 2), (2, E'tab\there, "quoted"\nnewline\\', -0.25, NULL),
		(3, NULL, NULL, 3.14159), (4, '', 1e300, -1)`)
	for _, tc := range []struct{ sql, want string }{
		{"COPY copy_out TO STDOUT", "1\tplain\t1.5\t2.00\n2\ttab\\there, \"quoted\"\\nnewline\\\\\t-0.25\t\\N\n3\t\\N\t\\N\t3.14\n4\t\t1e+300\t-1.00\n"},
		{"COPY copy_out (b, id) TO STDOUT (FORMAT csv, HEADER)", "b,id\nplain,1\n\"tab\there, \"\"quoted\"\"\nnewline\\\",2\n,3\n\"\",4\n"},
		{"COPY (SELECT id, b FROM copy_out WHERE id IN (1, 3) ORDER BY id) TO STDOUT WITH CSV FORCE QUOTE *", "\"1\",\"plain\"\n\"3\",\n"},
		{"COPY copy_out (id, n) TO STDOUT (DELIMITER '|', NULL 'null')", "1|2.00\n2|null\n3|3.14\n4|-1.00\n"},
	} {
		if got := copyOut(t, conn, tc.sql); got != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.sql, got, tc.want)
		}
	}
	// Binary: the header, one tuple per row in the columns' binary
	// formats, the trailer.
	got := copyOut(t, conn, "COPY (SELECT id, b FROM copy_out WHERE id <= 3 ORDER BY id) TO STDOUT (FORMAT binary)")
	want := binaryCopy([][]byte{int4(1), []byte("plain")}, [][]byte{int4(2), []byte("tab\there, \"quoted\"\nnewline\\")}, [][]byte{int4(3), nil})
	if got != string(want) {
		t.Errorf("binary:\ngot  %q\nwant %q", got, want)
	}
	// What COPY TO writes, COPY FROM reads back.
	for _, format := range []string{"text", "csv", "binary"} {
		data := copyOut(t, conn, "COPY copy_out TO STDOUT (FORMAT "+format+")")
		freshTable(t, conn, "copy_back", "(id int, b text, f float8, n numeric(6,2))")
		if _, err := copyIn(t, conn, "COPY copy_back FROM STDIN (FORMAT "+format+")", data); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if back := copyOut(t, conn, "COPY copy_back TO STDOUT (FORMAT "+format+")"); back != data {
			t.Errorf("%s round trip:\ngot  %q\nwant %q", format, back, data)
		}
	}
}

// The message flow of COPY FROM STDIN in the simple and the extended
// protocol, with Flush and Sync tolerated in copy-in mode, and CopyFail.
func TestCopyProtocol(t *testing.T) {
	addr := testAddr(t)
	conn := connect(t, addr)
	freshTable(t, conn, "copy_proto", "(id int, b text)")
	r, _ := startupRaw(t, addr)

	r.send(&pgproto3.Query{String: "COPY copy_proto FROM STDIN"})
	equalLists(t, "CopyInResponse", []string{copyResponse(r.receive())}, []string{"CopyInResponse 0 [0 0]"})
	r.send(&pgproto3.CopyData{Data: []byte("1\ta\n2\t")}, &pgproto3.Flush{}, &pgproto3.Sync{}, &pgproto3.CopyData{Data: []byte("b\n")}, &pgproto3.CopyDone{})
	equalLists(t, "simple COPY", r.untilReady(), []string{"CommandComplete COPY 2", "ReadyForQuery I"})

	r.send(&pgproto3.Query{String: "COPY copy_proto FROM STDIN (FORMAT binary)"})
	equalLists(t, "CopyInResponse", []string{copyResponse(r.receive())}, []string{"CopyInResponse 1 [1 1]"})
	r.send(&pgproto3.CopyData{Data: []byte("PGCOPY")}, &pgproto3.CopyFail{Message: "client gave up"})
	m := r.receive()
	if e, ok := m.(*pgproto3.ErrorResponse); !ok || e.Code != "57014" || e.Message != "COPY from stdin failed: client gave up" {
		t.Fatalf("after CopyFail: %#v", m)
	}
	equalLists(t, "after CopyFail", r.untilReady(), []string{"ReadyForQuery I"})

	// Extended protocol: Execute enters copy-in mode; CopyDone ends it and
	// the client's Sync ends the batch.
	r.send(&pgproto3.Parse{Query: "COPY copy_proto (b, id) FROM STDIN (FORMAT csv)"}, &pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Flush{})
	var got []string
	for len(got) < 4 {
		got = append(got, copyResponse(r.receive()))
	}
	equalLists(t, "extended COPY", got, []string{"ParseComplete", "BindComplete", "NoData", "CopyInResponse 0 [0 0]"})
	r.send(&pgproto3.CopyData{Data: []byte("c,3\n")}, &pgproto3.CopyDone{}, &pgproto3.Sync{})
	equalLists(t, "extended COPY end", r.untilReady(), []string{"CommandComplete COPY 1", "ReadyForQuery I"})

	// An error in copy-in mode of the extended protocol: the rest up to
	// Sync is discarded.
	r.send(&pgproto3.Parse{Query: "COPY copy_proto FROM STDIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Flush{})
	got = nil
	for len(got) < 3 {
		got = append(got, copyResponse(r.receive()))
	}
	equalLists(t, "extended COPY", got, []string{"ParseComplete", "BindComplete", "CopyInResponse 0 [0 0]"})
	r.send(&pgproto3.CopyData{Data: []byte("bad\tx\n")}, &pgproto3.CopyData{Data: []byte("4\tx\n")}, &pgproto3.CopyDone{},
		&pgproto3.Query{String: "SELECT 1"}, &pgproto3.Sync{})
	equalLists(t, "extended COPY error", r.untilReady(), []string{"ErrorResponse ERROR 22P02", "ReadyForQuery I"})

	// COPY TO in the extended protocol.
	r.send(&pgproto3.Parse{Query: "COPY (SELECT id FROM copy_proto ORDER BY id) TO STDOUT"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	got = nil
	for {
		m := r.receive()
		got = append(got, copyResponse(m))
		if _, ok := m.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	equalLists(t, "extended COPY TO", got, []string{"ParseComplete", "BindComplete", "CopyOutResponse 0 [0]",
		"CopyData \"1\\n\"", "CopyData \"2\\n\"", "CopyData \"3\\n\"", "CopyDone", "CommandComplete COPY 3", "ReadyForQuery I"})

	if c := count(t, conn, "copy_proto"); c != 3 {
		t.Fatalf("%d rows, want 3", c)
	}
}

func copyResponse(m pgproto3.BackendMessage) string {
	switch m := m.(type) {
	case *pgproto3.CopyInResponse:
		return fmt.Sprintf("CopyInResponse %d %v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyOutResponse:
		return fmt.Sprintf("CopyOutResponse %d %v", m.OverallFormat, m.ColumnFormatCodes)
	case *pgproto3.CopyData:
		return fmt.Sprintf("CopyData %q", m.Data)
	}
	return summary(m)
}

func TestCopyErrors(t *testing.T) {
	conn := connect(t, testAddr(t))
	freshTable(t, conn, "copy_err", "(id int, b text)")
	for _, tc := range []struct{ sql, code, msg string }{
		{"COPY copy_err (id, id) FROM STDIN", "42701", `column "id" specified more than once`},
		{"COPY copy_err (zz) FROM STDIN", "42703", `column "zz" of relation "copy_err" does not exist`},
		{"COPY copy_err_nosuch FROM STDIN", "42P01", `relation "copy_err_nosuch" does not exist`},
		{"COPY copy_err FROM STDIN (FORMAT foo)", "22023", `COPY format "foo" not recognized`},
		{"COPY copy_err FROM STDIN (FORMAT csv, FORMAT csv)", "42601", "conflicting or redundant options"},
		{"COPY copy_err FROM STDIN (FORMAT binary, DELIMITER ',')", "42601", "cannot specify DELIMITER in BINARY mode"},
		{"COPY copy_err FROM STDIN (DELIMITER 'ab')", "0A000", "COPY delimiter must be a single one-byte character"},
		{"COPY copy_err FROM STDIN (QUOTE '\"')", "0A000", "COPY quote available only in CSV mode"},
		{"COPY copy_err FROM STDIN (FORMAT csv, FORCE_QUOTE (b))", "0A000", "COPY force quote only available using COPY TO"},
		{"COPY copy_err FROM STDIN (bogus 1)", "42601", `option "bogus" not recognized`},
	} {
		_, err := copyIn(t, conn, tc.sql, "")
		pe := pgErr(t, err)
		if pe.Code != tc.code || pe.Message != tc.msg {
			t.Errorf("%s: got %s %q, want %s %q", tc.sql, pe.Code, pe.Message, tc.code, tc.msg)
		}
	}
	if os.Getenv("AKIDB_E2E_POSTGRES") == "" {
		_, err := conn.Exec(ctxT(t), "COPY copy_err FROM '/etc/passwd'")
		if pe := pgErr(t, err); pe.Code != "0A000" || pe.Message != "COPY to or from a file is not supported" {
			t.Errorf("COPY FROM a file: %s %q", pe.Code, pe.Message)
		}
		_, err = conn.Exec(ctxT(t), "COPY copy_err TO PROGRAM 'cat'")
		if pe := pgErr(t, err); pe.Code != "0A000" {
			t.Errorf("COPY TO PROGRAM: %s %q", pe.Code, pe.Message)
		}
	}
	assertAlive(t, conn)
}

// A CancelRequest during COPY FROM STDIN stops it with 57014 at the next
// data the client sends; nothing is loaded.
func TestCopyCancel(t *testing.T) {
	addr := testAddr(t)
	conn := connect(t, addr)
	freshTable(t, conn, "copy_cancel", "(id int, b text)")
	r, key := startupRaw(t, addr)
	r.send(&pgproto3.Query{String: "COPY copy_cancel FROM STDIN"})
	if m, ok := r.receive().(*pgproto3.CopyInResponse); !ok {
		t.Fatalf("got %#v", m)
	}
	r.send(&pgproto3.CopyData{Data: []byte("1\ta\n2\tb\n")})
	c := dialRaw(t, addr)
	c.send(&pgproto3.CancelRequest{ProcessID: key.ProcessID, SecretKey: key.SecretKey})
	c.expectClosed()
	time.Sleep(100 * time.Millisecond)
	r.send(&pgproto3.CopyData{Data: []byte("3\tc\n")}, &pgproto3.CopyDone{})
	equalLists(t, "after cancel", r.untilReady(), []string{"ErrorResponse ERROR 57014", "ReadyForQuery I"})
	if n := count(t, conn, "copy_cancel"); n != 0 {
		t.Fatalf("%d rows loaded, want 0", n)
	}

	// pgx: a cancelled context during CopyFrom.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sent := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		sent++
		if sent == 1000 {
			cancel()
			time.Sleep(200 * time.Millisecond)
		}
		if sent > 100000 {
			return nil, nil
		}
		return []any{int32(sent), "x"}, nil
	})
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"copy_cancel"}, []string{"id", "b"}, src); err == nil {
		t.Fatal("CopyFrom with a cancelled context succeeded")
	}
	conn2 := connect(t, addr)
	if n := count(t, conn2, "copy_cancel"); n != 0 {
		t.Fatalf("%d rows loaded, want 0", n)
	}
}

// psql's \copy runs COPY FROM STDIN / TO STDOUT with a local file.
func TestCopyPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		t.Skip("psql is not installed")
	}
	addr := testAddr(t)
	conn := connect(t, addr)
	freshTable(t, conn, "copy_psql", "(id int, name text, score float8)")
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("id,name,score\n1,alice,1.5\n2,\"bob, jr\",\n3,\"multi\nline\",-2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.txt")
	run := func(cmd string) string {
		t.Helper()
		c := exec.Command(psql, "-X", "-v", "ON_ERROR_STOP=1", "-c", cmd)
		c.Env = psqlEnv(host, port)
		b, err := c.CombinedOutput()
		if err != nil {
			t.Fatalf("psql %s: %v\n%s", cmd, err, b)
		}
		return string(b)
	}
	if got := run(`\copy copy_psql from '` + in + `' csv header`); got != "COPY 3\n" {
		t.Fatalf("\\copy from: %q", got)
	}
	if got := run(`\copy copy_psql to '` + out + `'`); got != "COPY 3\n" {
		t.Fatalf("\\copy to: %q", got)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "1\talice\t1.5\n2\tbob, jr\t\\N\n3\tmulti\\nline\t-2\n"; string(b) != want {
		t.Fatalf("\\copy to file:\ngot  %q\nwant %q", b, want)
	}
	// A bad row: psql reports the error with its context; nothing is loaded.
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("4,d,1\n5,e,x\n"), 0o644)
	c := exec.Command(psql, "-X", "-c", `\copy copy_psql from '`+bad+`' csv`)
	c.Env = psqlEnv(host, port)
	msg, _ := c.CombinedOutput()
	if !strings.Contains(string(msg), `ERROR:  invalid input syntax for type double precision: "x"`) ||
		!strings.Contains(string(msg), `CONTEXT:  COPY copy_psql, line 2, column score: "x"`) {
		t.Fatalf("bad \\copy: %s", msg)
	}
	if n := count(t, conn, "copy_psql"); n != 3 {
		t.Fatalf("%d rows, want 3", n)
	}
}
