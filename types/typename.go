package types

import (
	"strconv"
	"strings"

	"github.com/akidb/akidb/pgerr"
)

// typeInfo is the part of a pg_type row AkiDB needs.
type typeInfo struct {
	oid       OID
	name      string // pg_type.typname
	sqlName   string // format_type's name without typmod
	category  byte
	preferred bool
}

var typeInfos = []typeInfo{
	{BoolOID, "bool", "boolean", 'B', true},
	{ByteaOID, "bytea", "bytea", 'U', false},
	{CharOID, "char", `"char"`, 'Z', false},
	{NameOID, "name", "name", 'S', false},
	{Int8OID, "int8", "bigint", 'N', false},
	{Int2OID, "int2", "smallint", 'N', false},
	{Int4OID, "int4", "integer", 'N', false},
	{TextOID, "text", "text", 'S', true},
	{OIDOID, "oid", "oid", 'N', true},
	{JSONOID, "json", "json", 'U', false},
	{Float4OID, "float4", "real", 'N', false},
	{Float8OID, "float8", "double precision", 'N', true},
	{UnknownOID, "unknown", "unknown", 'X', false},
	{BPCharOID, "bpchar", "character", 'S', false},
	{VarcharOID, "varchar", "character varying", 'S', false},
	{DateOID, "date", "date", 'D', false},
	{TimestampOID, "timestamp", "timestamp without time zone", 'D', false},
	{TimestampTZOID, "timestamptz", "timestamp with time zone", 'D', true},
	{NumericOID, "numeric", "numeric", 'N', false},
	{RegTypeOID, "regtype", "regtype", 'N', false},
	{JSONBOID, "jsonb", "jsonb", 'U', false},
	{VoidOID, "void", "void", 'P', false},
	{RecordOID, "record", "record", 'P', false},
	{AnyOID, "any", `"any"`, 'P', false},
	{UUIDOID, "uuid", "uuid", 'U', false},
	{VectorOID, "vector", "vector", 'U', false},
	{HalfvecOID, "halfvec", "halfvec", 'U', false},
	{SparsevecOID, "sparsevec", "sparsevec", 'U', false},
}

// isExtensionType reports the types pgvector creates (in schema public).
func isExtensionType(oid OID) bool {
	switch oid {
	case VectorOID, HalfvecOID, SparsevecOID, VectorArrayOID, HalfvecArrayOID, SparsevecArrayOID:
		return true
	}
	return false
}

var (
	typeByOID  = map[OID]*typeInfo{}
	typeByName = map[string]*typeInfo{}
)

func init() {
	for _, p := range arrayTypes {
		el := typeInfoOf(p.elem)
		typeInfos = append(typeInfos, typeInfo{p.arr, "_" + el.name, el.sqlName + "[]", 'A', false})
	}
	for i := range typeInfos {
		ti := &typeInfos[i]
		typeByOID[ti.oid] = ti
		typeByName[ti.name] = ti
	}
}

func typeInfoOf(oid OID) *typeInfo {
	for i := range typeInfos {
		if typeInfos[i].oid == oid {
			return &typeInfos[i]
		}
	}
	panic("types: no type info for an array element type")
}

// TypeByOID returns the type with the given pg_type OID (typmod -1).
func TypeByOID(oid OID) (T, bool) {
	if _, ok := typeByOID[oid]; ok {
		return T{OID: oid, Mod: -1}, true
	}
	return T{}, false
}

// TypeByName returns the type whose pg_type.typname is name (typmod -1).
func TypeByName(name string) (T, bool) {
	if ti, ok := typeByName[name]; ok {
		return T{OID: ti.oid, Mod: -1}, true
	}
	return T{}, false
}

// TypName returns pg_type.typname for oid ("int4", "varchar", ...), or "" if unknown.
func TypName(oid OID) string {
	if ti, ok := typeByOID[oid]; ok {
		return ti.name
	}
	return ""
}

// Category returns PostgreSQL's typcategory for oid ('N', 'S', ...), or 0
// for an unknown type.
func Category(oid OID) byte {
	if ti, ok := typeByOID[oid]; ok {
		return ti.category
	}
	return 0
}

// IsPreferred reports PostgreSQL's typispreferred for oid.
func IsPreferred(oid OID) bool {
	if ti, ok := typeByOID[oid]; ok {
		return ti.preferred
	}
	return false
}

// NumericTypmod returns the atttypmod of numeric(precision, scale).
func NumericTypmod(precision, scale int) int32 {
	return int32(precision<<16|(scale&0x7ff)) + 4
}

// NumericPrecScale decodes a numeric typmod; ok is false for -1.
func NumericPrecScale(mod int32) (precision, scale int, ok bool) {
	if mod < 4 {
		return 0, 0, false
	}
	m := mod - 4
	return int(m>>16) & 0xffff, int(((m & 0x7ff) ^ 1024) - 1024), true
}

// CharLength returns n for varchar(n)/char(n), or -1 when there is no limit.
func (t T) CharLength() int {
	if (t.OID == VarcharOID || t.OID == BPCharOID) && t.Mod >= 4 {
		return int(t.Mod - 4)
	}
	return -1
}

