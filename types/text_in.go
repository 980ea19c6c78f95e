package types

import (
	"time"

	"github.com/akidb/akidb/pgerr"
)

// ParseText converts a value's text form to a Datum of type t, applying t's
// typmod (varchar(n) length, char(n) padding, numeric(p,s) rounding,
// timestamp(p) rounding) as PostgreSQL's input functions do. A timestamptz
// without an explicit zone is read in UTC; use ParseTextLoc to give the
// session's TimeZone.
func ParseText(t T, s string) (Datum, error) {
	return ParseTextLoc(t, s, time.UTC)
}

// ParseTextLoc is ParseText reading zone-less timestamptz input (and
// 'now'/'today') in loc.
func ParseTextLoc(t T, s string, loc *time.Location) (Datum, error) {
	switch t.OID {
	case Int2OID, Int4OID, Int8OID:
		v, err := parseInt(s, t.OID)
		if err != nil {
			return Null, err
		}
		return NewInt(v), nil
	case RegTypeOID:
		if v, err := parseOID(s); err == nil {
			return NewInt(v), nil
		}
		rt, err := RegTypeByName(s)
		if err != nil {
			return Null, err
		}
		return NewInt(int64(rt.OID)), nil
	case OIDOID:
		v, err := parseOID(s)
		if err != nil {
			return Null, err
		}
		return NewInt(v), nil
	case Float8OID:
		f, err := parseFloat(s, 64)
		if err != nil {
			return Null, err
		}
		return NewFloat(f), nil
	case Float4OID:
		f, err := parseFloat(s, 32)
		if err != nil {
			return Null, err
		}
		return NewFloat(f), nil
	case NumericOID:
		d, err := ParseNumeric(s)
		if err != nil {
			return Null, err
		}
		if t.Mod >= 0 {
			if d, err = ApplyNumericTypmod(d, t.Mod); err != nil {
				return Null, err
			}
		}
		return NewNumeric(d), nil
	case BoolOID:
		b, err := parseBool(s)
		if err != nil {
			return Null, err
		}
		return NewBool(b), nil
	case TextOID, UnknownOID:
		if err := checkUTF8(s); err != nil {
			return Null, err
		}
		return NewString(s), nil
	case VarcharOID, BPCharOID:
		if err := checkUTF8(s); err != nil {
			return Null, err
		}
		v, err := applyCharTypmod(s, t, false)
		if err != nil {
			return Null, err
		}
		return NewString(v), nil
	case NameOID:
		if err := checkUTF8(s); err != nil {
			return Null, err
		}
		return NewString(truncateName(s)), nil
	case CharOID:
		return NewString(parseChar(s)), nil
	case ByteaOID:
		b, err := parseBytea(s)
		if err != nil {
			return Null, err
		}
		return NewBytes(b), nil
	case DateOID:
		v, err := parseDate(s, loc)
		if err != nil {
			return Null, err
		}
		return NewDate(v), nil
	case TimestampOID, TimestampTZOID:
		v, err := parseTimestamp(s, t.OID == TimestampTZOID, loc)
		if err != nil {
			return Null, err
		}
		if t.Mod >= 0 {
			if v, err = roundTimestamp(v, int(t.Mod)); err != nil {
				return Null, err
			}
		}
		return NewTimestamp(v), nil
	case JSONBOID:
		if err := checkUTF8(s); err != nil {
			return Null, err
		}
		n, err := NormalizeJSONB(s)
		if err != nil {
			return Null, err
		}
		return NewJSON(n), nil
	case JSONOID:
		if err := checkUTF8(s); err != nil {
			return Null, err
		}
		if err := ValidateJSON(s); err != nil {
			return Null, err
		}
		return NewJSON(s), nil
	case VectorOID, HalfvecOID:
		return parseVector(s, t.OID, t.Mod)
	case SparsevecOID:
		return parseSparse(s, t.Mod)
	case UUIDOID:
		return parseUUID(s)
	}
	if el, ok := ElemOf(t.OID); ok {
		return parseArray(s, el, t.Mod, loc)
	}
	return Null, pgerr.New(pgerr.FeatureNotSupported, "no input function for type %s", t.String())
}
