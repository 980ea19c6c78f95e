package types

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/apd/v3"
)

// Binary wire formats (PostgreSQL's typsend/typreceive).

func errBinary(format string, args ...any) error {
	return pgerr.New(pgerr.InvalidBinaryRepresentation, format, args...)
}

var errBinaryFormat = errBinary("incorrect binary data format")

const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// DecodeBinary reads a value of type t in PostgreSQL's binary format.
func DecodeBinary(t T, b []byte) (Datum, error) {
	need := func(n int) error {
		if len(b) != n {
			return errBinaryFormat
		}
		return nil
	}
	switch t.OID {
	case BoolOID:
		if err := need(1); err != nil {
			return Null, err
		}
		return NewBool(b[0] != 0), nil
	case Int2OID:
		if err := need(2); err != nil {
			return Null, err
		}
		return NewInt(int64(int16(binary.BigEndian.Uint16(b)))), nil
	case Int4OID:
		if err := need(4); err != nil {
			return Null, err
		}
		return NewInt(int64(int32(binary.BigEndian.Uint32(b)))), nil
	case OIDOID, RegTypeOID:
		if err := need(4); err != nil {
			return Null, err
		}
		return NewInt(int64(binary.BigEndian.Uint32(b))), nil
	case Int8OID:
		if err := need(8); err != nil {
			return Null, err
		}
		return NewInt(int64(binary.BigEndian.Uint64(b))), nil
	case Float4OID:
		if err := need(4); err != nil {
			return Null, err
		}
		return NewFloat(float64(math.Float32frombits(binary.BigEndian.Uint32(b)))), nil
	case Float8OID:
		if err := need(8); err != nil {
			return Null, err
		}
		return NewFloat(math.Float64frombits(binary.BigEndian.Uint64(b))), nil
	case NumericOID:
		n, err := decodeNumericBinary(b)
		if err != nil {
			return Null, err
		}
		if t.Mod >= 0 {
			if n, err = ApplyNumericTypmod(n, t.Mod); err != nil {
				return Null, err
			}
		}
		return NewNumeric(n), nil
	case TextOID, VarcharOID, BPCharOID, NameOID, UnknownOID, CharOID:
		s := string(b)
		if t.OID != CharOID {
			if err := checkUTF8(s); err != nil {
				return Null, err
			}
		}
		switch t.OID {
		case VarcharOID, BPCharOID:
			v, err := applyCharTypmod(s, t, false)
			if err != nil {
				return Null, err
			}
			s = v
		case NameOID:
			if len(s) >= nameDataLen {
				return Null, errBinary("name too long")
			}
		}
		return NewString(s), nil
	case ByteaOID:
		return NewBytes(b), nil
	case DateOID:
		if err := need(4); err != nil {
			return Null, err
		}
		v := int64(int32(binary.BigEndian.Uint32(b)))
		switch v {
		case math.MaxInt32:
			v = InfinityPos
		case math.MinInt32:
			v = InfinityNeg
		default:
			if v < -postgresEpochJDate || v >= dateEndJulian-postgresEpochJDate {
				return Null, pgerr.New(pgerr.DatetimeFieldOverflow, "date out of range")
			}
		}
		return NewDate(v), nil
	case TimestampOID, TimestampTZOID:
		if err := need(8); err != nil {
			return Null, err
		}
		v := int64(binary.BigEndian.Uint64(b))
		if v != InfinityPos && v != InfinityNeg {
			if v < int64(-postgresEpochJDate)*usecsPerDay || v >= int64(timestampEndJulian-postgresEpochJDate)*usecsPerDay {
				return Null, errTimestampRange
			}
			if t.Mod >= 0 {
				v, _ = roundTimestamp(v, int(t.Mod))
			}
		}
		return NewTimestamp(v), nil
	case JSONBOID:
		if len(b) < 1 {
			return Null, errBinaryFormat
		}
		if b[0] != 1 {
			return Null, errBinary("unsupported jsonb version number %d", b[0])
		}
		n, err := NormalizeJSONB(string(b[1:]))
		if err != nil {
			return Null, err
		}
		return NewJSON(n), nil
	case JSONOID:
		if err := ValidateJSON(string(b)); err != nil {
			return Null, err
		}
		return NewJSON(string(b)), nil
	case VectorOID, HalfvecOID:
		return decodeVectorBinary(t, b)
	case SparsevecOID:
		return decodeSparseBinary(t, b)
	case UUIDOID:
		if err := need(16); err != nil {
			return Null, err
		}
		return Datum{K: KUUID, S: string(b)}, nil
	}
	if IsArray(t.OID) {
		return decodeArrayBinary(t, b)
	}
	return Null, pgerr.New(pgerr.FeatureNotSupported, "no binary input function available for type %s", t.String())
}

