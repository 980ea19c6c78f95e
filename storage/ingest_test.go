package storage

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/akidb/akidb/pgerr"
)

// Rows, row labels, index entries and labels built into sstables are
// readable once ingested, and the ingester leaves no files behind.
func TestIngest(t *testing.T) {
	db := newTestDB(t)
	in, err := db.newIngester()
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rk := func(i byte) []byte { return append(rowPrefix(999), 0x20, i) }
	for i := byte(1); i <= 3; i++ {
		if err := in.Row(rk(i), []byte{'r', i}); err != nil {
			t.Fatal(err)
		}
		if err := in.RowLabel(rowLabelKey(999, 7, RowKey{0x20, i}), encodeLabel(uint64(10-i))); err != nil {
			t.Fatal(err)
		}
		// Labels and index entries arrive out of order.
		in.Label(labelKey(999, 7, uint64(10-i)), []byte{0x20, i})
		in.Index(append(indexPrefix(999, 5), 10-i), []byte{0x20, i})
	}
	var ran bool
	if err := in.Ingest(context.Background(), func() { ran = true }); err != nil {
		t.Fatal(err)
	}
	if !ran {
		t.Fatal("the hook before the ingestion did not run")
	}
	for _, kv := range [][2][]byte{
		{rk(2), {'r', 2}},
		{rowLabelKey(999, 7, RowKey{0x20, 3}), encodeLabel(7)},
		{labelKey(999, 7, 9), {0x20, 1}},
		{append(indexPrefix(999, 5), 8), {0x20, 2}},
	} {
		v, closer, err := db.pdb.Get(kv[0])
		if err != nil {
			t.Fatalf("get %x: %v", kv[0], err)
		}
		if string(v) != string(kv[1]) {
			t.Fatalf("get %x = %x, want %x", kv[0], v, kv[1])
		}
		closer.Close()
	}
	in.Close()
	ents, err := os.ReadDir(filepath.Join(db.dir, ingestDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Fatalf("%d entries left in %s", len(ents), ingestDir)
	}
}

// Keys out of order or repeated are corrupt snapshot data (XX001), and
// nothing is ingested.
func TestIngestOutOfOrder(t *testing.T) {
	db := newTestDB(t)
	rk := func(i byte) []byte { return append(rowPrefix(999), 0x20, i) }
	for name, fill := range map[string]func(in *ingester) error{
		"rows descending": func(in *ingester) error {
			if err := in.Row(rk(2), nil); err != nil {
				return err
			}
			return in.Row(rk(1), nil)
		},
		"row repeated": func(in *ingester) error {
			if err := in.Row(rk(1), nil); err != nil {
				return err
			}
			return in.Row(rk(1), nil)
		},
		"label repeated": func(in *ingester) error {
			in.Label(labelKey(999, 7, 4), []byte{1})
			in.Label(labelKey(999, 7, 4), []byte{2})
			return in.Ingest(context.Background(), nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			in, err := db.newIngester()
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			err = fill(in)
			if pgerr.Code(err) != pgerr.DataCorrupted {
				t.Fatalf("got %v (%s), want SQLSTATE %s", err, pgerr.Code(err), pgerr.DataCorrupted)
			}
			it, err := db.pdb.NewIter(nil)
			if err != nil {
				t.Fatal(err)
			}
			defer it.Close()
			p := tablePrefix(999)
			if it.SeekGE(p); it.Valid() && string(it.Key()[:len(p)]) == string(p) {
				t.Fatalf("key %x was ingested", it.Key())
			}
		})
	}
}

// Open removes the sstables of a restore a crash interrupted.
func TestOpenRemovesIngestFiles(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir)
	in, err := db.newIngester()
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Row(append(rowPrefix(999), 1), []byte("x")); err != nil {
		t.Fatal(err)
	}
	left := in.dir
	in.rows.w.Close() // as a crash before the ingestion leaves it
	in.rows.w = nil
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(left); err != nil {
		t.Fatal(err)
	}
	db = openTest(t, dir)
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, ingestDir)); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Open: %v", ingestDir, err)
	}
}
