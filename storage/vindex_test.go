package storage

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"math/rand"
	"os"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/hnsw"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

func quietOptions() Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func openVecTest(t testing.TB, dir string) *DB {
	t.Helper()
	db, err := Open(dir, quietOptions())
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// docsTable is (id int8 primary key, cat int8, emb vector(dims)).
func docsTable(dims int) *TableDesc {
	return &TableDesc{
		Name: "docs",
		Columns: []ColumnDesc{
			{Name: "id", Type: types.Int8, NotNull: true},
			{Name: "cat", Type: types.Int8},
			{Name: "emb", Type: types.T{OID: types.VectorOID, Mod: int32(dims)}},
		},
		PrimaryKey: []int{0},
	}
}

func docRow(id, cat int64, v []float32) types.Row {
	e := types.Null
	if v != nil {
		e = types.NewVector(v)
	}
	return types.Row{types.NewInt(id), types.NewInt(cat), e}
}

func randVec(r *rand.Rand, d int) []float32 {
	v := make([]float32, d)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

// createDocs creates docs and returns its committed descriptor.
func createDocs(t testing.TB, db *DB, dims int) *TableDesc {
	t.Helper()
	tx := db.Begin()
	if err := tx.CreateTable(docsTable(dims)); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	return docsDesc(t, db)
}

func docsDesc(t testing.TB, db *DB) *TableDesc {
	t.Helper()
	tx := db.Begin()
	defer tx.Rollback()
	td, err := tx.Table("docs")
	if err != nil || td == nil {
		t.Fatalf("docs: %v %v", td, err)
	}
	return td
}

func createHNSW(t testing.TB, db *DB, td *TableDesc, opclass string) (*TableDesc, *IndexDesc) {
	t.Helper()
	tx := db.Begin()
	idx, err := tx.CreateIndex(td.ID, IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: opclass})
	if err != nil {
		t.Fatal(err)
	}
	if idx.Name != "docs_emb_idx" || idx.M != 16 || idx.EfConstruction != 64 || idx.Dims != int(td.Columns[2].Type.Mod) {
		t.Errorf("index descriptor: %+v", idx)
	}
	mustCommit(t, tx)
	td = docsDesc(t, db)
	return td, vecIndexOf(t, td)
}

func vecIndexOf(t testing.TB, td *TableDesc) *IndexDesc {
	t.Helper()
	for i := range td.Indexes {
		if td.Indexes[i].IsVector() {
			return &td.Indexes[i]
		}
	}
	t.Fatal("no vector index")
	return nil
}

type idDist struct {
	id   int64
	dist float32
}

// bruteForce is the exact top-k of the rows tx sees that pass accept.
func bruteForce(t testing.TB, tx *Txn, td *TableDesc, m hnsw.Metric, q []float32, k int, accept func(types.Row) bool) []idDist {
	t.Helper()
	var all []idDist
	for _, r := range collect(t, tx.Scan(td, Span{})) {
		if r[2].K == types.KNull || (accept != nil && !accept(r)) {
			continue
		}
		v := r[2].P.([]float32)
		if m == hnsw.Cosine && isZeroVec(v) {
			continue
		}
		all = append(all, idDist{r[0].I, exactDistance(m, q, v)})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].dist != all[j].dist {
			return all[i].dist < all[j].dist
		}
		return all[i].id < all[j].id
	})
	return all[:min(k, len(all))]
}

func isZeroVec(v []float32) bool {
	return !slices.ContainsFunc(v, func(x float32) bool { return x != 0 })
}

func search(t testing.TB, tx *Txn, td *TableDesc, idx *IndexDesc, q []float32, k, ef int, accept func(types.Row) bool) []idDist {
	t.Helper()
	var acc func(types.Row) (bool, error)
	if accept != nil {
		acc = func(r types.Row) (bool, error) { return accept(r), nil }
	}
	hits, err := tx.VectorSearch(td, idx, q, k, ef, acc)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]idDist, len(hits))
	for i, h := range hits {
		out[i] = idDist{h.Row[0].I, h.Dist}
		if i > 0 && h.Dist < hits[i-1].Dist {
			t.Errorf("hits out of order: %v", hits)
		}
	}
	return out
}

