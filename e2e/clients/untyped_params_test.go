package clients

// Untyped text parameters: drivers such as node-postgres (and pgx's
// pgconn.ExecParams with OID 0) send every parameter as text with type OID
// 0 (unknown), leaving the server to type it from its context, as
// PostgreSQL does. LangChain and Drizzle depend on this for vector, jsonb,
// uuid, uuid[] and numeric parameters.

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// execText runs sql with text parameters of unknown type (OID 0), text
// results, and returns the rows as strings ("<NULL>" for NULL).
func execText(t *testing.T, pc *pgconn.PgConn, sql string, params ...string) [][]string {
	t.Helper()
	vals := make([][]byte, len(params))
	oids := make([]uint32, len(params))
	for i, p := range params {
		vals[i] = []byte(p)
	}
	res := pc.ExecParams(ctxT(t), sql, vals, oids, nil, nil).Read()
	if res.Err != nil {
		t.Fatalf("%s %q: %v", sql, params, res.Err)
	}
	out := make([][]string, len(res.Rows))
	for i, r := range res.Rows {
		out[i] = make([]string, len(r))
		for j, c := range r {
			if c == nil {
				out[i][j] = "<NULL>"
			} else {
				out[i][j] = string(c)
			}
		}
	}
	return out
}

func TestUntypedTextParams(t *testing.T) {
	addr := testAddr(t)
	conn := connect(t, addr)
	dropTables(t, conn, "docs")
	mustExec(t, conn, "CREATE EXTENSION IF NOT EXISTS vector",
		"CREATE TABLE docs (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), body text, meta jsonb, embedding vector(3))")
	pc := conn.PgConn()

	const id1 = "0f8fad5b-d9cb-469f-a165-70867728950e"
	const id2 = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
	execText(t, pc, "INSERT INTO docs (id, body, meta, embedding) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)",
		id1, "one", `{"n": 1, "tag": "a"}`, "[1,0,0]",
		id2, "two", `{"n": 5, "tag": "b", "tags": ["x", "y"]}`, "[0,1,0]")
	got := execText(t, pc, "INSERT INTO docs (body, meta, embedding) VALUES ($1, $2, $3) RETURNING id",
		"three", `{"n": 10, "tag": "a"}`, "[0,0,1]")
	if len(got) != 1 || len(got[0][0]) != 36 || strings.Count(got[0][0], "-") != 4 {
		t.Fatalf("RETURNING id with gen_random_uuid() default = %v, want a uuid", got)
	}
	id3 := got[0][0]

	check := func(what string, got [][]string, want ...string) {
		t.Helper()
		var flat []string
		for _, r := range got {
			flat = append(flat, strings.Join(r, "|"))
		}
		if strings.Join(flat, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n got  %q\n want %q", what, flat, want)
		}
	}

	check("uuid equality",
		execText(t, pc, "SELECT body FROM docs WHERE id = $1", id2), "two")
	check("uuid ANY array",
		execText(t, pc, "SELECT body FROM docs WHERE id = ANY($1::uuid[]) ORDER BY body", "{"+id1+","+id3+"}"), "one", "three")
	check("uuid ANY quoted array literal (node-postgres's array format)",
		execText(t, pc, "SELECT body FROM docs WHERE id = ANY($1::uuid[]) ORDER BY body", `{"`+id1+`","`+id2+`"}`), "one", "two")
	check("jsonb ->> text compare",
		execText(t, pc, "SELECT body FROM docs WHERE meta->>'tag' = $1 ORDER BY body", "a"), "one", "three")
	check("(jsonb ->> key)::numeric >= param",
		execText(t, pc, "SELECT body FROM docs WHERE (meta->>'n')::numeric >= $1 ORDER BY body", "5"), "three", "two")
	check("jsonb ->> IN list",
		execText(t, pc, "SELECT body FROM docs WHERE meta->>'tag' IN ($1,$2) ORDER BY body", "b", "c"), "two")
	check("jsonb containment",
		execText(t, pc, "SELECT body FROM docs WHERE meta @> $1 ORDER BY body", `{"tag": "a"}`), "one", "three")
	check("jsonb ?| array",
		execText(t, pc, "SELECT body FROM docs WHERE meta->'tags' ?| array[$1,$2]", "y", "z"), "two")
	check("vector distance ordering with LIMIT param",
		execText(t, pc, "SELECT body FROM docs ORDER BY embedding <-> $1 LIMIT $2", "[1,0.1,0]", "2"), "one", "two")
	check("distance alias in ORDER BY",
		execText(t, pc, "SELECT body, embedding <=> $1 AS d FROM docs ORDER BY d ASC LIMIT $2", "[0,0,3]", "1"), "three|0")

	// jsonb parameter stored and read back (normalized as jsonb does).
	execText(t, pc, "UPDATE docs SET meta = $1 WHERE id = $2", `{"b": [1, 2], "a": "x"}`, id1)
	row := execText(t, pc, "SELECT meta FROM docs WHERE id = $1", id1)
	var m map[string]any
	if len(row) != 1 || json.Unmarshal([]byte(row[0][0]), &m) != nil || m["a"] != "x" {
		t.Errorf("jsonb read back = %v", row)
	}
	check("jsonb text output", row, `{"a": "x", "b": [1, 2]}`)
	execText(t, pc, "UPDATE docs SET embedding = $1 WHERE id = $2", "[2,2,2]", id1)
	check("vector text output", execText(t, pc, "SELECT embedding FROM docs WHERE id = $1", id1), "[2,2,2]")

	// The server types the parameters from their context.
	sd, err := pc.Prepare(ctxT(t), "", "SELECT id FROM docs WHERE id = $1 AND meta @> $2 AND embedding <=> $3 < $4 LIMIT $5", nil)
	if err != nil {
		t.Fatalf("prepare: %v", err)
	}
	var vecOID uint32
	if err := conn.QueryRow(ctxT(t), "SELECT oid FROM pg_type WHERE typname = 'vector'").Scan(&vecOID); err != nil {
		t.Fatal(err)
	}
	want := []uint32{2950, 3802, vecOID, 701, 20} // uuid, jsonb, vector, float8, int8
	if len(sd.ParamOIDs) != len(want) {
		t.Fatalf("ParameterDescription %v, want %v", sd.ParamOIDs, want)
	}
	for i := range want {
		if sd.ParamOIDs[i] != want[i] {
			t.Errorf("parameter $%d typed %d, want %d", i+1, sd.ParamOIDs[i], want[i])
		}
	}

	// Bad values for the inferred types are data errors, and the connection
	// lives on.
	for _, c := range []struct{ sql, param, code string }{
		{"SELECT body FROM docs WHERE id = $1", "not-a-uuid", "22P02"},
		{"SELECT body FROM docs WHERE meta @> $1", "{bad json", "22P02"},
		{"SELECT body FROM docs ORDER BY embedding <-> $1 LIMIT 1", "[1,2]", "22000"},
	} {
		res := pc.ExecParams(ctxT(t), c.sql, [][]byte{[]byte(c.param)}, []uint32{0}, nil, nil).Read()
		if res.Err == nil {
			t.Errorf("%s with %q: no error", c.sql, c.param)
			continue
		}
		if pe := pgErr(t, res.Err); pe.Code != c.code {
			t.Errorf("%s with %q: SQLSTATE %s (%s), want %s", c.sql, c.param, pe.Code, pe.Message, c.code)
		}
	}
	check("alive", execText(t, pc, "SELECT count(*) FROM docs"), "3")
}

