package types

import (
	"bytes"
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
)

// vecTextCases: input/output and errors of vector_in/vector_out,
// halfvec_in/out and sparsevec_in/out, following pgvector 0.8's source
// (src/vector.c, halfvec.c, sparsevec.c) and its regression tests
// (test/expected/input.out, halfvec_input.out, sparsevec_input.out).
var vecTextCases = []textCase{
	{[]string{"vector"}, nil, "[1,2,3]", "[1,2,3]", "", ""},
	{[]string{"vector"}, nil, "[-1,-2,-3]", "[-1,-2,-3]", "", ""},
	{[]string{"vector"}, nil, "[1.,2.,3.]", "[1,2,3]", "", ""},
	{[]string{"vector"}, nil, " [ 1,  2 ,    3  ] ", "[1,2,3]", "", ""},
	{[]string{"vector"}, nil, "[1.23456]", "[1.23456]", "", ""},
	{[]string{"vector"}, nil, "[0.1,1e-7,123456789]", "[0.1,1e-07,1.2345679e+08]", "", ""},
	{[]string{"vector"}, nil, "[1.5e38,-1.5e38]", "[1.5e+38,-1.5e+38]", "", ""},
	{[]string{"vector"}, nil, "[1.5e-38,-1.5e-38]", "[1.5e-38,-1.5e-38]", "", ""},
	{[]string{"vector"}, nil, "[1e-50]", "[0]", "", ""},
	{[]string{"vector"}, nil, "[-0]", "[-0]", "", ""},
	{[]string{"vector"}, nil, "[0x10]", "[16]", "", ""},
	{[]string{"vector"}, nil, "[hello,1]", "", "22P02", `invalid input syntax for type vector: "[hello,1]"`},
	{[]string{"vector"}, nil, "[NaN,1]", "", "22000", "NaN not allowed in vector"},
	{[]string{"vector"}, nil, "[Infinity,1]", "", "22000", "infinite value not allowed in vector"},
	{[]string{"vector"}, nil, "[-inf,1]", "", "22000", "infinite value not allowed in vector"},
	{[]string{"vector"}, nil, "[4e38,1]", "", "22003", `"4e38" is out of range for type vector`},
	{[]string{"vector"}, nil, "[1,2,3", "", "22P02", `invalid input syntax for type vector: "[1,2,3"`},
	{[]string{"vector"}, nil, "[1,2,3]9", "", "22P02", `invalid input syntax for type vector: "[1,2,3]9"`},
	{[]string{"vector"}, nil, "1,2,3", "", "22P02", `invalid input syntax for type vector: "1,2,3"`},
	{[]string{"vector"}, nil, "", "", "22P02", `invalid input syntax for type vector: ""`},
	{[]string{"vector"}, nil, "[", "", "22P02", `invalid input syntax for type vector: "["`},
	{[]string{"vector"}, nil, "[,", "", "22P02", `invalid input syntax for type vector: "[,"`},
	{[]string{"vector"}, nil, "[]", "", "22000", "vector must have at least 1 dimension"},
	{[]string{"vector"}, nil, "[1,]", "", "22P02", `invalid input syntax for type vector: "[1,]"`},
	{[]string{"vector"}, nil, "[1a]", "", "22P02", `invalid input syntax for type vector: "[1a]"`},
	{[]string{"vector"}, nil, "[1,,3]", "", "22P02", `invalid input syntax for type vector: "[1,,3]"`},
	{[]string{"vector"}, nil, "[1, ,3]", "", "22P02", `invalid input syntax for type vector: "[1, ,3]"`},
	{[]string{"vector"}, []int32{3}, "[1,2,3]", "[1,2,3]", "", ""},
	{[]string{"vector"}, []int32{2}, "[1,2,3]", "", "22000", "expected 2 dimensions, not 3"},
	{[]string{"vector"}, []int32{3}, "[1,2]", "", "22000", "expected 3 dimensions, not 2"},
	{[]string{"public", "vector"}, []int32{1}, "[5]", "[5]", "", ""},

	{[]string{"halfvec"}, nil, "[1,2,3]", "[1,2,3]", "", ""},
	{[]string{"halfvec"}, nil, "[1.23456]", "[1.234375]", "", ""},
	{[]string{"halfvec"}, nil, "[0.1,65504,-65504]", "[0.099975586,65504,-65504]", "", ""},
	{[]string{"halfvec"}, nil, "[1e-8]", "[0]", "", ""},
	{[]string{"halfvec"}, nil, "[65520]", "", "22003", `"65520" is out of range for type halfvec`},
	{[]string{"halfvec"}, nil, "[NaN]", "", "22000", "NaN not allowed in halfvec"},
	{[]string{"halfvec"}, nil, "[-Infinity]", "", "22000", "infinite value not allowed in halfvec"},
	{[]string{"halfvec"}, nil, "[]", "", "22000", "halfvec must have at least 1 dimension"},
	{[]string{"halfvec"}, nil, "[1,a]", "", "22P02", `invalid input syntax for type halfvec: "[1,a]"`},
	{[]string{"halfvec"}, []int32{2}, "[1,2,3]", "", "22000", "expected 2 dimensions, not 3"},

	{[]string{"sparsevec"}, nil, "{1:1.5,3:3.5}/5", "{1:1.5,3:3.5}/5", "", ""},
	{[]string{"sparsevec"}, nil, " { 1 : 1.5 ,  3  :  3.5  } / 5 ", "{1:1.5,3:3.5}/5", "", ""},
	{[]string{"sparsevec"}, nil, " { } / 5", "{}/5", "", ""},
	{[]string{"sparsevec"}, nil, "{}/5", "{}/5", "", ""},
	{[]string{"sparsevec"}, nil, "{1:0,2:1,3:0}/3", "{2:1}/3", "", ""},
	{[]string{"sparsevec"}, nil, "{2:1,1:1}/2", "{1:1,2:1}/2", "", ""},
	{[]string{"sparsevec"}, nil, "", "", "22P02", `invalid input syntax for type sparsevec: ""`},
	{[]string{"sparsevec"}, nil, "{", "", "22P02", `invalid input syntax for type sparsevec: "{"`},
	{[]string{"sparsevec"}, nil, "{}", "", "22P02", `invalid input syntax for type sparsevec: "{}"`},
	{[]string{"sparsevec"}, nil, "{}/", "", "22P02", `invalid input syntax for type sparsevec: "{}/"`},
	{[]string{"sparsevec"}, nil, "{}/1a", "", "22P02", `invalid input syntax for type sparsevec: "{}/1a"`},
	{[]string{"sparsevec"}, nil, "{1,}/1", "", "22P02", `invalid input syntax for type sparsevec: "{1,}/1"`},
	{[]string{"sparsevec"}, nil, "{:1}/1", "", "22P02", `invalid input syntax for type sparsevec: "{:1}/1"`},
	{[]string{"sparsevec"}, nil, "{1:}/1", "", "22P02", `invalid input syntax for type sparsevec: "{1:}/1"`},
	{[]string{"sparsevec"}, nil, "{1a:1}/1", "", "22P02", `invalid input syntax for type sparsevec: "{1a:1}/1"`},
	{[]string{"sparsevec"}, nil, "{1:1a}/1", "", "22P02", `invalid input syntax for type sparsevec: "{1:1a}/1"`},
	{[]string{"sparsevec"}, nil, "{1:1,}/1", "", "22P02", `invalid input syntax for type sparsevec: "{1:1,}/1"`},
	{[]string{"sparsevec"}, nil, "{}/-1", "", "22000", "sparsevec must have at least 1 dimension"},
	{[]string{"sparsevec"}, nil, "{}/1000000001", "", "54000", "sparsevec cannot have more than 1000000000 dimensions"},
	{[]string{"sparsevec"}, nil, "{0:1}/1", "", "22000", "sparsevec index out of bounds"},
	{[]string{"sparsevec"}, nil, "{2:1}/1", "", "22000", "sparsevec index out of bounds"},
	{[]string{"sparsevec"}, nil, "{1:1,1:2}/2", "", "22000", "sparsevec indices must not contain duplicates"},
	{[]string{"sparsevec"}, nil, "{0:0,5:0}/3", "{}/3", "", ""},
	{[]string{"sparsevec"}, nil, "{-1:1}/3", "", "22000", "sparsevec index out of bounds"},
	{[]string{"sparsevec"}, nil, "{99999999999:1}/3", "", "22000", "sparsevec index out of bounds"},
	{[]string{"sparsevec"}, nil, "{0:1}/0", "", "22000", "sparsevec must have at least 1 dimension"},
	{[]string{"sparsevec"}, nil, "{1:NaN}/2", "", "22000", "NaN not allowed in sparsevec"},
	{[]string{"sparsevec"}, nil, "{1:1e-50}/2", "", "22003", `"1e-50" is out of range for type sparsevec`},
	{[]string{"sparsevec"}, []int32{2}, "{}/1", "", "22000", "expected 2 dimensions, not 1"},
}

