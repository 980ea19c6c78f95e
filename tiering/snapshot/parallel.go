package snapshot

import (
	"errors"
	"runtime"
	"sync"

	"github.com/parquet-go/parquet-go"
)

// Batches carry rows from the goroutine that converts datums to the one
// that encodes a row group: at most batchRows rows or about batchBytes of
// value bytes.
const (
	batchRows  = 256
	batchBytes = 1 << 20
)

// maxParallel bounds the row groups encoded at once.
const maxParallel = 4

var errAborted = errors.New("snapshot: write aborted")

// rowBatch is a batch of rows whose variable-width values point into
// arena.
type rowBatch struct {
	rows  []parquet.Row
	n     int
	arena []byte
}

// batchPool keeps batches between files.
var batchPool sync.Pool

func newRowBatch(ncols int) *rowBatch {
	b, _ := batchPool.Get().(*rowBatch)
	if b == nil {
		b = &rowBatch{rows: make([]parquet.Row, batchRows), arena: make([]byte, 0, batchBytes+64<<10)}
	}
	if len(b.rows[0]) != ncols {
		vals := make([]parquet.Value, batchRows*ncols)
		for i := range b.rows {
			b.rows[i] = vals[i*ncols : (i+1)*ncols : (i+1)*ncols]
		}
	}
	b.n = 0
	b.arena = b.arena[:0]
	return b
}

// release returns the batches of the free list to batchPool.
func (pw *parallelWriter) release() {
	for {
		select {
		case b := <-pw.free:
			batchPool.Put(b)
		default:
			return
		}
	}
}

// next returns the next row of the batch to fill.
func (b *rowBatch) next() parquet.Row {
	r := b.rows[b.n]
	b.n++
	return r
}

func (b *rowBatch) full() bool { return b.n == len(b.rows) || len(b.arena) >= batchBytes }

// parallelWriter encodes and compresses row groups on several goroutines
// and writes them to the file in order. Row groups are contiguous runs of
// rows, so while one is being encoded the next can be filled. At most
// maxParallel row groups are in memory at a time, each with up to
// maxGroupBytes of queued rows and about as much of encoded pages.
type parallelWriter struct {
	w       *parquet.GenericWriter[any]
	ncols   int
	free    chan *rowBatch
	sem     chan struct{}
	pending chan *groupWorker
	cur     *groupWorker
	done    chan struct{} // closed when the committer has returned
	ended   bool

	mu  sync.Mutex
	err error
}

type groupWorker struct {
	rg   *parquet.ConcurrentRowGroupWriter
	in   chan *rowBatch
	done chan struct{}
	err  error
}

func newParallelWriter(w *parquet.GenericWriter[any], ncols int) *parallelWriter {
	parallel := min(max(2, runtime.GOMAXPROCS(0)), maxParallel)
	pw := &parallelWriter{
		w:       w,
		ncols:   ncols,
		free:    make(chan *rowBatch, 2*maxGroupBytes/batchBytes),
		sem:     make(chan struct{}, parallel),
		pending: make(chan *groupWorker, parallel),
		done:    make(chan struct{}),
	}
	go pw.commit()
	return pw
}

func (pw *parallelWriter) fail(err error) {
	pw.mu.Lock()
	if pw.err == nil {
		pw.err = err
	}
	pw.mu.Unlock()
}

func (pw *parallelWriter) error() error {
	pw.mu.Lock()
	defer pw.mu.Unlock()
	return pw.err
}

// batch returns an empty batch, recycled when one is free.
func (pw *parallelWriter) batch() *rowBatch {
	select {
	case b := <-pw.free:
		b.n = 0
		b.arena = b.arena[:0]
		return b
	default:
		return newRowBatch(pw.ncols)
	}
}

// send queues b for the current row group, starting one if needed; end
// says b is the row group's last batch.
func (pw *parallelWriter) send(b *rowBatch, end bool) error {
	if err := pw.error(); err != nil {
		return err
	}
	if pw.cur == nil {
		pw.sem <- struct{}{}
		gw := &groupWorker{
			rg:   pw.w.BeginRowGroup(),
			in:   make(chan *rowBatch, maxGroupRows/batchRows+maxGroupBytes/batchBytes+1),
			done: make(chan struct{}),
		}
		go pw.encode(gw)
		pw.pending <- gw
		pw.cur = gw
	}
	pw.cur.in <- b
	if end {
		close(pw.cur.in)
		pw.cur = nil
	}
	return nil
}

// encode writes the batches of one row group into its column buffers,
// where pages are encoded and compressed as they fill.
func (pw *parallelWriter) encode(gw *groupWorker) {
	defer close(gw.done)
	for b := range gw.in {
		if gw.err == nil && pw.error() == nil {
			if _, err := gw.rg.WriteRows(b.rows[:b.n]); err != nil {
				gw.err = err
			}
		}
		select {
		case pw.free <- b:
		default:
		}
	}
	if gw.err == nil && pw.error() == nil {
		gw.err = gw.rg.Flush()
	}
}

// commit writes finished row groups to the file in order.
func (pw *parallelWriter) commit() {
	defer close(pw.done)
	for gw := range pw.pending {
		<-gw.done
		if gw.err != nil {
			pw.fail(gw.err)
		}
		if pw.error() == nil {
			if _, err := gw.rg.Commit(); err != nil {
				pw.fail(err)
			}
		}
		<-pw.sem
	}
}

// finish waits for every queued row group to be written.
func (pw *parallelWriter) finish() error {
	pw.end()
	return pw.error()
}

func (pw *parallelWriter) end() {
	if pw.ended {
		return
	}
	pw.ended = true
	if pw.cur != nil {
		close(pw.cur.in)
		pw.cur = nil
	}
	close(pw.pending)
	<-pw.done
	pw.release()
}

// abort stops the writer after a failure; it is a no-op after finish.
func (pw *parallelWriter) abort() {
	if pw.ended {
		return
	}
	pw.fail(errAborted)
	pw.end()
}
