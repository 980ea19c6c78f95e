package storage

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/apd/v3"
)

// Top-level key spaces. Each Pebble key starts with one of these bytes.
const (
	spaceCatalog  = 'c' // /c/...          catalog descriptors and names
	spaceMeta     = 'm' // /m/...          store metadata (format version)
	spaceSequence = 's' // /s/<seqID>      sequence high-water marks
	spaceTable    = 't' // /t/<tableID>/.. rows and index entries
	spaceTiering  = 'g' // /g/<name>       records of the tiering layer (tier states, intents)
)

// Sub-spaces under a table.
const (
	tableRows  = 'r' // /t/<tableID>/r/<encoded pk>
	tableIndex = 'i' // /t/<tableID>/i/<indexID>/<encoded cols>[<encoded pk>]
	tableILog  = 'l' // /t/<tableID>/l/<seq>: reserved for the vector index log
)

// Datum tags in the key encoding. NULL has the smallest tag so that it sorts
// before every value. The tags of different kinds never meet in one column,
// so their relative order does not matter beyond NULL being first.
const (
	keyNull      = 0x01
	keyBool      = 0x10
	keyInt       = 0x20
	keyFloat     = 0x30
	keyNumeric   = 0x40
	keyString    = 0x50
	keyBytes     = 0x51
	keyJSON      = 0x52
	keyDate      = 0x60
	keyTimestamp = 0x70
	keyUUID      = 0x80 // 16 raw bytes, which order as uuids do
)

// errNotKeyType is returned for values that have no key encoding (vectors,
// sparse vectors, arrays).
var errNotKeyType = pgerr.New(pgerr.FeatureNotSupported, "type cannot be used in a key")

// Sub-tags of an encoded numeric, in value order.
const (
	numNegInf = 0x01
	numNeg    = 0x02
	numZero   = 0x03
	numPos    = 0x04
	numPosInf = 0x05
	numNaN    = 0x06
)

// Byte strings are escaped so that a string sorts before its extensions:
// 0x00 becomes 0x00 0xFF and the string ends with 0x00 0x01.
const (
	escByte   = 0x00
	escEscape = 0xFF
	escTerm   = 0x01
)

// canonicalNaN is the key encoding of every float NaN: greater than +Inf.
const canonicalNaNBits = math.MaxUint64

func appendUint32(b []byte, v uint32) []byte {
	return binary.BigEndian.AppendUint32(b, v)
}

// tablePrefix returns /t/<tableID>/.
func tablePrefix(tableID uint32) []byte {
	return appendUint32([]byte{spaceTable}, tableID)
}

// rowPrefix returns /t/<tableID>/r/.
func rowPrefix(tableID uint32) []byte {
	b := make([]byte, 0, 16)
	b = append(b, spaceTable)
	b = appendUint32(b, tableID)
	return append(b, tableRows)
}

// rowKey returns the Pebble key of the row with the given identity.
func rowKey(tableID uint32, key RowKey) []byte {
	b := make([]byte, 0, 6+len(key))
	b = append(b, spaceTable)
	b = appendUint32(b, tableID)
	b = append(b, tableRows)
	return append(b, key...)
}

// indexPrefix returns /t/<tableID>/i/<indexID>/.
func indexPrefix(tableID, indexID uint32) []byte {
	b := make([]byte, 0, 32)
	b = append(b, spaceTable)
	b = appendUint32(b, tableID)
	b = append(b, tableIndex)
	return appendUint32(b, indexID)
}

// tableIDOfKey returns the table a key under /t/ belongs to.
func tableIDOfKey(k []byte) (uint32, bool) {
	if len(k) < 5 || k[0] != spaceTable {
		return 0, false
	}
	return binary.BigEndian.Uint32(k[1:5]), true
}

