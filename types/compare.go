package types

import "strings"

// Compare orders two non-NULL values of the same Kind as PostgreSQL's btree
// operators do: floats and numerics put NaN after everything (NaN = NaN),
// strings and bytes compare bytewise (C collation), jsonb uses jsonb's own
// ordering. uuids compare bytewise, vectors and sparse vectors as pgvector
// orders them (element by element, then by dimensions), arrays element by
// element (NULL elements last) and then by length and shape. For char(n) values use CompareT, which ignores trailing spaces.
func Compare(a, b Datum) int {
	switch a.K {
	case KBool, KInt, KDate, KTimestamp:
		return cmpInt(a.I, b.I)
	case KFloat:
		return CompareFloat(a.F, b.F)
	case KNumeric:
		return CompareNumeric(a.Numeric(), b.Numeric())
	case KString, KBytes:
		return strings.Compare(a.S, b.S)
	case KJSON:
		return CompareJSONB(a.S, b.S)
	case KUUID:
		return strings.Compare(a.S, b.S)
	case KVector:
		return compareVectors(a.Vector(), b.Vector())
	case KSparse:
		return compareSparse(a.Sparse(), b.Sparse())
	case KArray:
		return CompareArrays(a.Array(), b.Array())
	}
	return 0
}

// CompareT is Compare for values of type t; it differs only for char(n),
// whose trailing spaces are insignificant.
func CompareT(t T, a, b Datum) int {
	if t.OID == BPCharOID {
		return strings.Compare(BPCharTrim(a.S), BPCharTrim(b.S))
	}
	return Compare(a, b)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// CompareFloat orders floats as PostgreSQL does: NaN equals NaN and is
// greater than every other value; -0 equals 0.
func CompareFloat(a, b float64) int {
	if a != a {
		if b != b {
			return 0
		}
		return 1
	}
	if b != b {
		return -1
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