// sameAnswer compares ids, allowing ties in distance to come in either
// order, and distances to float32 rounding.
func sameAnswer(got, want []idDist) bool {
	if len(got) != len(want) {
		return false
	}
	const eps = 1e-4
	for i := range got {
		d := got[i].dist - want[i].dist
		if d > eps || d < -eps {
			return false
		}
	}
	g := make([]int64, len(got))
	w := make([]int64, len(want))
	for i := range got {
		g[i], w[i] = got[i].id, want[i].id
	}
	// Ids may differ only within runs of equal distance.
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w) || tiesOnly(got, want)
}

func tiesOnly(got, want []idDist) bool {
	for i := range got {
		if got[i].id != want[i].id && !(i+1 < len(want) && want[i].dist == want[i+1].dist) && !(i > 0 && want[i].dist == want[i-1].dist) {
			return false
		}
	}
	return true
}

// checkAgainstBruteForce checks that the graph holds exactly the rows'
// vectors, and that searches with an ef above the row count agree with an
// exact scan: the same answer, every hit at its exact distance, in order.
// (The graph keeps every node reachable for the true metrics; with the
// inner product, which is not one, a rare node of small norm can be linked
// only from another such node, so there recall@k must only be near 1.)
func checkAgainstBruteForce(t testing.TB, db *DB, td *TableDesc, idx *IndexDesc, r *rand.Rand, queries, k int, accept func(types.Row) bool) {
	t.Helper()
	m, _ := opClassMetric(idx.OpClass)
	n := checkGraphMatchesRows(t, db, td, idx)
	tx := db.Begin()
	defer tx.Rollback()
	found, total := 0, 0
	for range queries {
		q := randVec(r, idx.Dims)
		want := bruteForce(t, tx, td, m, q, k, accept)
		got := search(t, tx, td, idx, q, k, n+10, accept)
		if sameAnswer(got, want) {
			found += len(want)
			total += len(want)
			continue
		}
		if m != hnsw.InnerProduct {
			t.Fatalf("%s: search differs from brute force\n got %v\nwant %v", idx.OpClass, got, want)
		}
		exact := make(map[int64]float32)
		for _, w := range bruteForce(t, tx, td, m, q, 1<<30, accept) {
			exact[w.id] = w.dist
		}
		hit := 0
		for i, g := range got {
			d, ok := exact[g.id]
			if !ok || d-g.dist > 1e-4 || g.dist-d > 1e-4 {
				t.Fatalf("hit %d: %v, exact distance %v (present %v)", i, g, d, ok)
			}
			if slices.ContainsFunc(want, func(w idDist) bool { return w.id == g.id }) {
				hit++
			}
		}
		if len(got) != len(want) || hit < len(want)*8/10 {
			t.Fatalf("%s: search far from brute force\n got %v\nwant %v", idx.OpClass, got, want)
		}
		found += hit
		total += len(want)
	}
	if total > 0 && float64(found) < 0.97*float64(total) {
		t.Fatalf("%s: recall %d/%d against brute force", idx.OpClass, found, total)
	}
}

