package storage

import (
	"fmt"
	"testing"

	"github.com/akidb/akidb/types"
)

// BenchmarkInsertBulk inserts b.N rows in one transaction (a COPY).
func BenchmarkInsertBulk(b *testing.B) {
	db := newTestDB(b)
	td := createItems(b, db)
	tx := db.Begin()
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		if err := tx.Insert(td, types.Row{types.NewInt(i), types.NewString(fmt.Sprint("some text value ", i)), types.NewInt(i % 100)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
	mustCommit(b, tx)
}

// BenchmarkCommitPerRow is one synced commit per inserted row.
func BenchmarkCommitPerRow(b *testing.B) {
	db := newTestDB(b)
	td := createItems(b, db)
	i := int64(0)
	for b.Loop() {
		tx := db.Begin()
		if err := tx.Insert(td, types.Row{types.NewInt(i), types.Null, types.NewInt(i)}); err != nil {
			b.Fatal(err)
		}
		mustCommit(b, tx)
		i++
	}
}

// BenchmarkScan reads 10,000 rows per op.
func BenchmarkScan(b *testing.B) {
	db := newTestDB(b)
	td := createItems(b, db)
	tx := db.Begin()
	for i := range int64(10_000) {
		insertAll(b, tx, td, types.Row{types.NewInt(i), types.Null, types.NewInt(i % 100)})
	}
	mustCommit(b, tx)
	b.ReportAllocs()
	for b.Loop() {
		tx := db.Begin()
		it := tx.Scan(td, Span{})
		n := 0
		for it.Next() {
			n++
		}
		if err := it.Close(); err != nil || n != 10_000 {
			b.Fatal(n, err)
		}
		tx.Rollback()
	}
}

// BenchmarkInsertVectors inserts b.N rows of a 512-d vector in one
// transaction, as a COPY of embeddings does.
func BenchmarkInsertVectors(b *testing.B) {
	db := newTestDB(b)
	tx := db.Begin()
	if err := tx.CreateTable(docsTable(512)); err != nil {
		b.Fatal(err)
	}
	mustCommit(b, tx)
	td := docsDesc(b, db)
	vec := make([]float32, 512)
	for i := range vec {
		vec[i] = float32(i) / 7
	}
	tx = db.Begin()
	defer tx.Rollback()
	b.ReportAllocs()
	b.SetBytes(int64(4 * len(vec)))
	i := int64(0)
	for b.Loop() {
		if err := tx.Insert(td, docRow(i, i%10, vec)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
