package sql

import (
	"context"
	"strings"
	"testing"

	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

func newTestSession(t testing.TB) *Session {
	t.Helper()
	db, err := storage.Open(t.TempDir(), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s, err := NewEngine(db, Options{}).NewSession(context.Background(), SessionParams{User: "u", Database: "d"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// query runs each statement of q through the simple-query path and
// returns the rows of the last one as text.
func run(t testing.TB, s *Session, q string, params ...types.Datum) [][]string {
	t.Helper()
	stmts, err := s.Parse(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out [][]string
	for _, st := range stmts {
		out = nil
		p, err := s.Bind(context.Background(), st, params)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		cols := p.Columns()
		_, _, err = p.Execute(context.Background(), 0, func(r types.Row) error {
			line := make([]string, len(r))
			for i, d := range r {
				if d.IsNull() {
					line[i] = "NULL"
				} else {
					line[i] = types.FormatText(d, cols[i].Type, s.Location())
				}
			}
			out = append(out, line)
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return out
}

func explain(t testing.TB, s *Session, q string) string {
	var lines []string
	for _, r := range run(t, s, "EXPLAIN "+q) {
		lines = append(lines, r[0])
	}
	return strings.Join(lines, "\n")
}

// The planner turns primary-key and index predicates into bounded scans.
func TestPlannerUsesKeys(t *testing.T) {
	s := newTestSession(t)
	run(t, s, "CREATE TABLE kv (k int PRIMARY KEY, v text, n int UNIQUE)")
	run(t, s, "INSERT INTO kv SELECT k, 'v' || k, k * 10 FROM (VALUES (1), (2), (3), (4), (5)) AS x(k)")
	cases := []struct {
		q, plan string
		rows    int
	}{
		{"SELECT v FROM kv WHERE k = 3", "Index Scan using kv_pkey on kv", 1},
		{"SELECT v FROM kv WHERE k > 2 AND k <= 4", "Index Scan using kv_pkey on kv", 2},
		{"SELECT v FROM kv WHERE 2 < k", "Index Scan using kv_pkey on kv", 3},
		{"SELECT v FROM kv WHERE n = 40", "Index Scan using kv_n_key on kv", 1},
		{"SELECT v FROM kv WHERE v = 'v1'", "Seq Scan on kv", 1},
		{"SELECT v FROM kv WHERE k + 0 = 3", "Seq Scan on kv", 1},
	}
	for _, c := range cases {
		if got := explain(t, s, c.q); !strings.Contains(got, c.plan) {
			t.Errorf("EXPLAIN %s:\n%s\nwant %q", c.q, got, c.plan)
		}
		if got := run(t, s, c.q); len(got) != c.rows {
			t.Errorf("%s: %d rows, want %d", c.q, len(got), c.rows)
		}
	}
}

// A prepared statement is planned once: executing it again with other
// parameters does not plan it again, and a catalog change does.
func TestPreparedPlanIsReused(t *testing.T) {
	s := newTestSession(t)
	run(t, s, "CREATE TABLE p (id int PRIMARY KEY, name text)")
	run(t, s, "INSERT INTO p VALUES (1, 'a'), (2, 'b')")
	st, err := s.Prepare("SELECT name FROM p WHERE id = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if pt := st.ParamTypes(); len(pt) != 1 || pt[0].OID != types.Int4OID {
		t.Fatalf("param types %v, want [int4]", pt)
	}
	first := st.plan
	for _, id := range []int64{1, 2, 1} {
		p, err := s.Bind(context.Background(), st, []types.Datum{types.NewInt(id)})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Execute(context.Background(), 0, func(types.Row) error { return nil }); err != nil {
			t.Fatal(err)
		}
		if st.plan != first {
			t.Fatal("the statement was planned again without a catalog change")
		}
	}
	run(t, s, "CREATE TABLE other (x int)")
	if _, err := s.Bind(context.Background(), st, []types.Datum{types.NewInt(1)}); err != nil {
		t.Fatal(err)
	}
	if st.plan == first {
		t.Fatal("a catalog change did not re-plan the statement")
	}
}

func BenchmarkPreparedPointSelect(b *testing.B) {
	s := newTestSession(b)
	run(b, s, "CREATE TABLE p (id int PRIMARY KEY, name text, score float8)")
	run(b, s, "INSERT INTO p SELECT k, 'name' || k, k * 1.5 FROM (VALUES (1), (2), (3), (4), (5), (6), (7), (8)) AS x(k)")
	st, err := s.Prepare("SELECT name, score FROM p WHERE id = $1", nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	params := []types.Datum{types.NewInt(5)}
	emit := func(types.Row) error { return nil }
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := s.Bind(ctx, st, params)
		if err != nil {
			b.Fatal(err)
		}
		if _, _, err := p.Execute(ctx, 0, emit); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParsePlanSimpleQuery(b *testing.B) {
	s := newTestSession(b)
	run(b, s, "CREATE TABLE p (id int PRIMARY KEY, name text, score float8)")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st, err := s.Parse("SELECT name, score FROM p WHERE id = 5 AND score > 1.5 ORDER BY name LIMIT 10")
		if err != nil {
			b.Fatal(err)
		}
		if err := s.planStatement(st[0]); err != nil {
			b.Fatal(err)
		}
	}
}

// A vector search that returns only primary-key columns reads no rows
// (an index-only scan) and answers as the scan that reads them does, in
// the transaction's view; one that needs another column reads the rows.
func TestVectorScanReadsOnlyKeys(t *testing.T) {
	s := newTestSession(t)
	run(t, s, "CREATE TABLE vk (id bigint PRIMARY KEY, note text, embedding vector(2))")
	run(t, s, "INSERT INTO vk SELECT k, 'n' || k, ('[' || k || ',' || (k % 7) || ']')::vector FROM (VALUES (1),(2),(3),(4),(5),(6),(7),(8),(9),(10),(11),(12)) AS x(k)")
	run(t, s, "CREATE INDEX ON vk USING hnsw (embedding vector_l2_ops)")
	const q = "SELECT id FROM vk ORDER BY embedding <-> '[6.1,2.05]' LIMIT 4"
	const full = "SELECT id, note FROM vk ORDER BY embedding <-> '[6.1,2.05]' LIMIT 4"
	if got := explain(t, s, q); !strings.Contains(got, "Index Only Scan using vk_embedding_idx") {
		t.Fatalf("EXPLAIN %s:\n%s", q, got)
	}
	if got := explain(t, s, full); !strings.Contains(got, "Index Scan using vk_embedding_idx") || strings.Contains(got, "Only") {
		t.Fatalf("EXPLAIN %s:\n%s", full, got)
	}
	ids := func(rows [][]string) string {
		var out []string
		for _, r := range rows {
			out = append(out, r[0])
		}
		return strings.Join(out, ",")
	}
	check := func(want string) {
		t.Helper()
		if got := ids(run(t, s, q)); got != want {
			t.Errorf("%s: %s, want %s", q, got, want)
		}
		if got := ids(run(t, s, full)); got != want {
			t.Errorf("%s: %s, want %s", full, got, want)
		}
	}
	check("8,7,4,9") // row k is (k, k % 7): distances 2.17, 2.24, 2.87, 2.90
	run(t, s, "BEGIN")
	run(t, s, "DELETE FROM vk WHERE id = 9")
	run(t, s, "INSERT INTO vk VALUES (100, 'new', '[6,2.5]')")
	check("100,8,7,4")
	run(t, s, "ROLLBACK")
	check("8,7,4,9")
	// A distance in the select list needs the vector: the rows are read.
	if got := run(t, s, "SELECT id, embedding <-> '[6.1,2.05]' FROM vk ORDER BY 2 LIMIT 1"); len(got) != 1 || got[0][0] != "8" || !strings.HasPrefix(got[0][1], "2.1708") {
		t.Errorf("distance in the select list: %v", got)
	}
}
