package storage

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/apd/v3"
)

func datumsEqual(a, b types.Datum) bool {
	if a.K != b.K {
		return false
	}
	switch a.K {
	case types.KNull:
		return true
	case types.KFloat:
		return math.Float64bits(a.F) == math.Float64bits(b.F)
	case types.KNumeric:
		x, y := a.Numeric(), b.Numeric()
		// Same value and same scale (the row keeps the scale).
		return x.Form == y.Form && x.Negative == y.Negative && x.Exponent == y.Exponent && x.Coeff.Cmp(&y.Coeff) == 0
	case types.KString, types.KBytes, types.KJSON:
		return a.S == b.S
	}
	return a.I == b.I
}

func TestRowCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	kinds := append(keyKindsUnderTest, types.KJSON)
	for range 2000 {
		row := make(types.Row, r.IntN(12))
		for i := range row {
			k := kinds[r.IntN(len(kinds))]
			if k == types.KJSON {
				row[i] = types.NewJSON(`{"a": [1, 2]}`)
				continue
			}
			row[i] = randDatum(r, k)
		}
		buf, err := AppendRow(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		got, err := DecodeRow(buf, len(row))
		if err != nil {
			t.Fatal(err)
		}
		for i := range row {
			if !datumsEqual(row[i], got[i]) {
				t.Fatalf("column %d: put %#v, got %#v", i, row[i], got[i])
			}
		}
	}
}

