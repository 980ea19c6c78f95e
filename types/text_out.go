package types

import (
	"strconv"
	"time"
)

// AppendText appends the PostgreSQL output-function text of the non-NULL d
// of type t; timestamptz values are shown in loc (nil means UTC).
func AppendText(buf []byte, d Datum, t T, loc *time.Location) []byte {
	switch d.K {
	case KInt:
		if t.OID == RegTypeOID {
			// regtype prints the type's name, as format_type does.
			if rt, ok := TypeByOID(OID(uint32(d.I))); ok {
				return append(buf, rt.String()...)
			}
			return strconv.AppendUint(buf, uint64(uint32(d.I)), 10)
		}
		if t.OID == OIDOID {
			return strconv.AppendUint(buf, uint64(uint32(d.I)), 10)
		}
		return strconv.AppendInt(buf, d.I, 10)
	case KFloat:
		if t.OID == Float4OID {
			return AppendFloat(buf, d.F, 32)
		}
		return AppendFloat(buf, d.F, 64)
	case KBool:
		if d.I != 0 {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case KNumeric:
		return AppendNumeric(buf, d.Numeric())
	case KString:
		if t.OID == CharOID {
			return appendChar(buf, d.S)
		}
		return append(buf, d.S...)
	case KBytes:
		return appendByteaHex(buf, d.S)
	case KDate:
		return appendDate(buf, d.I)
	case KTimestamp:
		if t.OID == TimestampTZOID {
			return appendTimestampTZ(buf, d.I, loc)
		}
		return appendTimestamp(buf, d.I)
	case KJSON:
		return append(buf, d.S...)
	case KVector:
		return appendVectorText(buf, d.Vector())
	case KSparse:
		return appendSparseText(buf, d.Sparse())
	case KUUID:
		return appendUUIDText(buf, d.S)
	case KArray:
		mod := int32(-1)
		if IsArray(t.OID) {
			mod = t.Mod
		}
		return appendArrayText(buf, d.Array(), mod, loc)
	}
	return buf
}

// FormatText returns AppendText's text as a string.
func FormatText(d Datum, t T, loc *time.Location) string {
	if d.K == KString && t.OID != CharOID {
		return d.S
	}
	var tmp [64]byte
	return string(AppendText(tmp[:0], d, t, loc))
}
