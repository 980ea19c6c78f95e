package storage

import (
	"context"
	"errors"
	"math"
	"math/rand"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/hnsw"
	"github.com/akidb/akidb/types"
)

var exactOps = []struct {
	op string
	m  hnsw.Metric
}{{"<->", hnsw.L2}, {"<=>", hnsw.Cosine}, {"<#>", hnsw.InnerProduct}}

// exactRef is a hit of the reference scan: rank 0 finite distance, 1 NaN,
// 2 NULL vector.
type exactRef struct {
	id   int64
	dist float32
	rank int
}

// scanTopK is the k nearest rows tx sees by a scan of every row, in the
// order SQL sorts distances (NaN after numbers, NULL last), ties by id.
func scanTopK(t testing.TB, tx *Txn, td *TableDesc, m hnsw.Metric, q []float32, k int) []exactRef {
	t.Helper()
	var all []exactRef
	for _, r := range collect(t, tx.Scan(td, Span{})) {
		e := exactRef{id: r[0].I}
		if r[2].K == types.KNull {
			e.rank = 2
		} else {
			e.dist = exactDistance(m, q, r[2].P.([]float32))
			if math.IsNaN(float64(e.dist)) {
				e.rank = 1
			}
		}
		all = append(all, e)
	}
	sort.SliceStable(all, func(i, j int) bool {
		a, b := all[i], all[j]
		if a.rank != b.rank {
			return a.rank < b.rank
		}
		if a.dist != b.dist {
			return a.dist < b.dist
		}
		return a.id < b.id
	})
	return all[:min(k, len(all))]
}

func exactHits(hits []VectorHit, m hnsw.Metric) []exactRef {
	out := make([]exactRef, len(hits))
	for i, h := range hits {
		out[i] = exactRef{id: h.Row[0].I, dist: h.Dist}
		if h.Row[2].K == types.KNull {
			out[i] = exactRef{id: h.Row[0].I, rank: 2}
		} else if math.IsNaN(float64(h.Dist)) {
			out[i].rank = 1
		}
	}
	return out
}

// sameExact compares position by position: the same rank and distance,
// and the same row unless the distance is tied with a neighbour's.
func sameExact(got, want []exactRef) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.rank != w.rank || (g.rank == 0 && g.dist != w.dist) {
			return false
		}
	}
	gi := make([]int64, len(got))
	wi := make([]int64, len(want))
	for i := range got {
		gi[i], wi[i] = got[i].id, want[i].id
	}
	if slices.Equal(gi, wi) {
		return true
	}
	for i := range got {
		if got[i].id == want[i].id {
			continue
		}
		tied := func(j int) bool {
			return j >= 0 && j < len(want) && want[j].rank == want[i].rank && want[j].dist == want[i].dist
		}
		// The last place may hold any of the rows tied with it, beyond k too.
		if !tied(i-1) && !tied(i+1) && !(i == len(want)-1 && want[i].rank != 0) {
			return false
		}
	}
	return true
}

func mustExact(t testing.TB, tx *Txn, td *TableDesc, op string, q []float32, k int) []VectorHit {
	t.Helper()
	hits, ok, err := tx.ExactSearch(context.Background(), td, 2, op, q, k)
	if err != nil {
		t.Fatal(err)
	}
	if !ok {
		t.Fatalf("ExactSearch %s k=%d fell back", op, k)
	}
	return hits
}

// checkExact compares ExactSearch with a scan for a few queries and every
// metric.
func checkExact(t testing.TB, db *DB, td *TableDesc, r *rand.Rand, dims, queries int, ks ...int) {
	t.Helper()
	tx := db.Begin()
	defer tx.Rollback()
	for qi := range queries {
		q := randVec(r, dims)
		for _, o := range exactOps {
			for _, k := range ks {
				got := exactHits(mustExact(t, tx, td, o.op, q, k), o.m)
				want := scanTopK(t, tx, td, o.m, q, k)
				if !sameExact(got, want) {
					t.Fatalf("query %d %s k=%d:\n got %v\nwant %v", qi, o.op, k, got, want)
				}
			}
		}
	}
}