// checkGraphMatchesRows checks that every committed row with an indexed
// vector has a label that maps back to it and is in the graph, that no
// other row has one, and that the graph holds nothing else. It returns the
// number of rows.
func checkGraphMatchesRows(t testing.TB, db *DB, td *TableDesc, idx *IndexDesc) int {
	t.Helper()
	v := db.vindexes()[idx.ID]
	if v == nil {
		t.Fatal("index not loaded")
	}
	tx := db.Begin()
	defer tx.Rollback()
	rows, indexed := 0, 0
	it := tx.Scan(td, Span{})
	defer it.Close()
	for it.Next() {
		rows++
		_, ok, err := indexedVector(td, idx, it.Row())
		if err != nil {
			t.Fatal(err)
		}
		label, err := tx.rowLabel(td.ID, idx.ID, it.Key())
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if label != 0 {
				t.Fatalf("row %v without an indexed vector has label %d", it.Row()[0], label)
			}
			continue
		}
		indexed++
		back, ok2, err := getValue(tx.b, labelKey(td.ID, idx.ID, label))
		if err != nil || !ok2 || !bytes.Equal(back, it.Key()) {
			t.Fatalf("row %v: label %d maps to %x (%v %v)", it.Row()[0], label, back, ok2, err)
		}
		if !v.g.Contains(label) {
			t.Fatalf("row %v: label %d not in the graph", it.Row()[0], label)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	if v.g.Len() != indexed {
		t.Fatalf("graph holds %d vectors, rows %d", v.g.Len(), indexed)
	}
	if n := keysUnder(t, db, vecPrefix(td.ID, tableVecLabels, idx.ID)); n != indexed {
		t.Fatalf("%d label entries for %d indexed rows", n, indexed)
	}
	return rows
}

func TestVectorIndexBuildMatchesBruteForce(t *testing.T) {
	for _, oc := range []string{"vector_l2_ops", "vector_cosine_ops", "vector_ip_ops", "vector_l1_ops"} {
		t.Run(oc, func(t *testing.T) {
			db := openVecTest(t, t.TempDir())
			defer db.Close()
			td := createDocs(t, db, 8)
			r := rand.New(rand.NewSource(1))
			tx := db.Begin()
			for i := range int64(300) {
				v := randVec(r, 8)
				switch i % 50 {
				case 7:
					v = nil // NULLs are not indexed
				case 9:
					v = make([]float32, 8) // zero vectors are not indexed under cosine
				}
				insertAll(t, tx, td, docRow(i, i%10, v))
			}
			mustCommit(t, tx)
			td, idx := createHNSW(t, db, td, oc)
			st, ok := db.VectorIndexStats(idx.ID)
			want := 300 - 6
			if oc == "vector_cosine_ops" {
				want -= 6
			}
			if !ok || st.Count != want || st.LogSeq == 0 {
				t.Errorf("stats: %+v %v, want %d vectors", st, ok, want)
			}
			checkAgainstBruteForce(t, db, td, idx, r, 20, 10, nil)
		})
	}
}

func TestVectorIndexErrors(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, 3)
	tx := db.Begin()
	insertAll(t, tx, td, docRow(1, 0, []float32{1, 2, 3}), docRow(2, 0, []float32{1, 2}))
	mustCommit(t, tx)

	tx = db.Begin()
	_, err := tx.CreateIndex(td.ID, IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: "vector_l2_ops"})
	if pgerr.Code(err) != pgerr.DataException || err.Error() != "expected 3 dimensions, not 2" {
		t.Errorf("build over a row of other dimensions: %v", err)
	}
	tx.Rollback()
	for _, c := range []struct {
		idx  IndexDesc
		code string
	}{
		{IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: "nope_ops"}, pgerr.UndefinedObject},
		{IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: "vector_l2_ops", M: 1}, pgerr.InvalidParameterValue},
		{IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: "vector_l2_ops", M: 40, EfConstruction: 64}, pgerr.InvalidParameterValue},
		{IndexDesc{Columns: []int{1, 2}, Method: MethodHNSW, OpClass: "vector_l2_ops"}, pgerr.FeatureNotSupported},
		{IndexDesc{Columns: []int{2}, Method: "ivfflat", OpClass: "vector_l2_ops"}, pgerr.UndefinedObject},
	} {
		tx := db.Begin()
		if _, err := tx.CreateIndex(td.ID, c.idx); pgerr.Code(err) != c.code {
			t.Errorf("%+v: %v, want %s", c.idx, err, c.code)
		}
		tx.Rollback()
	}

	tx = db.Begin()
	if err := tx.Delete(td, appendKeyInt([]byte{keyInt}, 2), docRow(2, 0, []float32{1, 2})); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	tx = db.Begin()
	defer tx.Rollback()
	if err := tx.Insert(td, docRow(3, 0, []float32{1})); pgerr.Code(err) != pgerr.DataException || err.Error() != "expected 3 dimensions, not 1" {
		t.Errorf("insert of other dimensions: %v", err)
	}
	if _, _, ok, _ := tx.Get(td, []types.Datum{types.NewInt(3)}); ok {
		t.Error("a refused insert wrote its row")
	}
	if _, err := tx.VectorSearch(td, idx, []float32{1, 2}, 5, 40, nil); pgerr.Code(err) != pgerr.DataException {
		t.Errorf("query of other dimensions: %v", err)
	}
}

