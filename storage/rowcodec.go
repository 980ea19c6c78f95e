package storage

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"unsafe"

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
//	rowUUID                             16 bytes
//	rowFloat32s                           uvarint dim, dim little-endian float32s
//	rowSparseVec                           uvarint dim, uvarint nnz, nnz uvarint
//	                                    index gaps, nnz little-endian float32s
//	rowArrayVal                            uvarint element type OID, uvarint
//	                                    ndim (0: one dimension, lower bound 1),
//	                                    ndim × (uvarint length, zig-zag varint
//	                                    lower bound), uvarint element count,
//	                                    one field per element
//
// A halfvec value is stored as its float32 values (already rounded).
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
	rowUUID
	rowFloat32s
	rowSparseVec
	rowArrayVal
)

// maxRowArrayDepth bounds the nesting of arrays in a row value.
const maxRowArrayDepth = 8

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
		case types.KUUID, types.KVector, types.KSparse, types.KArray:
			var err error
			if dst, err = appendRowExtField(dst, d, 0); err != nil {
				return nil, fmt.Errorf("storage: column %d: %w", i+1, err)
			}
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
	return decodeRow(buf, row, nil)
}

// rowScratch lets decodeRowReuse decode rows without allocating: strings
// point into the encoded row, and vectors are decoded into vecs, reused
// from row to row.
type rowScratch struct {
	vecs []float32
	used int
}

func (sc *rowScratch) floats(n int) []float32 {
	if sc.used+n > len(sc.vecs) {
		sc.vecs = make([]float32, max(2*len(sc.vecs), n, 1024))
		sc.used = 0
	}
	v := sc.vecs[sc.used : sc.used+n : sc.used+n]
	sc.used += n
	return v
}

// decodeRowReuse is decodeRowInto for a caller that is done with the
// row's values before buf changes and before it decodes the next row
// with sc: the values alias buf and sc's buffers.
func decodeRowReuse(buf []byte, row types.Row, sc *rowScratch) error {
	sc.used = 0
	return decodeRow(buf, row, sc)
}

func decodeRow(buf []byte, row types.Row, sc *rowScratch) error {
	if len(buf) == 0 || buf[0] != rowFormatV1 {
		return errCorruptRow
	}
	n, w := binary.Uvarint(buf[1:])
	if w <= 0 {
		return errCorruptRow
	}
	pos := 1 + w
	var str string // a string copy of buf, made at the first string field
	if sc != nil {
		str = unsafe.String(&buf[0], len(buf)) // buf outlives the values
	}
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
		case rowUUID, rowFloat32s, rowSparseVec, rowArrayVal:
			var err error
			if d, pos, err = decodeRowExtField(buf, pos, tag, &str, 0, sc); err != nil {
				return err
			}
		default:
			return errCorruptRow
		}
		if i < len(row) {
			row[i] = d
		}
	}
	return nil
}