func insertDocs(t testing.TB, db *DB, td *TableDesc, from int64, vecs [][]float32) {
	t.Helper()
	tx := db.Begin()
	for i, v := range vecs {
		if err := tx.Insert(td, docRow(from+int64(i), 0, v)); err != nil {
			t.Fatal(err)
		}
	}
	mustCommit(t, tx)
}

// clustered returns n vectors around a few centres, some scaled, so that
// norms differ and neighbours are close.
func clustered(r *rand.Rand, n, dims int) [][]float32 {
	centres := make([][]float32, 8)
	for i := range centres {
		centres[i] = randVec(r, dims)
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[r.Intn(len(centres))]
		v := make([]float32, dims)
		scale := float32(0.5 + 3*r.Float64())
		for j := range v {
			v[j] = scale * (c[j] + 0.05*float32(r.NormFloat64()))
		}
		out[i] = v
	}
	return out
}

func TestExactSearchMatchesScan(t *testing.T) {
	const dims = 48
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(1))
	vecs := clustered(r, 9000, dims)
	// NULL and zero vectors, and exact duplicates.
	for i := 0; i < len(vecs); i += 97 {
		vecs[i] = nil
	}
	for i := 5; i < len(vecs); i += 211 {
		vecs[i] = make([]float32, dims)
	}
	for i := 7; i < len(vecs); i += 101 {
		vecs[i] = slices.Clone(vecs[i-1])
	}
	insertDocs(t, db, td, 0, vecs)
	checkExact(t, db, td, r, dims, 8, 1, 10, 57)
	if b := db.flat.builds.Load(); b != 1 {
		t.Errorf("%d cache builds, want 1", b)
	}
	if db.flat.pass8.Load() == 0 {
		t.Error("the 8-bit pass never narrowed the rows down")
	}

	// Queries near stored rows, where the nearest are close together.
	tx := db.Begin()
	defer tx.Rollback()
	for i := 1; i < 50; i += 3 {
		q := slices.Clone(vecs[i])
		if q == nil || isZeroVec(q) {
			continue
		}
		q[0] += 0.01
		for _, o := range exactOps {
			got := exactHits(mustExact(t, tx, td, o.op, q, 10), o.m)
			want := scanTopK(t, tx, td, o.m, q, 10)
			if !sameExact(got, want) {
				t.Fatalf("near row %d %s:\n got %v\nwant %v", i, o.op, got, want)
			}
		}
	}
}

func TestExactSearchSmallAndNullTables(t *testing.T) {
	const dims = 4
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(2))
	q := randVec(r, dims)

	tx := db.Begin()
	if hits := mustExact(t, tx, td, "<->", q, 5); len(hits) != 0 {
		t.Fatalf("empty table: %v", hits)
	}
	tx.Rollback()

	// Fewer non-NULL rows than k: the NULLs follow, the zero vector's NaN
	// cosine distance before them.
	insertDocs(t, db, td, 0, [][]float32{nil, randVec(r, dims), nil, make([]float32, dims), randVec(r, dims)})
	tx = db.Begin()
	defer tx.Rollback()
	for _, o := range exactOps {
		got := exactHits(mustExact(t, tx, td, o.op, q, 10), o.m)
		want := scanTopK(t, tx, td, o.m, q, 10)
		if len(want) != 5 || !sameExact(got, want) {
			t.Fatalf("%s:\n got %v\nwant %v", o.op, got, want)
		}
	}
}