func TestRowCodecSpecialValues(t *testing.T) {
	big, _, _ := apd.NewFromString("-123456789012345678901234567890.000123")
	nan := &apd.Decimal{Form: apd.NaN}
	inf := &apd.Decimal{Form: apd.Infinite, Negative: true}
	row := types.Row{
		types.NewNumeric(big), types.NewNumeric(nan), types.NewNumeric(inf),
		types.NewFloat(math.NaN()), types.NewFloat(math.Inf(-1)), types.NewFloat(math.Copysign(0, -1)),
		types.NewString(""), types.NewBytes([]byte{0, 1, 2}), types.Null,
		types.NewDate(types.InfinityNeg), types.NewTimestamp(types.InfinityPos), types.NewBool(true), types.NewBool(false),
	}
	buf, err := AppendRow(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRow(buf, len(row)+2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if i == 3 {
			if !math.IsNaN(got[i].F) {
				t.Errorf("NaN came back as %v", got[i].F)
			}
			continue
		}
		if !datumsEqual(row[i], got[i]) {
			t.Errorf("column %d: put %#v, got %#v", i, row[i], got[i])
		}
	}
	if got[len(row)].K != types.KNull || got[len(row)+1].K != types.KNull {
		t.Error("missing trailing columns should decode as NULL")
	}
	if _, err := DecodeRow(buf[:len(buf)-1], len(row)); err == nil {
		t.Error("a truncated row should not decode")
	}
	if _, err := DecodeRow([]byte{9, 0}, 0); err == nil {
		t.Error("an unknown row format should not decode")
	}
}

func benchRow() types.Row {
	d, _, _ := apd.NewFromString("12345.678")
	return types.Row{
		types.NewInt(123456), types.NewString("a title of some length"), types.NewFloat(3.25),
		types.NewNumeric(d), types.NewBool(true), types.Null, types.NewTimestamp(800_000_000_000_000),
		types.NewJSON(`{"k": "v", "n": 1}`), types.NewBytes(make([]byte, 64)),
	}
}

func BenchmarkDecodeRow(b *testing.B) {
	buf, err := AppendRow(nil, benchRow())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(buf)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeRow(buf, 9); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRow(b *testing.B) {
	row := benchRow()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendRow(buf[:0], row); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRowCodecExtendedKinds(t *testing.T) {
	uuid := types.NewUUID([16]byte{0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38, 0x0a, 0x11})
	vec := types.NewVector([]float32{1, -2.5, 3e-7, float32(math.Copysign(0, -1))})
	sparse := types.NewSparse(&types.SparseVec{Dim: 1000000, Idx: []int32{0, 7, 999999}, Val: []float32{1.5, -2, 3}})
	emptySparse := types.NewSparse(&types.SparseVec{Dim: 5})
	ints := types.NewArray(&types.Array{Elem: types.Int4OID, Elems: []types.Datum{types.NewInt(1), types.Null, types.NewInt(-3)}})
	texts := types.NewArray(&types.Array{Elem: types.TextOID, Elems: []types.Datum{types.NewString("a b"), types.NewString(""), types.Null}})
	empty := types.NewArray(&types.Array{Elem: types.UUIDOID})
	uuids := types.NewArray(&types.Array{Elem: types.UUIDOID, Elems: []types.Datum{uuid, types.Null}})
	vecs := types.NewArray(&types.Array{Elem: types.VectorOID, Elems: []types.Datum{vec, types.NewVector([]float32{4})}})
	matrix := types.NewArray(&types.Array{Elem: types.Float8OID, Dims: []int32{2, 2}, Lower: []int32{0, -3},
		Elems: []types.Datum{types.NewFloat(1), types.NewFloat(math.NaN()), types.NewFloat(3), types.Null}})
	nums := types.NewArray(&types.Array{Elem: types.NumericOID, Elems: []types.Datum{types.NewNumeric(apd.New(12345, -2)), types.Null}})
	row := types.Row{types.NewInt(7), uuid, vec, types.Null, sparse, emptySparse, ints, texts, empty, uuids, vecs, matrix, nums, types.NewString("tail")}
	buf, err := AppendRow(nil, row)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeRow(buf, len(row))
	if err != nil {
		t.Fatal(err)
	}
	for i := range row {
		if row[i].K != got[i].K || (row[i].K != types.KNull && types.Compare(row[i], got[i]) != 0) {
			t.Errorf("column %d: got %+v, want %+v", i, got[i], row[i])
		}
	}
	if a := got[11].Array(); len(a.Dims) != 2 || a.Lower[1] != -3 {
		t.Errorf("matrix shape lost: %+v", a)
	}
	if v := got[2].Vector(); !math.Signbit(float64(v[3])) {
		t.Errorf("vector -0 lost its sign")
	}
	// Every truncation of the encoding is an error, never a panic.
	for n := 0; n < len(buf); n++ {
		if _, err := DecodeRow(buf[:n], len(row)); err == nil {
			t.Errorf("truncated row of %d bytes decoded", n)
		}
	}
}

func TestRowCodecRejectsBadExtendedValues(t *testing.T) {
	for _, d := range []types.Datum{
		{K: types.KUUID, S: "short"},
		types.NewSparse(&types.SparseVec{Dim: 5, Idx: []int32{3, 1}, Val: []float32{1, 2}}),
	} {
		if _, err := AppendRow(nil, types.Row{d}); err == nil {
			t.Errorf("%+v: stored", d)
		}
	}
}

// decodeRowReuse decodes what decodeRowInto does, row after row with the
// same scratch, vectors included.
func TestRowCodecDecodeReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	var sc rowScratch
	for n := range 300 {
		vec := make([]float32, 1+r.IntN(700))
		for i := range vec {
			vec[i] = float32(r.NormFloat64())
		}
		row := types.Row{types.NewInt(int64(n)), types.NewString("document"), types.NewVector(vec), types.NewVector(vec[:1+len(vec)/2])}
		buf, err := AppendRow(nil, row)
		if err != nil {
			t.Fatal(err)
		}
		want := make(types.Row, len(row))
		if err := decodeRowInto(buf, want); err != nil {
			t.Fatal(err)
		}
		got := make(types.Row, len(row))
		if err := decodeRowReuse(buf, got, &sc); err != nil {
			t.Fatal(err)
		}
		for i := range row {
			if row[i].K == types.KVector {
				a, b, c := row[i].Vector(), want[i].Vector(), got[i].Vector()
				if len(a) != len(b) || len(a) != len(c) {
					t.Fatalf("row %d column %d: lengths %d %d %d", n, i, len(a), len(b), len(c))
				}
				for j := range a {
					if math.Float32bits(a[j]) != math.Float32bits(b[j]) || math.Float32bits(a[j]) != math.Float32bits(c[j]) {
						t.Fatalf("row %d column %d element %d: %v %v %v", n, i, j, a[j], b[j], c[j])
					}
				}
				continue
			}
			if !datumsEqual(want[i], got[i]) || !datumsEqual(row[i], got[i]) {
				t.Fatalf("row %d column %d: put %#v, got %#v and %#v", n, i, row[i], want[i], got[i])
			}
		}
	}
}