// Client libraries match on PostgreSQL's error wording: LangChain's
// PGVectorStore ignores errors whose message contains "already exists".
func TestAlreadyExistsWording(t *testing.T) {
	addr := testAddr(t)
	conn := connect(t, addr)
	dropTables(t, conn, "dup")
	mustExec(t, conn, "CREATE EXTENSION IF NOT EXISTS vector", "CREATE TABLE dup (id uuid PRIMARY KEY, embedding vector(3))")
	_, err := conn.Exec(ctxT(t), "CREATE TABLE dup (id uuid PRIMARY KEY)")
	if pe := pgErr(t, err); pe.Code != "42P07" || pe.Message != `relation "dup" already exists` {
		t.Errorf("got %s %q, want 42P07 %q", pe.Code, pe.Message, `relation "dup" already exists`)
	}
	mustExec(t, conn, "CREATE TABLE IF NOT EXISTS dup (id uuid PRIMARY KEY)")
	mustExec(t, conn, "CREATE INDEX dup_idx ON dup USING hnsw (embedding vector_cosine_ops)")
	_, err = conn.Exec(ctxT(t), "CREATE INDEX dup_idx ON dup USING hnsw (embedding vector_cosine_ops)")
	if pe := pgErr(t, err); pe.Code != "42P07" || pe.Message != `relation "dup_idx" already exists` {
		t.Errorf("got %s %q, want 42P07 %q", pe.Code, pe.Message, `relation "dup_idx" already exists`)
	}
	mustExec(t, conn, "CREATE INDEX IF NOT EXISTS dup_idx ON dup USING hnsw (embedding vector_cosine_ops)")
}
