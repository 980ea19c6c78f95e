package snapshot

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"

	"github.com/parquet-go/parquet-go"

	"github.com/akidb/akidb/types"
)

// littleEndian is true on hosts whose float32 memory layout is the file's,
// so vectors are written and read without a per-element conversion.
var littleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// stringBytes returns the bytes of s without copying; they must not be
// modified.
func stringBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// floatBytes returns the bytes of v (native order) without copying.
func floatBytes(v []float32) []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(v))), 4*len(v))
}

// encoder turns datums into Parquet values. The bytes of every
// variable-width value are appended to scratch (the caller's datums may be
// reused once the next row is asked for), so the values stay valid for as
// long as scratch's memory is not reused.
type encoder struct {
	scratch []byte
}

// copy appends b to the scratch buffer and returns the copy.
func (e *encoder) copy(b []byte) []byte {
	start := len(e.scratch)
	e.scratch = append(e.scratch, b...)
	return e.scratch[start:len(e.scratch):len(e.scratch)]
}

func (e *encoder) value(cc *colCodec, d types.Datum) (parquet.Value, error) {
	if d.K == types.KNull {
		if cc.col.NotNull {
			return parquet.Value{}, fmt.Errorf("column %q: null value in a NOT NULL column", cc.col.Name)
		}
		return parquet.NullValue().Level(0, 0, cc.leaf), nil
	}
	if d.K != cc.kind {
		return parquet.Value{}, fmt.Errorf("column %q of type %s: got a value of kind %d, want kind %d", cc.col.Name, cc.col.Type, d.K, cc.kind)
	}
	def := 1
	if cc.col.NotNull {
		def = 0
	}
	var v parquet.Value
	switch cc.enc {
	case encBool:
		v = parquet.BooleanValue(d.I != 0)
	case encInt32:
		if d.I < math.MinInt32 || d.I > math.MaxInt32 {
			return v, fmt.Errorf("column %q: %d out of range for %s", cc.col.Name, d.I, cc.col.Type)
		}
		v = parquet.Int32Value(int32(d.I))
	case encInt64, encTimestamp:
		v = parquet.Int64Value(d.I)
	case encFloat:
		v = parquet.FloatValue(float32(d.F))
	case encDouble:
		v = parquet.DoubleValue(d.F)
	case encString, encBytes, encJSON:
		v = parquet.ByteArrayValue(e.copy(stringBytes(d.S)))
	case encNumeric:
		start := len(e.scratch)
		e.scratch = types.AppendNumeric(e.scratch, d.Numeric())
		v = parquet.ByteArrayValue(e.scratch[start:len(e.scratch):len(e.scratch)])
	case encDate:
		var day int32
		switch {
		case d.I == types.InfinityNeg:
			day = dateNegInf
		case d.I == types.InfinityPos:
			day = datePosInf
		case d.I <= dateNegInf || d.I >= datePosInf:
			return v, fmt.Errorf("column %q: date %d out of range", cc.col.Name, d.I)
		default:
			day = int32(d.I)
		}
		v = parquet.Int32Value(day)
	case encUUID:
		if len(d.S) != 16 {
			return v, fmt.Errorf("column %q: uuid of %d bytes", cc.col.Name, len(d.S))
		}
		v = parquet.FixedLenByteArrayValue(e.copy(stringBytes(d.S)))
	case encVector, encVectorVar:
		vec := d.Vector()
		if cc.enc == encVector && len(vec) != cc.dims {
			return v, fmt.Errorf("column %q: vector of %d dimensions, expected %d", cc.col.Name, len(vec), cc.dims)
		}
		var b []byte
		if littleEndian {
			b = e.copy(floatBytes(vec))
		} else {
			start := len(e.scratch)
			for _, x := range vec {
				e.scratch = binary.LittleEndian.AppendUint32(e.scratch, math.Float32bits(x))
			}
			b = e.scratch[start:len(e.scratch):len(e.scratch)]
		}
		if cc.enc == encVector {
			v = parquet.FixedLenByteArrayValue(b)
		} else {
			v = parquet.ByteArrayValue(b)
		}
	case encHalfvec, encHalfvecVar:
		vec := d.Vector()
		if cc.enc == encHalfvec && len(vec) != cc.dims {
			return v, fmt.Errorf("column %q: halfvec of %d dimensions, expected %d", cc.col.Name, len(vec), cc.dims)
		}
		start := len(e.scratch)
		for _, x := range vec {
			h := types.FloatToHalf(x)
			if types.HalfToFloat(h) != x && x == x {
				return v, fmt.Errorf("column %q: halfvec element %g is not a half-precision value", cc.col.Name, x)
			}
			e.scratch = binary.LittleEndian.AppendUint16(e.scratch, h)
		}
		b := e.scratch[start:len(e.scratch):len(e.scratch)]
		if cc.enc == encHalfvec {
			v = parquet.FixedLenByteArrayValue(b)
		} else {
			v = parquet.ByteArrayValue(b)
		}
	case encText:
		start := len(e.scratch)
		e.scratch = types.AppendText(e.scratch, d, cc.col.Type, nil)
		v = parquet.ByteArrayValue(e.scratch[start:len(e.scratch):len(e.scratch)])
	default:
		return v, fmt.Errorf("column %q: no encoding", cc.col.Name)
	}
	return v.Level(0, def, cc.leaf), nil
}

