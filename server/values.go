package server

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// Value formats. The server converts between wire bytes and Datums only
// through these four functions, which stand for types.ParseText,
// types.DecodeBinary, types.AppendText and types.AppendBinary.
//
// TEMPORARY: the types package does not have those yet, so minimal private
// versions follow; once it does, each body becomes the one-line call shown
// in its comment and everything below the line goes.

// parseText reads a parameter in text format: types.ParseText(t, s).
func parseText(t types.T, s string) (types.Datum, error) { return tmpParseText(t, s) }

// decodeBinary reads a parameter in binary format: types.DecodeBinary(t, b).
func decodeBinary(t types.T, b []byte) (types.Datum, error) { return tmpDecodeBinary(t, b) }

// appendText appends d in text format: types.AppendText(buf, d, t, loc).
func appendText(buf []byte, d types.Datum, t types.T, loc *time.Location) []byte {
	return tmpAppendText(buf, d, t, loc)
}

// appendBinary appends d in binary format: types.AppendBinary(buf, d, t).
func appendBinary(buf []byte, d types.Datum, t types.T) ([]byte, error) {
	return tmpAppendBinary(buf, d, t)
}

// ---- temporary minimal codecs, until the types package has its own ----

var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

func tmpParseText(t types.T, s string) (types.Datum, error) {
	bad := func() (types.Datum, error) {
		return types.Null, pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typeName(t), s)
	}
	switch types.KindOf(t.OID) {
	case types.KBool:
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "t", "true", "yes", "on", "1", "y":
			return types.NewBool(true), nil
		case "f", "false", "no", "off", "0", "n":
			return types.NewBool(false), nil
		}
		return bad()
	case types.KInt:
		i, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return bad()
		}
		return types.NewInt(i), nil
	case types.KFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return bad()
		}
		return types.NewFloat(f), nil
	case types.KNumeric:
		d, _, err := apd.NewFromString(strings.TrimSpace(s))
		if err != nil {
			return bad()
		}
		return types.NewNumeric(d), nil
	case types.KBytes:
		if strings.HasPrefix(s, `\x`) {
			b, err := hex.DecodeString(s[2:])
			if err != nil {
				return bad()
			}
			return types.NewBytes(b), nil
		}
		return types.NewBytes([]byte(s)), nil
	case types.KDate:
		tm, err := time.Parse("2006-01-02", strings.TrimSpace(s))
		if err != nil {
			return bad()
		}
		return types.NewDate(int64(tm.Sub(pgEpoch) / (24 * time.Hour))), nil
	case types.KTimestamp:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999Z07:00", "2006-01-02"} {
			if tm, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
				return types.NewTimestamp(tm.Sub(pgEpoch).Microseconds()), nil
			}
		}
		return bad()
	case types.KJSON:
		return types.NewJSON(s), nil
	}
	return types.NewString(s), nil
}

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

func tmpAppendText(buf []byte, d types.Datum, t types.T, loc *time.Location) []byte {
	switch d.K {
	case types.KBool:
		if d.Bool() {
			return append(buf, 't')
		}
		return append(buf, 'f')
	case types.KInt:
		return strconv.AppendInt(buf, d.I, 10)
	case types.KFloat:
		switch {
		case math.IsInf(d.F, 1):
			return append(buf, "Infinity"...)
		case math.IsInf(d.F, -1):
			return append(buf, "-Infinity"...)
		case math.IsNaN(d.F):
			return append(buf, "NaN"...)
		}
		if t.OID == types.Float4OID {
			return strconv.AppendFloat(buf, d.F, 'g', -1, 32)
		}
		return strconv.AppendFloat(buf, d.F, 'g', -1, 64)
	case types.KNumeric:
		return append(buf, d.Numeric().Text('f')...)
	case types.KBytes:
		buf = append(buf, `\x`...)
		return hex.AppendEncode(buf, []byte(d.S))
	case types.KDate:
		return pgEpoch.AddDate(0, 0, int(d.I)).AppendFormat(buf, "2006-01-02")
	case types.KTimestamp:
		tm := pgEpoch.Add(time.Duration(d.I) * time.Microsecond)
		if t.OID == types.TimestampTZOID {
			if loc == nil {
				loc = time.UTC
			}
			return tm.In(loc).AppendFormat(buf, "2006-01-02 15:04:05.999999-07")
		}
		return tm.AppendFormat(buf, "2006-01-02 15:04:05.999999")
	}
	return append(buf, d.S...)
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

func typeName(t types.T) string {
	switch t.OID {
	case types.BoolOID:
		return "boolean"
	case types.Int2OID:
		return "smallint"
	case types.Int4OID:
		return "integer"
	case types.Int8OID:
		return "bigint"
	case types.Float4OID:
		return "real"
	case types.Float8OID:
		return "double precision"
	case types.NumericOID:
		return "numeric"
	case types.DateOID:
		return "date"
	case types.TimestampOID:
		return "timestamp without time zone"
	case types.TimestampTZOID:
		return "timestamp with time zone"
	case types.ByteaOID:
		return "bytea"
	}
	return "text"
}
