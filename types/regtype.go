package types

import (
	"sort"
	"strings"

	"github.com/akidb/akidb/pgerr"
)

// TypeInfo is what the pg_type catalog shows of a type.
type TypeInfo struct {
	OID      OID
	Name     string // typname
	Category byte
	Array    OID // typarray (0 when none)
	Elem     OID // typelem, for array types
	Len      int16
}

// AllTypes lists every type this package knows, ordered by OID.
func AllTypes() []TypeInfo {
	out := make([]TypeInfo, 0, len(typeByOID))
	for oid, ti := range typeByOID {
		info := TypeInfo{OID: oid, Name: ti.name, Category: ti.category, Len: -1}
		if arr, ok := arrayOfOID(oid); ok {
			info.Array = arr
		}
		if el, ok := elemOfOID(oid); ok {
			info.Elem = el
		}
		info.Len = typLen(oid)
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OID < out[j].OID })
	return out
}

func typLen(oid OID) int16 {
	switch oid {
	case BoolOID, CharOID:
		return 1
	case Int2OID:
		return 2
	case Int4OID, OIDOID, Float4OID, DateOID, RegTypeOID:
		return 4
	case Int8OID, Float8OID, TimestampOID, TimestampTZOID:
		return 8
	case NameOID:
		return 64
	}
	return -1
}

var regTypeAliases = map[string]string{
	"int": "int4", "integer": "int4", "smallint": "int2", "bigint": "int8",
	"real": "float4", "float": "float8", "double precision": "float8",
	"boolean": "bool", "character varying": "varchar", "character": "bpchar", "char": "bpchar",
	"decimal": "numeric", "timestamp without time zone": "timestamp",
	"timestamp with time zone": "timestamptz",
}

// RegTypeByName resolves a type name as the regtype input function does:
// typnames, SQL spellings and an optional pg_catalog or public schema.
// Unknown names give 42704 `type "x" does not exist`.
func RegTypeByName(s string) (T, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	name = strings.TrimPrefix(strings.TrimPrefix(name, "pg_catalog."), "public.")
	name = strings.Trim(name, `"`)
	array := false
	if strings.HasSuffix(name, "[]") {
		array, name = true, strings.TrimSpace(strings.TrimSuffix(name, "[]"))
	}
	if a, ok := regTypeAliases[name]; ok {
		name = a
	}
	t, ok := TypeByName(name)
	if !ok {
		return T{}, pgerr.New(pgerr.UndefinedObject, "type %q does not exist", strings.TrimSpace(s))
	}
	if array {
		arr, ok := arrayOfOID(t.OID)
		if !ok {
			return T{}, pgerr.New(pgerr.UndefinedObject, "type %q does not exist", strings.TrimSpace(s))
		}
		return T{OID: arr, Mod: -1}, nil
	}
	return t, nil
}

// regArrays pairs element types with PostgreSQL's array types, for the
// catalog's typarray/typelem until arrays have their own registry.
var regArrays = map[OID]OID{
	BoolOID: 1000, ByteaOID: 1001, CharOID: 1002, NameOID: 1003, Int2OID: 1005, Int4OID: 1007,
	TextOID: 1009, BPCharOID: 1014, VarcharOID: 1015, Int8OID: 1016, Float4OID: 1021,
	Float8OID: 1022, OIDOID: 1028, TimestampOID: 1115, DateOID: 1182, TimestampTZOID: 1185,
	NumericOID: 1231, JSONBOID: 3807, JSONOID: 199, RegTypeOID: 2211,
}

func arrayOfOID(elem OID) (OID, bool) {
	a, ok := regArrays[elem]
	return a, ok
}

func elemOfOID(arr OID) (OID, bool) {
	for e, a := range regArrays {
		if a == arr {
			return e, true
		}
	}
	return 0, false
}
