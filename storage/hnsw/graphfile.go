package hnsw

import (
	"fmt"
	"io"

	"github.com/akidb/akidb/storage/vec"
)

// A graph file is the checkpoint format without the vectors of live
// slots (header flag flagExternalVectors; section 1 holds only the
// tombstones' vectors, in slot order). A snapshot stores the rows with
// their vectors beside it, so the vectors travel once; a restore reads
// the graph, then supplies each live label's vector from the rows.

const flagExternalVectors = 1

// WriteGraphTo writes the graph without the vectors of live slots.
func (x *Index) WriteGraphTo(w io.Writer, seq uint64) (int64, error) {
	return x.writeTo(w, seq, true)
}

// ReadGraph reads a file written by WriteGraphTo (or WriteTo). The index
// is not usable until FillVector has given the vector of every live label
// and FillDone has returned nil.
func ReadGraph(r io.Reader) (*Index, uint64, error) {
	return read(r)
}

// FillVector supplies the vector of a live label of an index read by
// ReadGraph (the vector as added: cosine vectors are normalised here).
func (x *Index) FillVector(label uint64, v []float32) error {
	if x.unfilled == nil {
		return fmt.Errorf("hnsw: FillVector on an index that has its vectors")
	}
	if len(v) != x.dim {
		return fmt.Errorf("%w: expected %d dimensions, not %d", ErrDim, x.dim, len(v))
	}
	id, ok := x.byLabel[label]
	if !ok {
		if _, zero := x.zeros[label]; zero {
			return nil
		}
		return fmt.Errorf("hnsw: label %d is not in the graph", label)
	}
	if !x.unfilled.has(id) {
		return fmt.Errorf("hnsw: label %d filled twice", label)
	}
	if x.metric == Cosine {
		s := x.getSearcher()
		defer x.pool.Put(s)
		vec.Normalize(s.q, v)
		v = s.q
	}
	x.setVec(id, v)
	x.unfilled[id>>6] &^= 1 << (id & 63)
	x.nUnfilled--
	return nil
}

// FillDone checks that every live label got its vector and makes the
// index usable.
func (x *Index) FillDone() error {
	if x.unfilled == nil {
		return nil
	}
	if x.nUnfilled != 0 {
		return fmt.Errorf("%w: %d live labels without a vector", ErrCorrupt, x.nUnfilled)
	}
	x.unfilled = nil
	return nil
}
