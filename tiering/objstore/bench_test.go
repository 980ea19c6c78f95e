package objstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/akidb/akidb/internal/testenv/minio"
)

// benchStore returns a store on srv's bucket, directly (no proxy), with
// cfg's tuning.
func benchStore(b *testing.B, srv *minio.Server, cfg S3Config) *S3 {
	b.Helper()
	cfg.Endpoint, cfg.Bucket, cfg.PathStyle = srv.Endpoint, srv.Bucket, true
	cfg.AccessKeyID, cfg.SecretAccessKey = srv.AccessKey, srv.SecretKey
	s, err := NewS3(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkS3Put uploads a 20 MB object, a 10k x 512 snapshot's size,
// to MinIO on loopback, in one PutObject or in parts.
func BenchmarkS3Put(b *testing.B) {
	srv := minio.Start(b)
	data := make([]byte, 20<<20)
	rand.Read(data)
	for _, part := range []int64{MinPartSize, 8 << 20, DefaultPartSize, 32 << 20} {
		b.Run(fmt.Sprintf("part=%dMiB", part>>20), func(b *testing.B) {
			s := benchStore(b, srv, S3Config{PartSize: part})
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := s.Put(b.Context(), "bench/object", bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// nullWriterAt discards what a Get writes.
type nullWriterAt struct{}

func (nullWriterAt) WriteAt(p []byte, off int64) (int, error) { return len(p), nil }

// BenchmarkS3Get downloads a 64 MB object from MinIO on loopback in
// ranges of the part size, Concurrency at a time.
func BenchmarkS3Get(b *testing.B) {
	srv := minio.Start(b)
	data := make([]byte, 64<<20)
	rand.Read(data)
	for _, conc := range []int{1, 4, 8} {
		b.Run(fmt.Sprintf("concurrency=%d", conc), func(b *testing.B) {
			s := benchStore(b, srv, S3Config{Concurrency: conc})
			if err := s.Put(b.Context(), "bench/get", bytes.NewReader(data), int64(len(data))); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := s.Get(b.Context(), "bench/get", nullWriterAt{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
