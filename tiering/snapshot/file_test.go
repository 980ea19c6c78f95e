package snapshot

import (
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// sameDatum reports whether a and b are the same value of type t, bit for
// bit where that matters (floats, vectors).
func sameDatum(t types.T, a, b types.Datum) bool {
	if a.K != b.K {
		return false
	}
	switch a.K {
	case types.KNull:
		return true
	case types.KBool, types.KInt, types.KDate, types.KTimestamp:
		return a.I == b.I
	case types.KFloat:
		// NaN payloads are not SQL-visible (and a float4 passes through
		// float32); every other value must keep its bits, -0 included.
		return math.Float64bits(a.F) == math.Float64bits(b.F) || math.IsNaN(a.F) && math.IsNaN(b.F)
	case types.KString, types.KBytes, types.KJSON, types.KUUID:
		return a.S == b.S
	case types.KNumeric:
		na, nb := a.Numeric(), b.Numeric()
		return na.Form == nb.Form && na.Negative == nb.Negative && na.Exponent == nb.Exponent &&
			na.Coeff.Cmp(&nb.Coeff) == 0
	case types.KVector:
		va, vb := a.Vector(), b.Vector()
		if len(va) != len(vb) {
			return false
		}
		for i := range va {
			if math.Float32bits(va[i]) != math.Float32bits(vb[i]) {
				return false
			}
		}
		return true
	}
	return types.FormatText(a, t, nil) == types.FormatText(b, t, nil)
}

func show(t types.T, d types.Datum) string {
	if d.K == types.KNull {
		return "NULL"
	}
	s := types.FormatText(d, t, nil)
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return s
}

// rowsOf writes rows to a file and returns the FileInfo; next is a
// generator over rows that reuses its slice, as callers will.
func writeRows(t testing.TB, path string, cols []Column, rows [][]types.Datum) FileInfo {
	t.Helper()
	buf := make([]types.Datum, len(cols))
	i := 0
	info, err := WriteFile(path, cols, func() ([]types.Datum, bool, error) {
		if i == len(rows) {
			return nil, false, nil
		}
		copy(buf, rows[i])
		i++
		return buf, true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func readRows(t testing.TB, path string, cols []Column) [][]types.Datum {
	t.Helper()
	var out [][]types.Datum
	n, err := ReadFile(path, cols, func(row []types.Datum) error {
		out = append(out, append([]types.Datum(nil), row...))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(out)) {
		t.Fatalf("ReadFile returned %d, called fn %d times", n, len(out))
	}
	return out
}

// checkScan reads the file with ScanReader, comparing each row with want
// while it is valid, and checks that the rows' vectors share memory: what
// a row's values point to is reused for the next.
func checkScan(t *testing.T, path string, cols []Column, want [][]types.Datum) {
	t.Helper()
	vcol := slices.IndexFunc(cols, func(c Column) bool { return c.Type.OID == types.VectorOID })
	var (
		i     int
		first *float32
	)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	n, err := ScanReader(f, st.Size(), path, cols, func(row []types.Datum) error {
		for j, c := range cols {
			if i < len(want) && !sameDatum(c.Type, want[i][j], row[j]) {
				t.Errorf("ScanReader row %d column %s (%s): wrote %s, read %s", i, c.Name, c.Type, show(c.Type, want[i][j]), show(c.Type, row[j]))
			}
		}
		if v, _ := row[vcol].P.([]float32); len(v) > 0 {
			if first == nil {
				first = &v[0]
			} else if &v[0] != first {
				t.Errorf("ScanReader row %d: its vector is at a new address, not in the reused arena", i)
			}
		}
		i++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(len(want)) || i != len(want) {
		t.Fatalf("ScanReader returned %d and called fn %d times for %d rows", n, i, len(want))
	}
}

func checkRows(t *testing.T, cols []Column, want, got [][]types.Datum) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(want))
	}
	bad := 0
	for i := range want {
		for j, c := range cols {
			if !sameDatum(c.Type, want[i][j], got[i][j]) {
				t.Errorf("row %d column %s (%s): wrote %s, read %s", i, c.Name, c.Type, show(c.Type, want[i][j]), show(c.Type, got[i][j]))
				if bad++; bad > 20 {
					t.FailNow()
				}
			}
		}
	}
}

func mustParse(t *testing.T, typ types.T, s string) types.Datum {
	t.Helper()
	d, err := types.ParseText(typ, s)
	if err != nil {
		t.Fatalf("ParseText(%s, %q): %v", typ, s, err)
	}
	return d
}

func TestRoundTripEveryType(t *testing.T) {
	vec512 := make([]string, 512)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range vec512 {
		vec512[i] = types.FormatText(types.NewFloat(float64(float32(rng.NormFloat64()))), types.Float4, nil)
	}
	cols := []Column{
		{Name: "id", Type: types.Int8, NotNull: true},
		{Name: "b", Type: types.Bool},
		{Name: "i2", Type: types.Int2},
		{Name: "i4", Type: types.Int4},
		{Name: "i8", Type: types.Int8},
		{Name: "f4", Type: types.Float4},
		{Name: "f8", Type: types.Float8},
		{Name: "num", Type: types.Numeric},
		{Name: "num_10_3", Type: types.T{OID: types.NumericOID, Mod: types.NumericTypmod(10, 3)}},
		{Name: "txt", Type: types.Text},
		{Name: "vc", Type: types.T{OID: types.VarcharOID, Mod: 10 + 4}},
		{Name: "bpc", Type: types.T{OID: types.BPCharOID, Mod: 5 + 4}},
		{Name: "nm", Type: types.Name},
		{Name: "ch", Type: types.T{OID: types.CharOID, Mod: -1}},
		{Name: "by", Type: types.Bytea},
		{Name: "d", Type: types.Date},
		{Name: "ts", Type: types.Timestamp},
		{Name: "tstz", Type: types.TimestampTZ},
		{Name: "jb", Type: types.JSONB},
		{Name: "js", Type: types.JSON},
		{Name: "u", Type: types.UUID},
		{Name: "v3", Type: types.T{OID: types.VectorOID, Mod: 3}},
		{Name: "v512", Type: types.T{OID: types.VectorOID, Mod: 512}},
		{Name: "vany", Type: types.Vector},
		{Name: "h4", Type: types.T{OID: types.HalfvecOID, Mod: 4}},
		{Name: "hany", Type: types.Halfvec},
		{Name: "sv", Type: types.T{OID: types.SparsevecOID, Mod: 10}},
		{Name: "ia", Type: types.T{OID: types.Int4ArrayOID, Mod: -1}},
		{Name: "ta", Type: types.T{OID: types.TextArrayOID, Mod: -1}},
		{Name: "o", Type: types.OIDType},
		{Name: "Ünïcode name", Type: types.Text},
	}
	text := [][]string{
		{"1", "t", "-32768", "-2147483648", "-9223372036854775808", "-3.4028235e+38", "-1.7976931348623157e+308",
			"-123456789012345678901234567890.123456789012345678901234567890123", "-1234567.125",
			"héllo wörld ✓ 日本語 🚀", "ab", "a", "pg_class", "x", `\x00ff10`,
			"-infinity", "-infinity", "-infinity",
			`{"a": [1, 2, {"b": null}], "ü": "x"}`, `{"z":1, "a" : [true]}`, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
			"[1,2,3]", "[" + strings.Join(vec512, ",") + "]", "[0.1,0.2]", "[1.5,-2.25,0,65504]", "[0.00006103515625]",
			"{1:1.5,3:-2,10:3e-5}/10", "{1,NULL,3}", `{"a b",NULL,"",ü}`, "4294967295", "ü"},
		{"2", "f", "32767", "2147483647", "9223372036854775807", "1.4e-45", "5e-324",
			"0.000000000000000000000000000000000000000000000000000000000000000000000000000001", "0.000",
			"", "0123456789", "abcde", "", "", `\x`,
			"infinity", "infinity", "infinity",
			`[]`, `"s"`, "00000000-0000-0000-0000-000000000000",
			"[-0,1e-38,3.4028235e+38]", "[" + strings.Join(vec512, ",") + "]", "[1]", "[-0,0.00006103515625,1,2]", "[1,2,3,4,5]",
			"{}/10", "{{1,2},{3,4}}", "{}", "0", ""},
		{"3", "t", "0", "0", "0", "NaN", "Infinity",
			"NaN", "0", "tab\tnewline\nquote'\"back\\slash", "x", "", "n", "\x01", `\xdeadbeef`,
			"4713-01-01 BC", "4714-11-24 00:00:00 BC", "2026-12-01 05:53:42.123456+00",
			`{"n": 1.50, "big": 123456789012345678901234567890}`, `null`, "ffffffff-ffff-ffff-ffff-ffffffffffff",
			"[0,0,0]", "[" + strings.Join(vec512, ",") + "]", "[5]", "[0,0,0,0]", "[-65504]",
			"{2:1}/10", "{}", "{NULL}", "1", "x"},
		{"4", "f", "-1", "-1", "-1", "-Infinity", "-Infinity",
			"Infinity", "99999.999", "x", "x", "x", "x", "x", `\x00`,
			"5874897-12-31", "294276-12-31 23:59:59.999999", "1999-12-31 23:59:59.999999+00",
			`{}`, `{}`, "12345678-1234-5678-1234-567812345678",
			"[1,2,3]", "[" + strings.Join(vec512, ",") + "]", "[3.4028235e+38]", "[1,1,1,1]", "[0.5]",
			"{1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9,10:10}/10", "{-1}", `{"\\"}`, "42", "y"},
		{"5", "t", "7", "7", "7", "-0", "-0",
			"-Infinity", "-0.001", "y", "y", "y", "y", "y", `\x01`,
			"2000-01-01", "2000-01-01 00:00:00", "2000-01-01 00:00:00+00",
			`{"deep": {"er": {"est": [[[]]]}}}`, `[1,2]`, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12",
			"[1,2,3]", "[" + strings.Join(vec512, ",") + "]", "[1,2,3,4,5,6,7,8,9,10]", "[0.0999755859375,0,0,0]", "[1]",
			"{5:0.5}/10", "[0:1]={1,2}", "{x}", "7", "z"},
	}
	var rows [][]types.Datum
	for _, r := range text {
		if len(r) != len(cols) {
			t.Fatalf("test row has %d values, want %d", len(r), len(cols))
		}
		row := make([]types.Datum, len(cols))
		for j, s := range r {
			row[j] = mustParse(t, cols[j].Type, s)
		}
		rows = append(rows, row)
	}
	// A row of NULLs (but the NOT NULL id), and a row with NULLs in every
	// other column.
	nulls := make([]types.Datum, len(cols))
	nulls[0] = types.NewInt(6)
	rows = append(rows, nulls)
	alt := append([]types.Datum(nil), rows[0]...)
	alt[0] = types.NewInt(7)
	for j := 1; j < len(alt); j += 2 {
		alt[j] = types.Null
	}
	rows = append(rows, alt)

	path := filepath.Join(t.TempDir(), "data.parquet")
	info := writeRows(t, path, cols, rows)
	if info.Rows != int64(len(rows)) {
		t.Fatalf("FileInfo.Rows = %d, want %d", info.Rows, len(rows))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli))
	if info.Bytes != int64(len(b)) || info.CRC32C != fmt.Sprintf("%08x", sum) {
		t.Fatalf("FileInfo = %+v; the file has %d bytes, crc32c %08x", info, len(b), sum)
	}
	got := readRows(t, path, cols)
	checkRows(t, cols, rows, got)
	checkScan(t, path, cols, rows)

	// The infinities are the Datum's sentinels again, not just equal text.
	if got[0][15].I != types.InfinityNeg || got[1][15].I != types.InfinityPos ||
		got[0][16].I != types.InfinityNeg || got[1][17].I != types.InfinityPos {
		t.Errorf("infinite dates/timestamps came back as %d %d %d %d", got[0][15].I, got[1][15].I, got[0][16].I, got[1][17].I)
	}
}

func TestWriteRejects(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		cols []Column
		row  []types.Datum
		want string
	}{
		{"null in not null", []Column{{Name: "a", Type: types.Int4, NotNull: true}}, []types.Datum{types.Null}, "NOT NULL"},
		{"wrong dims", []Column{{Name: "v", Type: types.T{OID: types.VectorOID, Mod: 3}}}, []types.Datum{types.NewVector([]float32{1, 2})}, "dimensions"},
		{"wrong kind", []Column{{Name: "a", Type: types.Int4}}, []types.Datum{types.NewString("x")}, "kind"},
		{"int4 range", []Column{{Name: "a", Type: types.Int4}}, []types.Datum{types.NewInt(1 << 40)}, "out of range"},
		{"not half", []Column{{Name: "h", Type: types.T{OID: types.HalfvecOID, Mod: 1}}}, []types.Datum{types.NewVector([]float32{0.1})}, "half"},
		{"short row", []Column{{Name: "a", Type: types.Int4}, {Name: "b", Type: types.Int4}}, []types.Datum{types.NewInt(1)}, "values"},
		{"no columns", nil, nil, "no columns"},
		{"duplicate", []Column{{Name: "a", Type: types.Int4}, {Name: "a", Type: types.Int8}}, nil, "duplicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "x.parquet")
			done := false
			_, err := WriteFile(path, c.cols, func() ([]types.Datum, bool, error) {
				if done {
					return nil, false, nil
				}
				done = true
				return c.row, true, nil
			})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if pgerr.Code(err) != pgerr.IOError {
				t.Errorf("code %s, want %s", pgerr.Code(err), pgerr.IOError)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a failed write left %s behind (%v)", path, err)
			}
		})
	}
}

func TestSchemaMismatch(t *testing.T) {
	cols := []Column{
		{Name: "id", Type: types.Int8, NotNull: true},
		{Name: "born", Type: types.Date},
		{Name: "embedding", Type: types.T{OID: types.VectorOID, Mod: 3}},
	}
	path := filepath.Join(t.TempDir(), "data.parquet")
	writeRows(t, path, cols, [][]types.Datum{{types.NewInt(1), types.NewDate(5), types.NewVector([]float32{1, 2, 3})}})
	with := func(i int, c Column) []Column {
		out := append([]Column(nil), cols...)
		out[i] = c
		return out
	}
	cases := []struct {
		name string
		cols []Column
		want string
	}{
		{"same physical type, other SQL type", with(1, Column{Name: "born", Type: types.Int4}), `column "born": the file has date, expected integer`},
		{"other dimensions", with(2, Column{Name: "embedding", Type: types.T{OID: types.VectorOID, Mod: 4}}), `column "embedding" (vector(4)): the file has optional FIXED_LEN_BYTE_ARRAY(12), expected optional FIXED_LEN_BYTE_ARRAY(16)`},
		{"nullability", with(0, Column{Name: "id", Type: types.Int8}), `column "id" (bigint): the file has required`},
		{"renamed", with(1, Column{Name: "birth", Type: types.Date}), `column "birth" (date) is not in the file`},
		{"missing column", cols[:2], `the file has column "embedding" that is not expected`},
		{"extra column", append(append([]Column(nil), cols...), Column{Name: "x", Type: types.Text}), `column "x" (text) is not in the file`},
		{"other type", with(1, Column{Name: "born", Type: types.Text}), `column "born" (text): the file has optional INT32`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			called := false
			_, err := ReadFile(path, c.cols, func([]types.Datum) error { called = true; return nil })
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant one containing %q", err, c.want)
			}
			if !strings.Contains(err.Error(), "does not match the expected schema") {
				t.Errorf("err = %v, want it to say the schema does not match", err)
			}
			if pgerr.Code(err) != pgerr.IOError {
				t.Errorf("code %s, want %s", pgerr.Code(err), pgerr.IOError)
			}
			if called {
				t.Error("fn was called for a file of another schema")
			}
		})
	}
	// Column order does not matter.
	rev := []Column{cols[2], cols[0], cols[1]}
	got := readRows(t, path, rev)
	if len(got) != 1 || got[0][1].I != 1 || got[0][2].I != 5 || got[0][0].Vector()[2] != 3 {
		t.Fatalf("read %v", got)
	}
}

