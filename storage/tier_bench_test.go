package storage

import (
	"math/rand"
	"testing"

	"github.com/akidb/akidb/internal/testenv/minio"
	"github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/objstore"
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

// exportTo writes a snapshot of the collection into store.
func exportTo[S snapshot.StreamStore[tiering.ObjectInfo]](b testing.TB, db *DB, td *TableDesc, store S) *snapshot.Manifest {
	b.Helper()
	m := &snapshot.Manifest{Collection: td.Name, CollectionID: td.ID}
	w, err := snapshot.NewWriter(b.Context(), store, "", m, nil)
	if err != nil {
		b.Fatal(err)
	}
	ex, err := db.Export(b.Context(), td.ID, w.Create, nil)
	if err != nil {
		w.Abort(err)
		b.Fatal(err)
	}
	m.Columns, m.Rows, m.Extra = snapshot.ColumnsOf(ex.Columns), ex.Rows, ex.Extra
	if err := w.Commit(); err != nil {
		b.Fatal(err)
	}
	return m
}

func localStore(b testing.TB) *objstore.Local {
	b.Helper()
	s, err := objstore.NewLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkExport writes a 10k x 512 collection out as a snapshot into a
// local directory: its graph, and its rows read from Pebble into Parquet.
func BenchmarkExport(b *testing.B) {
	db, td := tierBenchDB(b)
	store := localStore(b)
	b.SetBytes(benchTierRows * 512 * 4)
	for b.Loop() {
		exportTo(b, db, td, store)
	}
}

// BenchmarkExportS3 is BenchmarkExport into MinIO on loopback.
func BenchmarkExportS3(b *testing.B) {
	db, td := tierBenchDB(b)
	srv := minio.Start(b)
	store, err := objstore.NewS3(b.Context(), objstore.S3Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, PathStyle: true,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchTierRows * 512 * 4)
	for b.Loop() {
		exportTo(b, db, td, store)
	}
}

// BenchmarkRestore replaces a 10k x 512 collection's rows and graph with
// those of a snapshot in a local directory, read as it is copied.
func BenchmarkRestore(b *testing.B) {
	db, td := tierBenchDB(b)
	store := localStore(b)
	m := exportTo(b, db, td, store)
	b.SetBytes(benchTierRows * 512 * 4)
	for b.Loop() {
		fe, err := snapshot.StartFetch(b.Context(), store, "", td.ID, m.ID, b.TempDir(), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Import(b.Context(), td.ID, fe.Manifest, fe.Objects, nil); err != nil {
			b.Fatal(err)
		}
		fe.Close()
	}
}