// appendRowExtField appends a uuid, vector, sparse vector or array field
// (tag and payload). Array elements are fields of any kind.
func appendRowExtField(dst []byte, d *types.Datum, depth int) ([]byte, error) {
	switch d.K {
	case types.KUUID:
		if len(d.S) != 16 {
			return nil, fmt.Errorf("uuid datum of %d bytes", len(d.S))
		}
		return append(append(dst, rowUUID), d.S...), nil
	case types.KVector:
		v, _ := d.P.([]float32)
		dst = binary.AppendUvarint(append(dst, rowFloat32s), uint64(len(v)))
		n := len(dst)
		dst = slices.Grow(dst, 4*len(v))[:n+4*len(v)]
		putFloats(dst[n:], v)
		return dst, nil
	case types.KSparse:
		sv, ok := d.P.(*types.SparseVec)
		if !ok || sv == nil || len(sv.Idx) != len(sv.Val) {
			return nil, fmt.Errorf("malformed sparse vector datum")
		}
		dst = binary.AppendUvarint(append(dst, rowSparseVec), uint64(uint32(sv.Dim)))
		dst = binary.AppendUvarint(dst, uint64(len(sv.Idx)))
		prev := int64(-1)
		for _, x := range sv.Idx {
			if int64(x) <= prev {
				return nil, fmt.Errorf("sparse vector indices not increasing")
			}
			dst = binary.AppendUvarint(dst, uint64(int64(x)-prev-1))
			prev = int64(x)
		}
		for _, f := range sv.Val {
			dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(f))
		}
		return dst, nil
	case types.KArray:
		a, ok := d.P.(*types.Array)
		if !ok || a == nil {
			return nil, fmt.Errorf("array datum without an array")
		}
		if depth >= maxRowArrayDepth {
			return nil, fmt.Errorf("arrays nested too deeply")
		}
		dst = binary.AppendUvarint(append(dst, rowArrayVal), uint64(a.Elem))
		if a.Dims == nil && a.Lower == nil {
			dst = binary.AppendUvarint(dst, 0)
		} else {
			dims := a.DimLens()
			dst = binary.AppendUvarint(dst, uint64(len(dims)))
			for i, n := range dims {
				dst = binary.AppendUvarint(dst, uint64(uint32(n)))
				dst = binary.AppendVarint(dst, int64(a.LowerBound(i)))
			}
		}
		dst = binary.AppendUvarint(dst, uint64(len(a.Elems)))
		for i := range a.Elems {
			e := types.Row{a.Elems[i]}
			var err error
			switch e[0].K {
			case types.KUUID, types.KVector, types.KSparse, types.KArray:
				dst, err = appendRowExtField(dst, &e[0], depth+1)
			default:
				// A one-column row minus its header is the field.
				var one []byte
				one, err = AppendRow(nil, e)
				if err == nil {
					dst = append(dst, one[2:]...)
				}
			}
			if err != nil {
				return nil, err
			}
		}
		return dst, nil
	}
	return nil, fmt.Errorf("cannot store a value of kind %d", d.K)
}

