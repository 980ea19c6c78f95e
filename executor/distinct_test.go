package executor

import (
	"testing"

	"github.com/akidb/akidb/types"
)

func TestAppendGroupKeyValues(t *testing.T) {
	arr := func(elems ...types.Datum) types.Datum {
		return types.NewArray(&types.Array{Elem: types.Float4OID, Elems: elems})
	}
	sparse := func(dim int32, idx []int32, val []float32) types.Datum {
		return types.NewSparse(&types.SparseVec{Dim: dim, Idx: idx, Val: val})
	}
	cases := []struct {
		a, b  types.Datum
		equal bool
	}{
		{types.NewVector([]float32{1, 2}), types.NewVector([]float32{1, 2}), true},
		{types.NewVector([]float32{1, 2}), types.NewVector([]float32{0, 5}), false},
		{types.NewVector([]float32{1, 2}), types.NewVector([]float32{1, 2, 0}), false},
		{types.NewVector([]float32{0}), types.NewVector([]float32{float32(negZero())}), true},
		{sparse(3, []int32{0}, []float32{1}), sparse(3, []int32{0}, []float32{1}), true},
		{sparse(3, []int32{0}, []float32{1}), sparse(3, []int32{1}, []float32{1}), false},
		{sparse(3, []int32{0}, []float32{1}), sparse(4, []int32{0}, []float32{1}), false},
		{arr(types.NewFloat(1), types.Null), arr(types.NewFloat(1), types.Null), true},
		{arr(types.NewFloat(1)), arr(types.NewFloat(2)), false},
		{arr(types.NewFloat(1)), arr(types.NewFloat(1), types.NewFloat(1)), false},
		{arr(), arr(), true},
		{types.NewArray(&types.Array{Elem: types.Float4OID, Elems: []types.Datum{types.NewFloat(1)}, Lower: []int32{0}}),
			arr(types.NewFloat(1)), false},
	}
	for i, c := range cases {
		ka := string(AppendGroupKey(nil, types.Row{c.a}))
		kb := string(AppendGroupKey(nil, types.Row{c.b}))
		if (ka == kb) != c.equal {
			t.Errorf("case %d: keys equal = %v, want %v", i, ka == kb, c.equal)
		}
	}
}

func negZero() float64 {
	z := 0.0
	return -z
}
