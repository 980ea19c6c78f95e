package server

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// Value formats. The server converts between wire bytes and Datums only
// through these four functions: types.ParseTextLoc, types.DecodeBinary,
// types.AppendText and types.AppendBinary.
//
// TEMPORARY: the types package does not have its binary codecs yet, so
// minimal private versions of DecodeBinary and AppendBinary follow; once it
// does, each body becomes the one-line call shown in its comment and
// everything below the line goes.

// parseText reads a parameter in text format; a timestamptz without a zone
// is in the session's TimeZone.
func parseText(t types.T, s string, loc *time.Location) (types.Datum, error) {
	return types.ParseTextLoc(t, s, loc)
}

// decodeBinary reads a parameter in binary format: types.DecodeBinary(t, b).
func decodeBinary(t types.T, b []byte) (types.Datum, error) { return tmpDecodeBinary(t, b) }

// appendText appends d in text format.
func appendText(buf []byte, d types.Datum, t types.T, loc *time.Location) []byte {
	return types.AppendText(buf, d, t, loc)
}

// appendBinary appends d in binary format: types.AppendBinary(buf, d, t).
func appendBinary(buf []byte, d types.Datum, t types.T) ([]byte, error) {
	return tmpAppendBinary(buf, d, t)
}

// ---- temporary minimal binary codecs, until the types package has its own ----

func tmpDecodeBinary(t types.T, b []byte) (types.Datum, error) {
	bad := func() (types.Datum, error) {
		return types.Null, pgerr.New(pgerr.InvalidBinaryRepresentation, "incorrect binary data format")
	}
	switch types.KindOf(t.OID) {
	case types.KBool:
		if len(b) != 1 {
			return bad()
		}
		return types.NewBool(b[0] != 0), nil
	case types.KInt:
		switch len(b) {
		case 2:
			return types.NewInt(int64(int16(binary.BigEndian.Uint16(b)))), nil
		case 4:
			if t.OID == types.OIDOID {
				return types.NewInt(int64(binary.BigEndian.Uint32(b))), nil
			}
			return types.NewInt(int64(int32(binary.BigEndian.Uint32(b)))), nil
		case 8:
			return types.NewInt(int64(binary.BigEndian.Uint64(b))), nil
		}
		return bad()
	case types.KFloat:
		switch len(b) {
		case 4:
			return types.NewFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(b)))), nil
		case 8:
			return types.NewFloat(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
		}
		return bad()
	case types.KString:
		return types.NewString(string(b)), nil
	case types.KBytes:
		return types.NewBytes(b), nil
	case types.KDate:
		if len(b) != 4 {
			return bad()
		}
		return types.NewDate(int64(int32(binary.BigEndian.Uint32(b)))), nil
	case types.KTimestamp:
		if len(b) != 8 {
			return bad()
		}
		return types.NewTimestamp(int64(binary.BigEndian.Uint64(b))), nil
	}
	return types.Null, pgerr.New(pgerr.InvalidBinaryRepresentation, "no binary input function available for type %s", typeName(t))
}

func tmpAppendBinary(buf []byte, d types.Datum, t types.T) ([]byte, error) {
	switch t.OID {
	case types.BoolOID:
		if d.Bool() {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case types.Int2OID:
		return binary.BigEndian.AppendUint16(buf, uint16(d.I)), nil
	case types.Int4OID, types.OIDOID, types.RegTypeOID:
		return binary.BigEndian.AppendUint32(buf, uint32(d.I)), nil
	case types.Int8OID:
		return binary.BigEndian.AppendUint64(buf, uint64(d.I)), nil
	case types.Float4OID:
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(d.F))), nil
	case types.Float8OID:
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(d.F)), nil
	case types.DateOID:
		return binary.BigEndian.AppendUint32(buf, uint32(int32(d.I))), nil
	case types.TimestampOID, types.TimestampTZOID:
		return binary.BigEndian.AppendUint64(buf, uint64(d.I)), nil
	case types.TextOID, types.VarcharOID, types.BPCharOID, types.NameOID, types.ByteaOID, types.UnknownOID, types.JSONOID:
		return append(buf, d.S...), nil
	case types.JSONBOID:
		return append(append(buf, 1), d.S...), nil
	}
	return buf, pgerr.New(pgerr.FeatureNotSupported, "no binary output function available for type %s", typeName(t))
}

func typeName(t types.T) string { return types.TypName(t.OID) }
