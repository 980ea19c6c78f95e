package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/tiering"
)

// buffer is an io.WriterAt over memory for Get.
type buffer struct {
	mu sync.Mutex
	b  []byte
}

func (w *buffer) WriteAt(p []byte, off int64) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if end := off + int64(len(p)); end > int64(len(w.b)) {
		w.b = append(w.b, make([]byte, end-int64(len(w.b)))...)
	}
	copy(w.b[off:], p)
	return len(p), nil
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func put(t *testing.T, s tiering.ObjectStore, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, bytes.NewReader(data), int64(len(data))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

// create writes data to a new object through Create, in writes of at most
// chunk bytes.
func create(t *testing.T, s tiering.ObjectStore, key string, data []byte, chunk int) {
	t.Helper()
	w, err := s.Create(context.Background(), key)
	if err != nil {
		t.Fatalf("Create(%q): %v", key, err)
	}
	for rest := data; len(rest) > 0; {
		n := min(chunk, len(rest))
		if m, err := w.Write(rest[:n]); err != nil || m != n {
			t.Fatalf("Write to %q: %d, %v", key, m, err)
		}
		rest = rest[n:]
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close of %q: %v", key, err)
	}
}

func get(t *testing.T, s tiering.ObjectStore, key string) []byte {
	t.Helper()
	var w buffer
	n, err := s.Get(context.Background(), key, &w)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	if n != int64(len(w.b)) {
		t.Fatalf("Get(%q) returned size %d, wrote %d bytes", key, n, len(w.b))
	}
	return w.b
}

func checkData(t *testing.T, key string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		i := 0
		for i < len(got) && i < len(want) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%q: got %d bytes, want %d; first difference at byte %d", key, len(got), len(want), i)
	}
}

func keys(infos []tiering.ObjectInfo) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Key)
	}
	return out
}