func TestExactSearchFollowsCommits(t *testing.T) {
	const dims = 16
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(3))
	insertDocs(t, db, td, 0, clustered(r, 500, dims))
	checkExact(t, db, td, r, dims, 2, 10)

	// Insert the query itself: it must come first.
	q := randVec(r, dims)
	insertDocs(t, db, td, 1000, [][]float32{q})
	if n := cacheCount(db); n != 0 {
		t.Fatalf("%d caches after a commit to the table, want 0", n)
	}
	tx := db.Begin()
	hits := mustExact(t, tx, td, "<->", q, 3)
	if hits[0].Row[0].I != 1000 || hits[0].Dist != 0 {
		t.Fatalf("after insert: %v", hits[0])
	}
	tx.Rollback()

	// Update it away, then delete its successor.
	tx = db.Begin()
	row, key := getDoc(t, tx, td, 1000)
	far := make([]float32, dims)
	for i := range far {
		far[i] = -100 * q[i]
	}
	if err := tx.Update(td, key, row, docRow(1000, 0, far)); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	hits = mustExact(t, tx, td, "<->", q, 3)
	if hits[0].Row[0].I == 1000 {
		t.Fatal("updated row still nearest")
	}
	next := hits[0].Row[0].I
	row, key = getDoc(t, tx, td, next)
	if err := tx.Delete(td, key, row); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	hits = mustExact(t, tx, td, "<->", q, 3)
	if hits[0].Row[0].I == next {
		t.Fatal("deleted row still returned")
	}
	tx.Rollback()
	checkExact(t, db, td, r, dims, 2, 10)
	if b := db.flat.builds.Load(); b != 4 {
		t.Errorf("%d cache builds, want 4 (one per data version)", b)
	}
}

func TestExactSearchFallsBack(t *testing.T) {
	const dims = 8
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(4))
	insertDocs(t, db, td, 0, clustered(r, 100, dims))
	q := randVec(r, dims)
	fallsBack := func(tx *Txn, td *TableDesc, op string, q []float32, what string) {
		t.Helper()
		hits, ok, err := tx.ExactSearch(context.Background(), td, 2, op, q, 5)
		if err != nil || ok || hits != nil {
			t.Fatalf("%s: %v %v %v, want a fallback", what, hits, ok, err)
		}
	}
	tx := db.Begin()
	fallsBack(tx, td, "<+>", q, "l1")
	fallsBack(tx, td, "<->", make([]float32, dims), "zero query")
	fallsBack(tx, td, "<->", []float32{1, 2, 3}, "other dimensions")
	nan := slices.Clone(q)
	nan[0] = float32(math.NaN())
	fallsBack(tx, td, "<->", nan, "NaN query")

	// The transaction's own writes: a scan must see them.
	if err := tx.Insert(td, docRow(500, 0, q)); err != nil {
		t.Fatal(err)
	}
	fallsBack(tx, td, "<->", q, "own insert")
	tx.Rollback()

	// Writes to another table do not matter.
	tx = db.Begin()
	if err := tx.CreateTable(&TableDesc{Name: "other", Columns: []ColumnDesc{{Name: "a", Type: types.Int8}}}); err != nil {
		t.Fatal(err)
	}
	mustExact(t, tx, td, "<->", q, 5)
	tx.Rollback()

	// A column without dimensions holding vectors of two sizes: the scan
	// reports the error.
	tx = db.Begin()
	mixed := docsTable(0)
	mixed.Name = "mixed"
	mixed.Columns[2].Type.Mod = -1
	if err := tx.CreateTable(mixed); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	md, err := tx.Table("mixed")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range [][]float32{{1, 2}, {1, 2, 3}} {
		if err := tx.Insert(md, docRow(int64(i), 0, v)); err != nil {
			t.Fatal(err)
		}
	}
	mustCommit(t, tx)
	tx = db.Begin()
	defer tx.Rollback()
	fallsBack(tx, md, "<->", []float32{1, 2}, "mixed dimensions")

	// A cancelled context ends the build.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	big := createBig(t, db, dims, 10000, r)
	cancelled := func(what string) {
		t.Helper()
		if _, _, err := tx.ExactSearch(ctx, big, 2, "<->", q, 5); !errors.Is(err, context.Canceled) {
			if pe := (*pgerr.Error)(nil); !errors.As(err, &pe) || pe.Code != pgerr.QueryCanceled {
				t.Fatalf("cancelled %s: %v", what, err)
			}
		}
	}
	cancelled("build")
	// And the scan of a cache already built.
	mustExact(t, tx, big, "<->", q, 5)
	cancelled("scan")
}

