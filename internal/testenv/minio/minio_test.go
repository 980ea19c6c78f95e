package minio

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestStart(t *testing.T) {
	s := Start(t)
	if !strings.HasPrefix(s.Endpoint, "http://127.0.0.1:") {
		t.Fatalf("endpoint %q", s.Endpoint)
	}
	client := s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
	})
	ctx := context.Background()
	put := func() {
		t.Helper()
		if _, err := client.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.Bucket, Key: aws.String("k"), Body: strings.NewReader("v")}); err != nil {
			t.Fatal(err)
		}
	}
	put()
	s.Restart(t)
	out, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.Bucket, Key: aws.String("k")})
	if err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if aws.ToInt64(out.ContentLength) != 1 {
		t.Fatalf("size %d", aws.ToInt64(out.ContentLength))
	}
	s.Stop()
	if _, err := client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.Bucket, Key: aws.String("k")}); err == nil {
		t.Fatal("server still answers after Stop")
	}
}