func getDoc(t testing.TB, tx *Txn, td *TableDesc, id int64) (types.Row, RowKey) {
	t.Helper()
	r, k, ok, err := tx.Get(td, []types.Datum{types.NewInt(id)})
	if err != nil || !ok {
		t.Fatalf("get %d: %v %v", id, ok, err)
	}
	return r, k
}

func top1(t testing.TB, tx *Txn, td *TableDesc, idx *IndexDesc, q []float32) int64 {
	t.Helper()
	got := search(t, tx, td, idx, q, 1, 64, nil)
	if len(got) == 0 {
		return -1
	}
	return got[0].id
}

func TestVectorIndexWritesVisibleAfterCommit(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, 4)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	r := rand.New(rand.NewSource(2))
	tx := db.Begin()
	for i := range int64(100) {
		insertAll(t, tx, td, docRow(i, i%3, randVec(r, 4)))
	}
	mustCommit(t, tx)

	far := []float32{100, 100, 100, 100}
	a := db.Begin()
	insertAll(t, a, td, docRow(1000, 0, far))
	b := db.Begin()
	if got := top1(t, b, td, idx, far); got == 1000 {
		t.Error("another txn sees an uncommitted insert")
	}
	if got := top1(t, a, td, idx, far); got != 1000 {
		t.Errorf("own pending insert not merged: top1 %d", got)
	}
	// The own pending row competes with the graph's rows by distance.
	if got := search(t, a, td, idx, []float32{99, 99, 99, 99}, 3, 40, nil); len(got) != 3 || got[0].id != 1000 {
		t.Errorf("merged answer: %v", got)
	}
	// A filter applies to pending rows too.
	if got := search(t, a, td, idx, far, 1, 40, func(r types.Row) bool { return r[0].I != 1000 }); len(got) != 1 || got[0].id == 1000 {
		t.Errorf("filter on pending rows: %v", got)
	}
	before, _ := db.VectorIndexStats(idx.ID)
	mustCommit(t, a)
	after, _ := db.VectorIndexStats(idx.ID)
	if after.Count != before.Count+1 || after.LogSeq <= before.LogSeq {
		t.Errorf("graph after commit: %+v -> %+v", before, after)
	}
	if got := top1(t, b, td, idx, far); got != 1000 {
		t.Errorf("committed insert not seen by a later statement: %d", got)
	}
	b.Rollback()

	// Update of another column leaves the label alone.
	tx = db.Begin()
	old, key := getDoc(t, tx, td, 1000)
	label, _ := tx.rowLabel(td.ID, idx.ID, key)
	if err := tx.Update(td, key, old, docRow(1000, 7, far)); err != nil {
		t.Fatal(err)
	}
	if l2, _ := tx.rowLabel(td.ID, idx.ID, key); l2 != label || label == 0 {
		t.Errorf("label changed on a non-vector update: %d -> %d", label, l2)
	}
	if got := search(t, tx, td, idx, far, 1, 40, nil); len(got) != 1 || got[0].id != 1000 {
		t.Errorf("after a non-vector update: %v", got)
	}
	mustCommit(t, tx)
	if st, _ := db.VectorIndexStats(idx.ID); st.Count != after.Count {
		t.Errorf("non-vector update changed the graph: %+v", st)
	}

	// Moving the row (a new primary key) keeps its vector in the graph.
	tx = db.Begin()
	old, key = getDoc(t, tx, td, 1000)
	if err := tx.Update(td, key, old, docRow(2000, 7, far)); err != nil {
		t.Fatal(err)
	}
	if got := top1(t, tx, td, idx, far); got != 2000 {
		t.Errorf("moved row in own txn: %d", got)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	if got := top1(t, tx, td, idx, far); got != 2000 {
		t.Errorf("moved row: %d", got)
	}
	tx.Rollback()

	// A vector update: the old vector no longer finds the row, the new one does.
	other := []float32{-100, -100, -100, -100}
	a = db.Begin()
	old, key = getDoc(t, a, td, 2000)
	if err := a.Update(td, key, old, docRow(2000, 7, other)); err != nil {
		t.Fatal(err)
	}
	if got := top1(t, a, td, idx, other); got != 2000 {
		t.Errorf("own vector update: %d", got)
	}
	if got := top1(t, a, td, idx, far); got == 2000 {
		t.Error("own vector update: old vector still finds the row")
	}
	b = db.Begin()
	if got := top1(t, b, td, idx, far); got != 2000 {
		t.Errorf("other txn sees an uncommitted update: %d", got)
	}
	mustCommit(t, a)
	if got := top1(t, b, td, idx, other); got != 2000 {
		t.Errorf("committed vector update: %d", got)
	}
	if got := top1(t, b, td, idx, far); got == 2000 {
		t.Error("committed vector update: old vector still finds the row")
	}
	b.Rollback()
	if st, _ := db.VectorIndexStats(idx.ID); st.Count != after.Count {
		t.Errorf("vector update: graph has %d, want %d", st.Count, after.Count)
	}

	// Delete.
	a = db.Begin()
	old, key = getDoc(t, a, td, 2000)
	if err := a.Delete(td, key, old); err != nil {
		t.Fatal(err)
	}
	if got := top1(t, a, td, idx, other); got == 2000 {
		t.Error("own delete still found")
	}
	b = db.Begin()
	if got := top1(t, b, td, idx, other); got != 2000 {
		t.Errorf("other txn sees an uncommitted delete: %d", got)
	}
	mustCommit(t, a)
	if got := top1(t, b, td, idx, other); got == 2000 {
		t.Error("committed delete still found")
	}
	b.Rollback()
	if st, _ := db.VectorIndexStats(idx.ID); st.Count != after.Count-1 {
		t.Errorf("after delete: graph has %d, want %d", st.Count, after.Count-1)
	}

	// Insert then delete in one txn changes nothing.
	tx = db.Begin()
	insertAll(t, tx, td, docRow(3000, 0, far))
	old, key = getDoc(t, tx, td, 3000)
	if err := tx.Delete(td, key, old); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	if st, _ := db.VectorIndexStats(idx.ID); st.Count != after.Count-1 {
		t.Errorf("insert+delete in one txn: graph has %d", st.Count)
	}
	checkAgainstBruteForce(t, db, td, idx, r, 10, 5, nil)
}

