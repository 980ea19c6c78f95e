package types

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
)

// arrayTextCases: array and uuid input/output, expected values taken from
// a PostgreSQL 15 server.
var arrayTextCases = []textCase{
	{[]string{"_int4"}, nil, "{1,2,NULL}", "{1,2,NULL}", "", ""},
	{[]string{"_int4"}, nil, "{}", "{}", "", ""},
	{[]string{"_int4"}, nil, "{ }", "{}", "", ""},
	{[]string{"_int4"}, nil, " { 1 , 2 } ", "{1,2}", "", ""},
	{[]string{"_text"}, nil, `{a b,"c\"d",NULL,"NULL","",x}`, `{"a b","c\"d",NULL,"NULL","",x}`, "", ""},
	{[]string{"_text"}, nil, `{"a,b","{}",\\x,null, nul l }`, `{"a,b","{}","\\x",NULL,"nul l"}`, "", ""},
	{[]string{"_text"}, nil, `{a\\,b}`, `{"a\\",b}`, "", ""},
	{[]string{"_text"}, nil, `{" a "}`, `{" a "}`, "", ""},
	{[]string{"_text"}, nil, `{"a\\b"}`, `{"a\\b"}`, "", ""},
	{[]string{"_int4"}, nil, "{{1,2},{3,4}}", "{{1,2},{3,4}}", "", ""},
	{[]string{"_int4"}, nil, "[2:3]={1,2}", "[2:3]={1,2}", "", ""},
	{[]string{"_float8"}, nil, "{1.5,NaN,-0}", "{1.5,NaN,-0}", "", ""},
	{[]string{"_float4"}, nil, "{1.5,NaN}", "{1.5,NaN}", "", ""},
	{[]string{"_bool"}, nil, "{t,f}", "{t,f}", "", ""},
	{[]string{"_bytea"}, nil, `{"\\x01"}`, `{"\\x01"}`, "", ""},
	{[]string{"_date"}, nil, "{2024-01-02}", "{2024-01-02}", "", ""},
	{[]string{"_timestamp"}, nil, `{"2024-01-02 03:04:05"}`, `{"2024-01-02 03:04:05"}`, "", ""},
	{[]string{"_numeric"}, nil, "{1.50}", "{1.50}", "", ""},
	{[]string{"_uuid"}, nil, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}", "", ""},
	{[]string{"_int4"}, nil, "{1,2", "", "22P02", `malformed array literal: "{1,2"`},
	{[]string{"_int4"}, nil, "1,2", "", "22P02", `malformed array literal: "1,2"`},
	{[]string{"_int4"}, nil, "{1,a}", "", "22P02", `invalid input syntax for type integer: "a"`},
	{[]string{"_int4"}, nil, `{""}`, "", "22P02", `invalid input syntax for type integer: ""`},
	{[]string{"_int4"}, nil, "{{1,2},{3}}", "", "22P02", `malformed array literal: "{{1,2},{3}}"`},
	{[]string{"_int4"}, nil, "{1,{2}}", "", "22P02", `malformed array literal: "{1,{2}}"`},
	{[]string{"_int4"}, nil, "{1,2}x", "", "22P02", `malformed array literal: "{1,2}x"`},
	{[]string{"_int4"}, nil, "{,1}", "", "22P02", `malformed array literal: "{,1}"`},
	{[]string{"_int4"}, nil, "{1,}", "", "22P02", `malformed array literal: "{1,}"`},
	{[]string{"_int4"}, nil, "{{}}", "", "22P02", `malformed array literal: "{{}}"`},
	{[]string{"_text"}, nil, `{"a"b}`, "", "22P02", `malformed array literal: "{"a"b}"`},
	{[]string{"_int4"}, nil, "{{1,2}}", "{{1,2}}", "", ""},
	{[]string{"_vector"}, nil, `{"[1,2,3]","[4,5,6]"}`, `{"[1,2,3]","[4,5,6]"}`, "", ""},
	{[]string{"_sparsevec"}, nil, `{"{1:1}/2",NULL}`, `{"{1:1}/2",NULL}`, "", ""},

	{[]string{"uuid"}, nil, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
	{[]string{"uuid"}, nil, "{a0eebc99-9c0b4ef8-bb6d6bb9bd380a11}", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
	{[]string{"uuid"}, nil, "a0eebc999c0b4ef8bb6d6bb9bd380a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
	{[]string{"uuid"}, nil, "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", ""},
	{[]string{"uuid"}, nil, "{a0eebc999c0b4ef8bb6d6bb9bd380a11", "", "22P02", `invalid input syntax for type uuid: "{a0eebc999c0b4ef8bb6d6bb9bd380a11"`},
	{[]string{"uuid"}, nil, " a0eebc999c0b4ef8bb6d6bb9bd380a11", "", "22P02", `invalid input syntax for type uuid: " a0eebc999c0b4ef8bb6d6bb9bd380a11"`},
	{[]string{"uuid"}, nil, "a0eebc999c0b4ef8bb6d6bb9bd380a11 ", "", "22P02", `invalid input syntax for type uuid: "a0eebc999c0b4ef8bb6d6bb9bd380a11 "`},
	{[]string{"uuid"}, nil, "x", "", "22P02", `invalid input syntax for type uuid: "x"`},
	{[]string{"uuid"}, nil, "a0eebc999c0b4ef8bb6d6bb9bd380a1", "", "22P02", `invalid input syntax for type uuid: "a0eebc999c0b4ef8bb6d6bb9bd380a1"`},
	{[]string{"uuid"}, nil, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "", "22P02", `invalid input syntax for type uuid: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-"`},
	{[]string{"uuid"}, nil, "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11", "", "22P02", `invalid input syntax for type uuid: "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11"`},
	{[]string{"uuid"}, nil, "a0eebc999c0b4ef8bb6d6bb9bd380a11}", "", "22P02", `invalid input syntax for type uuid: "a0eebc999c0b4ef8bb6d6bb9bd380a11}"`},
}

func TestArrayText(t *testing.T) {
	runTextCases(t, arrayTextCases)
	// Element typmods apply on input: vector(2)[] as pgvector's input.out.
	_, err := ParseText(T{VectorArrayOID, 2}, `{"[1,2,3]"}`)
	if err == nil || err.Error() != "expected 2 dimensions, not 3" {
		t.Errorf("vector(2)[]: %v", err)
	}
}

// TestArrayBinary compares with PostgreSQL 15's array_send and uuid_send.
func TestArrayBinary(t *testing.T) {
	for _, c := range []struct {
		typ  T
		text string
		hex  string
	}{
		{T{Int4ArrayOID, -1}, "{1,NULL}", "00000001000000010000001700000002000000010000000400000001ffffffff"},
		{T{Int4ArrayOID, -1}, "{}", "000000000000000000000017"},
		{T{TextArrayOID, -1}, "[2:3]={a,b}", "000000010000000000000019000000020000000200000001610000000162"},
		{T{Int2ArrayOID, -1}, "{{1,2},{3,4}}", "00000002000000000000001500000002000000010000000200000001000000020001000000020002000000020003000000020004"},
	} {
		d, err := ParseText(c.typ, c.text)
		if err != nil {
			t.Fatal(err)
		}
		b, err := AppendBinary(nil, d, c.typ)
		if err != nil || hex.EncodeToString(b) != c.hex {
			t.Errorf("%s %s: %x, want %s (%v)", c.typ, c.text, b, c.hex, err)
		}
		raw, _ := hex.DecodeString(c.hex)
		d2, err := DecodeBinary(c.typ, raw)
		if err != nil || FormatText(d2, c.typ, nil) != c.text {
			t.Errorf("%s %s: decoded %s (%v)", c.typ, c.hex, FormatText(d2, c.typ, nil), err)
		}
	}
	for _, c := range []struct {
		typ  T
		hex  string
		code string
	}{
		{T{Int4ArrayOID, -1}, "000000010000000000000014000000010000000100000008" + "0000000000000001", "42804"},
		{T{Int4ArrayOID, -1}, "000000010000000200000017000000010000000100000004" + "00000001", "22P03"},
		{T{Int4ArrayOID, -1}, "000000070000000000000017", "54000"},
		{T{Int4ArrayOID, -1}, "000000010000000000000017000000020000000100000004" + "00000001", "22P03"},
		{T{Int4ArrayOID, -1}, "00000001000000000000001700000001000000010000000300000001", "22P03"},
		{T{Int4ArrayOID, -1}, "0000", "22P03"},
	} {
		raw, _ := hex.DecodeString(c.hex)
		if _, err := DecodeBinary(c.typ, raw); pgerr.Code(err) != c.code {
			t.Errorf("%s %s: got %v, want %s", c.typ, c.hex, err, c.code)
		}
	}
}

func arr(t *testing.T, typ OID, s string) Datum {
	t.Helper()
	return vec(t, T{typ, -1}, s)
}

// TestArrayOps: results from PostgreSQL 15.
func TestArrayOps(t *testing.T) {
	i4 := Int4ArrayOID
	for _, c := range []struct {
		op   string
		l, r OID
		a, b string
		want string
	}{
		{"||", i4, i4, "{1,2}", "{3}", "{1,2,3}"},
		{"||", i4, i4, "{1,2}", "{}", "{1,2}"},
		{"||", i4, i4, "{}", "{1,2}", "{1,2}"},
		{"||", i4, i4, "{1,2}", "[0:0]={3}", "{1,2,3}"},
		{"||", i4, i4, "[0:0]={3}", "{1,2}", "[0:2]={3,1,2}"},
		{"||", i4, Int4OID, "{1,2}", "3", "{1,2,3}"},
		{"||", i4, Int4OID, "[2:3]={1,2}", "3", "[2:4]={1,2,3}"},
		{"||", i4, Int4OID, "{}", "1", "{1}"},
		{"||", Int4OID, i4, "0", "{1,2}", "{0,1,2}"},
		{"||", Int4OID, i4, "0", "[2:3]={1,2}", "[2:4]={0,1,2}"},
		{"=", i4, i4, "{1,2}", "{1,2}", "t"},
		{"=", i4, i4, "{}", "{}", "t"},
		{"=", i4, i4, "{1,NULL}", "{1,NULL}", "t"},
		{"=", i4, i4, "{{1,2}}", "{1,2}", "f"},
		{"=", i4, i4, "{1,2}", "[0:1]={1,2}", "f"},
		{"<>", i4, i4, "{1,2}", "{1,3}", "t"},
		{"<", i4, i4, "{1,2}", "{1,2,0}", "t"},
		{"<", i4, i4, "{1}", "{1,2}", "t"},
		{">", i4, i4, "{2}", "{1,2}", "t"},
		{">", i4, i4, "{NULL}", "{1}", "t"},
		{">", i4, i4, "{1,NULL}", "{1,5}", "t"},
		{"@>", i4, i4, "{1,2}", "{2}", "t"},
		{"@>", TextArrayOID, TextArrayOID, "{a,b}", "{b,b}", "t"},
		{"@>", i4, i4, "{NULL}", "{NULL}", "f"},
		{"&&", i4, i4, "{1,2}", "{3}", "f"},
		{"&&", i4, i4, "{1,2}", "{3,2}", "t"},
		{"<@", i4, i4, "{1}", "{1,2}", "t"},
		{"=", UUIDArrayOID, UUIDArrayOID, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", "t"},
		{"<", UUIDOID, UUIDOID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "t"},
		{"=", UUIDOID, UUIDOID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "t"},
	} {
		o := LookupOp(c.op, c.l, c.r)
		if o == nil {
			t.Errorf("no operator %s %s %s", TypName(c.l), c.op, TypName(c.r))
			continue
		}
		r, err := o.Fn(arr(t, c.l, c.a), arr(t, c.r, c.b))
		if err != nil {
			t.Errorf("%s %s %s: %v", c.a, c.op, c.b, err)
			continue
		}
		if got := FormatText(r, T{o.Result, -1}, nil); got != c.want {
			t.Errorf("%s %s %s = %s, want %s", c.a, c.op, c.b, got, c.want)
		}
	}
	if _, err := LookupOp("||", i4, i4).Fn(arr(t, i4, "{1,2}"), arr(t, i4, "{{3,4}}")); pgerr.Code(err) != pgerr.FeatureNotSupported {
		t.Errorf("multidimensional concatenation: %v", err)
	}
}

// TestArrayFuncs: results from PostgreSQL 15.
func TestArrayFuncs(t *testing.T) {
	i4 := Int4ArrayOID
	for _, c := range []struct {
		name string
		args []Datum
		typs []OID
		want string // "NULL" for a NULL result
	}{
		{"array_length", []Datum{arr(t, i4, "{1,2,3}"), NewInt(1)}, []OID{i4, Int4OID}, "3"},
		{"array_length", []Datum{arr(t, i4, "{1,2,3}"), NewInt(2)}, []OID{i4, Int4OID}, "NULL"},
		{"array_length", []Datum{arr(t, i4, "{}"), NewInt(1)}, []OID{i4, Int4OID}, "NULL"},
		{"array_length", []Datum{arr(t, i4, "{{1,2,3},{4,5,6}}"), NewInt(2)}, []OID{i4, Int4OID}, "3"},
		{"cardinality", []Datum{arr(t, i4, "{{1,2},{3,4}}")}, []OID{i4}, "4"},
		{"cardinality", []Datum{arr(t, i4, "{}")}, []OID{i4}, "0"},
		{"array_to_string", []Datum{arr(t, i4, "{1,NULL,3}"), NewString(",")}, []OID{i4, TextOID}, "1,3"},
		{"array_to_string", []Datum{arr(t, i4, "{1,NULL,3}"), NewString(","), NewString("*")}, []OID{i4, TextOID, TextOID}, "1,*,3"},
		{"array_to_string", []Datum{arr(t, TextArrayOID, "{a,b}"), NewString("-")}, []OID{TextArrayOID, TextOID}, "a-b"},
		{"array_lower", []Datum{arr(t, i4, "[2:3]={1,2}"), NewInt(1)}, []OID{i4, Int4OID}, "2"},
		{"array_upper", []Datum{arr(t, i4, "[2:3]={1,2}"), NewInt(1)}, []OID{i4, Int4OID}, "3"},
		{"array_upper", []Datum{arr(t, i4, "{1,2}"), NewInt(1)}, []OID{i4, Int4OID}, "2"},
		{"array_ndims", []Datum{arr(t, i4, "{}")}, []OID{i4}, "NULL"},
		{"array_ndims", []Datum{arr(t, i4, "{{1},{2}}")}, []OID{i4}, "2"},
		{"array_append", []Datum{arr(t, i4, "{1}"), NewInt(2)}, []OID{i4, Int4OID}, "{1,2}"},
		{"array_append", []Datum{Null, NewInt(2)}, []OID{i4, Int4OID}, "{2}"},
		{"array_append", []Datum{arr(t, i4, "{1}"), Null}, []OID{i4, Int4OID}, "{1,NULL}"},
		{"array_prepend", []Datum{NewInt(0), arr(t, i4, "{1}")}, []OID{Int4OID, i4}, "{0,1}"},
	} {
		f := LookupFunc(c.name, c.typs...)
		if f == nil {
			t.Errorf("no function %s%v", c.name, c.typs)
			continue
		}
		r, err := f.Fn(c.args)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got := "NULL"
		if !r.IsNull() {
			got = FormatText(r, T{f.Result, -1}, nil)
		}
		if got != c.want {
			t.Errorf("%s%v = %s, want %s", c.name, c.typs, got, c.want)
		}
	}
}

// TestArrayCasts: results from PostgreSQL 15.
func TestArrayCasts(t *testing.T) {
	for _, c := range []struct {
		from     OID
		in       string
		to       T
		want     string
		code     string
		explicit bool
	}{
		{Float8ArrayOID, "{1.5,2.5}", T{Int4ArrayOID, -1}, "{2,2}", "", true},
		{Int4ArrayOID, "{1,2,NULL}", T{TextArrayOID, -1}, "{1,2,NULL}", "", true},
		{Int4ArrayOID, "{1,2}", T{Int8ArrayOID, -1}, "{1,2}", "", false},
		{TextArrayOID, `{a,bc}`, T{VarcharArrayOID, 5}, "{a,b}", "", true},
		{TextArrayOID, `{a,bc}`, T{VarcharArrayOID, 5}, "", "22001", false},
		{TextArrayOID, `{1,x}`, T{Int4ArrayOID, -1}, "", "22P02", true},
		{Int4ArrayOID, "{1,2}", Text, "{1,2}", "", false},
		{TextOID, "{1,2}", T{Int4ArrayOID, -1}, "{1,2}", "", true},
		{UUIDArrayOID, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", T{TextArrayOID, -1}, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "", true},
		{UUIDOID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", Text, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", false},
		{TextOID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "", true},
		{TextOID, "nope", UUID, "", "22P02", true},
	} {
		d := vec(t, T{c.from, -1}, c.in)
		r, err := Cast(d, T{c.from, -1}, c.to, time.UTC, c.explicit)
		if c.code != "" {
			if pgerr.Code(err) != c.code {
				t.Errorf("%q::%s: got %v, want %s", c.in, c.to, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q::%s: %v", c.in, c.to, err)
			continue
		}
		if got := FormatText(r, c.to, time.UTC); got != c.want {
			t.Errorf("%q::%s = %s, want %s", c.in, c.to, got, c.want)
		}
	}
}

func TestCompareArrays(t *testing.T) {
	// The order of a PostgreSQL 15 ORDER BY over these values.
	vals := []string{"{}", "{1}", "{1,2}", "{{1,2}}", "{1,2,3}", "{1,3}", "{1,NULL}", "{2}", "{NULL}"}
	for i := range vals {
		for j := range vals {
			a, b := arr(t, Int4ArrayOID, vals[i]), arr(t, Int4ArrayOID, vals[j])
			if got, want := Compare(a, b), cmpInt(int64(i), int64(j)); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", vals[i], vals[j], got, want)
			}
		}
	}
}
