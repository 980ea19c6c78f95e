package main

import (
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

// The ground truth agrees with a float64 brute force, also for a number of
// queries that is not a multiple of four.
func TestComputeTruth(t *testing.T) {
	ds := clustered(3, 600, 13, 37, 5)
	ds.computeTruth(10)
	for qi, q := range ds.Queries {
		type p struct {
			d  float64
			id int64
		}
		var ps []p
		for i := range ds.N {
			var ab, aa, bb float64
			for j, x := range ds.row(i) {
				ab += float64(x) * float64(q[j])
				aa += float64(x) * float64(x)
				bb += float64(q[j]) * float64(q[j])
			}
			ps = append(ps, p{1 - ab/math.Sqrt(aa*bb), int64(i)})
		}
		sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
		var want []int64
		for _, x := range ps[:10] {
			want = append(want, x.id)
		}
		if !slices.Equal(ds.Truth[qi], want) {
			t.Errorf("query %d: truth %v, want %v", qi, ds.Truth[qi], want)
		}
		if r := recall(ds.Truth[qi], want); r != 1 {
			t.Errorf("recall of the truth = %v", r)
		}
	}
	if r := recall([]int64{1, 2, 3, 4}, []int64{4, 3, 9, 8}); r != 0.5 {
		t.Errorf("recall = %v, want 0.5", r)
	}
}

func writeFvecs(t *testing.T, path string, vecs [][]float32) {
	t.Helper()
	var b []byte
	for _, v := range vecs {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(v)))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		}
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFvecs(t *testing.T) {
	src := clustered(4, 50, 0, 6, 3)
	var vecs [][]float32
	for i := range src.N {
		vecs = append(vecs, src.row(i))
	}
	dir := t.TempDir()
	base := filepath.Join(dir, "base.fvecs")
	writeFvecs(t, base, vecs)

	// Queries held out of the base file.
	ds, err := fromFvecs(base, "", 40, 10)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 40 || ds.D != 6 || len(ds.Queries) != 10 || !slices.Equal(ds.Queries[0], vecs[40]) || !slices.Equal(ds.row(39), vecs[39]) {
		t.Errorf("held out: N=%d D=%d Q=%d", ds.N, ds.D, len(ds.Queries))
	}
	// A separate query file.
	qf := filepath.Join(dir, "q.fvecs")
	writeFvecs(t, qf, vecs[:3])
	ds, err = fromFvecs(base, qf, 20, 100)
	if err != nil {
		t.Fatal(err)
	}
	if ds.N != 20 || len(ds.Queries) != 3 || !slices.Equal(ds.Queries[2], vecs[2]) {
		t.Errorf("query file: N=%d Q=%d", ds.N, len(ds.Queries))
	}
	// A dimension mismatch is an error.
	writeFvecs(t, qf, [][]float32{{1, 2}})
	if _, err := fromFvecs(base, qf, 20, 100); err == nil {
		t.Error("queries of another dimension accepted")
	}
}

func TestTargets(t *testing.T) {
	o, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := newReport(o)
	rep.Datasets = []*datasetResult{
		{N: 100000, D: 128, LoadPlusIndexSeconds: 7.5, Runs: []*runResult{{EfSearch: 40, Clients: 1, QPS: 4000, P95ms: 0.6, Recall: 0.96}}},
		{N: 100000, D: 512, LoadPlusIndexSeconds: 20, RawVectorBytes: 100, MemoryEnd: &memory{RSS: 140},
			ExactScan: &runResult{P50ms: 9},
			Runs:      []*runResult{{EfSearch: 40, Clients: 1, QPS: 3000, P95ms: 0.5, Recall: 0.94}, {EfSearch: 100, Clients: 1, QPS: 1900, P95ms: 0.7, Recall: 0.97}}},
	}
	rep.evaluate()
	want := []string{"pass", "fail", "pass", "fail", "pass", "pass", "fail", "pass", "pass"}
	if len(rep.Targets) != len(want) {
		t.Fatalf("%d targets, want %d: %+v", len(rep.Targets), len(want), rep.Targets)
	}
	for i, tg := range rep.Targets {
		if tg.Status != want[i] {
			t.Errorf("%s: %s (got %s), want %s", tg.Name, tg.Status, tg.Got, want[i])
		}
	}
	if !rep.failed() {
		t.Error("failed() = false")
	}

	o, _ = parseFlags([]string{"--quick"})
	if o.n != 10000 || o.duration.Seconds() != 3 {
		t.Errorf("--quick: n=%d duration=%v", o.n, o.duration)
	}
	o, _ = parseFlags([]string{"--quick", "--n", "5000"})
	if o.n != 5000 {
		t.Errorf("--quick --n 5000: n=%d", o.n)
	}
}
