package hnsw

import (
	"math"

	"github.com/akidb/akidb/storage/vec"
)

// distFunc is the internal distance of a metric between a float32 vector
// and a stored one (halves h with scale s): monotone in the distance SQL
// reports, cheap to compute. Cosine vectors are stored normalised, so
// cosine costs one dot product.
type distFunc func(q []float32, h []uint16, s float32) float32

func internalDist(m Metric) distFunc {
	switch m {
	case L2:
		return vec.L2SqMixed
	case Cosine:
		return func(q []float32, h []uint16, s float32) float32 { return 1 - vec.DotMixed(q, h, s) }
	case InnerProduct:
		return func(q []float32, h []uint16, s float32) float32 { return -vec.DotMixed(q, h, s) }
	default:
		return vec.L1Mixed
	}
}

// external turns an internal distance into the one SQL reports.
func (x *Index) external(d float32) float32 {
	if x.metric == L2 {
		return float32(math.Sqrt(float64(d)))
	}
	return d
}

func finite(v []float32) bool {
	for _, f := range v {
		if math.IsNaN(float64(f)) || math.IsInf(float64(f), 0) {
			return false
		}
	}
	return true
}

// isZero reports whether every element of v is zero: such a vector has no
// cosine distance (pgvector computes its norm in double precision, so any
// non-zero element makes it indexable).
func isZero(v []float32) bool {
	for _, f := range v {
		if f != 0 {
			return false
		}
	}
	return true
}
