package storage

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/apd/v3"
)

// Row values are encoded as
//
//	version (1 byte, rowFormatV1) | column count (uvarint) | one field per column
//
// and a field is a tag byte followed by its payload:
//
//	rowNull, rowFalse, rowTrue          no payload
//	rowInt, rowDate, rowTimestamp       zig-zag varint
//	rowFloat                            8 bytes, little-endian IEEE 754
//	rowString, rowBytes, rowJSON        uvarint length, bytes
//	rowNumeric                          form byte, zig-zag varint exponent,
//	                                    uvarint length, big-endian coefficient
//
// The field tags say the kind, so a row decodes without its table's schema.
// A row stored with fewer columns than its table now has decodes with NULLs
// for the missing trailing columns.
const rowFormatV1 = 1

const (
	rowNull = iota
	rowFalse
	rowTrue
	rowInt
	rowFloat
	rowNumeric
	rowString
	rowBytes
	rowJSON
	rowDate
	rowTimestamp
)

// Numeric form byte: the low two bits hold apd.Form, bit 2 the sign.
const rowNumericNegative = 1 << 2

// AppendRow appends the value encoding of row to dst.
func AppendRow(dst []byte, row types.Row) ([]byte, error) {
	dst = append(dst, rowFormatV1)
	dst = binary.AppendUvarint(dst, uint64(len(row)))
	for i := range row {
		d := &row[i]
		switch d.K {
		case types.KNull:
			dst = append(dst, rowNull)
		case types.KBool:
			if d.I != 0 {
				dst = append(dst, rowTrue)
			} else {
				dst = append(dst, rowFalse)
			}
		case types.KInt:
			dst = binary.AppendVarint(append(dst, rowInt), d.I)
		case types.KDate:
			dst = binary.AppendVarint(append(dst, rowDate), d.I)
		case types.KTimestamp:
			dst = binary.AppendVarint(append(dst, rowTimestamp), d.I)
		case types.KFloat:
			dst = binary.LittleEndian.AppendUint64(append(dst, rowFloat), math.Float64bits(d.F))
		case types.KString:
			dst = appendRowString(append(dst, rowString), d.S)
		case types.KBytes:
			dst = appendRowString(append(dst, rowBytes), d.S)
		case types.KJSON:
			dst = appendRowString(append(dst, rowJSON), d.S)
		case types.KNumeric:
			dec, ok := d.P.(*apd.Decimal)
			if !ok || dec == nil {
				return nil, fmt.Errorf("storage: column %d: numeric datum without a decimal", i+1)
			}
			form := byte(dec.Form)
			if dec.Negative {
				form |= rowNumericNegative
			}
			dst = append(dst, rowNumeric, form)
			dst = binary.AppendVarint(dst, int64(dec.Exponent))
			var coeff []byte
			if dec.Form == apd.Finite {
				coeff = dec.Coeff.Bytes()
			}
			dst = binary.AppendUvarint(dst, uint64(len(coeff)))
			dst = append(dst, coeff...)
		default:
			return nil, fmt.Errorf("storage: column %d: cannot store a value of kind %d", i+1, d.K)
		}
	}
	return dst, nil
}

func appendRowString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeRow decodes a row value into a new Row of ncols columns (padding
// with NULLs, or dropping extra stored columns). The row does not alias buf:
// string values share one copy of buf made for the row.
func DecodeRow(buf []byte, ncols int) (types.Row, error) {
	row := make(types.Row, ncols)
	if err := decodeRowInto(buf, row); err != nil {
		return nil, err
	}
	return row, nil
}

// decodeRowInto decodes buf into row, whose length is the column count
// wanted.
func decodeRowInto(buf []byte, row types.Row) error {
	if len(buf) == 0 || buf[0] != rowFormatV1 {
		return errCorruptRow
	}
	n, w := binary.Uvarint(buf[1:])
	if w <= 0 {
		return errCorruptRow
	}
	pos := 1 + w
	var str string // a string copy of buf, made at the first string field
	for i := 0; i < int(n); i++ {
		if pos >= len(buf) {
			return errCorruptRow
		}
		tag := buf[pos]
		pos++
		var d types.Datum
		switch tag {
		case rowNull:
		case rowFalse:
			d = types.Datum{K: types.KBool}
		case rowTrue:
			d = types.Datum{K: types.KBool, I: 1}
		case rowInt, rowDate, rowTimestamp:
			v, w := binary.Varint(buf[pos:])
			if w <= 0 {
				return errCorruptRow
			}
			pos += w
			d = types.Datum{K: types.KInt, I: v}
			if tag == rowDate {
				d.K = types.KDate
			} else if tag == rowTimestamp {
				d.K = types.KTimestamp
			}
		case rowFloat:
			if pos+8 > len(buf) {
				return errCorruptRow
			}
			d = types.Datum{K: types.KFloat, F: math.Float64frombits(binary.LittleEndian.Uint64(buf[pos:]))}
			pos += 8
		case rowString, rowBytes, rowJSON:
			l, w := binary.Uvarint(buf[pos:])
			if w <= 0 || uint64(len(buf)-pos-w) < l {
				return errCorruptRow
			}
			pos += w
			if str == "" {
				str = string(buf)
			}
			d = types.Datum{K: types.KString, S: str[pos : pos+int(l)]}
			if tag == rowBytes {
				d.K = types.KBytes
			} else if tag == rowJSON {
				d.K = types.KJSON
			}
			pos += int(l)
		case rowNumeric:
			if pos >= len(buf) {
				return errCorruptRow
			}
			form := buf[pos]
			pos++
			e, w := binary.Varint(buf[pos:])
			if w <= 0 {
				return errCorruptRow
			}
			pos += w
			l, w := binary.Uvarint(buf[pos:])
			if w <= 0 || uint64(len(buf)-pos-w) < l {
				return errCorruptRow
			}
			pos += w
			dec := &apd.Decimal{
				Form:     apd.Form(form & 3),
				Negative: form&rowNumericNegative != 0,
				Exponent: int32(e),
			}
			if l > 8 {
				dec.Coeff.SetBytes(buf[pos : pos+int(l)])
			} else if l > 0 {
				var u uint64
				for _, c := range buf[pos : pos+int(l)] {
					u = u<<8 | uint64(c)
				}
				dec.Coeff.SetUint64(u)
			}
			pos += int(l)
			d = types.Datum{K: types.KNumeric, P: dec}
		default:
			return errCorruptRow
		}
		if i < len(row) {
			row[i] = d
		}
	}
	return nil
}
