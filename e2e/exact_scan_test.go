package e2e

import (
	"fmt"
	"math/rand"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

type exactRow struct {
	id   int64
	dist *float64
}

func exactQuery(t *testing.T, conn *pgx.Conn, sql string, args ...any) []exactRow {
	t.Helper()
	rows, err := conn.Query(ctxT(t), sql, args...)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (exactRow, error) {
		var e exactRow
		err := r.Scan(&e.id, &e.dist)
		return e, err
	})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

func sameExactRows(a, b []exactRow) bool {
	return slices.EqualFunc(a, b, func(x, y exactRow) bool {
		if x.id != y.id || (x.dist == nil) != (y.dist == nil) {
			return false
		}
		return x.dist == nil || *x.dist == *y.dist || (*x.dist != *x.dist && *y.dist != *y.dist)
	})
}

// An exact nearest-neighbour query on a table without a vector index, over
// pgwire with a bound query vector, answers as the same query with a WHERE
// clause that keeps every row (which takes the generic plan): the same
// rows in the same order with the same distances, also after commits from
// another connection and inside a transaction that wrote to the table.
func TestExactScanOverPgwire(t *testing.T) {
	addr := testAddr(t)
	conn := connect(t, addr)
	other := connect(t, addr)
	mustExec(t, conn, "CREATE EXTENSION IF NOT EXISTS vector", "DROP TABLE IF EXISTS exact_docs",
		"CREATE TABLE exact_docs (id bigint PRIMARY KEY, embedding vector(32))")
	for _, c := range []*pgx.Conn{conn, other} {
		if err := pgxvec.RegisterTypes(ctxT(t), c); err != nil {
			t.Fatal(err)
		}
	}
	const dims, n = 32, 3000
	r := rand.New(rand.NewSource(1))
	randVec := func() pgvector.Vector {
		v := make([]float32, dims)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return pgvector.NewVector(v)
	}
	rows := make([][]any, n)
	for i := range rows {
		var v any = randVec()
		switch {
		case i%101 == 0:
			v = nil
		case i%151 == 0:
			v = pgvector.NewVector(make([]float32, dims))
		}
		rows[i] = []any{int64(i), v}
	}
	if _, err := conn.CopyFrom(ctxT(t), pgx.Identifier{"exact_docs"}, []string{"id", "embedding"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}

	_, pg := os.LookupEnv("AKIDB_E2E_POSTGRES")
	check := func(what string) {
		t.Helper()
		for _, op := range []string{"<->", "<=>", "<#>", "<+>"} {
			for _, k := range []int{1, 10, 100} {
				q := randVec()
				fast := fmt.Sprintf("SELECT id, embedding %s $1 FROM exact_docs ORDER BY embedding %s $1 LIMIT %d", op, op, k)
				slow := fmt.Sprintf("SELECT id, embedding %s $1 FROM exact_docs WHERE id > -1 ORDER BY embedding %s $1 LIMIT %d", op, op, k)
				got, want := exactQuery(t, conn, fast, q), exactQuery(t, conn, slow, q)
				if len(want) != k || !sameExactRows(got, want) {
					t.Fatalf("%s: %s k=%d: got %d rows, want %d, or they differ", what, op, k, len(got), len(want))
				}
				if pg || op == "<+>" {
					continue
				}
				var plan []string
				for _, r := range exactQueryText(t, conn, "EXPLAIN "+strings.Replace(fast, "$1", "'"+q.String()+"'", 2)) {
					plan = append(plan, r)
				}
				if !strings.Contains(strings.Join(plan, "\n"), "Exact Scan on exact_docs") {
					t.Fatalf("EXPLAIN %s:\n%s", fast, strings.Join(plan, "\n"))
				}
			}
		}
	}
	check("loaded")

	// Another connection's writes are seen at once.
	near := make([]float32, dims)
	for i := range near {
		near[i] = 100
	}
	mustExec(t, other, "INSERT INTO exact_docs VALUES (100000, '"+pgvector.NewVector(near).String()+"')",
		"UPDATE exact_docs SET embedding = NULL WHERE id = 5", "DELETE FROM exact_docs WHERE id = 7")
	nearest := func() int64 {
		t.Helper()
		got := exactQuery(t, conn, "SELECT id, embedding <-> $1 FROM exact_docs ORDER BY embedding <-> $1 LIMIT 1", pgvector.NewVector(near))
		return got[0].id
	}
	if id := nearest(); id != 100000 {
		t.Fatalf("after another connection's insert: nearest %d", id)
	}
	check("after writes")

	// A transaction sees its own writes.
	tx, err := conn.Begin(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctxT(t), "DELETE FROM exact_docs WHERE id = 100000"); err != nil {
		t.Fatal(err)
	}
	got := exactQuery(t, conn, "SELECT id, embedding <-> $1 FROM exact_docs ORDER BY embedding <-> $1 LIMIT 1", pgvector.NewVector(near))
	if got[0].id == 100000 {
		t.Fatal("the transaction's own delete is not seen")
	}
	if err := tx.Rollback(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	if id := nearest(); id != 100000 {
		t.Fatalf("after rollback: nearest %d", id)
	}
}

func exactQueryText(t *testing.T, conn *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := conn.Query(ctxT(t), sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}