func TestVectorSearchFilterReturnsK(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, 8)
	r := rand.New(rand.NewSource(3))
	tx := db.Begin()
	for i := range int64(1000) {
		insertAll(t, tx, td, docRow(i, i%20, randVec(r, 8)))
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_cosine_ops")
	tx = db.Begin()
	defer tx.Rollback()
	for _, c := range []struct {
		k      int
		accept func(types.Row) bool
		want   int
	}{
		{10, func(r types.Row) bool { return r[1].I == 3 }, 10},  // 5% match
		{10, func(r types.Row) bool { return r[0].I == 777 }, 1}, // one row matches
		{60, func(r types.Row) bool { return r[1].I == 5 }, 50},  // fewer than k match
	} {
		for range 5 {
			q := randVec(r, 8)
			got := search(t, tx, td, idx, q, c.k, 40, c.accept)
			if len(got) != c.want {
				t.Fatalf("filtered search: %d rows, want %d", len(got), c.want)
			}
			for _, h := range got {
				row, _ := getDoc(t, tx, td, h.id)
				if !c.accept(row) {
					t.Fatalf("row %d does not pass the filter", h.id)
				}
			}
		}
	}
	checkAgainstBruteForce(t, db, td, idx, r, 10, 10, func(r types.Row) bool { return r[1].I == 3 })

	// An error from the filter ends the search.
	boom := errors.New("boom")
	if _, err := tx.VectorSearch(td, idx, randVec(r, 8), 5, 40, func(types.Row) (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("filter error: %v", err)
	}
}

// keysUnder counts the keys under a prefix.
func keysUnder(t testing.TB, db *DB, p []byte) int {
	t.Helper()
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		n++
	}
	return n
}

