package snapshot

import (
	"crypto/sha256"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// Parts written in parallel, each in order but the parts in any order,
// hash to the SHA-256 of the whole; a part written twice spoils the
// running hash.
func TestHashingWriterAt(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	data := make([]byte, 3<<20+12345)
	for i := range data {
		data[i] = byte(r.Uint32())
	}
	want := sha256.Sum256(data)
	for _, part := range []int{1 << 20, 300000, 7777} {
		f, err := os.Create(filepath.Join(t.TempDir(), "obj"))
		if err != nil {
			t.Fatal(err)
		}
		w := newHashingWriterAt(f, sha256.New())
		var wg sync.WaitGroup
		sem := make(chan struct{}, 4)
		for off := 0; off < len(data); off += part {
			end := min(off+part, len(data))
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				for pos := off; pos < end; pos += 4096 {
					if _, err := w.WriteAt(data[pos:min(pos+4096, end)], int64(pos)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		sum, ok := w.sum(int64(len(data)))
		if !ok || sum != hex.EncodeToString(want[:]) {
			t.Fatalf("part size %d: sum %s, %v; want %x", part, sum, ok, want)
		}
		if _, ok := w.sum(int64(len(data)) - 1); ok {
			t.Fatalf("part size %d: sum of a shorter file reported as whole", part)
		}
		// A Get that starts over writes from 0 again.
		if _, err := w.WriteAt(data[:100], 0); err != nil {
			t.Fatal(err)
		}
		if _, ok := w.sum(int64(len(data))); ok {
			t.Fatalf("part size %d: a rewrite did not spoil the hash", part)
		}
		f.Close()
	}
}
