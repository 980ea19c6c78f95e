package hnsw

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestGraphFileRoundTrip writes a graph with tombstones without its live
// vectors, reads it back, fills the vectors from the caller's copy, and
// gets an index identical to the original: the same checkpoint bytes and
// the same answers.
func TestGraphFileRoundTrip(t *testing.T) {
	for _, metric := range []Metric{Cosine, L2} {
		const n, dim = 1500, 64
		rng := rand.New(rand.NewPCG(3, uint64(metric)))
		x, err := New(Config{Dim: dim, Metric: metric, M: 8, EfConstruction: 40, Seed: 5, RepairFraction: -1})
		if err != nil {
			t.Fatal(err)
		}
		vecs := map[uint64][]float32{}
		for i := 1; i <= n; i++ {
			v := make([]float32, dim)
			for j := range v {
				v[j] = rng.Float32()*2 - 1
			}
			if i == 500 && metric == Cosine {
				v = make([]float32, dim) // a zero vector is remembered, not indexed (one: the file lists them in map order)
			}
			vecs[uint64(i)] = v
			if err := x.Add(uint64(i), v); err != nil {
				t.Fatal(err)
			}
		}
		for i := 1; i <= n; i += 7 {
			x.Delete(uint64(i))
			delete(vecs, uint64(i))
		}
		var full, graph bytes.Buffer
		if _, err := x.WriteTo(&full, 42); err != nil {
			t.Fatal(err)
		}
		if _, err := x.WriteGraphTo(&graph, 42); err != nil {
			t.Fatal(err)
		}
		if graph.Len() >= full.Len()/2 {
			t.Errorf("%v: graph file %d bytes, full checkpoint %d: vectors not left out", metric, graph.Len(), full.Len())
		}
		if _, _, err := Read(bytes.NewReader(graph.Bytes())); err == nil {
			t.Fatalf("%v: Read accepted a graph without vectors", metric)
		}
		y, seq, err := ReadGraph(bytes.NewReader(graph.Bytes()))
		if err != nil || seq != 42 {
			t.Fatalf("%v: ReadGraph: %v, seq %d", metric, err, seq)
		}
		first := true
		for label, v := range vecs {
			if first {
				if err := y.FillDone(); err == nil {
					t.Fatalf("%v: FillDone before any vector", metric)
				}
				first = false
			}
			if err := y.FillVector(label, v); err != nil {
				t.Fatalf("%v: FillVector(%d): %v", metric, label, err)
			}
		}
		if err := y.FillVector(1, make([]float32, dim)); err == nil {
			t.Fatalf("%v: FillVector of a deleted label", metric)
		}
		if err := y.FillDone(); err != nil {
			t.Fatal(err)
		}
		var again bytes.Buffer
		if _, err := y.WriteTo(&again, 42); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(again.Bytes(), full.Bytes()) {
			t.Fatalf("%v: the filled graph's checkpoint differs from the original's", metric)
		}
	}
}
