package executor

import (
	"encoding/binary"
	"math"

	"github.com/akidb/akidb/types"
)

// Distinct drops rows equal (NULLs equal to NULLs) to an earlier row on the
// first Cols columns (all columns when Cols is 0).
type Distinct struct {
	Input Node
	Cols  int
}

func (n *Distinct) Width() int { return n.Input.Width() }

func (n *Distinct) Open(c *Ctx) (RowIter, error) {
	in, err := n.Input.Open(c)
	if err != nil {
		return nil, err
	}
	return &distinctIter{in: in, n: n, seen: map[string]struct{}{}}, nil
}

type distinctIter struct {
	in   RowIter
	n    *Distinct
	seen map[string]struct{}
	buf  []byte
}

func (it *distinctIter) Next() (types.Row, error) {
	for {
		row, err := it.in.Next()
		if err != nil {
			return nil, err
		}
		cols := row
		if it.n.Cols > 0 {
			cols = row[:it.n.Cols]
		}
		it.buf = AppendGroupKey(it.buf[:0], cols)
		if _, dup := it.seen[string(it.buf)]; dup {
			continue
		}
		it.seen[string(it.buf)] = struct{}{}
		return row, nil
	}
}
func (it *distinctIter) Close() error { return it.in.Close() }

// AppendGroupKey appends a byte string that is equal for two rows exactly
// when their values are equal for grouping (NULL equals NULL, -0 equals 0,
// numerics equal in value, arrays equal in shape and elements).
func AppendGroupKey(buf []byte, row types.Row) []byte {
	for _, d := range row {
		buf = appendDatumKey(buf, d)
	}
	return buf
}

func appendDatumKey(buf []byte, d types.Datum) []byte {
	buf = append(buf, byte(d.K))
	switch d.K {
	case types.KNull:
	case types.KBool, types.KInt, types.KDate, types.KTimestamp:
		buf = binary.BigEndian.AppendUint64(buf, uint64(d.I))
	case types.KFloat:
		f := d.F
		if f == 0 {
			f = 0
		}
		if math.IsNaN(f) {
			f = math.NaN()
		}
		buf = binary.BigEndian.AppendUint64(buf, math.Float64bits(f))
	case types.KNumeric:
		s := types.FormatText(types.NewNumeric(normalizeNumeric(d)), types.Numeric, nil)
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	case types.KVector:
		// Vector elements are never NaN; -0 equals 0.
		v := d.Vector()
		buf = binary.AppendUvarint(buf, uint64(len(v)))
		for _, f := range v {
			if f == 0 {
				f = 0
			}
			buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(f))
		}
	case types.KSparse:
		// Stored elements are non-zero.
		s := d.Sparse()
		buf = binary.AppendUvarint(buf, uint64(s.Dim))
		buf = binary.AppendUvarint(buf, uint64(len(s.Idx)))
		for i, idx := range s.Idx {
			buf = binary.AppendUvarint(buf, uint64(idx))
			buf = binary.BigEndian.AppendUint32(buf, math.Float32bits(s.Val[i]))
		}
	case types.KArray:
		// array_eq: the same dimensions, lower bounds and elements.
		a := d.Array()
		dims := a.DimLens()
		buf = binary.AppendUvarint(buf, uint64(len(dims)))
		for i, n := range dims {
			buf = binary.BigEndian.AppendUint32(buf, uint32(n))
			buf = binary.BigEndian.AppendUint32(buf, uint32(a.LowerBound(i)))
		}
		for _, e := range a.Elems {
			buf = appendDatumKey(buf, e)
		}
	default:
		buf = binary.AppendUvarint(buf, uint64(len(d.S)))
		buf = append(buf, d.S...)
	}
	return buf
}