func runTextCases(t *testing.T, cases []textCase) {
	t.Helper()
	for _, c := range cases {
		typ, err := ParseTypeName(c.names, c.mods)
		if err != nil {
			t.Errorf("%v%v: %v", c.names, c.mods, err)
			continue
		}
		d, err := ParseTextLoc(typ, c.in, time.UTC)
		if c.code != "" {
			if err == nil {
				t.Errorf("%s %q: got %q, want error %s %s", typ, c.in, FormatText(d, typ, time.UTC), c.code, c.errMsg)
			} else if pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%s %q: got error %s %q, want %s %q", typ, c.in, pgerr.Code(err), err.Error(), c.code, c.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: unexpected error %v, want %q", typ, c.in, err, c.out)
			continue
		}
		got := FormatText(d, typ, time.UTC)
		if got != c.out {
			t.Errorf("%s %q: got %q, want %q", typ, c.in, got, c.out)
			continue
		}
		d2, err := ParseTextLoc(typ, got, time.UTC)
		if err != nil || Compare(d, d2) != 0 {
			t.Errorf("%s %q: output %q does not read back as the same value: %v", typ, c.in, got, err)
		}
		b, err := AppendBinary(nil, d, typ)
		if err != nil {
			t.Errorf("%s %q: AppendBinary: %v", typ, c.in, err)
			continue
		}
		d3, err := DecodeBinary(typ, b)
		if err != nil || Compare(d, d3) != 0 || FormatText(d3, typ, time.UTC) != got {
			t.Errorf("%s %q: binary round trip: %v", typ, c.in, err)
		}
	}
}

func TestVectorText(t *testing.T) { runTextCases(t, vecTextCases) }

func TestVectorTooManyDims(t *testing.T) {
	big := make([]byte, 0, 40000)
	big = append(big, '[')
	for i := 0; i <= VectorMaxDim; i++ {
		if i > 0 {
			big = append(big, ',')
		}
		big = append(big, '1')
	}
	big = append(big, ']')
	_, err := ParseText(Vector, string(big))
	if pgerr.Code(err) != pgerr.ProgramLimitExceeded || err.Error() != "vector cannot have more than 16000 dimensions" {
		t.Errorf("got %v", err)
	}
	ok := append(append([]byte{}, big[:len(big)-3]...), ']')
	if d, err := ParseText(Vector, string(ok)); err != nil || len(d.Vector()) != VectorMaxDim {
		t.Errorf("16000 dimensions: %v", err)
	}
}