func createBig(t testing.TB, db *DB, dims, n int, r *rand.Rand) *TableDesc {
	t.Helper()
	tx := db.Begin()
	td := docsTable(dims)
	td.Name = "big"
	if err := tx.CreateTable(td); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	td, err := tx.Table("big")
	tx.Rollback()
	if err != nil {
		t.Fatal(err)
	}
	for from := 0; from < n; from += 5000 {
		insertDocs(t, db, td, int64(from), clustered(r, min(5000, n-from), dims))
	}
	return td
}

func TestExactSearchDropTable(t *testing.T) {
	const dims = 8
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(5))
	insertDocs(t, db, td, 0, clustered(r, 100, dims))
	tx := db.Begin()
	mustExact(t, tx, td, "<=>", randVec(r, dims), 5)
	tx.Rollback()
	if n := cacheCount(db); n != 1 {
		t.Fatalf("%d caches, want 1", n)
	}
	tx = db.Begin()
	if err := tx.DropTable(td.ID); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	if n := cacheCount(db); n != 0 {
		t.Fatalf("%d caches after DROP TABLE, want 0", n)
	}
}

func cacheCount(db *DB) int {
	db.flat.mu.Lock()
	defer db.flat.mu.Unlock()
	n := 0
	for _, e := range db.flat.entries {
		if e.cur != nil {
			n++
		}
	}
	return n
}

// Near-identical rows defeat the first pass's proof: the second pass
// collects every row that may be near enough, or, past its cap, the scan
// takes over.
func TestExactSearchSecondPass(t *testing.T) {
	const dims = 32
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(6))
	base := randVec(r, dims)
	vecs := make([][]float32, 6000)
	for i := range vecs {
		v := slices.Clone(base)
		v[i%dims] += float32(i) * 1e-6
		vecs[i] = v
	}
	insertDocs(t, db, td, 0, vecs)
	tx := db.Begin()
	defer tx.Rollback()
	q := slices.Clone(base)
	q[3] += 0.001
	for _, o := range exactOps {
		got := exactHits(mustExact(t, tx, td, o.op, q, 10), o.m)
		want := scanTopK(t, tx, td, o.m, q, 10)
		if !sameExact(got, want) {
			t.Fatalf("%s:\n got %v\nwant %v", o.op, got, want)
		}
	}
	if db.flat.rechecks.Load() == 0 {
		t.Error("no second pass")
	}
}

// Searches race with commits to the table: every answer is either the
// cache's, checked to be in order, or a fallback.
func TestExactSearchConcurrentCommits(t *testing.T) {
	const dims = 16
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(7))
	insertDocs(t, db, td, 0, clustered(r, 2000, dims))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		r := rand.New(rand.NewSource(8))
		for i := int64(0); ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			insertDocs(t, db, td, 10000+i, [][]float32{randVec(r, dims)})
		}
	}()
	q := randVec(r, dims)
	for range 30 {
		tx := db.Begin()
		hits, ok, err := tx.ExactSearch(context.Background(), td, 2, "<->", q, 10)
		tx.Rollback()
		if err != nil {
			t.Fatal(err)
		}
		if ok && (len(hits) != 10 || !slices.IsSortedFunc(hits, func(a, b VectorHit) int { return cmpDist(a.Dist, b.Dist) })) {
			t.Fatalf("hits: %v", hits)
		}
	}
	close(stop)
	wg.Wait()
	checkExact(t, db, td, r, dims, 2, 10)
}