func TestVectorIndexRestartLoadsCheckpoint(t *testing.T) {
	dir := t.TempDir()
	db := openVecTest(t, dir)
	td := createDocs(t, db, 8)
	r := rand.New(rand.NewSource(4))
	tx := db.Begin()
	for i := range int64(400) {
		insertAll(t, tx, td, docRow(i, i%5, randVec(r, 8)))
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	for i := int64(400); i < 500; i += 10 {
		tx := db.Begin()
		for j := i; j < i+10; j++ {
			insertAll(t, tx, td, docRow(j, j%5, randVec(r, 8)))
		}
		mustCommit(t, tx)
	}
	queries := make([][]float32, 10)
	answers := func(db *DB) [][]VectorHit {
		tx := db.Begin()
		defer tx.Rollback()
		out := make([][]VectorHit, len(queries))
		for i, q := range queries {
			h, err := tx.VectorSearch(td, idx, q, 10, 40, nil)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = h
		}
		return out
	}
	for i := range queries {
		queries[i] = randVec(r, 8)
	}
	want := answers(db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.vindexPath(idx.ID)); err != nil {
		t.Fatalf("no checkpoint after Close: %v", err)
	}

	db = openVecTest(t, dir)
	if db.vecOpen.loaded != 1 || db.vecOpen.rebuilt != 0 || db.vecOpen.replayed != 0 {
		t.Errorf("open after Close: %+v", db.vecOpen)
	}
	if got := answers(db); !sameHits(got, want) {
		t.Error("answers changed across a restart")
	}
	if n := keysUnder(t, db, vecPrefix(td.ID, tableILog, idx.ID)); n != 0 {
		t.Errorf("%d index log entries left after a checkpoint", n)
	}

	// Changes after the checkpoint, then a stop without one (as a crash
	// would): the next Open replays them onto the checkpoint.
	for i := int64(0); i < 60; i++ {
		tx := db.Begin()
		switch {
		case i%3 == 0:
			old, key := getDoc(t, tx, td, i)
			if err := tx.Delete(td, key, old); err != nil {
				t.Fatal(err)
			}
		case i%3 == 1:
			old, key := getDoc(t, tx, td, i)
			if err := tx.Update(td, key, old, docRow(i, 9, randVec(r, 8))); err != nil {
				t.Fatal(err)
			}
		default:
			insertAll(t, tx, td, docRow(1000+i, 1, randVec(r, 8)))
		}
		mustCommit(t, tx)
	}
	want = answers(db)
	stBefore, _ := db.VectorIndexStats(idx.ID)
	closeWithoutCheckpoint(t, db)

	db = openVecTest(t, dir)
	defer db.Close()
	if db.vecOpen.loaded != 1 || db.vecOpen.rebuilt != 0 || db.vecOpen.replayed != 80 { // 20 deletes, 20 inserts, 20 updates of 2
		t.Errorf("open after changes: %+v", db.vecOpen)
	}
	st, _ := db.VectorIndexStats(idx.ID)
	if st.Count != stBefore.Count || st.LogSeq != stBefore.LogSeq {
		t.Errorf("stats after replay %+v, before %+v", st, stBefore)
	}
	if got := answers(db); !sameHits(got, want) {
		t.Error("answers changed across a replayed restart")
	}
	checkAgainstBruteForce(t, db, td, idx, r, 10, 10, nil)
}

// closeWithoutCheckpoint closes db as a crash would leave it: no
// checkpoint of the changes since the last one.
func closeWithoutCheckpoint(t testing.TB, db *DB) {
	t.Helper()
	db.mu.Lock()
	db.closed = true
	db.mu.Unlock()
	db.applying.Wait()
	close(db.ckptStop)
	<-db.ckptDone
	if err := db.pdb.Close(); err != nil {
		t.Fatal(err)
	}
}

func sameHits(a, b [][]VectorHit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for j := range a[i] {
			if !bytes.Equal(a[i][j].Key, b[i][j].Key) || a[i][j].Dist != b[i][j].Dist {
				return false
			}
		}
	}
	return true
}

func TestVectorIndexCorruptCheckpointRebuilds(t *testing.T) {
	dir := t.TempDir()
	db := openVecTest(t, dir)
	td := createDocs(t, db, 8)
	r := rand.New(rand.NewSource(5))
	tx := db.Begin()
	for i := range int64(300) {
		insertAll(t, tx, td, docRow(i, 0, randVec(r, 8)))
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_ip_ops")
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	path := db.vindexPath(idx.ID)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x55
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}

	db = openVecTest(t, dir)
	if db.vecOpen.loaded != 0 || db.vecOpen.rebuilt != 1 {
		t.Errorf("open with a corrupt checkpoint: %+v", db.vecOpen)
	}
	if st, _ := db.VectorIndexStats(idx.ID); st.Count != 300 {
		t.Errorf("rebuilt graph: %+v", st)
	}
	checkAgainstBruteForce(t, db, td, idx, r, 10, 10, nil)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The rebuild wrote a good checkpoint.
	db = openVecTest(t, dir)
	defer db.Close()
	if db.vecOpen.loaded != 1 || db.vecOpen.rebuilt != 0 {
		t.Errorf("open after rebuild: %+v", db.vecOpen)
	}
}

