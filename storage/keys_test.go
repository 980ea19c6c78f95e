package storage

import (
	"bytes"
	"cmp"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/apd/v3"
)

// semCompare is the SQL order of two values of one kind, NULL first.
func semCompare(t *testing.T, a, b types.Datum) int {
	t.Helper()
	if a.K == types.KNull || b.K == types.KNull {
		return cmp.Compare(btoi(a.K != types.KNull), btoi(b.K != types.KNull))
	}
	switch a.K {
	case types.KBool, types.KInt, types.KDate, types.KTimestamp:
		return cmp.Compare(a.I, b.I)
	case types.KFloat:
		an, bn := math.IsNaN(a.F), math.IsNaN(b.F)
		if an || bn {
			return cmp.Compare(btoi(an), btoi(bn))
		}
		return cmp.Compare(a.F, b.F) // -0 == 0 here
	case types.KNumeric:
		x, y := a.Numeric(), b.Numeric()
		xn, yn := x.Form == apd.NaN, y.Form == apd.NaN
		if xn || yn {
			return cmp.Compare(btoi(xn), btoi(yn))
		}
		return x.Cmp(y)
	case types.KString, types.KBytes, types.KJSON:
		return strings.Compare(a.S, b.S)
	}
	t.Fatalf("kind %d", a.K)
	return 0
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func sign(x int) int { return cmp.Compare(x, 0) }

var interestingFloats = []float64{
	0, math.Copysign(0, -1), 1, -1, 0.5, -0.5, math.MaxFloat64, -math.MaxFloat64,
	math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1), math.NaN(), 1e300, -1e-300,
}

var interestingNumerics = []string{
	"0", "0.000", "-0", "1", "1.0", "1.50", "1.5", "-1.5", "10", "100", "99.999", "-99.999", "0.001", "-0.001",
	"123456789012345678901234567890", "-123456789012345678901234567890", "1e-30", "-1e-30", "1e30",
	"NaN", "Infinity", "-Infinity", "0.1", "0.12", "0.123", "0.102", "-0.1", "-0.12", "-0.123", "-0.102",
}

func randDatum(r *rand.Rand, k types.Kind) types.Datum {
	if r.IntN(12) == 0 {
		return types.Null
	}
	switch k {
	case types.KBool:
		return types.NewBool(r.IntN(2) == 0)
	case types.KInt, types.KDate, types.KTimestamp:
		var v int64
		switch r.IntN(4) {
		case 0:
			v = int64(r.IntN(21)) - 10
		case 1:
			v = int64(r.Uint64())
		case 2:
			v = []int64{math.MinInt64, math.MaxInt64, 0, -1}[r.IntN(4)]
		default:
			v = int64(r.IntN(1 << 20))
		}
		return types.Datum{K: k, I: v}
	case types.KFloat:
		if r.IntN(3) == 0 {
			return types.NewFloat(interestingFloats[r.IntN(len(interestingFloats))])
		}
		return types.NewFloat(r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)))
	case types.KNumeric:
		var d *apd.Decimal
		if r.IntN(3) == 0 {
			d, _, _ = apd.NewFromString(interestingNumerics[r.IntN(len(interestingNumerics))])
		} else {
			d = apd.New(r.Int64N(2_000_001)-1_000_000, int32(r.IntN(21)-10))
		}
		return types.NewNumeric(d)
	case types.KString, types.KBytes:
		alphabet := []byte{0, 1, 'a', 'b', 0xFF, 0xFE}
		n := r.IntN(5)
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return types.Datum{K: k, S: string(b)}
	}
	panic("kind")
}

var keyKindsUnderTest = []types.Kind{types.KBool, types.KInt, types.KFloat, types.KNumeric, types.KString, types.KBytes, types.KDate, types.KTimestamp}

func mustKey(t *testing.T, k types.Kind, ds ...types.Datum) []byte {
	t.Helper()
	b, err := encodeKeyDatums(nil, []types.Kind{k, k, k}, ds)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKeyOrderMatchesValueOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, k := range keyKindsUnderTest {
		for range 3000 {
			a, b := randDatum(r, k), randDatum(r, k)
			want := semCompare(t, a, b)
			got := sign(bytes.Compare(mustKey(t, k, a), mustKey(t, k, b)))
			if got != want {
				t.Fatalf("kind %d: %v vs %v: key order %d, value order %d", k, a, b, got, want)
			}
		}
	}
}

func TestKeyTupleOrder(t *testing.T) {
	// A tuple's encoding orders lexicographically, even when the first
	// column is a string that is a prefix of another.
	r := rand.New(rand.NewPCG(3, 4))
	for range 5000 {
		a := []types.Datum{randDatum(r, types.KString), randDatum(r, types.KInt)}
		b := []types.Datum{randDatum(r, types.KString), randDatum(r, types.KInt)}
		want := semCompare(t, a[0], b[0])
		if want == 0 {
			want = semCompare(t, a[1], b[1])
		}
		kinds := []types.Kind{types.KString, types.KInt}
		ka, _ := encodeKeyDatums(nil, kinds, a)
		kb, _ := encodeKeyDatums(nil, kinds, b)
		if got := sign(bytes.Compare(ka, kb)); got != want {
			t.Fatalf("%v vs %v: key order %d, value order %d", a, b, got, want)
		}
	}
}

