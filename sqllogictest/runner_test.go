package sqllogictest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeHarness answers from a table of canned results, keyed by SQL.
type fakeHarness struct {
	results map[string]fakeResult
	ran     []string
}

type fakeResult struct {
	types    string
	rows     [][]string
	affected int64
	err      error
}

func (f *fakeHarness) Exec(_ context.Context, sql string) (int64, error) {
	f.ran = append(f.ran, sql)
	r := f.results[sql]
	return r.affected, r.err
}

func (f *fakeHarness) Query(_ context.Context, sql string) (string, [][]string, error) {
	f.ran = append(f.ran, sql)
	r, ok := f.results[sql]
	if !ok {
		return "", nil, errors.New("no such query")
	}
	return r.types, r.rows, r.err
}

func runInline(t *testing.T, h Harness, style Style, text string) *FileResult {
	t.Helper()
	recs := mustParse(t, text)
	r := Runner{Harness: h, KeepOutcomes: true}
	return r.RunRecords(context.Background(), "inline", style, recs)
}

func TestRunnerSQLite(t *testing.T) {
	h := &fakeHarness{results: map[string]fakeResult{
		"SELECT a FROM t": {types: "I", rows: [][]string{{"3"}, {"1"}, {"2"}}},
		"SELECT avg(a)":   {types: "R", rows: [][]string{{"2.0000000000000000"}}},
		"SELECT s":        {types: "T", rows: [][]string{{""}, {"a\tb"}, {"NULL"}}},
		"DROP TABLE nope": {err: errors.New(`ERROR: table "nope" does not exist (SQLSTATE 42P01)`)},
		"bad":             {err: errors.New("ERROR: syntax error (SQLSTATE 42601)")},
	}}
	res := runInline(t, h, StyleSQLite, `
query I rowsort
SELECT a FROM t
----
1
2
3

query I nosort
SELECT a FROM t
----
1
2
3

query R
SELECT avg(a)
----
2.000

query T nosort
SELECT s
----
(empty)
a@b
NULL

statement error
DROP TABLE nope

statement ok
bad

skipif akidb
statement ok
never run

onlyif sqlite
halt

hash-threshold 2

query I valuesort
SELECT a FROM t
----
3 values hashing to `+Hash([]string{"1", "2", "3"})+`

onlyif postgresql
halt

statement ok
never run either
`)
	if res.Passed != 5 || res.Failed != 2 || res.Skipped != 1 || !res.Halted {
		t.Fatalf("result %+v", res)
	}
	for _, sql := range h.ran {
		if strings.HasPrefix(sql, "never") {
			t.Errorf("ran %q", sql)
		}
	}
	if len(res.Mismatches) != 2 {
		t.Fatalf("mismatches %+v", res.Mismatches)
	}
	m := res.Mismatches[0]
	if m.Line != 9 || m.SQL != "SELECT a FROM t" || !strings.Contains(m.Reason, "value 1 differs") ||
		strings.Join(m.Actual, ",") != "3,1,2" {
		t.Errorf("first mismatch %+v", m)
	}
	if s := m.String(); !strings.Contains(s, "inline:9:") || !strings.Contains(s, "    SELECT a FROM t") {
		t.Errorf("mismatch text:\n%s", s)
	}
	if m := res.Mismatches[1]; !strings.Contains(m.Reason, "statement failed") || !strings.Contains(m.Reason, "42601") {
		t.Errorf("second mismatch %+v", m)
	}
}

func TestRunnerSLT(t *testing.T) {
	h := &fakeHarness{results: map[string]fakeResult{
		"select ts":  {types: "TI", rows: [][]string{{"2018-01-01 12:00:00", "2"}, {"2017-01-01 00:00:00", "1"}}},
		"select 1/0": {err: errors.New("ERROR: division by zero (SQLSTATE 22012)")},
		"insert":     {affected: 3},
		"select e":   {types: "TT", rows: [][]string{{"", "NULL"}}},
	}}
	res := runInline(t, h, StyleSLT, `
control sortmode rowsort

query TI
select ts
----
2017-01-01 00:00:00 1
2018-01-01 12:00:00 2

query error division by zero
select 1/0

statement error 22012
select 1/0

statement error
select 1/0
----
division by zero

statement error does not exist
select 1/0

statement count 3
insert

statement count 4
insert

query TT
select e
----
(empty) NULL

statement error
insert
`)
	if res.Passed != 6 || res.Failed != 3 {
		t.Fatalf("result %+v", res)
	}
	want := []string{"does not match", "affected 3 rows, expected 4", "expected an error"}
	for i, w := range want {
		if !strings.Contains(res.Mismatches[i].Reason, w) {
			t.Errorf("mismatch %d: %q, want %q", i, res.Mismatches[i].Reason, w)
		}
	}
}

func TestRunnerMaxMismatches(t *testing.T) {
	h := &fakeHarness{results: map[string]fakeResult{}}
	recs := mustParse(t, strings.Repeat("query I\nselect 1\n----\n1\n\n", 7))
	r := Runner{Harness: h, MaxMismatches: 3}
	res := r.RunRecords(context.Background(), "x", StyleSQLite, recs)
	if res.Failed != 7 || len(res.Mismatches) != 3 {
		t.Fatalf("%+v", res)
	}
}

func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "r.slt")
	text := "# header\nstatement ok\ncreate\n\nquery I rowsort\nselect a\n----\nold\nolder\n\nquery IT\nselect b\n\nskipif akidb\nquery I\nselect c\n----\nkept\n\nquery I\nselect 1/0\n----\nkept too\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	h := &fakeHarness{results: map[string]fakeResult{
		"select a":   {types: "I", rows: [][]string{{"2"}, {"1"}}},
		"select b":   {types: "IT", rows: [][]string{{"1", "x y"}}},
		"select 1/0": {err: errors.New("division by zero")},
	}}
	recs, err := ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := Runner{Harness: h, KeepOutcomes: true}
	res := r.RunRecords(context.Background(), path, StyleSLT, recs)
	if err := Rewrite(path, res.Outcomes); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# header\nstatement ok\ncreate\n\nquery I rowsort\nselect a\n----\n1\n2\n\nquery IT\nselect b\n----\n1 x y\n\nskipif akidb\nquery I\nselect c\n----\nkept\n\nquery I\nselect 1/0\n----\nkept too\n"
	if string(got) != want {
		t.Errorf("rewritten:\n%s\nwant:\n%s", got, want)
	}
	// The rewritten file now passes, except the query that fails.
	recs, err = ParseFile(path)
	if err != nil {
		t.Fatal(err)
	}
	res = r.RunRecords(context.Background(), path, StyleSLT, recs)
	if res.Passed != 3 || res.Failed != 1 {
		t.Errorf("after rewrite: %+v", res)
	}
}