// TestVectorBinary checks pgvector's binary formats (vector_send/recv,
// halfvec_send/recv, sparsevec_send/recv) byte for byte, and recv's
// errors.
func TestVectorBinary(t *testing.T) {
	for _, c := range []struct {
		typ  T
		text string
		hex  string
	}{
		{Vector, "[1,2,3]", "000300003f8000004000000040400000"},
		{Vector, "[-1.5]", "00010000bfc00000"},
		{Halfvec, "[1,2,3]", "00030000" + "3c0040004200"},
		{Halfvec, "[-0.5,65504]", "00020000" + "b8007bff"},
		{Sparsevec, "{1:1.5,3:2}/5", "00000005" + "00000002" + "00000000" + "00000000" + "00000002" + "3fc00000" + "40000000"},
		{Sparsevec, "{}/3", "00000003" + "00000000" + "00000000"},
		{UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc999c0b4ef8bb6d6bb9bd380a11"},
	} {
		d, err := ParseText(c.typ, c.text)
		if err != nil {
			t.Fatal(err)
		}
		b, err := AppendBinary(nil, d, c.typ)
		if err != nil || hex.EncodeToString(b) != c.hex {
			t.Errorf("%s %s: binary %x, want %s (%v)", c.typ, c.text, b, c.hex, err)
		}
		raw, _ := hex.DecodeString(c.hex)
		d2, err := DecodeBinary(c.typ, raw)
		if err != nil || FormatText(d2, c.typ, nil) != c.text {
			t.Errorf("%s %s: decoded %v (%v)", c.typ, c.hex, FormatText(d2, c.typ, nil), err)
		}
	}
	for _, c := range []struct {
		typ       T
		hex       string
		code, msg string
	}{
		{T{VectorOID, 2}, "000300003f8000004000000040400000", "22000", "expected 2 dimensions, not 3"},
		{Vector, "00000000", "22000", "vector must have at least 1 dimension"},
		{Vector, "ffff0000", "22000", "vector must have at least 1 dimension"},
		{Vector, "3e810000", "54000", "vector cannot have more than 16000 dimensions"},
		{Vector, "000100013f800000", "22000", "expected unused to be 0, not 1"},
		{Vector, "000100007fc00000", "22000", "NaN not allowed in vector"},
		{Vector, "000100007f800000", "22000", "infinite value not allowed in vector"},
		{Vector, "000200003f800000", "22P03", "incorrect binary data format"},
		{Halfvec, "00010000" + "7c00", "22000", "infinite value not allowed in halfvec"},
		{Halfvec, "00010000" + "7e00", "22000", "NaN not allowed in halfvec"},
		{Sparsevec, "00000003" + "00000001" + "00000000" + "00000003" + "3f800000", "22000", "sparsevec index out of bounds"},
		{Sparsevec, "00000003" + "00000001" + "00000000" + "ffffffff" + "3f800000", "22000", "sparsevec index out of bounds"},
		{Sparsevec, "00000003" + "00000002" + "00000000" + "00000002" + "00000001" + "3f800000" + "3f800000", "22000", "sparsevec indices must be in ascending order"},
		{Sparsevec, "00000003" + "00000002" + "00000000" + "00000001" + "00000001" + "3f800000" + "3f800000", "22000", "sparsevec indices must not contain duplicates"},
		{Sparsevec, "00000003" + "00000001" + "00000000" + "00000001" + "00000000", "22000", "binary representation of sparsevec cannot contain zero values"},
		{Sparsevec, "00000003" + "00000004" + "00000000", "54000", "sparsevec cannot have more elements than dimensions"},
		{Sparsevec, "00000003" + "00000000" + "00000001", "22000", "expected unused to be 0, not 1"},
		{T{SparsevecOID, 4}, "00000003" + "00000000" + "00000000", "22000", "expected 4 dimensions, not 3"},
		{UUID, "a0eebc99", "22P03", "incorrect binary data format"},
	} {
		raw, _ := hex.DecodeString(c.hex)
		_, err := DecodeBinary(c.typ, raw)
		if pgerr.Code(err) != c.code || err == nil || err.Error() != c.msg {
			t.Errorf("%s %s: got %v (%s), want %s %s", c.typ, c.hex, err, pgerr.Code(err), c.code, c.msg)
		}
	}
}

func TestFloat16(t *testing.T) {
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{0, 0}, {1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {65519.99, 0x7bff}, {65520, 0x7c00},
		{5.960464477539063e-08, 0x0001}, {2.9802322387695312e-08, 0}, {2.98023259e-08, 0x0001},
		{6.103515625e-05, 0x0400}, {0.1, 0x2e66}, {1.0009765625, 0x3c01}, {1.00048828125, 0x3c00}, {1.00146484375, 0x3c02},
	} {
		if got := FloatToHalf(c.f); got != c.h {
			t.Errorf("floatToHalf(%g) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
	for h := 0; h < 0x10000; h++ {
		f := HalfToFloat(uint16(h))
		if f != f {
			continue
		}
		if back := FloatToHalf(f); back != uint16(h) {
			t.Fatalf("%#04x -> %g -> %#04x", h, f, back)
		}
	}
}

func vec(t *testing.T, typ T, s string) Datum {
	t.Helper()
	d, err := ParseText(typ, s)
	if err != nil {
		t.Fatalf("%s %q: %v", typ, s, err)
	}
	return d
}

type vecOpCase struct {
	op       string
	typ      T
	a, b     string
	want     string // text of the result (float8 or the vector type)
	code     string
	errMsg   string
	resultTy OID
}

// TestVectorOps checks the operators against pgvector 0.8's functions
// (src/vector.c, halfvec.c, sparsevec.c) and test/expected/functions.out.
func TestVectorOps(t *testing.T) {
	cases := []vecOpCase{
		{"<->", Vector, "[0,0]", "[3,4]", "5", "", "", Float8OID},
		{"<->", Vector, "[1,2,3]", "[1,2]", "", "22000", "different vector dimensions 3 and 2", 0},
		{"<#>", Vector, "[1,2]", "[3,4]", "-11", "", "", Float8OID},
		{"<=>", Vector, "[1,2]", "[2,4]", "0", "", "", Float8OID},
		{"<=>", Vector, "[1,2]", "[0,0]", "NaN", "", "", Float8OID},
		{"<=>", Vector, "[1,1]", "[-1,-1]", "2", "", "", Float8OID},
		{"<=>", Vector, "[1,0]", "[0,1]", "1", "", "", Float8OID},
		{"<+>", Vector, "[0,0]", "[3,-4]", "7", "", "", Float8OID},
		{"<+>", Vector, "[1]", "[3,4]", "", "22000", "different vector dimensions 1 and 2", 0},
		{"+", Vector, "[1,2,3]", "[4,5,6]", "[5,7,9]", "", "", VectorOID},
		{"+", Vector, "[3e38]", "[3e38]", "", "22003", "value out of range: overflow", 0},
		{"+", Vector, "[1,2,3]", "[4,5]", "", "22000", "different vector dimensions 3 and 2", 0},
		{"-", Vector, "[1,2,3]", "[4,5,6]", "[-3,-3,-3]", "", "", VectorOID},
		{"-", Vector, "[-3e38]", "[3e38]", "", "22003", "value out of range: overflow", 0},
		{"*", Vector, "[1,2,3]", "[4,5,6]", "[4,10,18]", "", "", VectorOID},
		{"*", Vector, "[1e37]", "[1e37]", "", "22003", "value out of range: overflow", 0},
		{"*", Vector, "[1e-37]", "[1e-37]", "", "22003", "value out of range: underflow", 0},
		{"||", Vector, "[1,2]", "[3]", "[1,2,3]", "", "", VectorOID},
		{"=", Vector, "[1,2]", "[1,2]", "t", "", "", BoolOID},
		{"<>", Vector, "[1,2]", "[1,2]", "f", "", "", BoolOID},
		{"<", Vector, "[1,2]", "[1,2,0]", "t", "", "", BoolOID},
		{"<", Vector, "[1,3]", "[1,2,0]", "f", "", "", BoolOID},
		{">=", Vector, "[2]", "[1,5]", "t", "", "", BoolOID},
		{"<->", Halfvec, "[0,0]", "[3,4]", "5", "", "", Float8OID},
		{"<#>", Halfvec, "[1,2]", "[3,4]", "-11", "", "", Float8OID},
		{"<=>", Halfvec, "[1,2]", "[2,4]", "0", "", "", Float8OID},
		{"<+>", Halfvec, "[0,0]", "[3,-4]", "7", "", "", Float8OID},
		{"<->", Halfvec, "[1]", "[1,2]", "", "22000", "different halfvec dimensions 1 and 2", 0},
		{"+", Halfvec, "[1,2,3]", "[4,5,6]", "[5,7,9]", "", "", HalfvecOID},
		{"+", Halfvec, "[60000]", "[60000]", "", "22003", "value out of range: overflow", 0},
		{"*", Halfvec, "[0.0001]", "[0.0001]", "", "22003", "value out of range: underflow", 0},
		{"||", Halfvec, "[1]", "[2]", "[1,2]", "", "", HalfvecOID},
		{"<", Halfvec, "[1]", "[1,2]", "t", "", "", BoolOID},
		{"<->", Sparsevec, "{}/2", "{1:3,2:4}/2", "5", "", "", Float8OID},
		{"<->", Sparsevec, "{1:1,3:2}/3", "{2:1,3:2}/3", "1.4142135623730951", "", "", Float8OID},
		{"<#>", Sparsevec, "{1:1,2:2}/2", "{1:3,2:4}/2", "-11", "", "", Float8OID},
		{"<=>", Sparsevec, "{1:1,2:2}/2", "{1:2,2:4}/2", "0", "", "", Float8OID},
		{"<=>", Sparsevec, "{1:1}/2", "{}/2", "NaN", "", "", Float8OID},
		{"<+>", Sparsevec, "{}/2", "{1:3,2:-4}/2", "7", "", "", Float8OID},
		{"<->", Sparsevec, "{}/1", "{}/2", "", "22000", "different sparsevec dimensions 1 and 2", 0},
		{"=", Sparsevec, "{1:1}/2", "{1:1}/2", "t", "", "", BoolOID},
		{"<", Sparsevec, "{1:1}/2", "{1:1}/3", "t", "", "", BoolOID},
		{"<", Sparsevec, "{2:1}/3", "{1:1}/3", "t", "", "", BoolOID}, // [0,1,0] < [1,0,0]
		{"<", Sparsevec, "{1:-1}/3", "{2:1}/3", "t", "", "", BoolOID},
	}
	for _, c := range cases {
		o := LookupOp(c.op, c.typ.OID, c.typ.OID)
		if o == nil {
			t.Errorf("no operator %s %s %s", c.typ, c.op, c.typ)
			continue
		}
		r, err := o.Fn(vec(t, c.typ, c.a), vec(t, c.typ, c.b))
		if c.code != "" {
			if err == nil || pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%s %s %s: got %v, want %s %s", c.a, c.op, c.b, err, c.code, c.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s %s: %v", c.a, c.op, c.b, err)
			continue
		}
		if o.Result != c.resultTy {
			t.Errorf("%s %s %s: result type %d, want %d", c.a, c.op, c.b, o.Result, c.resultTy)
		}
		if got := FormatText(r, T{OID: o.Result, Mod: -1}, nil); got != c.want {
			t.Errorf("%s %s %s = %s, want %s", c.a, c.op, c.b, got, c.want)
		}
	}
}

// TestVectorFuncs follows pgvector's test/expected/functions.out,
// halfvec_functions.out and sparsevec_functions.out.
func TestVectorFuncs(t *testing.T) {
	call := func(name string, typ T, args []Datum, argTypes ...OID) (Datum, *Func, error) {
		f := LookupFunc(name, argTypes...)
		if f == nil {
			t.Fatalf("no function %s%v", name, argTypes)
		}
		r, err := f.Fn(args)
		return r, f, err
	}
	for _, c := range []struct {
		name   string
		typ    T
		args   []string
		ints   []int64
		want   string
		code   string
		errMsg string
	}{
		{"l2_distance", Vector, []string{"[0,0]", "[3,4]"}, nil, "5", "", ""},
		{"l2_distance", Vector, []string{"[0,0]", "[0,1]"}, nil, "1", "", ""},
		{"l2_distance", Vector, []string{"[1,2]", "[3]"}, nil, "", "22000", "different vector dimensions 2 and 1"},
		{"l2_distance", Vector, []string{"[3e38]", "[-3e38]"}, nil, "Infinity", "", ""},
		{"inner_product", Vector, []string{"[1,2]", "[3,4]"}, nil, "11", "", ""},
		{"inner_product", Vector, []string{"[3e38]", "[3e38]"}, nil, "Infinity", "", ""},
		{"cosine_distance", Vector, []string{"[1,2]", "[2,4]"}, nil, "0", "", ""},
		{"cosine_distance", Vector, []string{"[1,2]", "[0,0]"}, nil, "NaN", "", ""},
		{"cosine_distance", Vector, []string{"[1,1]", "[1,1]"}, nil, "0", "", ""},
		{"cosine_distance", Vector, []string{"[1,0]", "[0,2]"}, nil, "1", "", ""},
		{"cosine_distance", Vector, []string{"[1,1]", "[-1,-1]"}, nil, "2", "", ""},
		{"l1_distance", Vector, []string{"[0,0]", "[3,4]"}, nil, "7", "", ""},
		{"vector_dims", Vector, []string{"[1,2,3]"}, nil, "3", "", ""},
		{"vector_norm", Vector, []string{"[1,1]"}, nil, "1.4142135623730951", "", ""},
		{"vector_norm", Vector, []string{"[3,4]"}, nil, "5", "", ""},
		{"vector_norm", Vector, []string{"[0,1]"}, nil, "1", "", ""},
		{"l2_normalize", Vector, []string{"[3,4]"}, nil, "[0.6,0.8]", "", ""},
		{"l2_normalize", Vector, []string{"[3,0]"}, nil, "[1,0]", "", ""},
		{"l2_normalize", Vector, []string{"[0,0.1]"}, nil, "[0,1]", "", ""},
		{"l2_normalize", Vector, []string{"[0,0]"}, nil, "[0,0]", "", ""},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{1, 3}, "[1,2,3]", "", ""},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{3, 2}, "[3,4]", "", ""},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{-1, 3}, "[1]", "", ""},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{3, 9}, "[3,4,5]", "", ""},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{1, 0}, "", "22000", "vector must have at least 1 dimension"},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{3, -1}, "", "22000", "vector must have at least 1 dimension"},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{-1, 2}, "", "22000", "vector must have at least 1 dimension"},
		{"subvector", Vector, []string{"[1,2,3,4,5]"}, []int64{2147483647, 10}, "", "22000", "vector must have at least 1 dimension"},
		{"l2_distance", Halfvec, []string{"[0,0]", "[3,4]"}, nil, "5", "", ""},
		{"inner_product", Halfvec, []string{"[1,2]", "[3,4]"}, nil, "11", "", ""},
		{"cosine_distance", Halfvec, []string{"[1,2]", "[0,0]"}, nil, "NaN", "", ""},
		{"l1_distance", Halfvec, []string{"[0,0]", "[3,4]"}, nil, "7", "", ""},
		{"vector_dims", Halfvec, []string{"[1,2,3]"}, nil, "3", "", ""},
		{"l2_norm", Halfvec, []string{"[3,4]"}, nil, "5", "", ""},
		{"l2_normalize", Halfvec, []string{"[3,4]"}, nil, "[0.60009766,0.7998047]", "", ""},
		{"subvector", Halfvec, []string{"[1,2,3,4,5]"}, []int64{3, 2}, "[3,4]", "", ""},
		{"subvector", Halfvec, []string{"[1,2,3,4,5]"}, []int64{1, 0}, "", "22000", "halfvec must have at least 1 dimension"},
		{"l2_distance", Sparsevec, []string{"{}/2", "{1:3,2:4}/2"}, nil, "5", "", ""},
		{"inner_product", Sparsevec, []string{"{1:1,2:2}/2", "{1:3,2:4}/2"}, nil, "11", "", ""},
		{"cosine_distance", Sparsevec, []string{"{1:1,2:2}/2", "{1:2,2:4}/2"}, nil, "0", "", ""},
		{"l1_distance", Sparsevec, []string{"{}/2", "{1:3,2:4}/2"}, nil, "7", "", ""},
		{"l2_norm", Sparsevec, []string{"{1:3,2:4}/2"}, nil, "5", "", ""},
		{"l2_normalize", Sparsevec, []string{"{1:3,2:4}/2"}, nil, "{1:0.6,2:0.8}/2", "", ""},
		{"l2_normalize", Sparsevec, []string{"{}/2"}, nil, "{}/2", "", ""},
	} {
		var args []Datum
		var types []OID
		for _, a := range c.args {
			args = append(args, vec(t, c.typ, a))
			types = append(types, c.typ.OID)
		}
		for _, i := range c.ints {
			args = append(args, NewInt(i))
			types = append(types, Int4OID)
		}
		r, f, err := call(c.name, c.typ, args, types...)
		if c.code != "" {
			if err == nil || pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%s%v%v: got %v, want %s %s", c.name, c.args, c.ints, err, c.code, c.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s%v%v: %v", c.name, c.args, c.ints, err)
			continue
		}
		if got := FormatText(r, T{OID: f.Result, Mod: -1}, nil); got != c.want {
			t.Errorf("%s%v%v = %s, want %s", c.name, c.args, c.ints, got, c.want)
		}
	}
	if LookupFunc("vector_norm", HalfvecOID) != nil || LookupFunc("l2_norm", VectorOID) != nil {
		t.Error("pgvector has vector_norm(vector) and l2_norm(halfvec), l2_norm(sparsevec) only")
	}
}

