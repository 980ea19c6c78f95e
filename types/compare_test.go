package types

import (
	"math"
	"sort"
	"testing"
)

// TestCompareJSONBOrder sorts jsonb values; the expected order is
// PostgreSQL 15's ORDER BY over the same values.
func TestCompareJSONBOrder(t *testing.T) {
	want := []string{`[]`, `null`, `""`, `"a"`, `"b"`, `1`, `1.0`, `2`, `false`, `true`, `[null]`, `["a"]`, `[0]`, `[1]`, `[true]`, `[[]]`, `[{}]`, `[1, 2]`, `{}`, `{"a": null}`, `{"a": 1}`, `{"a": [1]}`, `{"aa": 1}`, `{"b": 1}`, `{"a": 1, "b": 2}`}
	vals := make([]Datum, len(want))
	for i, w := range want {
		d, err := ParseText(JSONB, w)
		if err != nil {
			t.Fatal(err)
		}
		vals[len(want)-1-i] = d
	}
	sort.SliceStable(vals, func(i, j int) bool { return Compare(vals[i], vals[j]) < 0 })
	for i := range want {
		if vals[i].S != want[i] && !(want[i] == "1" || want[i] == "1.0") {
			t.Errorf("position %d: got %s, want %s", i, vals[i].S, want[i])
		}
	}
}

func TestCompare(t *testing.T) {
	num := func(s string) Datum {
		d, err := ParseText(Numeric, s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, c := range []struct {
		a, b Datum
		want int
	}{
		{NewInt(1), NewInt(2), -1},
		{NewInt(math.MinInt64), NewInt(math.MaxInt64), -1},
		{NewFloat(math.NaN()), NewFloat(math.NaN()), 0},
		{NewFloat(math.NaN()), NewFloat(math.Inf(1)), 1},
		{NewFloat(math.Inf(-1)), NewFloat(-1e308), -1},
		{NewFloat(math.Copysign(0, -1)), NewFloat(0), 0},
		{num("NaN"), num("Infinity"), 1},
		{num("NaN"), num("NaN"), 0},
		{num("-Infinity"), num("-1e100"), -1},
		{num("1.0"), num("1"), 0},
		{num("0.1"), num("0.10"), 0},
		{num("-0.5"), num("-0.25"), -1},
		{NewString("abc"), NewString("abd"), -1},
		{NewString("B"), NewString("a"), -1},
		{NewString("é"), NewString("z"), 1},
		{NewString("a"), NewString("a "), -1},
		{NewBytes([]byte{1}), NewBytes([]byte{1, 0}), -1},
		{NewBool(false), NewBool(true), -1},
		{NewDate(InfinityNeg), NewDate(-1000000), -1},
		{NewTimestamp(InfinityPos), NewTimestamp(1 << 60), 1},
	} {
		if got := Compare(c.a, c.b); got != c.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", c.a, c.b, got, c.want)
		}
		if got := Compare(c.b, c.a); got != -c.want {
			t.Errorf("Compare(%v, %v) = %d, want %d", c.b, c.a, got, -c.want)
		}
	}
	if CompareT(BPChar, NewString("ab"), NewString("ab  ")) != 0 {
		t.Error("char(n) comparison must ignore trailing spaces")
	}
}
