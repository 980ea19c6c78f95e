package storage

import (
	"strconv"
	"strings"
	"testing"

	"github.com/akidb/akidb/types"
)

// A transaction that writes past batchLeap moves to a bigger batch once,
// keeps reading its own writes (unique checks included), commits all of
// them, and rolls back all of them; with an iterator open it stays put.
func TestBulkTxnLeapsToABiggerBatch(t *testing.T) {
	leap, room := batchLeap, batchRoom
	batchLeap, batchRoom = 1<<20, 8<<20
	defer func() { batchLeap, batchRoom = leap, room }()
	db := newTestDB(t)
	td := createItems(t, db)
	pad := strings.Repeat("x", 4000)
	n := int64(batchLeap/4000 + 100)
	load := func(tx *Txn, from int64) {
		t.Helper()
		for i := from; i < from+n; i++ {
			insertAll(t, tx, td, row(i, pad+strconv.FormatInt(i, 10), i%7))
		}
	}

	tx := db.Begin()
	load(tx, 0)
	if !tx.leapt {
		t.Fatalf("no leap after %d bytes", tx.b.Len())
	}
	// Own writes before and after the leap are there; a duplicate of one
	// written before it is refused.
	for _, id := range []int64{0, n / 2, n - 1} {
		if _, _, ok, err := tx.Get(td, []types.Datum{types.NewInt(id)}); err != nil || !ok {
			t.Fatalf("row %d in own txn: %v %v", id, ok, err)
		}
	}
	if err := tx.Insert(td, row(n+1, pad+"0", 0)); err == nil {
		t.Fatal("duplicate of a unique value written before the leap accepted")
	}
	if got := len(collect(t, tx.Scan(td, Span{}))); int64(got) != n {
		t.Fatalf("own scan: %d rows, want %d", got, n)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	if got := len(collect(t, tx.Scan(td, Span{}))); int64(got) != n {
		t.Fatalf("after commit: %d rows, want %d", got, n)
	}
	tx.Rollback()

	// Rolled back: nothing of it.
	tx = db.Begin()
	load(tx, n)
	if !tx.leapt {
		t.Fatal("no leap in the second load")
	}
	tx.Rollback()
	tx = db.Begin()
	if got := len(collect(t, tx.Scan(td, Span{}))); int64(got) != n {
		t.Fatalf("after rollback: %d rows, want %d", got, n)
	}

	// An open iterator reads the batch: no leap under it.
	it := tx.Scan(td, Span{})
	load(tx, 2*n)
	if tx.leapt {
		t.Fatal("leapt with an iterator open")
	}
	if !it.Next() || it.Row()[0].I != 0 {
		t.Fatalf("open iterator: %v", it.Err())
	}
	it.Close()
	tx.Rollback()
}
