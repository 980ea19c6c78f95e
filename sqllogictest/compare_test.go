package sqllogictest

import (
	"reflect"
	"strings"
	"testing"
)

func TestRenderSQLite(t *testing.T) {
	for _, c := range []struct {
		letter byte
		in     string
		want   string
	}{
		{'I', "42", "42"},
		{'I', "-7", "-7"},
		{'I', "2.9", "2"},
		{'I', "-2.9", "-2"},
		{'I', "t", "1"},
		{'I', "NULL", "NULL"},
		{'I', "abc", "0"},
		{'R', "1", "1.000"},
		{'R', "2.34567", "2.346"},
		{'R', "127.5000000000000000", "127.500"},
		{'R', "-0.0004", "-0.000"},
		{'R', "NULL", "NULL"},
		{'T', "", "(empty)"},
		{'T', "a\tb\nc", "a@b@c"},
		{'T', "héllo", "héllo"},
		{'T', "12", "12"},
	} {
		if got := renderSQLite(c.letter, c.in); got != c.want {
			t.Errorf("renderSQLite(%c, %q) = %q, want %q", c.letter, c.in, got, c.want)
		}
	}
}

func TestHash(t *testing.T) {
	// md5 of "1\n2\n"
	if got := Hash([]string{"1", "2"}); got != "6ddb4095eb719e2a9f0a3f95677d24e0" {
		t.Errorf("Hash = %s", got)
	}
}

func TestSortRows(t *testing.T) {
	rows := [][]string{{"b", "1"}, {"a", "2"}, {"a", "10"}}
	if got := sortRows(RowSort, rows); !reflect.DeepEqual(got, [][]string{{"a", "10"}, {"a", "2"}, {"b", "1"}}) {
		t.Errorf("rowsort: %q", got)
	}
	if got := sortRows(ValueSort, rows); !reflect.DeepEqual(got, [][]string{{"1"}, {"10"}, {"2"}, {"a"}, {"a"}, {"b"}}) {
		t.Errorf("valuesort: %q", got)
	}
	if got := sortRows(NoSort, rows); !reflect.DeepEqual(got, rows) {
		t.Errorf("nosort: %q", got)
	}
	if rows[0][0] != "b" {
		t.Error("rowsort changed its input")
	}
}

func TestCompareResult(t *testing.T) {
	rows := [][]string{{"1", "x"}, {"2", "y y"}}
	vals := []string{"1", "x", "2", "y y"}
	hashed := "4 values hashing to " + Hash(vals)
	for _, c := range []struct {
		name      string
		style     Style
		threshold int
		expected  []string
		reason    string // substring; "" for a match
		actual    []string
	}{
		{"sqlite values", StyleSQLite, 0, vals, "", vals},
		{"sqlite count", StyleSQLite, 0, vals[:3], "expected 3 values, got 4", vals},
		{"sqlite value", StyleSQLite, 0, []string{"1", "x", "2", "y"}, "value 4 differs", vals},
		{"sqlite hash", StyleSQLite, 0, []string{hashed}, "", vals},
		{"sqlite above threshold", StyleSQLite, 3, vals, "", []string{hashed}},
		{"sqlite bad hash", StyleSQLite, 3, []string{"4 values hashing to 00000000000000000000000000000000"}, "expected hash", vals},
		{"sqlite hash count", StyleSQLite, 3, []string{"5 values hashing to 00000000000000000000000000000000"}, "expected 5 values, got 4", []string{hashed}},
		{"slt rows", StyleSLT, 0, []string{"1 x", "2   y y "}, "", []string{"1 x", "2 y y"}},
		{"slt row count", StyleSLT, 0, []string{"1 x"}, "expected 1 rows, got 2", []string{"1 x", "2 y y"}},
		{"slt row", StyleSLT, 0, []string{"1 x", "2 y z"}, "row 2 differs", []string{"1 x", "2 y y"}},
		{"slt hash", StyleSLT, 0, []string{hashed}, "", []string{"1 x", "2 y y"}},
	} {
		reason, actual := compareResult(c.style, c.threshold, c.expected, rows)
		if c.reason == "" && reason != "" || c.reason != "" && !strings.Contains(reason, c.reason) {
			t.Errorf("%s: reason %q, want %q", c.name, reason, c.reason)
		}
		if !reflect.DeepEqual(actual, c.actual) {
			t.Errorf("%s: actual %q, want %q", c.name, actual, c.actual)
		}
	}
}

func TestNormalize(t *testing.T) {
	rows := [][]string{{"1.5", "2.25", "", "NULL", "7"}}
	got := normalize(StyleSQLite, "IRT", "RRTTI", rows)
	if want := [][]string{{"1", "2.250", "(empty)", "NULL", "7"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("sqlite: %q", got)
	}
	got = normalize(StyleSLT, "I", "RRTTI", rows)
	if want := [][]string{{"1.5", "2.25", "(empty)", "NULL", "7"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("slt: %q", got)
	}
}
