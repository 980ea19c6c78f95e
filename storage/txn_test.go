package storage

import (
	"sync"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// Concurrent read-modify-write increments of one row never lose an update:
// every increment either commits or fails with 40001 and is retried.
func TestConcurrentIncrementsNoLostUpdate(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "counter", 0))
	mustCommit(t, tx)

	const workers, each = 6, 25
	var wg sync.WaitGroup
	var mu sync.Mutex
	retries := 0
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				tx := db.Begin()
				old, key, ok, err := tx.Get(td, []types.Datum{types.NewInt(1)})
				if err != nil || !ok {
					t.Error(err)
					tx.Rollback()
					return
				}
				if err := tx.Update(td, key, old, row(1, "counter", old[2].I+1)); err != nil {
					t.Error(err)
					tx.Rollback()
					return
				}
				// Also write a private row, which never conflicts.
				insertAll(t, tx, td, row(int64(1000+w*each+i), "", 0))
				switch err := tx.Commit(); {
				case err == nil:
					i++
				case pgerr.Code(err) == pgerr.SerializationFailure:
					mu.Lock()
					retries++
					mu.Unlock()
				default:
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	tx = db.Begin()
	defer tx.Rollback()
	r, _, _, _ := tx.Get(td, []types.Datum{types.NewInt(1)})
	if r[2].I != workers*each {
		t.Errorf("counter = %d, want %d (%d retries)", r[2].I, workers*each, retries)
	}
	if n := len(collect(t, tx.Scan(td, Span{}))); n != 1+workers*each {
		t.Errorf("%d rows", n)
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if len(db.active) != 1 || len(db.history.log) != 0 {
		t.Errorf("after the workers: %d active start points, %d commits in history", len(db.active), len(db.history.log))
	}
}

func TestFinishedTxnAndClosedDB(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir)
	td := createItems(t, db)
	tx := db.Begin()
	mustCommit(t, tx)
	if err := tx.Insert(td, row(1, "a", 1)); err != ErrTxnDone {
		t.Errorf("insert after commit: %v", err)
	}
	it := tx.Scan(td, Span{})
	if it.Next() || it.Close() != ErrTxnDone {
		t.Error("scan after commit")
	}
	db.Close()
	if err := db.Begin().Commit(); err != ErrClosed {
		t.Errorf("begin after close: %v", err)
	}
}

func TestDDLInTxnThenDML(t *testing.T) {
	// CREATE TABLE, INSERT and CREATE INDEX in one transaction, then a
	// catalog read through the batch and the cache after commit.
	db := newTestDB(t)
	tx := db.Begin()
	td := itemsTable()
	if err := tx.CreateTable(td); err != nil {
		t.Fatal(err)
	}
	insertAll(t, tx, td, row(2, "b", 5), row(1, "a", 6))
	idx, err := tx.CreateIndex(td.ID, IndexDesc{Columns: []int{2, 0}})
	if err != nil {
		t.Fatal(err)
	}
	if idx.Name != "items_c_id_idx" {
		t.Errorf("index name %q", idx.Name)
	}
	td2, _ := tx.Table("items")
	if got := ids(collect(t, tx.ScanIndex(td2, td2.Index(idx.ID), Span{}))); len(got) != 2 || got[0] != 2 {
		t.Errorf("backfilled index: %v", got)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	defer tx.Rollback()
	td3, _ := tx.Table("items")
	if td3 == nil || len(td3.Indexes) != 2 {
		t.Fatalf("after commit: %+v", td3)
	}
	span := Span{Start: []types.Datum{types.NewInt(6)}}
	if got := ids(collect(t, tx.ScanIndex(td3, td3.Index(idx.ID), span))); len(got) != 1 || got[0] != 1 {
		t.Errorf("index span: %v", got)
	}
}

func TestEndingTxnClosesIterators(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1), row(2, "b", 2))
	it := tx.Scan(td, Span{})
	it2 := tx.ScanIndex(td, &td.Indexes[0], Span{})
	if !it.Next() || !it2.Next() {
		t.Fatal("no rows")
	}
	mustCommit(t, tx)
	if it.Next() || it2.Next() {
		t.Error("iterator moved after commit")
	}
	if it.Close() != ErrTxnDone {
		t.Error("iterator error after commit")
	}
	it2.Close()
}
