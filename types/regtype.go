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
	case UUIDOID:
		return 16
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

func arrayOfOID(elem OID) (OID, bool) { return ArrayOf(elem) }

func elemOfOID(arr OID) (OID, bool) { return ElemOf(arr) }
