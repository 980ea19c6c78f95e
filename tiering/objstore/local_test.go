package objstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/tiering"
)

func TestLocal(t *testing.T) {
	testStore(t, func(t *testing.T) tiering.ObjectStore {
		s, err := NewLocal(filepath.Join(t.TempDir(), "store"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestLocalLayout(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	put(t, s, "a/b/c", []byte("hello"))
	if b, err := os.ReadFile(filepath.Join(dir, "a", "b", "c")); err != nil || string(b) != "hello" {
		t.Fatalf("file = %q, %v", b, err)
	}

	// A temporary file of an unfinished Put is invisible.
	tmp := filepath.Join(dir, "a", "b", tempPrefix+"123")
	if err := os.WriteFile(tmp, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	list, err := s.List(ctx, "")
	if err != nil || strings.Join(keys(list), " ") != "a/b/c" {
		t.Fatalf("List = %v, %v", keys(list), err)
	}
	if err := s.Put(ctx, "a/b/"+tempPrefix+"x", strings.NewReader("x"), 1); err == nil {
		t.Fatal("Put of a key with the temporary prefix succeeded")
	}

	// NewLocal removes stale temporary files, not fresh ones.
	old := time.Now().Add(-2 * staleTemp)
	stale := filepath.Join(dir, tempPrefix+"old")
	os.WriteFile(stale, nil, 0o644)
	os.Chtimes(stale, old, old)
	if _, err := NewLocal(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale temporary file still there: %v", err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("fresh temporary file removed: %v", err)
	}
	os.Remove(tmp)

	// Delete removes the directories it empties, not the store's own.
	if err := s.Delete(ctx, "a/b/c"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); !os.IsNotExist(err) {
		t.Errorf("empty directory a left behind: %v", err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("store directory removed: %v", err)
	}

	// An object cannot be both a file and a directory.
	put(t, s, "f", []byte("x"))
	err = s.Put(ctx, "f/g", strings.NewReader("y"), 1)
	if err == nil {
		t.Fatal("Put below an object succeeded")
	}
	if sqlstate(err) != pgerr.IOError || !strings.Contains(err.Error(), `local put "f/g"`) {
		t.Errorf("error %q (SQLSTATE %s)", err, sqlstate(err))
	}
	if _, err := s.Stat(ctx, "f/g"); !errors.Is(err, tiering.ErrNotFound) {
		t.Errorf("Stat below an object: %v", err)
	}

	// A failing writer fails the Get.
	if _, err := s.Get(ctx, "f", failingWriter{}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Get into a failing writer: %v", err)
	}
}