// decodeRowExtField decodes the payload of a field whose tag (at buf[pos-1])
// is rowUUID, rowFloat32s, rowSparseVec or rowArrayVal. str is the row's shared
// string copy of buf (made on first use).
func decodeRowExtField(buf []byte, pos int, tag byte, str *string, depth int, sc *rowScratch) (types.Datum, int, error) {
	uvarint := func() (uint64, bool) {
		v, w := binary.Uvarint(buf[pos:])
		if w <= 0 {
			return 0, false
		}
		pos += w
		return v, true
	}
	floats := func(n uint64) ([]float32, bool) {
		if uint64(len(buf)-pos)/4 < n {
			return nil, false
		}
		var v []float32
		if sc != nil {
			v = sc.floats(int(n))
		} else {
			v = make([]float32, n)
		}
		getFloats(v, buf[pos:])
		pos += 4 * int(n)
		return v, true
	}
	switch tag {
	case rowUUID:
		if pos+16 > len(buf) {
			return types.Null, 0, errCorruptRow
		}
		if *str == "" {
			*str = string(buf)
		}
		return types.Datum{K: types.KUUID, S: (*str)[pos : pos+16]}, pos + 16, nil
	case rowFloat32s:
		n, ok := uvarint()
		if !ok {
			return types.Null, 0, errCorruptRow
		}
		v, ok := floats(n)
		if !ok {
			return types.Null, 0, errCorruptRow
		}
		return types.NewVector(v), pos, nil
	case rowSparseVec:
		dim, ok1 := uvarint()
		nnz, ok2 := uvarint()
		if !ok1 || !ok2 || dim > math.MaxInt32 || nnz > dim || uint64(len(buf)-pos) < nnz {
			return types.Null, 0, errCorruptRow
		}
		sv := &types.SparseVec{Dim: int32(dim), Idx: make([]int32, nnz)}
		prev := int64(-1)
		for i := range sv.Idx {
			g, ok := uvarint()
			if !ok || g >= dim {
				return types.Null, 0, errCorruptRow
			}
			prev += int64(g) + 1
			if prev >= int64(dim) {
				return types.Null, 0, errCorruptRow
			}
			sv.Idx[i] = int32(prev)
		}
		v, ok := floats(nnz)
		if !ok {
			return types.Null, 0, errCorruptRow
		}
		sv.Val = v
		return types.NewSparse(sv), pos, nil
	case rowArrayVal:
		if depth >= maxRowArrayDepth {
			return types.Null, 0, errCorruptRow
		}
		elem, ok1 := uvarint()
		nd, ok2 := uvarint()
		if !ok1 || !ok2 || elem > math.MaxUint32 || nd > 6 {
			return types.Null, 0, errCorruptRow
		}
		a := &types.Array{Elem: types.OID(elem)}
		if nd > 0 {
			a.Dims = make([]int32, nd)
			a.Lower = make([]int32, nd)
			for i := range a.Dims {
				n, ok := uvarint()
				lo, w := binary.Varint(buf[pos:])
				if !ok || w <= 0 || n > math.MaxInt32 {
					return types.Null, 0, errCorruptRow
				}
				pos += w
				a.Dims[i], a.Lower[i] = int32(n), int32(lo)
			}
		}
		n, ok := uvarint()
		if !ok || n > uint64(len(buf)-pos) {
			return types.Null, 0, errCorruptRow
		}
		if n > 0 {
			a.Elems = make([]types.Datum, n)
		}
		for i := range a.Elems {
			if pos >= len(buf) {
				return types.Null, 0, errCorruptRow
			}
			t := buf[pos]
			pos++
			var d types.Datum
			var err error
			switch t {
			case rowUUID, rowFloat32s, rowSparseVec, rowArrayVal:
				d, pos, err = decodeRowExtField(buf, pos, t, str, depth+1, sc)
			default:
				d, pos, err = decodeRowScalarField(buf, pos-1, str)
			}
			if err != nil {
				return types.Null, 0, err
			}
			a.Elems[i] = d
		}
		return types.NewArray(a), pos, nil
	}
	return types.Null, 0, errCorruptRow
}

// decodeRowScalarField decodes the field with a scalar tag at buf[at] by
// decoding it as a one-column row.
func decodeRowScalarField(buf []byte, at int, str *string) (types.Datum, int, error) {
	// Find the field's end by decoding it on its own.
	hdr := []byte{rowFormatV1, 1}
	one := make(types.Row, 1)
	end, err := scalarFieldEnd(buf, at)
	if err != nil {
		return types.Null, 0, err
	}
	if err := decodeRowInto(append(hdr, buf[at:end]...), one); err != nil {
		return types.Null, 0, err
	}
	return one[0], end, nil
}

// scalarFieldEnd returns the offset just past the scalar field at buf[at].
func scalarFieldEnd(buf []byte, at int) (int, error) {
	pos := at + 1
	switch buf[at] {
	case rowNull, rowFalse, rowTrue:
		return pos, nil
	case rowInt, rowDate, rowTimestamp:
		_, w := binary.Varint(buf[pos:])
		if w <= 0 {
			return 0, errCorruptRow
		}
		return pos + w, nil
	case rowFloat:
		if pos+8 > len(buf) {
			return 0, errCorruptRow
		}
		return pos + 8, nil
	case rowString, rowBytes, rowJSON:
		l, w := binary.Uvarint(buf[pos:])
		if w <= 0 || uint64(len(buf)-pos-w) < l {
			return 0, errCorruptRow
		}
		return pos + w + int(l), nil
	case rowNumeric:
		if pos >= len(buf) {
			return 0, errCorruptRow
		}
		pos++
		_, w := binary.Varint(buf[pos:])
		if w <= 0 {
			return 0, errCorruptRow
		}
		pos += w
		l, w := binary.Uvarint(buf[pos:])
		if w <= 0 || uint64(len(buf)-pos-w) < l {
			return 0, errCorruptRow
		}
		return pos + w + int(l), nil
	}
	return 0, errCorruptRow
}