func BenchmarkExactSearch(b *testing.B) {
	const dims, n = 512, 20000
	db := openVecTest(b, b.TempDir())
	defer db.Close()
	r := rand.New(rand.NewSource(9))
	td := createBig(b, db, dims, n, r)
	q := randVec(r, dims)
	tx := db.Begin()
	defer tx.Rollback()
	mustExact(b, tx, td, "<=>", q, 10) // builds the cache
	b.ResetTimer()
	for b.Loop() {
		mustExact(b, tx, td, "<=>", q, 10)
	}
	b.ReportMetric(float64(db.flat.rechecks.Load())/float64(b.N), "rechecks/op")
	b.ReportMetric(float64(db.flat.pass8.Load())/float64(b.N), "pass8/op")
}

// Tiering's writes outside transactions retire the caches: dropping a
// collection's local data, and unloading it.
func TestExactSearchTiering(t *testing.T) {
	const dims = 8
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, dims)
	td, _ = createHNSW(t, db, td, "vector_l2_ops")
	r := rand.New(rand.NewSource(10))
	insertDocs(t, db, td, 0, clustered(r, 200, dims))
	q := randVec(r, dims)
	search := func() []VectorHit {
		t.Helper()
		tx := db.Begin()
		defer tx.Rollback()
		return mustExact(t, tx, td, "<->", q, 5)
	}
	if hits := search(); len(hits) != 5 {
		t.Fatalf("%d hits", len(hits))
	}
	if err := db.Unload(context.Background(), td.ID); err != nil {
		t.Fatal(err)
	}
	if n := cacheCount(db); n != 0 {
		t.Fatalf("%d caches after Unload", n)
	}
	if hits := search(); len(hits) != 5 {
		t.Fatalf("%d hits after Unload", len(hits))
	}
	if err := db.DropLocal(context.Background(), td.ID); err != nil {
		t.Fatal(err)
	}
	if hits := search(); len(hits) != 0 {
		t.Fatalf("%d hits after DropLocal", len(hits))
	}
}

// rowVectorField reads a vector field past scalar and vector fields, and
// leaves rows with other fields before it to a full decode.
func TestRowVectorField(t *testing.T) {
	v1, v2 := []float32{1, -2, 3}, []float32{0.5, 0.25}
	for _, c := range []struct {
		row  types.Row
		col  int
		want []float32
		null bool
		ok   bool
	}{
		{types.Row{types.NewInt(1), types.NewString("x"), types.NewVector(v1)}, 2, v1, false, true},
		{types.Row{types.NewVector(v2), types.NewFloat(1.5), types.Null, types.NewVector(v1)}, 3, v1, false, true},
		{types.Row{types.NewVector(v2), types.NewVector(v1)}, 0, v2, false, true},
		{types.Row{types.NewInt(1), types.Null}, 1, nil, true, true},
		{types.Row{types.NewInt(1)}, 2, nil, true, true}, // a column added later
		{types.Row{types.NewUUID([16]byte{1}), types.NewVector(v1)}, 1, nil, false, false},
		{types.Row{types.NewInt(1), types.NewString("x")}, 1, nil, false, false},
	} {
		buf, err := AppendRow(nil, c.row)
		if err != nil {
			t.Fatal(err)
		}
		v, null, ok := rowVectorField(buf, c.col, nil)
		if ok != c.ok || null != c.null || !slices.Equal(v, c.want) {
			t.Errorf("%v col %d: %v %v %v, want %v %v %v", c.row, c.col, v, null, ok, c.want, c.null, c.ok)
		}
		if ok && !null {
			// The full decode agrees.
			row, err := DecodeRow(buf, len(c.row))
			if err != nil || !slices.Equal(row[c.col].P.([]float32), v) {
				t.Errorf("%v: decoded %v %v", c.row, row, err)
			}
		}
	}
	if _, _, ok := rowVectorField([]byte{9}, 0, nil); ok {
		t.Error("bad format accepted")
	}
}
