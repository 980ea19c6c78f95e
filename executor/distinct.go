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
// numerics equal in value).
func AppendGroupKey(buf []byte, row types.Row) []byte {
	for _, d := range row {
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
		default:
			buf = binary.AppendUvarint(buf, uint64(len(d.S)))
			buf = append(buf, d.S...)
		}
	}
	return buf
}