func TestKeyNumericInteresting(t *testing.T) {
	// Every pair of the hand-picked numerics, exhaustively.
	for _, x := range interestingNumerics {
		for _, y := range interestingNumerics {
			a, _, _ := apd.NewFromString(x)
			b, _, _ := apd.NewFromString(y)
			da, db := types.NewNumeric(a), types.NewNumeric(b)
			want := semCompare(t, da, db)
			got := sign(bytes.Compare(mustKey(t, types.KNumeric, da), mustKey(t, types.KNumeric, db)))
			if got != want {
				t.Errorf("%s vs %s: key order %d, value order %d", x, y, got, want)
			}
		}
	}
}

func TestKeyDecodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, k := range keyKindsUnderTest {
		for range 500 {
			d := randDatum(r, k)
			enc, err := encodeKeyDatums(nil, []types.Kind{k, types.KInt}, []types.Datum{d, types.NewInt(7)})
			if err != nil {
				t.Fatal(err)
			}
			got, rest, err := decodeKeyDatum(enc)
			if err != nil {
				t.Fatalf("decode %v: %v", d, err)
			}
			if semCompare(t, got, d) != 0 || got.K != d.K {
				t.Fatalf("round trip %v: got %v", d, got)
			}
			if next, _, err := decodeKeyDatum(rest); err != nil || next.I != 7 {
				t.Fatalf("rest after %v: %v %v", d, next, err)
			}
		}
	}
}

func TestKeyCoercion(t *testing.T) {
	five := types.NewNumeric(apd.New(5, 0))
	if !bytes.Equal(mustKey(t, types.KNumeric, types.NewInt(5)), mustKey(t, types.KNumeric, five)) {
		t.Error("int 5 on a numeric column should encode as numeric 5")
	}
	if !bytes.Equal(mustKey(t, types.KInt, types.NewFloat(5)), mustKey(t, types.KInt, types.NewInt(5))) {
		t.Error("float 5 on an int column should encode as int 5")
	}
	if _, err := encodeKeyDatums(nil, []types.Kind{types.KInt}, []types.Datum{types.NewFloat(5.5)}); err == nil {
		t.Error("float 5.5 on an int column should fail")
	}
}

func TestSpanBounds(t *testing.T) {
	p := []byte{'x'}
	kinds := []types.Kind{types.KInt, types.KInt}
	key := func(a, b int64) []byte {
		k, _ := encodeKeyDatums([]byte{'x'}, kinds, []types.Datum{types.NewInt(a), types.NewInt(b)})
		return k
	}
	in := func(sp Span, k []byte) bool {
		lo, hi, err := spanBounds(p, kinds, sp)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Compare(k, lo) >= 0 && bytes.Compare(k, hi) < 0
	}
	one := []types.Datum{types.NewInt(1)}
	cases := []struct {
		sp   Span
		a, b int64
		want bool
	}{
		{Span{Start: one}, 1, math.MinInt64, true},
		{Span{Start: one, StartExclusive: true}, 1, math.MaxInt64, false},
		{Span{Start: one, StartExclusive: true}, 2, math.MinInt64, true},
		{Span{End: one}, 1, math.MaxInt64, true},
		{Span{End: one, EndExclusive: true}, 1, math.MinInt64, false},
		{Span{End: one, EndExclusive: true}, 0, math.MaxInt64, true},
		{Span{Start: one, End: one}, 1, 5, true},
		{Span{Start: one, End: one}, 2, 5, false},
		{Span{}, math.MaxInt64, math.MaxInt64, true},
	}
	for i, c := range cases {
		if got := in(c.sp, key(c.a, c.b)); got != c.want {
			t.Errorf("case %d: (%d,%d) in span = %v, want %v", i, c.a, c.b, got, c.want)
		}
	}
}

func TestKeyUUID(t *testing.T) {
	u := func(b ...byte) types.Datum {
		var x [16]byte
		copy(x[:], b)
		return types.NewUUID(x)
	}
	vals := []types.Datum{u(0), u(0, 0, 1), u(0x7f), u(0x80), u(0xff, 0xff), u(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)}
	for i := range vals {
		ki := mustKey(t, types.KNull, vals[i], types.NewInt(1))
		d, rest, err := decodeKeyDatum(ki)
		if err != nil || d.K != types.KUUID || d.S != vals[i].S {
			t.Fatalf("uuid %d: decoded %+v, %v", i, d, err)
		}
		if _, _, err := decodeKeyDatum(rest); err != nil {
			t.Fatalf("uuid %d: tuple rest: %v", i, err)
		}
		for j := range vals {
			kj := mustKey(t, types.KNull, vals[j], types.NewInt(1))
			if got, want := sign(bytes.Compare(ki, kj)), sign(types.Compare(vals[i], vals[j])); got != want {
				t.Errorf("uuid %d vs %d: key order %d, value order %d", i, j, got, want)
			}
		}
	}
	if _, _, err := decodeKeyDatum([]byte{keyUUID, 1, 2}); err == nil {
		t.Error("truncated uuid key decoded")
	}
}

func TestKeyRejectsVectorsAndArrays(t *testing.T) {
	for _, d := range []types.Datum{
		types.NewVector([]float32{1, 2}),
		types.NewSparse(&types.SparseVec{Dim: 3}),
		types.NewArray(&types.Array{Elem: types.Int4OID}),
	} {
		_, err := appendKeyDatum(nil, d.K, d)
		if err == nil || pgerr.Code(err) != pgerr.FeatureNotSupported {
			t.Errorf("kind %d: got %v, want a 0A000 error", d.K, err)
		}
	}
}
