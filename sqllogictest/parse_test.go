package sqllogictest

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string) []Record {
	t.Helper()
	recs, err := Parse("inline", strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestParseSQLiteStyle(t *testing.T) {
	recs := mustParse(t, `hash-threshold 8

# a comment
statement ok
CREATE TABLE t1(a INTEGER,
  b INTEGER)

skipif mysql
onlyif postgresql
query II rowsort label-1
SELECT a, b
  FROM t1
----
1
2
3
4

query I nosort
SELECT 1
----
3 values hashing to 0123456789abcdef0123456789abcdef

statement error
DROP TABLE nope

query T valuesort
SELECT 'x' WHERE false

halt
`)
	kinds := []Kind{KindHashThreshold, KindStatement, KindQuery, KindQuery, KindStatement, KindQuery, KindHalt}
	if len(recs) != len(kinds) {
		t.Fatalf("got %d records, want %d: %+v", len(recs), len(kinds), recs)
	}
	for i, k := range kinds {
		if recs[i].Kind != k {
			t.Errorf("record %d: kind %v, want %v", i, recs[i].Kind, k)
		}
	}
	if recs[0].Threshold != 8 {
		t.Errorf("threshold %d", recs[0].Threshold)
	}
	if recs[1].SQL != "CREATE TABLE t1(a INTEGER,\n  b INTEGER)" || recs[1].Line != 4 || recs[1].ExpectError {
		t.Errorf("statement: %+v", recs[1])
	}
	q := recs[2]
	if q.Types != "II" || q.Sort != RowSort || q.Label != "label-1" || q.SQL != "SELECT a, b\n  FROM t1" {
		t.Errorf("query header: %+v", q)
	}
	if !reflect.DeepEqual(q.Expected, []string{"1", "2", "3", "4"}) || q.SepLine != 13 || q.SQLEnd != 12 {
		t.Errorf("query results: %+v", q)
	}
	if want := []Condition{{Skip: true, Engine: "mysql"}, {Skip: false, Engine: "postgresql"}}; !reflect.DeepEqual(q.Conditions, want) {
		t.Errorf("conditions %+v", q.Conditions)
	}
	if recs[3].Sort != NoSort || len(recs[3].Expected) != 1 || recs[3].Conditions != nil {
		t.Errorf("second query: %+v", recs[3])
	}
	if !recs[4].ExpectError || recs[4].ErrorPattern != "" {
		t.Errorf("statement error: %+v", recs[4])
	}
	if recs[5].Expected != nil || recs[5].SepLine != 0 || recs[5].Sort != ValueSort {
		t.Errorf("query without results: %+v", recs[5])
	}
}

func TestParseSLTStyle(t *testing.T) {
	recs := mustParse(t, "control sortmode rowsort\n\n"+
		"statement error relation .* does not exist\nselect * from nope\n\n"+
		"query error division by zero\nselect 1/0\n\n"+
		"statement count 3\ninsert into t values (1), (2), (3)\n\n"+
		"statement error\nselect 1/0\n----\ndivision by zero\n\n"+
		"query IT \nselect 1, 'a b'\n----\n1 a b\n")
	if len(recs) != 6 {
		t.Fatalf("got %d records: %+v", len(recs), recs)
	}
	if recs[0].Kind != KindControl || !reflect.DeepEqual(recs[0].Args, []string{"sortmode", "rowsort"}) {
		t.Errorf("control: %+v", recs[0])
	}
	if !recs[1].ExpectError || recs[1].ErrorPattern != "relation .* does not exist" {
		t.Errorf("statement error: %+v", recs[1])
	}
	if recs[2].Kind != KindQuery || !recs[2].ExpectError || recs[2].ErrorPattern != "division by zero" {
		t.Errorf("query error: %+v", recs[2])
	}
	if recs[3].Count != 3 {
		t.Errorf("statement count: %+v", recs[3])
	}
	if recs[4].ErrorText != "division by zero" || recs[4].Expected != nil {
		t.Errorf("multi-line error: %+v", recs[4])
	}
	if recs[5].Types != "IT" || !reflect.DeepEqual(recs[5].Expected, []string{"1 a b"}) {
		t.Errorf("query: %+v", recs[5])
	}
}

func TestParseErrors(t *testing.T) {
	for _, text := range []string{
		"frobnicate\n",
		"statement maybe\nselect 1\n",
		"statement ok\nselect 1\n----\n1\n",
		"hash-threshold x\n",
		"control sortmode sideways\n",
		"skipif mysql\n",
		"statement count x\nselect 1\n",
	} {
		_, err := Parse("bad", strings.NewReader(text))
		if !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: err = %v, want ErrSyntax", text, err)
		}
	}
}

func TestParseCRLFAndTrailingSpace(t *testing.T) {
	recs := mustParse(t, "query I \r\nselect 1\r\n----\r\n1\r\n\r\n")
	if len(recs) != 1 || recs[0].Types != "I" || recs[0].SQL != "select 1" || recs[0].Expected[0] != "1" {
		t.Fatalf("%+v", recs)
	}
}

func TestParseFileInclude(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.slt", "statement ok\nselect 1\n\nonlyif akidb\ninclude inc/*.slt\n\nstatement ok\nselect 3\n")
	if err := os.Mkdir(filepath.Join(dir, "inc"), 0o755); err != nil {
		t.Fatal(err)
	}
	write("inc/b.slt", "statement ok\nselect 2\n")
	recs, err := ParseFile(filepath.Join(dir, "a.slt"))
	if err != nil {
		t.Fatal(err)
	}
	var sqls []string
	for _, r := range recs {
		sqls = append(sqls, r.SQL)
	}
	if !reflect.DeepEqual(sqls, []string{"select 1", "select 2", "select 3"}) {
		t.Fatalf("sql %q", sqls)
	}
	if recs[1].File != filepath.Join(dir, "inc/b.slt") || len(recs[1].Conditions) != 1 {
		t.Errorf("included record: %+v", recs[1])
	}
	write("self.slt", "include self.slt\n")
	if _, err := ParseFile(filepath.Join(dir, "self.slt")); !errors.Is(err, ErrSyntax) {
		t.Errorf("self include: %v", err)
	}
}

func TestApplies(t *testing.T) {
	labels := []string{"akidb", "postgresql"}
	for _, c := range []struct {
		conds []Condition
		want  bool
	}{
		{nil, true},
		{[]Condition{{Skip: true, Engine: "mysql"}}, true},
		{[]Condition{{Skip: true, Engine: "postgresql"}}, false},
		{[]Condition{{Skip: false, Engine: "sqlite"}}, false},
		{[]Condition{{Skip: false, Engine: "AkiDB"}}, true},
		{[]Condition{{Skip: false, Engine: "akidb"}, {Skip: true, Engine: "postgresql"}}, false},
	} {
		if got := Applies(c.conds, labels); got != c.want {
			t.Errorf("Applies(%+v) = %v", c.conds, got)
		}
	}
}
