package sql

import (
	"fmt"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"github.com/akidb/akidb/types"
)

func vecText(r *rand.Rand, d int) string {
	parts := make([]string, d)
	for i := range parts {
		parts[i] = fmt.Sprintf("%.4f", r.Float64()*2-1)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// ORDER BY a distance to a constant with LIMIT and no index plans an exact
// scan, which answers as the generic plan (a scan of every row, sorted)
// does: the same rows, in the same order, with the same distances.
func TestExactScanMatchesGenericPlan(t *testing.T) {
	s := newTestSession(t)
	r := rand.New(rand.NewSource(1))
	run(t, s, "CREATE TABLE ex (id bigint PRIMARY KEY, note text, embedding vector(8))")
	var vals []string
	for i := range 400 {
		v := "'" + vecText(r, 8) + "'"
		switch {
		case i%37 == 0:
			v = "NULL"
		case i%53 == 0:
			v = "'[0,0,0,0,0,0,0,0]'"
		case i%41 == 0:
			v = "'[" + strings.Repeat("0.5,", 7) + "0.5]'" // ties
		}
		vals = append(vals, fmt.Sprintf("(%d, 'n%d', %s)", i, i, v))
	}
	run(t, s, "INSERT INTO ex VALUES "+strings.Join(vals, ","))

	q := vecText(r, 8)
	forms := []string{
		"SELECT id, embedding %[1]s '%[2]s' FROM ex %[3]s ORDER BY embedding %[1]s '%[2]s' LIMIT 7",
		"SELECT id, note, embedding %[1]s '%[2]s' AS d FROM ex %[3]s ORDER BY d LIMIT 5 OFFSET 3",
		"SELECT id FROM ex %[3]s ORDER BY '%[2]s' %[1]s embedding LIMIT 12",
		"SELECT id, embedding %[1]s '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' FROM ex %[3]s ORDER BY embedding %[1]s '[0.5,0.5,0.5,0.5,0.5,0.5,0.5,0.5]' LIMIT 9",
		"SELECT id FROM ex %[3]s ORDER BY embedding %[1]s '%[2]s' LIMIT 1000",
	}
	for _, op := range []string{"<->", "<=>", "<#>", "<+>"} {
		for _, f := range forms {
			fast := fmt.Sprintf(f, op, q, "")
			slow := fmt.Sprintf(f, op, q, "WHERE id > -1")
			if plan := explain(t, s, fast); (op != "<+>") != strings.Contains(plan, "Exact Scan on ex") {
				t.Fatalf("EXPLAIN %s:\n%s", fast, plan)
			}
			if plan := explain(t, s, slow); strings.Contains(plan, "Exact Scan") {
				t.Fatalf("EXPLAIN %s:\n%s", slow, plan)
			}
			got, want := run(t, s, fast), run(t, s, slow)
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Fatalf("%s:\n got %v\nwant %v", fast, got, want)
			}
		}
	}

	// A parameter as the query, then the transaction's own writes (the
	// scan of every row answers), then after their commit.
	const pq = "SELECT id FROM ex ORDER BY embedding <-> $1 LIMIT 3"
	p := types.NewVector([]float32{9, 9, 9, 9, 9, 9, 9, 9})
	run(t, s, "BEGIN")
	run(t, s, "INSERT INTO ex VALUES (1000, 'near', '[9,9,9,9,9,9,9,8.9]')")
	if got := run(t, s, pq, p); got[0][0] != "1000" {
		t.Fatalf("own insert: %v", got)
	}
	run(t, s, "ROLLBACK")
	if got := run(t, s, pq, p); got[0][0] == "1000" {
		t.Fatalf("after rollback: %v", got)
	}
	run(t, s, "INSERT INTO ex VALUES (1001, 'near', '[9,9,9,9,9,9,9,8.9]')")
	if got := run(t, s, pq, p); got[0][0] != "1001" {
		t.Fatalf("after commit: %v", got)
	}
	run(t, s, "DELETE FROM ex WHERE id = 1001")
	if got := run(t, s, pq, p); got[0][0] == "1001" {
		t.Fatalf("after delete: %v", got)
	}
	// A query of other dimensions fails as the generic plan does.
	st, err := s.Parse("SELECT id FROM ex ORDER BY embedding <-> '[1,2]' LIMIT 3")
	if err != nil {
		t.Fatal(err)
	}
	p2, err := s.Bind(t.Context(), st[0], nil)
	if err == nil {
		_, _, err = p2.Execute(t.Context(), 0, func(types.Row) error { return nil })
	}
	if err == nil || !strings.Contains(err.Error(), "different vector dimensions") {
		t.Fatalf("other dimensions: %v", err)
	}
}
