package sql

import (
	"testing"

	"github.com/akidb/akidb/pgerr"
)

// FuzzParse feeds arbitrary text to the statement splitter, the AkiDB
// statement pre-pass and PostgreSQL's parser: none may panic, and every
// failure must be a SQLSTATE-carrying error.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"SELECT 1",
		"select 1; select 2;",
		"",
		"  -- comment only\n",
		"CREATE TABLE t (id bigserial PRIMARY KEY, v text DEFAULT 'x')",
		"SELECT $1::int + 2 FROM t WHERE a = ANY($2) ORDER BY 1 DESC NULLS LAST LIMIT 3",
		"CREATE COLLECTION docs (id bigint PRIMARY KEY, embedding vector(3)); SELECT 1",
		"SHOW SNAPSHOTS FOR COLLECTION docs",
		"select 'unterminated",
		"SELECT E'\\x41', $$dollar$$, U&'\\0041'",
		"SELECT (SELECT count(*) FROM t1 AS x WHERE x.b<t1.b) FROM t1",
		"select * from t where embedding <-> '[1,2,3]' < 5",
		"insert into t values (1), (2) returning *",
		"\x00\xff\xfe",
	} {
		f.Add(seed)
	}
	e := &Engine{}
	f.Fuzz(func(t *testing.T, q string) {
		stmts, err := e.parse(q)
		if err != nil {
			if pgerr.Code(err) == pgerr.InternalError {
				t.Fatalf("parse(%q): error without a SQLSTATE: %v", q, err)
			}
			return
		}
		for _, st := range stmts {
			if st.node == nil && st.akidb == nil {
				t.Fatalf("parse(%q): statement with neither tree", q)
			}
		}
	})
}