// prefixEnd returns the smallest key greater than every key that has p as a
// prefix, or nil when there is none (p is empty or all 0xFF).
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] != 0xFF {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// appendKeyDatum appends the order-preserving encoding of d, converted to
// the kind k of its column when that is lossless. The encoding of a value is
// self-delimiting, so a concatenation of encodings orders like the tuple.
func appendKeyDatum(b []byte, k types.Kind, d types.Datum) ([]byte, error) {
	d, err := coerceKeyDatum(k, d)
	if err != nil {
		return nil, err
	}
	switch d.K {
	case types.KNull:
		return append(b, keyNull), nil
	case types.KBool:
		v := byte(0)
		if d.I != 0 {
			v = 1
		}
		return append(b, keyBool, v), nil
	case types.KInt:
		return appendKeyInt(append(b, keyInt), d.I), nil
	case types.KDate:
		return appendKeyInt(append(b, keyDate), d.I), nil
	case types.KTimestamp:
		return appendKeyInt(append(b, keyTimestamp), d.I), nil
	case types.KFloat:
		return binary.BigEndian.AppendUint64(append(b, keyFloat), floatKeyBits(d.F)), nil
	case types.KNumeric:
		dec, ok := d.P.(*apd.Decimal)
		if !ok || dec == nil {
			return nil, fmt.Errorf("storage: numeric datum without a decimal")
		}
		return appendKeyNumeric(append(b, keyNumeric), dec), nil
	case types.KString:
		return appendKeyString(append(b, keyString), d.S), nil
	case types.KBytes:
		return appendKeyString(append(b, keyBytes), d.S), nil
	case types.KJSON:
		return appendKeyString(append(b, keyJSON), d.S), nil
	case types.KUUID:
		if len(d.S) != 16 {
			return nil, fmt.Errorf("storage: uuid datum of %d bytes", len(d.S))
		}
		return append(append(b, keyUUID), d.S...), nil
	case types.KVector, types.KSparse, types.KArray:
		return nil, errNotKeyType
	}
	return nil, fmt.Errorf("storage: cannot encode a key of kind %d", d.K)
}

// coerceKeyDatum converts d to kind k when the conversion is exact, so that
// a bound of int 5 on a numeric column encodes as the numeric 5. k == KNull
// (an unknown column kind) leaves d as it is.
func coerceKeyDatum(k types.Kind, d types.Datum) (types.Datum, error) {
	if d.K == k || d.K == types.KNull || k == types.KNull {
		return d, nil
	}
	switch k {
	case types.KInt:
		switch d.K {
		case types.KFloat:
			if d.F == math.Trunc(d.F) && d.F >= -(1<<63) && d.F < 1<<63 {
				return types.NewInt(int64(d.F)), nil
			}
		case types.KNumeric:
			if d.Numeric().Form == apd.Finite {
				if i, err := d.Numeric().Int64(); err == nil {
					return types.NewInt(i), nil
				}
			}
		}
	case types.KFloat:
		switch d.K {
		case types.KInt:
			if f := float64(d.I); int64(f) == d.I && f != 1<<63 {
				return types.NewFloat(f), nil
			}
		case types.KNumeric:
			if f, err := d.Numeric().Float64(); err == nil {
				var back apd.Decimal
				if _, err := back.SetFloat64(f); err == nil && back.Cmp(d.Numeric()) == 0 {
					return types.NewFloat(f), nil
				}
			}
		}
	case types.KNumeric:
		switch d.K {
		case types.KInt:
			return types.NewNumeric(apd.New(d.I, 0)), nil
		case types.KFloat:
			var dec apd.Decimal
			switch {
			case math.IsNaN(d.F):
				dec.Form = apd.NaN
			case math.IsInf(d.F, 0):
				dec.Form = apd.Infinite
				dec.Negative = d.F < 0
			default:
				if _, err := dec.SetFloat64(d.F); err != nil {
					return d, fmt.Errorf("storage: float %v as numeric: %w", d.F, err)
				}
			}
			return types.NewNumeric(&dec), nil
		}
	case types.KString, types.KBytes, types.KJSON:
		switch d.K {
		case types.KString, types.KBytes, types.KJSON:
			return types.Datum{K: k, S: d.S}, nil
		}
	case types.KDate, types.KTimestamp:
		// Dates and timestamps differ in unit; only the planner knows the
		// intended conversion.
	}
	return d, fmt.Errorf("storage: a key value of kind %d does not fit a column of kind %d", d.K, k)
}

func appendKeyInt(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(v)^(1<<63))
}

