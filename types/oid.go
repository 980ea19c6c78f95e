package types

// OID is a PostgreSQL object id; for types, the pg_type.oid clients know.
type OID = uint32

// Type OIDs, as in PostgreSQL's pg_type.
const (
	UnknownOID     OID = 705
	BoolOID        OID = 16
	ByteaOID       OID = 17
	CharOID        OID = 18 // "char", one byte
	NameOID        OID = 19
	Int8OID        OID = 20
	Int2OID        OID = 21
	Int4OID        OID = 23
	TextOID        OID = 25
	OIDOID         OID = 26
	JSONOID        OID = 114
	Float4OID      OID = 700
	Float8OID      OID = 701
	BPCharOID      OID = 1042
	VarcharOID     OID = 1043
	DateOID        OID = 1082
	TimestampOID   OID = 1114
	TimestampTZOID OID = 1184
	NumericOID     OID = 1700
	RegTypeOID     OID = 2206
	JSONBOID       OID = 3802
	VoidOID        OID = 2278
	RecordOID      OID = 2249
	AnyOID         OID = 2276
	UUIDOID        OID = 2950

	// pgvector's types. The extension gets OIDs at CREATE EXTENSION time in
	// PostgreSQL; AkiDB fixes them so clients can cache them.
	VectorOID         OID = 8001
	VectorArrayOID    OID = 8002
	HalfvecOID        OID = 8003
	HalfvecArrayOID   OID = 8004
	SparsevecOID      OID = 8005
	SparsevecArrayOID OID = 8006
)

// Array type OIDs, as in PostgreSQL's pg_type.
const (
	BoolArrayOID        OID = 1000
	ByteaArrayOID       OID = 1001
	CharArrayOID        OID = 1002
	NameArrayOID        OID = 1003
	Int2ArrayOID        OID = 1005
	Int4ArrayOID        OID = 1007
	TextArrayOID        OID = 1009
	BPCharArrayOID      OID = 1014
	VarcharArrayOID     OID = 1015
	Int8ArrayOID        OID = 1016
	Float4ArrayOID      OID = 1021
	Float8ArrayOID      OID = 1022
	OIDArrayOID         OID = 1028
	TimestampArrayOID   OID = 1115
	DateArrayOID        OID = 1182
	TimestampTZArrayOID OID = 1185
	NumericArrayOID     OID = 1231
	RegTypeArrayOID     OID = 2211
	UUIDArrayOID        OID = 2951
	JSONBArrayOID       OID = 3807
	JSONArrayOID        OID = 199
)

// T is a SQL type: the type's OID and its typmod as PostgreSQL stores it in
// pg_attribute.atttypmod (-1 for none; varchar(n) and char(n) are n+4;
// numeric(p,s) is ((p<<16)|s)+4).
type T struct {
	OID OID
	Mod int32
}

// Common types without a typmod.
var (
	Unknown     = T{UnknownOID, -1}
	Bool        = T{BoolOID, -1}
	Bytea       = T{ByteaOID, -1}
	Name        = T{NameOID, -1}
	Int2        = T{Int2OID, -1}
	Int4        = T{Int4OID, -1}
	Int8        = T{Int8OID, -1}
	Text        = T{TextOID, -1}
	OIDType     = T{OIDOID, -1}
	Float4      = T{Float4OID, -1}
	Float8      = T{Float8OID, -1}
	BPChar      = T{BPCharOID, -1}
	Varchar     = T{VarcharOID, -1}
	Date        = T{DateOID, -1}
	Timestamp   = T{TimestampOID, -1}
	TimestampTZ = T{TimestampTZOID, -1}
	Numeric     = T{NumericOID, -1}
	JSONB       = T{JSONBOID, -1}
	JSON        = T{JSONOID, -1}
	RegType     = T{RegTypeOID, -1}
	Void        = T{VoidOID, -1}
	UUID        = T{UUIDOID, -1}
	Vector      = T{VectorOID, -1}
	Halfvec     = T{HalfvecOID, -1}
	Sparsevec   = T{SparsevecOID, -1}
)

// KindOf returns the Kind of the non-NULL values of a type.
func KindOf(oid OID) Kind {
	switch oid {
	case BoolOID:
		return KBool
	case Int2OID, Int4OID, Int8OID, OIDOID, RegTypeOID:
		return KInt
	case Float4OID, Float8OID:
		return KFloat
	case NumericOID:
		return KNumeric
	case TextOID, VarcharOID, BPCharOID, NameOID, CharOID, UnknownOID:
		return KString
	case ByteaOID:
		return KBytes
	case DateOID:
		return KDate
	case TimestampOID, TimestampTZOID:
		return KTimestamp
	case JSONBOID, JSONOID:
		return KJSON
	case VectorOID, HalfvecOID:
		return KVector
	case SparsevecOID:
		return KSparse
	case UUIDOID:
		return KUUID
	}
	if _, ok := ElemOf(oid); ok {
		return KArray
	}
	return KNull
}