func TestVectorIndexDropCleansUp(t *testing.T) {
	dir := t.TempDir()
	db := openVecTest(t, dir)
	defer db.Close()
	td := createDocs(t, db, 4)
	r := rand.New(rand.NewSource(6))
	tx := db.Begin()
	for i := range int64(50) {
		insertAll(t, tx, td, docRow(i, 0, randVec(r, 4)))
	}
	mustCommit(t, tx)

	// A rolled-back creation leaves nothing.
	tx = db.Begin()
	idx, err := tx.CreateIndex(td.ID, IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: "vector_l2_ops"})
	if err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if _, ok := db.VectorIndexStats(idx.ID); ok {
		t.Error("rolled-back index is loaded")
	}

	td, idx = createHNSW(t, db, td, "vector_l2_ops")
	tx = db.Begin()
	insertAll(t, tx, td, docRow(100, 0, randVec(r, 4)))
	mustCommit(t, tx)
	waitCheckpoint(t, db, idx.ID)
	path := db.vindexPath(idx.ID)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("no checkpoint after build: %v", err)
	}
	tx = db.Begin()
	if err := tx.DropIndex(idx.Name); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	if _, ok := db.VectorIndexStats(idx.ID); ok {
		t.Error("dropped index still loaded")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint left after drop: %v", err)
	}
	for _, sub := range []byte{tableILog, tableVecLabels, tableVecRowKeys} {
		if n := keysUnder(t, db, vecPrefix(td.ID, sub, idx.ID)); n != 0 {
			t.Errorf("%d keys left under /%c/ after drop", n, sub)
		}
	}
	td = docsDesc(t, db)
	if len(td.Indexes) != 0 {
		t.Errorf("indexes after drop: %+v", td.Indexes)
	}
	// Writes go on without the index.
	tx = db.Begin()
	insertAll(t, tx, td, docRow(101, 0, randVec(r, 4)))
	mustCommit(t, tx)

	// DropTable takes its index along.
	td, idx = createHNSW(t, db, td, "vector_l1_ops")
	if err := db.checkpoint(db.vindexes()[idx.ID]); err != nil {
		t.Fatal(err)
	}
	path = db.vindexPath(idx.ID)
	tx = db.Begin()
	if err := tx.DropTable(td.ID); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	if _, ok := db.VectorIndexStats(idx.ID); ok {
		t.Error("index of a dropped table still loaded")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("checkpoint left after drop table: %v", err)
	}
}

// waitCheckpoint waits for the background checkpoint of an index.
func waitCheckpoint(t testing.TB, db *DB, id uint32) {
	t.Helper()
	v := db.vindexes()[id]
	if v == nil {
		t.Fatal("index not loaded")
	}
	// Take one ourselves: the background writer and this serialise on the
	// file, so afterwards a checkpoint exists either way.
	if err := db.checkpoint(v); err != nil {
		t.Fatal(err)
	}
}

func TestVectorIndexCreatedWithTableAndInSameTxn(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := docsTable(4)
	td.Indexes = []IndexDesc{{Columns: []int{2}, Method: MethodHNSW, OpClass: "vector_cosine_ops"}}
	tx := db.Begin()
	if err := tx.CreateTable(td); err != nil {
		t.Fatal(err)
	}
	insertAll(t, tx, td, docRow(1, 0, []float32{1, 0, 0, 0}), docRow(2, 0, []float32{0, 1, 0, 0}))
	idx := &td.Indexes[0]
	if got := top1(t, tx, td, idx, []float32{0, 1, 0, 0.1}); got != 2 {
		t.Errorf("search in the creating txn: %d", got)
	}
	mustCommit(t, tx)
	if st, ok := db.VectorIndexStats(idx.ID); !ok || st.Count != 2 {
		t.Errorf("stats: %+v %v", st, ok)
	}
	tx = db.Begin()
	defer tx.Rollback()
	if got := top1(t, tx, td, idx, []float32{0.9, 0, 0, 0.1}); got != 1 {
		t.Errorf("search after commit: %d", got)
	}
}

