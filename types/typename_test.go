package types

import (
	"testing"

	"github.com/akidb/akidb/pgerr"
)

// Expected names are PostgreSQL 15's format_type output.
func TestParseTypeName(t *testing.T) {
	for _, c := range []struct {
		names []string
		mods  []int32
		want  string
		mod   int32
	}{
		{[]string{"pg_catalog", "int4"}, nil, "integer", -1},
		{[]string{"int"}, nil, "integer", -1},
		{[]string{"integer"}, nil, "integer", -1},
		{[]string{"pg_catalog", "int8"}, nil, "bigint", -1},
		{[]string{"int2"}, nil, "smallint", -1},
		{[]string{"float4"}, nil, "real", -1},
		{[]string{"float8"}, nil, "double precision", -1},
		{[]string{"double precision"}, nil, "double precision", -1},
		{[]string{"pg_catalog", "numeric"}, nil, "numeric", -1},
		{[]string{"pg_catalog", "numeric"}, []int32{10, 2}, "numeric(10,2)", 10<<16 | 2 + 4},
		{[]string{"numeric"}, []int32{5}, "numeric(5,0)", 5<<16 + 4},
		{[]string{"decimal"}, []int32{3, -1}, "numeric(3,-1)", NumericTypmod(3, -1)},
		{[]string{"text"}, nil, "text", -1},
		{[]string{"varchar"}, nil, "character varying", -1},
		{[]string{"pg_catalog", "varchar"}, []int32{10}, "character varying(10)", 14},
		{[]string{"character varying"}, []int32{3}, "character varying(3)", 7},
		{[]string{"pg_catalog", "bpchar"}, []int32{1}, "character(1)", 5},
		{[]string{"bpchar"}, nil, "bpchar", -1},
		{[]string{"bool"}, nil, "boolean", -1},
		{[]string{"pg_catalog", "bool"}, nil, "boolean", -1},
		{[]string{"bytea"}, nil, "bytea", -1},
		{[]string{"date"}, nil, "date", -1},
		{[]string{"pg_catalog", "timestamp"}, nil, "timestamp without time zone", -1},
		{[]string{"timestamptz"}, nil, "timestamp with time zone", -1},
		{[]string{"pg_catalog", "timestamptz"}, []int32{3}, "timestamp(3) with time zone", 3},
		{[]string{"timestamp"}, []int32{9}, "timestamp(6) without time zone", 6},
		{[]string{"jsonb"}, nil, "jsonb", -1},
		{[]string{"json"}, nil, "json", -1},
		{[]string{"name"}, nil, "name", -1},
		{[]string{"oid"}, nil, "oid", -1},
		{[]string{"unknown"}, nil, "unknown", -1},
		{[]string{"char"}, nil, `"char"`, -1},
		{[]string{"regtype"}, nil, "regtype", -1},
	} {
		typ, err := ParseTypeName(c.names, c.mods)
		if err != nil {
			t.Errorf("%v %v: %v", c.names, c.mods, err)
			continue
		}
		if typ.String() != c.want || typ.Mod != c.mod {
			t.Errorf("%v %v: got %s (mod %d), want %s (mod %d)", c.names, c.mods, typ, typ.Mod, c.want, c.mod)
		}
	}
}

// Error texts and codes from PostgreSQL 15.
func TestParseTypeNameErrors(t *testing.T) {
	for _, c := range []struct {
		names []string
		mods  []int32
		code  string
		msg   string
	}{
		{[]string{"foo"}, nil, pgerr.UndefinedObject, `type "foo" does not exist`},
		{[]string{"public", "int4"}, nil, pgerr.UndefinedObject, `type "public.int4" does not exist`},
		{[]string{"varchar"}, []int32{0}, pgerr.InvalidParameterValue, "length for type varchar must be at least 1"},
		{[]string{"varchar"}, []int32{10485761}, pgerr.InvalidParameterValue, "length for type varchar cannot exceed 10485760"},
		{[]string{"bpchar"}, []int32{0}, pgerr.InvalidParameterValue, "length for type bpchar must be at least 1"},
		{[]string{"numeric"}, []int32{1001}, pgerr.InvalidParameterValue, "NUMERIC precision 1001 must be between 1 and 1000"},
		{[]string{"numeric"}, []int32{5, 1001}, pgerr.InvalidParameterValue, "NUMERIC scale 1001 must be between -1000 and 1000"},
		{[]string{"numeric"}, []int32{2, 3, 4}, pgerr.InvalidParameterValue, "invalid NUMERIC type modifier"},
		{[]string{"int4"}, []int32{3}, pgerr.SyntaxError, `type modifier is not allowed for type "int4"`},
		{[]string{"text"}, []int32{3}, pgerr.SyntaxError, `type modifier is not allowed for type "text"`},
	} {
		_, err := ParseTypeName(c.names, c.mods)
		if pgerr.Code(err) != c.code || err == nil || err.Error() != c.msg {
			t.Errorf("%v %v: got %v (%s), want %s %s", c.names, c.mods, err, pgerr.Code(err), c.code, c.msg)
		}
	}
}

func TestTypeLookups(t *testing.T) {
	for _, n := range []string{"int2", "int4", "int8", "float4", "float8", "numeric", "text", "varchar", "bpchar", "name", "bool", "bytea", "date", "timestamp", "timestamptz", "jsonb", "json", "oid", "unknown"} {
		typ, ok := TypeByName(n)
		if !ok {
			t.Fatalf("TypeByName(%s)", n)
		}
		back, ok := TypeByOID(typ.OID)
		if !ok || back != typ || TypName(typ.OID) != n {
			t.Errorf("round trip of %s", n)
		}
	}
	// typcategory and typispreferred from pg_type.
	if Category(Float8OID) != 'N' || !IsPreferred(Float8OID) || IsPreferred(Int4OID) {
		t.Error("numeric category")
	}
	if Category(TextOID) != 'S' || !IsPreferred(TextOID) || Category(VarcharOID) != 'S' {
		t.Error("string category")
	}
	if Category(TimestampTZOID) != 'D' || !IsPreferred(TimestampTZOID) || Category(JSONBOID) != 'U' || Category(UnknownOID) != 'X' || Category(BoolOID) != 'B' || !IsPreferred(OIDOID) {
		t.Error("categories")
	}
}
