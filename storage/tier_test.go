package storage

import (
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/akidb/akidb/tiering/snapshot"
)

// An import reads a snapshot's rows as the data object arrives, but
// ingests nothing until the object has been verified: a damaged snapshot
// fails the import with an error naming the object and leaves no row of
// it, and the intact snapshot then imports every row.
func TestImportRefusesDamagedSnapshot(t *testing.T) {
	db := openVecTest(t, t.TempDir())
	defer db.Close()
	td := createDocs(t, db, 8)
	r := rand.New(rand.NewSource(3))
	tx := db.Begin()
	for i := range int64(300) {
		insertAll(t, tx, td, docRow(i, i%3, randVec(r, 8)))
	}
	mustCommit(t, tx)
	td, _ = createHNSW(t, db, td, "vector_l2_ops")
	want := collect(t, db.Begin().Scan(td, Span{}))

	store := localStore(t)
	m := exportTo(t, db, td, store)
	path := filepath.Join(store.Dir(), filepath.FromSlash(snapshot.ObjectKey("", td.ID, m.ID, snapshot.DataObject)))
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)/3] ^= 0x01 // inside the vectors: the file still parses
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}

	restore := func() error {
		fe, err := snapshot.StartFetch(t.Context(), store, "", td.ID, m.ID, t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer fe.Close()
		return db.Import(t.Context(), td.ID, fe.Manifest, fe.Objects, nil)
	}
	// The damage shows as the checksum mismatch, or, when the reader got
	// to the byte before the download was checked, as a decoding error;
	// either names the object.
	if err := restore(); err == nil || !strings.Contains(err.Error(), "data.parquet") {
		t.Fatalf("import of a damaged snapshot: %v", err)
	}
	if rows := collect(t, db.Begin().Scan(td, Span{})); len(rows) != 0 {
		t.Fatalf("%d rows visible after a failed import", len(rows))
	}
	if ents, _ := os.ReadDir(filepath.Join(db.dir, ingestDir)); len(ents) != 0 {
		t.Fatalf("restore files left behind: %v", ents)
	}

	if err := os.WriteFile(path, good, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	got := collect(t, db.Begin().Scan(td, Span{}))
	if len(got) != len(want) {
		t.Fatalf("%d rows after the import, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i][0].I != want[i][0].I || !slices.Equal(got[i][2].P.([]float32), want[i][2].P.([]float32)) {
			t.Fatalf("row %d: %v, want %v", i, got[i], want[i])
		}
	}
}