func TestVectorIndexConcurrentInsertAndSearch(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, 8)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	const writers, perWriter, batch = 2, 150, 5
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewSource(int64(w)))
			for i := 0; i < perWriter; i += batch {
				tx := db.Begin()
				for j := i; j < i+batch; j++ {
					id := int64(w*perWriter + j)
					if err := tx.Insert(td, docRow(id, id%4, randVec(r, 8))); err != nil {
						t.Error(err)
					}
				}
				if err := tx.Commit(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	var sg sync.WaitGroup
	for s := range 3 {
		sg.Add(1)
		go func() {
			defer sg.Done()
			r := rand.New(rand.NewSource(int64(100 + s)))
			for {
				select {
				case <-stop:
					return
				default:
				}
				tx := db.Begin()
				hits, err := tx.VectorSearch(td, idx, randVec(r, 8), 5, 40, func(row types.Row) (bool, error) { return row[1].I != 0, nil })
				tx.Rollback()
				if err != nil {
					t.Error(err)
					return
				}
				for _, h := range hits {
					if h.Row[1].I == 0 {
						t.Error("filter not applied")
					}
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	sg.Wait()
	if st, _ := db.VectorIndexStats(idx.ID); st.Count != writers*perWriter {
		t.Errorf("graph has %d vectors, want %d", st.Count, writers*perWriter)
	}
	checkAgainstBruteForce(t, db, td, idx, rand.New(rand.NewSource(9)), 10, 10, nil)
}

// BenchmarkVectorSearch compares a search through a transaction (label
// and row reads included) with the bare graph search.
func BenchmarkVectorSearch(b *testing.B) {
	const n, dims = 20000, 128
	db := openVecTest(b, b.TempDir())
	defer db.Close()
	td := createDocs(b, db, dims)
	r := rand.New(rand.NewSource(1))
	tx := db.Begin()
	for i := range int64(n) {
		insertAll(b, tx, td, docRow(i, i%10, randVec(r, dims)))
	}
	mustCommit(b, tx)
	td, idx := createHNSW(b, db, td, "vector_cosine_ops")
	// Served from sstables, as a loaded table is, not the memtable.
	if err := db.pdb.Flush(); err != nil {
		b.Fatal(err)
	}
	qs := make([][]float32, 100)
	for i := range qs {
		qs[i] = randVec(r, dims)
	}
	b.Run("keys", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			tx := db.Begin()
			if _, err := tx.VectorSearchKeys(td, idx, qs[i%len(qs)], 10, 40); err != nil {
				b.Fatal(err)
			}
			tx.Rollback()
		}
	})
	b.Run("txn", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			tx := db.Begin()
			if _, err := tx.VectorSearch(td, idx, qs[i%len(qs)], 10, 40, nil); err != nil {
				b.Fatal(err)
			}
			tx.Rollback()
		}
	})
	b.Run("graph", func(b *testing.B) {
		g := db.vindexes()[idx.ID].g
		for i := 0; b.Loop(); i++ {
			g.Search(qs[i%len(qs)], 10, 40, nil)
		}
	})
}

// The graph may hold a label the statement's view has no entry for: a
// delete committed but not yet applied, or an insert applied after the
// view was taken. Searches skip it.
func TestVectorSearchSkipsLabelsOutsideTheView(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, 4)
	tx := db.Begin()
	for i := range int64(20) {
		insertAll(t, tx, td, docRow(i, 0, []float32{float32(i), 0, 0, 0}))
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	g := db.vindexes()[idx.ID].g
	if err := g.Add(1<<40, []float32{5.1, 0, 0, 0}); err != nil {
		t.Fatal(err)
	}
	tx = db.Begin()
	defer tx.Rollback()
	for _, accept := range []func(types.Row) bool{nil, func(types.Row) bool { return true }} {
		got := search(t, tx, td, idx, []float32{5.1, 0, 0, 0}, 3, 40, accept)
		if len(got) != 3 || got[0].id != 5 || got[1].id != 6 || got[2].id != 4 {
			t.Errorf("search around a label without an entry: %v", got)
		}
	}
}