// String returns the type as PostgreSQL's format_type prints it.
func (t T) String() string {
	ti, ok := typeByOID[t.OID]
	if !ok {
		return "???"
	}
	if el, ok := ElemOf(t.OID); ok {
		// An array column's typmod is its elements'.
		return T{OID: el, Mod: t.Mod}.String() + "[]"
	}
	switch t.OID {
	case VectorOID, HalfvecOID, SparsevecOID:
		if t.Mod >= 0 {
			return ti.sqlName + "(" + strconv.Itoa(int(t.Mod)) + ")"
		}
	case BPCharOID:
		if t.Mod < 4 {
			return "bpchar"
		}
		return "character(" + strconv.Itoa(int(t.Mod-4)) + ")"
	case VarcharOID:
		if t.Mod >= 4 {
			return "character varying(" + strconv.Itoa(int(t.Mod-4)) + ")"
		}
	case NumericOID:
		if p, s, ok := NumericPrecScale(t.Mod); ok {
			return "numeric(" + strconv.Itoa(p) + "," + strconv.Itoa(s) + ")"
		}
	case TimestampOID:
		if t.Mod >= 0 {
			return "timestamp(" + strconv.Itoa(int(t.Mod)) + ") without time zone"
		}
	case TimestampTZOID:
		if t.Mod >= 0 {
			return "timestamp(" + strconv.Itoa(int(t.Mod)) + ") with time zone"
		}
	}
	return ti.sqlName
}

// typeAliases are the spellings the grammar or users use besides typname.
var typeAliases = map[string]string{
	"int":                         "int4",
	"integer":                     "int4",
	"smallint":                    "int2",
	"bigint":                      "int8",
	"real":                        "float4",
	"float":                       "float8",
	"double precision":            "float8",
	"boolean":                     "bool",
	"decimal":                     "numeric",
	"dec":                         "numeric",
	"character varying":           "varchar",
	"char varying":                "varchar",
	"character":                   "bpchar",
	"timestamp without time zone": "timestamp",
	"timestamp with time zone":    "timestamptz",
}

// ParseTypeName resolves a type name as the parser delivers it (optionally
// schema-qualified with pg_catalog) with the user's type modifiers, e.g.
// ["pg_catalog","varchar"] [10] is character varying(10).
func ParseTypeName(names []string, typmods []int32) (T, error) {
	full := strings.Join(names, ".")
	var name string
	switch len(names) {
	case 1:
		name = names[0]
	case 2:
		if names[0] != "pg_catalog" && names[0] != "public" {
			return T{}, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", full)
		}
		name = names[1]
		if ti, ok := typeByName[name]; ok && isExtensionType(ti.oid) != (names[0] == "public") {
			return T{}, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", full)
		} else if !ok && names[0] == "public" {
			return T{}, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", full)
		}
	default:
		if len(names) == 0 {
			return T{}, pgerr.New(pgerr.UndefinedObject, "type \"\" does not exist")
		}
		return T{}, pgerr.New(pgerr.SyntaxError, "improper qualified name (too many dotted names): %s", full)
	}
	ti, ok := typeByName[name]
	if !ok {
		lname := strings.ToLower(name)
		if alias, ok2 := typeAliases[lname]; ok2 && lname == name {
			ti, ok = typeByName[alias]
		}
	}
	if !ok || ti.category == 'P' && ti.oid != VoidOID && ti.oid != RecordOID {
		return T{}, pgerr.New(pgerr.UndefinedObject, "type \"%s\" does not exist", full)
	}
	t := T{OID: ti.oid, Mod: -1}
	if len(typmods) == 0 {
		return t, nil
	}
	switch t.OID {
	case VarcharOID, BPCharOID:
		if len(typmods) != 1 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "invalid type modifier")
		}
		n := typmods[0]
		if n < 1 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "length for type %s must be at least 1", ti.name)
		}
		if n > 10485760 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "length for type %s cannot exceed 10485760", ti.name)
		}
		t.Mod = n + 4
	case NumericOID:
		if len(typmods) > 2 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "invalid NUMERIC type modifier")
		}
		p := typmods[0]
		var s int32
		if len(typmods) == 2 {
			s = typmods[1]
			if p < 1 || p > 1000 {
				return T{}, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and %d", p, 1000)
			}
			if s < -1000 || s > 1000 {
				return T{}, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC scale %d must be between %d and %d", s, -1000, 1000)
			}
		} else if p < 1 || p > 1000 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and %d", p, 1000)
		}
		t.Mod = NumericTypmod(int(p), int(s))
	case TimestampOID, TimestampTZOID:
		if len(typmods) != 1 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "invalid type modifier")
		}
		p := typmods[0]
		tn := "TIMESTAMP"
		if t.OID == TimestampTZOID {
			tn = "TIMESTAMP WITH TIME ZONE"
		}
		if p < 0 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "%s(%d) precision must not be negative", tn, p)
		}
		if p > 6 {
			// PostgreSQL warns and reduces the precision.
			p = 6
		}
		t.Mod = p
	case VectorOID, HalfvecOID, SparsevecOID:
		if len(typmods) != 1 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "invalid type modifier")
		}
		n := typmods[0]
		if n < 1 {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "dimensions for type %s must be at least 1", ti.name)
		}
		if limit := maxDims(t.OID); n > limit {
			return T{}, pgerr.New(pgerr.InvalidParameterValue, "dimensions for type %s cannot exceed %d", ti.name, limit)
		}
		t.Mod = n
	default:
		return T{}, pgerr.New(pgerr.SyntaxError, "type modifier is not allowed for type \"%s\"", ti.name)
	}
	return t, nil
}

// ArrayTypeOf returns the array type whose elements have type t (keeping
// t's typmod, as PostgreSQL does for array columns), e.g. int4 -> int4[],
// vector(3) -> vector(3)[]. ok is false when t has no array type (t is an
// array itself, or a pseudo-type).
func ArrayTypeOf(t T) (T, bool) {
	arr, ok := ArrayOf(t.OID)
	if !ok {
		return T{}, false
	}
	return T{OID: arr, Mod: t.Mod}, true
}

// ElemType returns the element type of the array type t (with t's typmod).
func ElemType(t T) (T, bool) {
	el, ok := ElemOf(t.OID)
	if !ok {
		return T{}, false
	}
	return T{OID: el, Mod: t.Mod}, true
}
