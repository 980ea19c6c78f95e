package storage

import (
	"math"
	"testing"

	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/apd/v3"
)

func TestFormatDatum(t *testing.T) {
	dec, _, _ := apd.NewFromString("1.50")
	for _, c := range []struct {
		d    types.Datum
		t    types.T
		want string
	}{
		{types.NewInt(-7), types.Int4, "-7"},
		{types.NewFloat(1.5), types.Float8, "1.5"},
		{types.NewFloat(math.NaN()), types.Float8, "NaN"},
		{types.NewFloat(math.Inf(-1)), types.Float8, "-Infinity"},
		{types.NewNumeric(dec), types.Numeric, "1.50"},
		{types.NewString("x y"), types.Text, "x y"},
		{types.NewBytes([]byte{0xde, 0xad}), types.Bytea, `\xdead`},
		{types.NewBool(true), types.Bool, "t"},
		{types.NewDate(0), types.Date, "2000-01-01"},
		{types.NewDate(-1), types.Date, "1999-12-31"},
		{types.NewDate(types.InfinityPos), types.Date, "infinity"},
		{types.NewTimestamp(1_500_000), types.Timestamp, "2000-01-01 00:00:01.5"},
		{types.NewTimestamp(-1), types.Timestamp, "1999-12-31 23:59:59.999999"},
		{types.Null, types.Int4, "null"},
	} {
		if got := formatDatum(c.d, c.t); got != c.want {
			t.Errorf("%#v: got %q, want %q", c.d, got, c.want)
		}
	}
}

func TestScanOrderWithNullsAndNaN(t *testing.T) {
	db := newTestDB(t)
	tx := db.Begin()
	defer tx.Rollback()
	td := &TableDesc{
		Name:       "f",
		Columns:    []ColumnDesc{{Name: "x", Type: types.Float8}, {Name: "y", Type: types.Text}},
		PrimaryKey: []int{0},
		Indexes:    []IndexDesc{{Name: "f_y", Columns: []int{1}}},
	}
	if err := tx.CreateTable(td); err != nil {
		t.Fatal(err)
	}
	vals := []float64{math.NaN(), 1, math.Inf(-1), -2.5, math.Inf(1), 0}
	ys := []types.Datum{types.NewString("b"), types.Null, types.NewString("a"), types.Null, types.NewString("ab"), types.NewString("")}
	for i, v := range vals {
		insertAll(t, tx, td, types.Row{types.NewFloat(v), ys[i]})
	}
	// -0 collides with 0 in the primary key.
	if err := tx.Insert(td, types.Row{types.NewFloat(math.Copysign(0, -1)), types.Null}); err == nil {
		t.Error("-0 and 0 should be the same key")
	}
	var xs []float64
	for _, r := range collect(t, tx.Scan(td, Span{})) {
		xs = append(xs, r[0].F)
	}
	want := []float64{math.Inf(-1), -2.5, 0, 1, math.Inf(1)}
	if len(xs) != 6 || !math.IsNaN(xs[5]) {
		t.Fatalf("scan: %v", xs)
	}
	for i, w := range want {
		if xs[i] != w {
			t.Errorf("scan: %v", xs)
		}
	}
	var got []string
	for _, r := range collect(t, tx.ScanIndex(td, &td.Indexes[0], Span{})) {
		got = append(got, formatDatum(r[1], td.Columns[1].Type))
	}
	if w := "[null null  a ab b]"; fmtSlice(got) != w {
		t.Errorf("index order %s, want %s", fmtSlice(got), w)
	}
	// Skipping NULLs: start after NULL, exclusive.
	rows := collect(t, tx.ScanIndex(td, &td.Indexes[0], Span{Start: []types.Datum{types.Null}, StartExclusive: true}))
	if len(rows) != 4 {
		t.Errorf("non-NULL entries: %d", len(rows))
	}
}

func fmtSlice(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
