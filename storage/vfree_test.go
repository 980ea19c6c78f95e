package storage

import (
	"math/rand"
	"testing"
)

// loadDocs creates docs (dims) with n rows and an hnsw index on it, and
// returns the committed graph.
func loadDocs(t *testing.T, db *DB, n, dims int) (*TableDesc, *IndexDesc, *vindex) {
	t.Helper()
	td := createDocs(t, db, dims)
	r := rand.New(rand.NewSource(11))
	tx := db.Begin()
	for i := range int64(n) {
		insertAll(t, tx, td, docRow(i, 0, randVec(r, dims)))
	}
	mustCommit(t, tx)
	td, idx := createHNSW(t, db, td, "vector_l2_ops")
	v := db.vindexes()[idx.ID]
	if v == nil {
		t.Fatal("index not loaded")
	}
	if got := v.g.OffHeapBytes(); got < int64(n*dims*4) {
		t.Fatalf("graph holds %d bytes off the heap, want at least the %d of its vectors", got, n*dims*4)
	}
	return td, idx, v
}

// TestVectorIndexMemoryFreedOnDrop checks that dropping an index, dropping
// its table, rolling back its creation and closing the store each give the
// graph's memory back.
func TestVectorIndexMemoryFreedOnDrop(t *testing.T) {
	const n, dims = 1500, 16
	db := openVecTest(t, t.TempDir())
	defer db.Close()

	// DROP INDEX, with a search holding the graph: the memory stays until
	// the search is done.
	td, idx, v := loadDocs(t, db, n, dims)
	if !v.acquire() {
		t.Fatal("acquire of a live graph failed")
	}
	tx := db.Begin()
	if err := tx.DropIndex(idx.Name); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	if v.g.OffHeapBytes() == 0 {
		t.Fatal("graph freed while a search holds it")
	}
	v.release()
	if got := v.g.OffHeapBytes(); got != 0 {
		t.Fatalf("after DROP INDEX the graph holds %d bytes", got)
	}
	if v.acquire() {
		t.Fatal("acquired a dropped graph")
	}

	// A rolled-back CREATE INDEX.
	tx = db.Begin()
	built, err := tx.CreateIndex(td.ID, IndexDesc{Columns: []int{2}, Method: MethodHNSW, OpClass: "vector_l2_ops"})
	if err != nil {
		t.Fatal(err)
	}
	bv := tx.vec.built[built.ID]
	if bv == nil || bv.g.OffHeapBytes() == 0 {
		t.Fatal("no graph built")
	}
	tx.Rollback()
	if got := bv.g.OffHeapBytes(); got != 0 {
		t.Fatalf("after a rolled-back CREATE INDEX the graph holds %d bytes", got)
	}

	// DROP TABLE.
	td, idx = createHNSW(t, db, td, "vector_l2_ops")
	v = db.vindexes()[idx.ID]
	if v.g.OffHeapBytes() == 0 {
		t.Fatal("no graph built")
	}
	tx = db.Begin()
	if err := tx.DropTable(td.ID); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	if got := v.g.OffHeapBytes(); got != 0 {
		t.Fatalf("after DROP TABLE the graph holds %d bytes", got)
	}
}

// TestVectorIndexMemoryFreedOnClose checks that Close frees the graphs
// (after checkpointing them) and that they load again on Open.
func TestVectorIndexMemoryFreedOnClose(t *testing.T) {
	const n, dims = 1200, 8
	dir := t.TempDir()
	db := openVecTest(t, dir)
	td, idx, v := loadDocs(t, db, n, dims)
	q := randVec(rand.New(rand.NewSource(3)), dims)
	tx := db.Begin()
	want := search(t, tx, td, idx, q, 5, 100, nil)
	tx.Rollback()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := v.g.OffHeapBytes(); got != 0 {
		t.Fatalf("after Close the graph holds %d bytes", got)
	}

	db = openVecTest(t, dir)
	defer db.Close()
	v = db.vindexes()[idx.ID]
	if v == nil || v.g.Len() != n {
		t.Fatalf("reopened graph: %v", v)
	}
	tx = db.Begin()
	defer tx.Rollback()
	if got := search(t, tx, td, idx, q, 5, 100, nil); !sameAnswer(got, want) {
		t.Fatalf("after reopening: %v, want %v", got, want)
	}
}
