package storage

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/akidb/akidb/pgerr"
)

func TestSequenceBasics(t *testing.T) {
	db := newTestDB(t)
	tx := db.Begin()
	sd, err := tx.CreateSequence("s")
	if err != nil {
		t.Fatal(err)
	}
	// Usable before commit, as for a serial column created in the same txn.
	if v, err := db.NextVal(sd.ID); err != nil || v != 1 {
		t.Fatalf("nextval in creating txn: %d %v", v, err)
	}
	mustCommit(t, tx)
	if v, _ := db.NextVal(sd.ID); v != 2 {
		t.Errorf("second nextval: %d", v)
	}
	if err := db.SetVal(sd.ID, 100); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.NextVal(sd.ID); v != 101 {
		t.Errorf("nextval after setval(100): %d", v)
	}
	tx = db.Begin()
	if got, _ := tx.Sequence("s"); got == nil || got.ID != sd.ID {
		t.Errorf("Sequence: %v", got)
	}
	if seqs, _ := tx.Sequences(); len(seqs) != 1 {
		t.Errorf("Sequences: %v", seqs)
	}
	if err := tx.DropSequence("s"); err != nil {
		t.Fatal(err)
	}
	if err := tx.DropSequence("s"); pgerr.Code(err) != pgerr.UndefinedTable {
		t.Errorf("drop twice: %v", err)
	}
	mustCommit(t, tx)
	if _, err := db.NextVal(sd.ID); pgerr.Code(err) != pgerr.UndefinedTable {
		t.Errorf("nextval of a dropped sequence: %v", err)
	}
}

func TestSequenceConcurrentUnique(t *testing.T) {
	db := newTestDB(t)
	tx := db.Begin()
	sd, _ := tx.CreateSequence("s")
	mustCommit(t, tx)
	var mu sync.Mutex
	seen := map[int64]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				v, err := db.NextVal(sd.ID)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[v] {
					t.Errorf("value %d handed out twice", v)
				}
				seen[v] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 4000 {
		t.Errorf("%d values", len(seen))
	}
}

// copyDir copies a store directory while the store is idle: what a crash
// right now would leave on disk (everything synced, nothing closed).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestSequenceNeverRepeatsAfterCrashOrReopen(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir)
	tx := db.Begin()
	sd, _ := tx.CreateSequence("s")
	mustCommit(t, tx)
	var last int64
	for range 5 {
		last, _ = db.NextVal(sd.ID)
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for _, d := range []string{dir, crashed} {
		db := openTest(t, d)
		v, err := db.NextVal(sd.ID)
		if err != nil || v <= last {
			t.Errorf("%s: nextval after restart = %d (last handed out %d): %v", d, v, last, err)
		}
		db.Close()
	}
}