// sqlstate returns the SQLSTATE err carries.
func sqlstate(err error) string {
	var pe *pgerr.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// testStore is the suite every tiering.ObjectStore passes. newStore
// returns an empty store.
func testStore(t *testing.T, newStore func(t *testing.T) tiering.ObjectStore) {
	ctx := context.Background()

	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		data := randomBytes(100_000, 1)
		before := time.Now().Add(-time.Minute)
		put(t, s, "a/b/c.parquet", data)
		checkData(t, "a/b/c.parquet", get(t, s, "a/b/c.parquet"), data)
		info, err := s.Stat(ctx, "a/b/c.parquet")
		if err != nil {
			t.Fatal(err)
		}
		if info.Key != "a/b/c.parquet" || info.Size != int64(len(data)) || info.ModTime.Before(before) || info.ModTime.After(time.Now().Add(time.Minute)) {
			t.Fatalf("Stat = %+v", info)
		}
		list, err := s.List(ctx, "a/")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 1 || list[0].Key != "a/b/c.parquet" || list[0].Size != int64(len(data)) {
			t.Fatalf("List = %+v", list)
		}
		if err := s.Delete(ctx, "a/b/c.parquet"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Stat(ctx, "a/b/c.parquet"); !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("Stat after Delete: %v, want ErrNotFound", err)
		}
		if list, err := s.List(ctx, ""); err != nil || len(list) != 0 {
			t.Fatalf("List after Delete = %v, %v", list, err)
		}
	})

	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "empty", nil)
		if got := get(t, s, "empty"); len(got) != 0 {
			t.Fatalf("got %d bytes", len(got))
		}
		if info, err := s.Stat(ctx, "empty"); err != nil || info.Size != 0 {
			t.Fatalf("Stat = %+v, %v", info, err)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "x/present", []byte("p"))
		var w buffer
		_, err := s.Get(ctx, "x/absent", &w)
		if !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("Get of a missing key: %v, want ErrNotFound", err)
		}
		if sqlstate(err) != pgerr.UndefinedFile {
			t.Errorf("Get of a missing key: SQLSTATE %q, want %s", sqlstate(err), pgerr.UndefinedFile)
		}
		if !strings.Contains(err.Error(), `"x/absent"`) {
			t.Errorf("error %q does not name the key", err)
		}
		if _, err := s.Stat(ctx, "x/absent"); !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("Stat of a missing key: %v", err)
		}
		// A "directory" is not an object.
		if _, err := s.Stat(ctx, "x"); !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("Stat of a key prefix: %v", err)
		}
		if err := s.Delete(ctx, "x/absent"); err != nil {
			t.Fatalf("Delete of a missing key: %v", err)
		}
		if err := s.Delete(ctx, "nothing/here/at/all"); err != nil {
			t.Fatalf("Delete of a missing key: %v", err)
		}
		if list, err := s.List(ctx, "nothing/"); err != nil || len(list) != 0 {
			t.Fatalf("List of a missing prefix = %v, %v", list, err)
		}
	})

	t.Run("Overwrite", func(t *testing.T) {
		s := newStore(t)
		first := randomBytes(300_000, 2)
		second := randomBytes(1000, 3)
		put(t, s, "k", first)
		put(t, s, "k", second)
		checkData(t, "k", get(t, s, "k"), second)
		if list, _ := s.List(ctx, ""); len(list) != 1 || list[0].Size != 1000 {
			t.Fatalf("List after overwrite = %+v", list)
		}
	})

	t.Run("ListPrefix", func(t *testing.T) {
		s := newStore(t)
		// (No key is also a "directory" of another: a Local store
		// cannot hold both "a/b" and "a/b/x".)
		for _, k := range []string{"c/2", "a/b/x", "a/bc", "a/b0", "a-c", "b", "a/b/y/z", "ab"} {
			put(t, s, k, []byte(k))
		}
		for _, tc := range []struct {
			prefix string
			want   string
		}{
			{"", "a-c a/b/x a/b/y/z a/b0 a/bc ab b c/2"},
			{"a", "a-c a/b/x a/b/y/z a/b0 a/bc ab"},
			{"a/", "a/b/x a/b/y/z a/b0 a/bc"},
			{"a/b", "a/b/x a/b/y/z a/b0 a/bc"},
			{"a/b/", "a/b/x a/b/y/z"},
			{"a/b/y/z", "a/b/y/z"},
			{"a/b/y/", "a/b/y/z"},
			{"c/", "c/2"},
			{"d", ""},
			{"a/b/q/", ""},
		} {
			list, err := s.List(ctx, tc.prefix)
			if err != nil {
				t.Fatalf("List(%q): %v", tc.prefix, err)
			}
			if got := strings.Join(keys(list), " "); got != tc.want {
				t.Errorf("List(%q) = %q, want %q", tc.prefix, got, tc.want)
			}
		}
	})

	t.Run("BadKeys", func(t *testing.T) {
		s := newStore(t)
		for _, k := range []string{"", "/abs", "a/../../etc", "..", "a//b", "a/./b", "a/", "a\\b"} {
			if err := s.Put(ctx, k, bytes.NewReader([]byte("x")), 1); err == nil {
				t.Errorf("Put(%q) succeeded", k)
			}
			var w buffer
			if _, err := s.Get(ctx, k, &w); err == nil || errors.Is(err, tiering.ErrNotFound) {
				t.Errorf("Get(%q) = %v, want a bad key error", k, err)
			}
			if err := s.Delete(ctx, k); err == nil {
				t.Errorf("Delete(%q) succeeded", k)
			}
		}
		if _, err := s.List(ctx, "../"); err == nil {
			t.Errorf("List(\"../\") succeeded")
		}
	})

	t.Run("ShortReader", func(t *testing.T) {
		s := newStore(t)
		// The reader has fewer bytes than the size given: the Put
		// fails and leaves nothing under the key.
		err := s.Put(ctx, "short", bytes.NewReader(make([]byte, 100)), 200)
		if err == nil {
			t.Fatal("Put with a short reader succeeded")
		}
		if _, err := s.Stat(ctx, "short"); !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("Stat after a failed Put: %v, want ErrNotFound", err)
		}
	})

	t.Run("Large", func(t *testing.T) {
		s := newStore(t)
		data := randomBytes(40<<20, 4)
		put(t, s, "big/object", data)
		checkData(t, "big/object", get(t, s, "big/object"), data)
	})

	t.Run("Concurrent", func(t *testing.T) {
		s := newStore(t)
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("conc/%d/obj", i%3)
				data := randomBytes(50_000+i, uint64(i))
				for range 3 {
					if err := s.Put(ctx, key, bytes.NewReader(data), int64(len(data))); err != nil {
						errs <- err
						return
					}
					var w buffer
					if _, err := s.Get(ctx, key, &w); err != nil {
						errs <- err
						return
					}
					if err := s.Delete(ctx, fmt.Sprintf("conc/%d/other", i)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		list, err := s.List(ctx, "conc/")
		if err != nil || len(list) != 3 {
			t.Fatalf("List = %v, %v; want 3 objects", keys(list), err)
		}
	})

	t.Run("Create", func(t *testing.T) {
		s := newStore(t)
		for _, size := range []int{0, 1000, 12<<20 + 3} {
			key := fmt.Sprintf("created/%d", size)
			data := randomBytes(size, uint64(size))
			create(t, s, key, data, 100_003)
			checkData(t, key, get(t, s, key), data)
			if info, err := s.Stat(ctx, key); err != nil || info.Size != int64(size) {
				t.Fatalf("Stat(%q) = %+v, %v", key, info, err)
			}
		}
	})

	t.Run("CreateAbandoned", func(t *testing.T) {
		// A writer whose context is cancelled, before or after its first
		// part went up, leaves no object behind.
		s := newStore(t)
		for _, size := range []int{1000, 12 << 20} {
			key := fmt.Sprintf("abandoned/%d", size)
			cctx, cancel := context.WithCancel(ctx)
			w, err := s.Create(cctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.Write(randomBytes(size, 5)); err != nil {
				t.Fatal(err)
			}
			cancel()
			if err := w.Close(); !errors.Is(err, context.Canceled) {
				t.Fatalf("Close after cancel (%d bytes): %v", size, err)
			}
			if _, err := s.Stat(ctx, key); !errors.Is(err, tiering.ErrNotFound) {
				t.Fatalf("Stat after an abandoned writer (%d bytes): %v", size, err)
			}
		}
		if list, err := s.List(ctx, ""); err != nil || len(list) != 0 {
			t.Fatalf("List after abandoned writers = %v, %v", keys(list), err)
		}
	})

	t.Run("Cancelled", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := s.Put(cctx, "c", bytes.NewReader([]byte("x")), 1); !errors.Is(err, context.Canceled) {
			t.Fatalf("Put with a cancelled context: %v", err)
		}
		if _, err := s.Stat(ctx, "c"); !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("Stat after a cancelled Put: %v", err)
		}
	})
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) WriteAt([]byte, int64) (int, error) { return 0, errors.New("disk full") }

var _ io.WriterAt = failingWriter{}
