package objstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/akidb/akidb/internal/testenv/minio"
)

// BenchmarkS3Put uploads a 20 MB object, a 10k x 512 snapshot's size,
// to MinIO on loopback, in one PutObject or in parts.
func BenchmarkS3Put(b *testing.B) {
	srv := minio.Start(b)
	data := make([]byte, 20<<20)
	rand.Read(data)
	for _, part := range []int64{MinPartSize, 8 << 20, DefaultPartSize, 32 << 20} {
		b.Run(fmt.Sprintf("part=%dMiB", part>>20), func(b *testing.B) {
			s, err := NewS3(context.Background(), S3Config{
				Endpoint: srv.Endpoint, Bucket: srv.Bucket, PathStyle: true,
				AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey,
				PartSize: part,
			})
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := s.Put(b.Context(), "bench/object", bytes.NewReader(data), int64(len(data))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