// valueSize estimates the bytes a value takes in a column buffer.
func valueSize(v parquet.Value) int64 {
	switch v.Kind() {
	case parquet.ByteArray:
		return 4 + int64(len(v.ByteArray()))
	case parquet.FixedLenByteArray:
		return int64(len(v.ByteArray()))
	}
	return 8
}

// decoder turns Parquet values into datums. Strings and vectors are
// carved out of large shared blocks, so a row costs no allocation of its
// own for them; a retained value keeps its block alive.
type decoder struct {
	bytes  []byte
	floats []float32
}

const (
	arenaBytes  = 256 << 10
	arenaFloats = 64 << 10
)

// reuse starts the arenas over: what the values decoded so far point to
// is overwritten by the next ones.
func (dec *decoder) reuse() {
	dec.bytes = dec.bytes[:0]
	dec.floats = dec.floats[:0]
}

// str copies b into the byte arena and returns it as a string.
func (dec *decoder) str(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(dec.bytes)-len(dec.bytes) < len(b) {
		dec.bytes = make([]byte, 0, max(arenaBytes, len(b)))
	}
	start := len(dec.bytes)
	dec.bytes = append(dec.bytes, b...)
	return unsafe.String(&dec.bytes[start], len(b))
}

// vec returns n zeroed float32s from the float arena.
func (dec *decoder) vec(n int) []float32 {
	if cap(dec.floats)-len(dec.floats) < n {
		dec.floats = make([]float32, 0, max(arenaFloats, n))
	}
	start := len(dec.floats)
	dec.floats = dec.floats[:start+n]
	return dec.floats[start : start+n : start+n]
}

func (dec *decoder) datum(cc *colCodec, v parquet.Value) (types.Datum, error) {
	if v.IsNull() {
		if cc.col.NotNull {
			return types.Null, fmt.Errorf("column %q: null value in a NOT NULL column", cc.col.Name)
		}
		return types.Null, nil
	}
	switch cc.enc {
	case encBool:
		return types.NewBool(v.Boolean()), nil
	case encInt32:
		return types.NewInt(int64(v.Int32())), nil
	case encInt64:
		return types.NewInt(v.Int64()), nil
	case encFloat:
		return types.NewFloat(float64(v.Float())), nil
	case encDouble:
		return types.NewFloat(v.Double()), nil
	case encString:
		return types.NewString(dec.str(v.ByteArray())), nil
	case encBytes:
		return types.Datum{K: types.KBytes, S: dec.str(v.ByteArray())}, nil
	case encJSON:
		return types.NewJSON(dec.str(v.ByteArray())), nil
	case encNumeric:
		n, err := types.ParseNumeric(string(v.ByteArray()))
		if err != nil {
			return types.Null, fmt.Errorf("column %q: %v", cc.col.Name, err)
		}
		return types.NewNumeric(n), nil
	case encDate:
		switch day := v.Int32(); day {
		case dateNegInf:
			return types.NewDate(types.InfinityNeg), nil
		case datePosInf:
			return types.NewDate(types.InfinityPos), nil
		default:
			return types.NewDate(int64(day)), nil
		}
	case encTimestamp:
		return types.NewTimestamp(v.Int64()), nil
	case encUUID:
		b := v.ByteArray()
		if len(b) != 16 {
			return types.Null, fmt.Errorf("column %q: uuid of %d bytes", cc.col.Name, len(b))
		}
		return types.Datum{K: types.KUUID, S: dec.str(b)}, nil
	case encVector, encVectorVar:
		b := v.ByteArray()
		if len(b)%4 != 0 || cc.enc == encVector && len(b) != 4*cc.dims {
			return types.Null, fmt.Errorf("column %q: vector of %d bytes", cc.col.Name, len(b))
		}
		out := dec.vec(len(b) / 4)
		if littleEndian {
			copy(floatBytes(out), b)
		} else {
			for i := range out {
				out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
			}
		}
		return types.NewVector(out), nil
	case encHalfvec, encHalfvecVar:
		b := v.ByteArray()
		if len(b)%2 != 0 || cc.enc == encHalfvec && len(b) != 2*cc.dims {
			return types.Null, fmt.Errorf("column %q: halfvec of %d bytes", cc.col.Name, len(b))
		}
		out := dec.vec(len(b) / 2)
		for i := range out {
			out[i] = types.HalfToFloat(binary.LittleEndian.Uint16(b[2*i:]))
		}
		return types.NewVector(out), nil
	case encText:
		d, err := types.ParseText(cc.col.Type, dec.str(v.ByteArray()))
		if err != nil {
			return types.Null, fmt.Errorf("column %q: %v", cc.col.Name, err)
		}
		return d, nil
	}
	return types.Null, fmt.Errorf("column %q: no encoding", cc.col.Name)
}