// AppendBinary appends the binary format of the non-NULL d of type t.
func AppendBinary(buf []byte, d Datum, t T) ([]byte, error) {
	switch t.OID {
	case BoolOID:
		if d.I != 0 {
			return append(buf, 1), nil
		}
		return append(buf, 0), nil
	case Int2OID:
		return binary.BigEndian.AppendUint16(buf, uint16(d.I)), nil
	case Int4OID, OIDOID, RegTypeOID:
		return binary.BigEndian.AppendUint32(buf, uint32(d.I)), nil
	case Int8OID:
		return binary.BigEndian.AppendUint64(buf, uint64(d.I)), nil
	case Float4OID:
		return binary.BigEndian.AppendUint32(buf, math.Float32bits(float32(d.F))), nil
	case Float8OID:
		return binary.BigEndian.AppendUint64(buf, math.Float64bits(d.F)), nil
	case NumericOID:
		return appendNumericBinary(buf, d.Numeric()), nil
	case TextOID, VarcharOID, BPCharOID, NameOID, UnknownOID, CharOID, ByteaOID, JSONOID:
		return append(buf, d.S...), nil
	case DateOID:
		v := d.I
		switch v {
		case InfinityPos:
			v = math.MaxInt32
		case InfinityNeg:
			v = math.MinInt32
		}
		return binary.BigEndian.AppendUint32(buf, uint32(int32(v))), nil
	case TimestampOID, TimestampTZOID:
		return binary.BigEndian.AppendUint64(buf, uint64(d.I)), nil
	case JSONBOID:
		buf = append(buf, 1)
		return append(buf, d.S...), nil
	case VectorOID, HalfvecOID:
		return appendVectorBinary(buf, d.Vector(), t.OID == HalfvecOID), nil
	case SparsevecOID:
		return appendSparseBinary(buf, d.Sparse()), nil
	case UUIDOID:
		return append(buf, d.S...), nil
	}
	if IsArray(t.OID) {
		return appendArrayBinary(buf, d.Array(), t.Mod)
	}
	return buf, pgerr.New(pgerr.FeatureNotSupported, "no binary output function available for type %s", t.String())
}

func appendNumericBinary(buf []byte, n *apd.Decimal) []byte {
	put := func(v uint16) { buf = binary.BigEndian.AppendUint16(buf, v) }
	switch n.Form {
	case apd.NaN, apd.NaNSignaling:
		put(0)
		put(0)
		put(numericNaN)
		put(0)
		return buf
	case apd.Infinite:
		put(0)
		put(0)
		if n.Negative {
			put(numericNInf)
		} else {
			put(numericPInf)
		}
		put(0)
		return buf
	}
	dscale := 0
	if n.Exponent < 0 {
		dscale = int(-n.Exponent)
	}
	var tmp [64]byte
	ds := n.Coeff.Append(tmp[:0], 10)
	for i := int32(0); i < n.Exponent; i++ {
		ds = append(ds, '0')
	}
	var intPart, frac []byte
	if len(ds) > dscale {
		intPart = ds[:len(ds)-dscale]
		frac = ds[len(ds)-dscale:]
	} else {
		frac = make([]byte, dscale-len(ds), dscale)
		for i := range frac {
			frac[i] = '0'
		}
		frac = append(frac, ds...)
	}
	// pad to whole base-10000 digits
	if r := len(intPart) % 4; r != 0 {
		intPart = append([]byte("000"[:4-r]), intPart...)
	}
	fr := make([]byte, len(frac), len(frac)+3)
	copy(fr, frac)
	for len(fr)%4 != 0 {
		fr = append(fr, '0')
	}
	all := append(intPart, fr...)
	digits := make([]uint16, 0, len(all)/4)
	for i := 0; i < len(all); i += 4 {
		v, _ := strconv.Atoi(string(all[i : i+4]))
		digits = append(digits, uint16(v))
	}
	weight := len(intPart)/4 - 1
	for len(digits) > 0 && digits[0] == 0 {
		digits = digits[1:]
		weight--
	}
	for len(digits) > 0 && digits[len(digits)-1] == 0 {
		digits = digits[:len(digits)-1]
	}
	sign := uint16(numericPos)
	if n.Negative {
		sign = numericNeg
	}
	if len(digits) == 0 {
		weight = 0
		sign = numericPos
	}
	put(uint16(len(digits)))
	put(uint16(int16(weight)))
	put(sign)
	put(uint16(dscale))
	for _, dg := range digits {
		put(dg)
	}
	return buf
}

func decodeNumericBinary(b []byte) (*apd.Decimal, error) {
	if len(b) < 8 {
		return nil, errBinaryFormat
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*ndigits {
		return nil, errBinaryFormat
	}
	switch sign {
	case numericPos, numericNeg:
	case numericNaN:
		return numNaN(), nil
	case numericPInf:
		return numInf(false), nil
	case numericNInf:
		return numInf(true), nil
	default:
		return nil, errBinary("invalid sign in external \"numeric\" value")
	}
	if dscale > numericMaxDscale {
		return nil, errBinary("invalid scale in external \"numeric\" value")
	}
	c := new(apd.BigInt)
	tenK := apd.NewBigInt(10000)
	for i := 0; i < ndigits; i++ {
		dg := binary.BigEndian.Uint16(b[8+2*i:])
		if dg >= 10000 {
			return nil, errBinary("invalid digit in external \"numeric\" value")
		}
		c.Mul(c, tenK)
		c.Add(c, apd.NewBigInt(int64(dg)))
	}
	if sign == numericNeg {
		c.Neg(c)
	}
	exp := (weight - ndigits + 1) * 4
	d := mkNumeric(c, int32(exp))
	return truncNumeric(d, dscale), nil
}
