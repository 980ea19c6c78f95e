package hnsw

import "math"

// distFunc is the internal distance of a metric: monotone in the distance
// SQL reports, cheap to compute. Cosine vectors are stored normalised, so
// cosine costs one dot product.
type distFunc func(a, b []float32) float32

func internalDist(m Metric) distFunc {
	switch m {
	case L2:
		return l2Sq
	case Cosine:
		return func(a, b []float32) float32 { return 1 - dot(a, b) }
	case InnerProduct:
		return func(a, b []float32) float32 { return -dot(a, b) }
	default:
		return l1
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
