package storage

import (
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/akidb/akidb/tiering/snapshot"
)

// benchTierRows is the size of the collection the tier benchmarks move:
// 10k x 512 is the snapshot create and restore figures' collection.
const benchTierRows = 10000

// tierBenchDB returns a DB with a docs collection of benchTierRows 512-d
// rows, inserted in one transaction as a COPY does, and an hnsw index.
func tierBenchDB(b *testing.B) (*DB, *TableDesc) {
	b.Helper()
	db := newTestDB(b)
	tx := db.Begin()
	if err := tx.CreateTable(docsTable(512)); err != nil {
		b.Fatal(err)
	}
	mustCommit(b, tx)
	td, _ := createHNSW(b, db, docsDesc(b, db), "vector_cosine_ops")
	r := rand.New(rand.NewSource(1))
	tx = db.Begin()
	for i := range int64(benchTierRows) {
		if err := tx.Insert(td, docRow(i, i%10, randVec(r, 512))); err != nil {
			b.Fatal(err)
		}
	}
	mustCommit(b, tx)
	return db, td
}

// exportTo exports the collection into files of dir named after the
// snapshot's objects.
func exportTo(b *testing.B, db *DB, td *TableDesc, dir string) *snapshot.Manifest {
	b.Helper()
	create := func(name string) (io.WriteCloser, error) { return os.Create(filepath.Join(dir, name)) }
	ex, err := db.Export(b.Context(), td.ID, create, nil)
	if err != nil {
		b.Fatal(err)
	}
	return &snapshot.Manifest{ID: "bench", Columns: snapshot.ColumnsOf(ex.Columns), Rows: ex.Rows, Extra: ex.Extra}
}

// BenchmarkExport writes a 10k x 512 collection out as a snapshot's
// files: its graph, and its rows read from Pebble into Parquet.
func BenchmarkExport(b *testing.B) {
	db, td := tierBenchDB(b)
	b.SetBytes(benchTierRows * 512 * 4)
	i := 0
	for b.Loop() {
		dir := filepath.Join(b.TempDir(), strconv.Itoa(i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		exportTo(b, db, td, dir)
		i++
	}
}

// BenchmarkImport replaces a 10k x 512 collection's rows and graph with
// those of snapshot files, as a restore does after the download.
func BenchmarkImport(b *testing.B) {
	db, td := tierBenchDB(b)
	dir := b.TempDir()
	m := exportTo(b, db, td, dir)
	files := map[string]string{
		snapshot.DataObject:  filepath.Join(dir, snapshot.DataObject),
		snapshot.GraphObject: filepath.Join(dir, snapshot.GraphObject),
	}
	b.SetBytes(benchTierRows * 512 * 4)
	for b.Loop() {
		if err := db.Import(b.Context(), td.ID, m, files, nil); err != nil {
			b.Fatal(err)
		}
	}
}