func TestRoundTrip50kx128(t *testing.T) {
	const n, dim = 50_000, 128
	vecs := clusteredVectors(3, n, dim)
	cols := []Column{
		{Name: "id", Type: types.Int8, NotNull: true},
		{Name: "body", Type: types.Text},
		{Name: "embedding", Type: types.T{OID: types.VectorOID, Mod: dim}, NotNull: true},
	}
	rng := rand.New(rand.NewPCG(5, 5))
	rows := make([][]types.Datum, n)
	for i := range rows {
		body := types.NewString(sentence(rng, 20+rng.IntN(200)))
		if i%97 == 0 {
			body = types.Null
		}
		rows[i] = []types.Datum{types.NewInt(int64(i) * 3), body, types.NewVector(vecs[i])}
	}
	path := filepath.Join(t.TempDir(), "data.parquet")
	info := writeRows(t, path, cols, rows)
	got := readRows(t, path, cols)
	checkRows(t, cols, rows, got)
	t.Logf("%d rows: %d bytes (%.3f of the raw vectors)", info.Rows, info.Bytes, float64(info.Bytes)/(n*dim*4))
}

func TestEmptyFile(t *testing.T) {
	cols := []Column{{Name: "id", Type: types.Int8}, {Name: "v", Type: types.T{OID: types.VectorOID, Mod: 2}}}
	path := filepath.Join(t.TempDir(), "data.parquet")
	info := writeRows(t, path, cols, nil)
	if info.Rows != 0 || info.Bytes == 0 {
		t.Fatalf("info %+v", info)
	}
	if got := readRows(t, path, cols); len(got) != 0 {
		t.Fatalf("read %d rows", len(got))
	}
}

