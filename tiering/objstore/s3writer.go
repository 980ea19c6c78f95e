package objstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"golang.org/x/sync/errgroup"
)

// Part sizes of a streamed upload (Create), whose size is not known when
// it starts: parts begin at min(PartSize, maxStreamPart), so that the
// first ones go up while the writer is still producing the rest, and
// double every streamPartsPerSize parts, so that an object of any size S3
// allows fits in its 10,000 parts.
const (
	maxStreamPart      = MinPartSize
	streamPartsPerSize = 1000
)

// partBuffers keeps part buffers from one streamed upload to the next.
var partBuffers sync.Pool

// s3Writer is a streamed upload: each part, once full, is sent on its own
// goroutine (Concurrency at a time) and retried from its buffer, which is
// held until the part is acknowledged. An object that ends within its
// first part goes up in one PutObject at Close.
type s3Writer struct {
	s         *S3
	ctx       context.Context
	key, full string
	base      int64 // size of the first parts

	buf      []byte // the part being filled
	nparts   int    // parts handed to g so far
	uploadID string
	parts    []*types.CompletedPart // filled in by the parts' goroutines
	g        *errgroup.Group
	gctx     context.Context
	closed   bool
	err      error // sticky: the first failure
}

// Create implements tiering.ObjectStore.
func (s *S3) Create(ctx context.Context, key string) (io.WriteCloser, error) {
	full, err := s.fullKey("put", key)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, wrapOp(&OpError{Store: "s3", Op: "put", Key: key, Err: context.Cause(ctx)})
	}
	w := &s3Writer{s: s, ctx: ctx, key: key, full: full, base: min(s.partSize, maxStreamPart)}
	w.buf = w.newBuf(w.base)
	return w, nil
}

// partSize is the size of part i (from 0).
func (w *s3Writer) partSize(i int) int64 {
	size := w.base << (i / streamPartsPerSize)
	return min(size, MaxPartSize)
}

func (w *s3Writer) newBuf(size int64) []byte {
	if b, ok := partBuffers.Get().(*[]byte); ok && int64(cap(*b)) >= size {
		return (*b)[:0]
	}
	return make([]byte, 0, size)
}

func (w *s3Writer) freeBuf(b []byte) {
	if cap(b) == 0 {
		return
	}
	b = b[:0]
	partBuffers.Put(&b)
}

func (w *s3Writer) Write(p []byte) (int, error) {
	if w.closed {
		return 0, errors.New("objstore: write to a closed object writer")
	}
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		size := w.partSize(w.nparts)
		c := copy(w.buf[len(w.buf):size], p)
		w.buf = w.buf[:len(w.buf)+c]
		p = p[c:]
		n += c
		if int64(len(w.buf)) == size {
			if err := w.sendPart(); err != nil {
				w.err = err
				return n, err
			}
		}
	}
	return n, nil
}

// sendPart hands the full buffer to a goroutine that uploads it as the
// next part, starting the multipart upload with the first.
func (w *s3Writer) sendPart() error {
	if w.g == nil {
		id, err := w.s.createUpload(w.ctx, w.key, w.full)
		if err != nil {
			return opErr(err)
		}
		w.uploadID = id
		w.g, w.gctx = errgroup.WithContext(w.ctx)
		w.g.SetLimit(w.s.concurrency)
	}
	if err := w.gctx.Err(); err != nil {
		// A part failed: Close reports it.
		return w.fail()
	}
	num := int32(w.nparts + 1)
	w.nparts++
	part := new(types.CompletedPart)
	w.parts = append(w.parts, part)
	buf := w.buf
	w.g.Go(func() error { // waits while Concurrency parts are in flight
		defer w.freeBuf(buf)
		p, err := w.s.uploadPart(w.gctx, w.key, w.full, w.uploadID, num, bytes.NewReader(buf), 0, int64(len(buf)))
		*part = p
		return err
	})
	w.buf = w.newBuf(w.partSize(w.nparts))
	return nil
}

// fail waits for the parts in flight, aborts the upload and returns the
// first error.
func (w *s3Writer) fail() error {
	err := w.g.Wait()
	w.s.abort(w.ctx, w.key, w.full, w.uploadID)
	if err == nil {
		err = &OpError{Store: "s3", Op: "put", Key: w.key, Err: context.Cause(w.ctx)}
	}
	return opErr(err)
}

// Close uploads what is left and completes the object. After a failure,
// or when the writer's context is done, it leaves no object and returns
// the error.
func (w *s3Writer) Close() error {
	if w.closed {
		return w.err
	}
	w.closed = true
	defer func() {
		w.freeBuf(w.buf)
		w.buf = nil
	}()
	if w.err != nil {
		return w.err
	}
	if w.g == nil {
		// The whole object is in the first part's buffer.
		w.err = opErr(w.s.putObject(w.ctx, w.key, w.full, bytes.NewReader(w.buf), int64(len(w.buf))))
		return w.err
	}
	if len(w.buf) > 0 || w.nparts == 0 {
		if err := w.sendPart(); err != nil {
			w.err = err
			return err
		}
	} else {
		w.freeBuf(w.buf)
	}
	w.buf = nil
	if err := w.g.Wait(); err != nil || w.ctx.Err() != nil {
		w.err = w.fail()
		return w.err
	}
	parts := make([]types.CompletedPart, len(w.parts))
	for i, p := range w.parts {
		parts[i] = *p
	}
	if err := w.s.completeUpload(w.ctx, w.key, w.full, w.uploadID, parts); err != nil {
		w.s.abort(w.ctx, w.key, w.full, w.uploadID)
		w.err = opErr(err)
		return w.err
	}
	return nil
}
