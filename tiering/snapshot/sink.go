package snapshot

import (
	"hash"
	"io"
	"sync"
	"sync/atomic"
)

// sinkChunk is the unit a sink hands to its hashing and writing
// goroutines.
const sinkChunk = 4 << 20

// sink writes to a file or an object and computes its checksum at the
// same time: what is written is gathered into chunks, and each chunk is
// hashed on one goroutine while it is written out on another.
type sink struct {
	f      io.Writer
	h      hash.Hash
	n      int64
	cur    *chunk
	hashq  chan *chunk
	fileq  chan *chunk
	free   chan *chunk
	wg     sync.WaitGroup
	mu     sync.Mutex
	err    error
	closed bool
}

type chunk struct {
	b    []byte
	refs atomic.Int32
}

func newSink(f io.Writer) *sink {
	s := &sink{
		f:     f,
		h:     newChecksum(),
		hashq: make(chan *chunk, 4),
		fileq: make(chan *chunk, 4),
		free:  make(chan *chunk, 8),
	}
	s.cur = s.chunk()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		for c := range s.hashq {
			s.h.Write(c.b)
			s.release(c)
		}
	}()
	go func() {
		defer s.wg.Done()
		for c := range s.fileq {
			if s.error() == nil {
				if _, err := s.f.Write(c.b); err != nil {
					s.fail(err)
				}
			}
			s.release(c)
		}
	}()
	return s
}

// chunkPool keeps chunks between files.
var chunkPool = sync.Pool{New: func() any { return &chunk{b: make([]byte, 0, sinkChunk)} }}

func (s *sink) chunk() *chunk {
	select {
	case c := <-s.free:
		c.b = c.b[:0]
		return c
	default:
		c := chunkPool.Get().(*chunk)
		c.b = c.b[:0]
		return c
	}
}

func (s *sink) release(c *chunk) {
	if c.refs.Add(-1) == 0 {
		select {
		case s.free <- c:
		default:
		}
	}
}

func (s *sink) fail(err error) {
	s.mu.Lock()
	if s.err == nil {
		s.err = err
	}
	s.mu.Unlock()
}

func (s *sink) error() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *sink) Write(p []byte) (int, error) {
	if err := s.error(); err != nil {
		return 0, err
	}
	n := len(p)
	for len(p) > 0 {
		k := min(len(p), cap(s.cur.b)-len(s.cur.b))
		s.cur.b = append(s.cur.b, p[:k]...)
		p = p[k:]
		if len(s.cur.b) == cap(s.cur.b) {
			s.flush()
		}
	}
	s.n += int64(n)
	return n, nil
}

func (s *sink) flush() {
	if len(s.cur.b) == 0 {
		return
	}
	c := s.cur
	c.refs.Store(2)
	s.hashq <- c
	s.fileq <- c
	s.cur = s.chunk()
}

// close writes what is left and waits for the goroutines; it returns the
// first write error. It is safe to call more than once.
func (s *sink) close() error {
	if !s.closed {
		s.closed = true
		s.flush()
		close(s.hashq)
		close(s.fileq)
		s.wg.Wait()
		chunkPool.Put(s.cur)
		for len(s.free) > 0 {
			chunkPool.Put(<-s.free)
		}
	}
	return s.error()
}

// sum returns the checksum of everything written, in hex; call it after
// close.
func (s *sink) sum() string { return sumHex(s.h) }