// floatKeyBits maps a float64 to a uint64 whose unsigned order is
// PostgreSQL's float order: -Inf < ... < -0 == 0 < ... < +Inf < NaN.
func floatKeyBits(f float64) uint64 {
	if math.IsNaN(f) {
		return canonicalNaNBits
	}
	if f == 0 {
		f = 0 // -0 becomes +0
	}
	u := math.Float64bits(f)
	if u&(1<<63) != 0 {
		return ^u
	}
	return u | 1<<63
}

func floatFromKeyBits(u uint64) float64 {
	if u == canonicalNaNBits {
		return math.NaN()
	}
	if u&(1<<63) != 0 {
		return math.Float64frombits(u &^ (1 << 63))
	}
	return math.Float64frombits(^u)
}

func appendKeyString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == escByte {
			b = append(b, escByte, escEscape)
			continue
		}
		b = append(b, c)
	}
	return append(b, escByte, escTerm)
}

// appendKeyNumeric encodes a decimal so that byte order is numeric order.
//
// A finite non-zero value is written as sign, then its adjusted exponent E
// and its significant digits d1 d2 ... dn (d1 != 0, no trailing zeros) where
// |v| = 0.d1d2...dn × 10^E. E is an order-preserving int64; the digits go two
// to a byte as 1 + 10*hi + lo (1..100, an odd count padded with a 0 digit),
// ended by 0x00. Negative values invert E and every digit byte and end with
// 0xFF, so larger magnitudes sort first. Scale is not kept: 1.50 and 1.5 get
// the same key, as they are equal.
func appendKeyNumeric(b []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(b, numNaN)
	case apd.Infinite:
		if d.Negative {
			return append(b, numNegInf)
		}
		return append(b, numPosInf)
	}
	if d.Coeff.Sign() == 0 {
		return append(b, numZero)
	}
	digits := d.Coeff.Text(10)
	if digits[0] == '-' {
		digits = digits[1:]
	}
	// Trailing zeros of the coefficient move into the exponent.
	n := len(digits)
	for n > 1 && digits[n-1] == '0' {
		n--
	}
	e := int64(d.Exponent) + int64(len(digits))
	digits = digits[:n]
	neg := d.Negative
	if neg {
		b = append(b, numNeg)
		b = appendKeyInt(b, -e)
	} else {
		b = append(b, numPos)
		b = appendKeyInt(b, e)
	}
	for i := 0; i < len(digits); i += 2 {
		hi := digits[i] - '0'
		lo := byte(0)
		if i+1 < len(digits) {
			lo = digits[i+1] - '0'
		}
		v := 1 + 10*hi + lo
		if neg {
			v = ^v
		}
		b = append(b, v)
	}
	if neg {
		return append(b, 0xFF)
	}
	return append(b, 0x00)
}

// decodeKeyDatum decodes one datum from the front of b and returns the rest.
// Numerics come back reduced (no trailing zeros), strings unescaped.
func decodeKeyDatum(b []byte) (types.Datum, []byte, error) {
	if len(b) == 0 {
		return types.Null, nil, errCorruptKey
	}
	tag, b := b[0], b[1:]
	switch tag {
	case keyNull:
		return types.Null, b, nil
	case keyBool:
		if len(b) < 1 {
			return types.Null, nil, errCorruptKey
		}
		return types.NewBool(b[0] != 0), b[1:], nil
	case keyInt, keyDate, keyTimestamp:
		if len(b) < 8 {
			return types.Null, nil, errCorruptKey
		}
		v := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
		return types.Datum{K: kindOfKeyTag(tag), I: v}, b[8:], nil
	case keyFloat:
		if len(b) < 8 {
			return types.Null, nil, errCorruptKey
		}
		return types.NewFloat(floatFromKeyBits(binary.BigEndian.Uint64(b))), b[8:], nil
	case keyString, keyBytes, keyJSON:
		var out []byte
		for i := 0; ; i++ {
			if i+1 >= len(b) {
				return types.Null, nil, errCorruptKey
			}
			if b[i] != escByte {
				out = append(out, b[i])
				continue
			}
			switch b[i+1] {
			case escEscape:
				out = append(out, escByte)
				i++
			case escTerm:
				return types.Datum{K: kindOfKeyTag(tag), S: string(out)}, b[i+2:], nil
			default:
				return types.Null, nil, errCorruptKey
			}
		}
	case keyNumeric:
		return decodeKeyNumeric(b)
	case keyUUID:
		if len(b) < 16 {
			return types.Null, nil, errCorruptKey
		}
		return types.Datum{K: types.KUUID, S: string(b[:16])}, b[16:], nil
	}
	return types.Null, nil, errCorruptKey
}