func TestVectorHelpers(t *testing.T) {
	s, err := VectorAdd([]float32{1, 2}, []float32{3, 4})
	if err != nil || s[0] != 4 || s[1] != 6 {
		t.Errorf("VectorAdd: %v %v", s, err)
	}
	if _, err := VectorAdd([]float32{1}, []float32{3, 4}); pgerr.Code(err) != pgerr.DataException {
		t.Errorf("VectorAdd dims: %v", err)
	}
	if r, err := VectorScale([]float32{2, 4}, 0.5); err != nil || r[0] != 1 || r[1] != 2 {
		t.Errorf("VectorScale: %v %v", r, err)
	}
	var acc VectorAccum
	if _, ok, _ := acc.Avg(); ok {
		t.Error("avg of nothing is NULL")
	}
	for _, v := range [][]float32{{1, 2, 3}, {3, 5, 7}} {
		if err := acc.Add(v); err != nil {
			t.Fatal(err)
		}
	}
	if err := acc.Add([]float32{1}); err == nil || err.Error() != "expected 3 dimensions, not 1" {
		t.Errorf("accum dims: %v", err)
	}
	if avg, ok, err := acc.Avg(); !ok || err != nil || FormatText(NewVector(avg), Vector, nil) != "[2,3.5,5]" {
		t.Errorf("avg: %v %v %v", avg, ok, err)
	}
	if h, err := RoundHalfvec([]float32{0.1}); err != nil || h[0] != HalfToFloat(0x2e66) {
		t.Errorf("RoundHalfvec: %v %v", h, err)
	}
	if _, err := RoundHalfvec([]float32{1e6}); pgerr.Code(err) != pgerr.NumericValueOutOfRange {
		t.Errorf("RoundHalfvec overflow: %v", err)
	}
}

