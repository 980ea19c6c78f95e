package snapshot

import (
	"hash"
	"io"
	"os"
	"sync"
)

// hashingWriterAt writes a download to its file and computes the file's
// checksum as the bytes arrive, so that checking the download does not
// read the file once more. Parts arrive out of order (ranged GETs run in
// parallel): a write at the hashed length is hashed at once, a later one
// is remembered and hashed, read back from the file (the page cache),
// when the bytes before it are in. A write over bytes already written (a
// Get that started over) makes sum report that the running hash is of
// no use.
type hashingWriterAt struct {
	f *os.File

	mu      sync.Mutex
	h       hash.Hash
	next    int64           // bytes hashed
	pending map[int64]int64 // written beyond next: start -> end
	spoiled bool
	buf     []byte
}

func newHashingWriterAt(f *os.File, h hash.Hash) *hashingWriterAt {
	return &hashingWriterAt{f: f, h: h, pending: make(map[int64]int64)}
}

func (w *hashingWriterAt) WriteAt(p []byte, off int64) (int, error) {
	n, err := w.f.WriteAt(p, off)
	if n == 0 {
		return n, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	end := off + int64(n)
	switch {
	case w.spoiled:
	case off == w.next:
		w.h.Write(p[:n])
		w.next = end
		w.catchUp()
	case off < w.next:
		w.spoiled = true
	default:
		if _, dup := w.pending[off]; dup {
			w.spoiled = true
		} else {
			w.pending[off] = end
		}
	}
	return n, err
}

// catchUp hashes the remembered writes that now follow the hashed bytes.
func (w *hashingWriterAt) catchUp() {
	for !w.spoiled {
		end, ok := w.pending[w.next]
		if !ok {
			return
		}
		delete(w.pending, w.next)
		if w.buf == nil {
			w.buf = make([]byte, 256<<10)
		}
		for w.next < end {
			k := int(min(int64(len(w.buf)), end-w.next))
			if _, err := w.f.ReadAt(w.buf[:k], w.next); err != nil && err != io.EOF {
				w.spoiled = true
				return
			}
			w.h.Write(w.buf[:k])
			w.next += int64(k)
		}
	}
}

// sum returns the checksum of the file's first size bytes in hex, and
// false if the running hash does not cover exactly those bytes.
func (w *hashingWriterAt) sum(size int64) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.spoiled || w.next != size || len(w.pending) != 0 {
		return "", false
	}
	return sumHex(w.h), true
}