func kindOfKeyTag(tag byte) types.Kind {
	switch tag {
	case keyInt:
		return types.KInt
	case keyDate:
		return types.KDate
	case keyTimestamp:
		return types.KTimestamp
	case keyString:
		return types.KString
	case keyBytes:
		return types.KBytes
	case keyJSON:
		return types.KJSON
	}
	return types.KNull
}

func decodeKeyNumeric(b []byte) (types.Datum, []byte, error) {
	if len(b) == 0 {
		return types.Null, nil, errCorruptKey
	}
	d := new(apd.Decimal)
	sub, b := b[0], b[1:]
	switch sub {
	case numNaN:
		d.Form = apd.NaN
		return types.NewNumeric(d), b, nil
	case numNegInf, numPosInf:
		d.Form = apd.Infinite
		d.Negative = sub == numNegInf
		return types.NewNumeric(d), b, nil
	case numZero:
		return types.NewNumeric(d), b, nil
	case numPos, numNeg:
	default:
		return types.Null, nil, errCorruptKey
	}
	neg := sub == numNeg
	if len(b) < 8 {
		return types.Null, nil, errCorruptKey
	}
	e := int64(binary.BigEndian.Uint64(b) ^ (1 << 63))
	if neg {
		e = -e
	}
	b = b[8:]
	var digits []byte
	for {
		if len(b) == 0 {
			return types.Null, nil, errCorruptKey
		}
		v := b[0]
		b = b[1:]
		if neg {
			v = ^v
		}
		if v == 0 {
			break
		}
		v--
		digits = append(digits, '0'+v/10, '0'+v%10)
	}
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
	}
	var coeff big.Int
	if _, ok := coeff.SetString(string(digits), 10); !ok {
		return types.Null, nil, errCorruptKey
	}
	d.Coeff.SetMathBigInt(&coeff)
	d.Exponent = int32(e - int64(len(digits)))
	d.Negative = neg
	return types.NewNumeric(d), b, nil
}

// encodeKeyDatums encodes a tuple of values for the given column kinds.
func encodeKeyDatums(b []byte, kinds []types.Kind, ds []types.Datum) ([]byte, error) {
	var err error
	for i, d := range ds {
		k := types.KNull
		if i < len(kinds) {
			k = kinds[i]
		}
		if b, err = appendKeyDatum(b, k, d); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// spanBounds turns a Span over the key columns below prefix into Pebble
// iterator bounds [lower, upper).
func spanBounds(prefix []byte, kinds []types.Kind, sp Span) (lower, upper []byte, err error) {
	lower = prefix
	if len(sp.Start) > 0 {
		k, err := encodeKeyDatums(append([]byte(nil), prefix...), kinds, sp.Start)
		if err != nil {
			return nil, nil, err
		}
		if sp.StartExclusive {
			k = prefixEnd(k)
		}
		lower = k
	}
	upper = prefixEnd(prefix)
	if len(sp.End) > 0 {
		k, err := encodeKeyDatums(append([]byte(nil), prefix...), kinds, sp.End)
		if err != nil {
			return nil, nil, err
		}
		if !sp.EndExclusive {
			k = prefixEnd(k)
		}
		upper = k
	}
	return lower, upper, nil
}