func TestCompareVectors(t *testing.T) {
	// Ascending, as pgvector's btree opclasses order them.
	orders := []struct {
		typ  T
		vals []string
	}{
		{Vector, []string{"[-1]", "[0,0]", "[0,0,0]", "[0,1]", "[1]", "[1,0]", "[2]"}},
		{Halfvec, []string{"[-1]", "[0,0]", "[0,1]", "[1]", "[1,0]"}},
		{Sparsevec, []string{"{1:-1}/3", "{}/2", "{}/3", "{3:1}/3", "{2:1}/3", "{1:1}/3", "{1:1,2:1}/3", "{1:2}/1"}},
		{UUID, []string{"00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000001",
			"7fffffff-ffff-ffff-ffff-ffffffffffff", "80000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}},
	}
	for _, o := range orders {
		for i := range o.vals {
			for j := range o.vals {
				a, b := vec(t, o.typ, o.vals[i]), vec(t, o.typ, o.vals[j])
				if got, want := Compare(a, b), cmpInt(int64(i), int64(j)); got != want {
					t.Errorf("%s: Compare(%s, %s) = %d, want %d", o.typ, o.vals[i], o.vals[j], got, want)
				}
			}
		}
	}
}

func TestVectorTypeNames(t *testing.T) {
	for _, c := range []struct {
		names []string
		mods  []int32
		want  T
		str   string
		code  string
		msg   string
	}{
		{[]string{"vector"}, nil, Vector, "vector", "", ""},
		{[]string{"vector"}, []int32{3}, T{VectorOID, 3}, "vector(3)", "", ""},
		{[]string{"public", "vector"}, []int32{3}, T{VectorOID, 3}, "vector(3)", "", ""},
		{[]string{"halfvec"}, []int32{16000}, T{HalfvecOID, 16000}, "halfvec(16000)", "", ""},
		{[]string{"sparsevec"}, []int32{1000000000}, T{SparsevecOID, 1000000000}, "sparsevec(1000000000)", "", ""},
		{[]string{"_vector"}, nil, T{VectorArrayOID, -1}, "vector[]", "", ""},
		{[]string{"uuid"}, nil, UUID, "uuid", "", ""},
		{[]string{"_int4"}, nil, T{Int4ArrayOID, -1}, "integer[]", "", ""},
		{[]string{"vector"}, []int32{0}, T{}, "", "22023", "dimensions for type vector must be at least 1"},
		{[]string{"vector"}, []int32{16001}, T{}, "", "22023", "dimensions for type vector cannot exceed 16000"},
		{[]string{"halfvec"}, []int32{16001}, T{}, "", "22023", "dimensions for type halfvec cannot exceed 16000"},
		{[]string{"sparsevec"}, []int32{1000000001}, T{}, "", "22023", "dimensions for type sparsevec cannot exceed 1000000000"},
		{[]string{"vector"}, []int32{1, 2}, T{}, "", "22023", "invalid type modifier"},
		{[]string{"pg_catalog", "vector"}, nil, T{}, "", "42704", `type "pg_catalog.vector" does not exist`},
		{[]string{"public", "int4"}, nil, T{}, "", "42704", `type "public.int4" does not exist`},
		{[]string{"uuid"}, []int32{1}, T{}, "", "42601", `type modifier is not allowed for type "uuid"`},
	} {
		got, err := ParseTypeName(c.names, c.mods)
		if c.code != "" {
			if err == nil || pgerr.Code(err) != c.code || err.Error() != c.msg {
				t.Errorf("%v%v: got %v %v, want %s %s", c.names, c.mods, got, err, c.code, c.msg)
			}
			continue
		}
		if err != nil || got != c.want || got.String() != c.str {
			t.Errorf("%v%v: got %v %q %v, want %v %q", c.names, c.mods, got, got.String(), err, c.want, c.str)
		}
	}
	for _, c := range []struct {
		name     string
		oid      OID
		category byte
	}{
		{"vector", VectorOID, 'U'}, {"_vector", VectorArrayOID, 'A'}, {"halfvec", HalfvecOID, 'U'},
		{"_halfvec", HalfvecArrayOID, 'A'}, {"sparsevec", SparsevecOID, 'U'}, {"_sparsevec", SparsevecArrayOID, 'A'},
		{"uuid", UUIDOID, 'U'}, {"_uuid", UUIDArrayOID, 'A'}, {"_text", TextArrayOID, 'A'},
	} {
		typ, ok := TypeByName(c.name)
		if !ok || typ.OID != c.oid || Category(c.oid) != c.category || TypName(c.oid) != c.name {
			t.Errorf("%s: %v %v category %c", c.name, typ, ok, Category(c.oid))
		}
	}
	for _, c := range []struct {
		elem T
		arr  T
		str  string
	}{
		{Int4, T{Int4ArrayOID, -1}, "integer[]"},
		{T{VarcharOID, 14}, T{VarcharArrayOID, 14}, "character varying(10)[]"},
		{T{BPCharOID, 8}, T{BPCharArrayOID, 8}, "character(4)[]"},
		{BPChar, T{BPCharArrayOID, -1}, "bpchar[]"},
		{T{NumericOID, NumericTypmod(10, 2)}, T{NumericArrayOID, NumericTypmod(10, 2)}, "numeric(10,2)[]"},
		{T{VectorOID, 3}, T{VectorArrayOID, 3}, "vector(3)[]"},
		{UUID, T{UUIDArrayOID, -1}, "uuid[]"},
		{Halfvec, T{HalfvecArrayOID, -1}, "halfvec[]"},
		{Float8, T{Float8ArrayOID, -1}, "double precision[]"},
	} {
		arr, ok := ArrayTypeOf(c.elem)
		if !ok || arr != c.arr || arr.String() != c.str {
			t.Errorf("ArrayTypeOf(%v) = %v %q %v, want %v %q", c.elem, arr, arr.String(), ok, c.arr, c.str)
		}
		if el, ok := ElemType(arr); !ok || el != c.elem {
			t.Errorf("ElemType(%v) = %v", arr, el)
		}
	}
	if _, ok := ArrayTypeOf(T{Int4ArrayOID, -1}); ok {
		t.Error("no arrays of arrays")
	}
	if a, ok := ArrayOf(VectorOID); !ok || a != 8002 {
		t.Error("ArrayOf(vector)")
	}
	if e, ok := ElemOf(2951); !ok || e != UUIDOID {
		t.Error("ElemOf(uuid[])")
	}
	for _, name := range []string{"vector", "_vector", "halfvec", "_halfvec", "sparsevec", "_sparsevec", "public.vector", "vector[]"} {
		if _, err := RegTypeByName(name); err != nil {
			t.Errorf("to_regtype(%s): %v", name, err)
		}
	}
}

// TestVectorCasts follows pgvector's CREATE CAST lines (sql/vector.sql)
// and test/expected/cast.out.
func TestVectorCasts(t *testing.T) {
	for _, c := range []struct {
		from, to OID
		ctx      CastContext
	}{
		{VectorOID, Float4ArrayOID, CastImplicit}, {Int4ArrayOID, VectorOID, CastAssignment},
		{Float4ArrayOID, VectorOID, CastAssignment}, {Float8ArrayOID, VectorOID, CastAssignment},
		{NumericArrayOID, VectorOID, CastAssignment}, {VectorOID, HalfvecOID, CastImplicit},
		{HalfvecOID, VectorOID, CastAssignment}, {HalfvecOID, Float4ArrayOID, CastAssignment},
		{VectorOID, SparsevecOID, CastImplicit}, {SparsevecOID, VectorOID, CastAssignment},
		{HalfvecOID, SparsevecOID, CastImplicit}, {SparsevecOID, HalfvecOID, CastAssignment},
		{VectorOID, TextOID, CastAssignment}, {TextOID, VectorOID, CastExplicit}, {UnknownOID, VectorOID, CastImplicit},
		{UUIDOID, TextOID, CastAssignment}, {TextOID, UUIDOID, CastExplicit}, {VectorOID, Int4OID, CastNone},
		{Int8ArrayOID, VectorOID, CastNone}, {Float8ArrayOID, Float4ArrayOID, CastAssignment},
		{Int4ArrayOID, Int8ArrayOID, CastImplicit}, {Int4ArrayOID, TextOID, CastAssignment},
		{TextOID, Int4ArrayOID, CastExplicit}, {Int4ArrayOID, TextArrayOID, CastAssignment},
		{UUIDArrayOID, Int4ArrayOID, CastNone},
	} {
		if got := FindCast(c.from, c.to); got != c.ctx {
			t.Errorf("FindCast(%s, %s) = %s, want %s", TypName(c.from), TypName(c.to), got, c.ctx)
		}
	}
	i4 := T{Int4ArrayOID, -1}
	f4 := T{Float4ArrayOID, -1}
	f8 := T{Float8ArrayOID, -1}
	num := T{NumericArrayOID, -1}
	for _, c := range []struct {
		from     T
		in       string
		to       T
		want     string
		code     string
		errMsg   string
		explicit bool
	}{
		{i4, "{1,2,3}", Vector, "[1,2,3]", "", "", false},
		{f4, "{1,2,3}", Vector, "[1,2,3]", "", "", false},
		{f8, "{1,2,3}", Vector, "[1,2,3]", "", "", false},
		{num, "{1,2,3}", Vector, "[1,2,3]", "", "", false},
		{f8, "{1.5,-0.25}", T{VectorOID, 2}, "[1.5,-0.25]", "", "", false},
		{f8, "{1,2,3}", T{VectorOID, 2}, "", "22000", "expected 2 dimensions, not 3", false},
		{i4, "{{1,2},{3,4}}", Vector, "", "22000", "array must be 1-D", false},
		{i4, "{1,NULL,3}", Vector, "", "22004", "array must not contain nulls", false},
		{i4, "{}", Vector, "", "22000", "vector must have at least 1 dimension", false},
		{f8, "{NaN}", Vector, "", "22000", "NaN not allowed in vector", false},
		{f8, "{Infinity}", Vector, "", "22000", "infinite value not allowed in vector", false},
		{f8, "{4e38}", Vector, "", "22000", "infinite value not allowed in vector", false},
		{num, "{4e38}", Vector, "", "22003", `"400000000000000000000000000000000000000" is out of range for type real`, false},
		{Vector, "[1,2,3]", f4, "{1,2,3}", "", "", false},
		{Vector, "[1,2,3]", Text, "[1,2,3]", "", "", false},
		{Text, "[1,2,3]", T{VectorOID, 3}, "[1,2,3]", "", "", true},
		{Text, "[1,2,3]", T{VectorOID, 2}, "", "22000", "expected 2 dimensions, not 3", true},
		{Vector, "[1,2,3]", T{VectorOID, 3}, "[1,2,3]", "", "", false},
		{Vector, "[1,2,3]", T{VectorOID, 2}, "", "22000", "expected 2 dimensions, not 3", true},
		{Vector, "[1.23456,65520]", Halfvec, "", "22003", `"65520" is out of range for type halfvec`, false},
		{Vector, "[1.23456,-2]", Halfvec, "[1.234375,-2]", "", "", false},
		{Vector, "[1,2,3]", T{HalfvecOID, 2}, "", "22000", "expected 2 dimensions, not 3", false},
		{Halfvec, "[1.5,2]", Vector, "[1.5,2]", "", "", false},
		{Halfvec, "[1.5,2]", f4, "{1.5,2}", "", "", false},
		{f8, "{0.1}", Halfvec, "[0.099975586]", "", "", false},
		{f8, "{1e5}", Halfvec, "", "22003", `"100000" is out of range for type halfvec`, false},
		{Vector, "[0,1.5,0,2]", Sparsevec, "{2:1.5,4:2}/4", "", "", false},
		{Vector, "[0,1.5,0,2]", T{SparsevecOID, 3}, "", "22000", "expected 3 dimensions, not 4", false},
		{Sparsevec, "{2:1.5,4:2}/4", Vector, "[0,1.5,0,2]", "", "", false},
		{Sparsevec, "{}/16001", Vector, "", "54000", "vector cannot have more than 16000 dimensions", false},
		{Sparsevec, "{1:0.1}/2", Halfvec, "[0.099975586,0]", "", "", false},
		{Halfvec, "[0,1]", Sparsevec, "{2:1}/2", "", "", false},
		{Sparsevec, "{1:1}/2", Text, "{1:1}/2", "", "", false},
		{i4, "{1,0,2}", Sparsevec, "{1:1,3:2}/3", "", "", false},
		{f4, "{0,-0,1.5}", Sparsevec, "{3:1.5}/3", "", "", false},
		{f8, "{1e-50,0.1}", T{SparsevecOID, 2}, "{2:0.1}/2", "", "", false},
		{num, "{0,0.25}", Sparsevec, "{2:0.25}/2", "", "", false},
		{f8, "{1,2}", T{SparsevecOID, 3}, "", "22000", "expected 3 dimensions, not 2", false},
		{f8, "{NaN}", Sparsevec, "", "22000", "NaN not allowed in sparsevec", false},
		{f8, "{1e300}", Sparsevec, "", "22000", "infinite value not allowed in sparsevec", false},
		{i4, "{}", Sparsevec, "", "22000", "sparsevec must have at least 1 dimension", false},
		{i4, "{1,NULL}", Sparsevec, "", "22004", "array must not contain nulls", false},
		{T{VectorArrayOID, -1}, `{"[1,2]","[3,4]"}`, T{VectorArrayOID, 2}, `{"[1,2]","[3,4]"}`, "", "", false},
		{T{VectorArrayOID, -1}, `{"[1,2]","[3,4,5]"}`, T{VectorArrayOID, 2}, "", "22000", "expected 2 dimensions, not 3", false},
	} {
		d, err := ParseText(c.from, c.in)
		if err != nil {
			t.Fatalf("%s %q: %v", c.from, c.in, err)
		}
		r, err := Cast(d, c.from, c.to, time.UTC, c.explicit)
		if c.code != "" {
			if err == nil || pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%q::%s::%s: got %v (%s), want %s %s", c.in, c.from, c.to, err, pgerr.Code(err), c.code, c.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q::%s::%s: %v", c.in, c.from, c.to, err)
			continue
		}
		if got := FormatText(r, c.to, time.UTC); got != c.want {
			t.Errorf("%q::%s::%s = %s, want %s", c.in, c.from, c.to, got, c.want)
		}
	}
}

func TestGenRandomUUID(t *testing.T) {
	f := LookupFunc("gen_random_uuid")
	if f == nil || f.Strict || !f.Volatile || f.Result != UUIDOID {
		t.Fatalf("gen_random_uuid: %+v", f)
	}
	a, err1 := f.Fn(nil)
	b, err2 := f.Fn(nil)
	if err1 != nil || err2 != nil || a.K != KUUID || len(a.S) != 16 || a.S == b.S {
		t.Fatalf("gen_random_uuid: %v %v %v %v", a, b, err1, err2)
	}
	s := FormatText(a, UUID, nil)
	if s[14] != '4' || !bytes.ContainsAny([]byte{s[19]}, "89ab") {
		t.Errorf("not a version 4 uuid: %s", s)
	}
	if math.Abs(0) != 0 {
		t.Fatal()
	}
}