func TestManyRowGroups(t *testing.T) {
	// Enough rows for several row groups, with the vector's values and a
	// NULL pattern that would show a row out of place.
	const dim = 1024
	n := maxGroupBytes/(dim*4)*3 + 123
	cols := []Column{{Name: "i", Type: types.Int4}, {Name: "v", Type: types.T{OID: types.VectorOID, Mod: dim}}}
	vec := make([]float32, dim)
	i := 0
	path := filepath.Join(t.TempDir(), "data.parquet")
	_, err := WriteFile(path, cols, func() ([]types.Datum, bool, error) {
		if i == n {
			return nil, false, nil
		}
		for j := range vec { // the caller reuses the vector's memory
			vec[j] = float32(i*dim + j)
		}
		row := []types.Datum{types.NewInt(int64(i)), types.NewVector(vec)}
		if i%5 == 0 {
			row[0] = types.Null
		}
		i++
		return row, true, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := 0
	rows, err := ReadFile(path, cols, func(row []types.Datum) error {
		if (r%5 == 0) != row[0].IsNull() || !row[0].IsNull() && row[0].I != int64(r) {
			t.Fatalf("row %d: %v", r, row[0])
		}
		v := row[1].Vector()
		if v[0] != float32(r*dim) || v[dim-1] != float32(r*dim+dim-1) {
			t.Fatalf("row %d: vector starts %v", r, v[:2])
		}
		r++
		return nil
	})
	if err != nil || rows != int64(n) {
		t.Fatalf("read %d rows, %v", rows, err)
	}
}

func TestCallerErrorsPassThrough(t *testing.T) {
	cols := []Column{{Name: "a", Type: types.Int4}}
	path := filepath.Join(t.TempDir(), "data.parquet")
	canceled := pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	i := 0
	_, err := WriteFile(path, cols, func() ([]types.Datum, bool, error) {
		if i == 1000 {
			return nil, false, canceled
		}
		i++
		return []types.Datum{types.NewInt(int64(i))}, true, nil
	})
	if err != canceled {
		t.Fatalf("WriteFile returned %v, want next's error", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the file is still there: %v", err)
	}

	writeRows(t, path, cols, [][]types.Datum{{types.NewInt(1)}, {types.NewInt(2)}, {types.NewInt(3)}})
	stop := pgerr.New(pgerr.QueryCanceled, "stop")
	n, err := ReadFile(path, cols, func(row []types.Datum) error {
		if row[0].I == 2 {
			return stop
		}
		return nil
	})
	if err != stop || n != 1 {
		t.Fatalf("ReadFile returned %d, %v; want 1 and fn's error", n, err)
	}
	if _, err := ReadFile(filepath.Join(t.TempDir(), "missing.parquet"), cols, nil); !os.IsNotExist(errors.Unwrap(err)) || pgerr.Code(err) != pgerr.IOError {
		t.Fatalf("reading a missing file: %v (%s)", err, pgerr.Code(err))
	}
}
