package objstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/akidb/akidb/internal/testenv/faultproxy"
	"github.com/akidb/akidb/internal/testenv/minio"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/tiering"
)

// s3Env is a real MinIO behind a fault proxy.
type s3Env struct {
	srv   *minio.Server
	proxy *faultproxy.Proxy
	n     int
}

func newS3Env(t *testing.T) *s3Env {
	srv := minio.Start(t)
	return &s3Env{srv: srv, proxy: faultproxy.Start(t, srv.Endpoint)}
}

// store returns a store on the env's bucket, through the proxy, under a
// prefix of its own, with short backoff delays; mod adjusts the config.
func (e *s3Env) store(t *testing.T, mod func(*S3Config)) *S3 {
	t.Helper()
	e.n++
	cfg := S3Config{
		Endpoint:        e.proxy.URL,
		Bucket:          e.srv.Bucket,
		Prefix:          fmt.Sprintf("t%d", e.n),
		PathStyle:       true,
		AccessKeyID:     e.srv.AccessKey,
		SecretAccessKey: e.srv.SecretKey,
		PartSize:        MinPartSize,
		Concurrency:     4,
		MaxAttempts:     5,
		BaseDelay:       time.Millisecond,
		MaxDelay:        20 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.proxy.ClearFaults()
	e.proxy.ResetCounts()
	t.Cleanup(func() {
		if n := e.proxy.Pending(); n > 0 && !t.Failed() {
			t.Errorf("%d armed faults were not used", n)
		}
		e.proxy.ClearFaults()
	})
	return s
}

// onKey matches the requests for one object of store s.
func onKey(s *S3, key string) faultproxy.Match {
	return faultproxy.PathPrefix("/" + s.bucket + "/" + s.prefix + key)
}

var (
	putObject  = faultproxy.All(faultproxy.Method("PUT"), faultproxy.NoQuery("partNumber"))
	uploadPart = faultproxy.All(faultproxy.Method("PUT"), faultproxy.HasQuery("partNumber"))
	getObject  = faultproxy.Method("GET")
	rangedGet  = faultproxy.All(faultproxy.Method("GET"), faultproxy.HasHeader("Range"))
	complete   = faultproxy.All(faultproxy.Method("POST"), faultproxy.HasQuery("uploadId"))
	abortMPU   = faultproxy.All(faultproxy.Method("DELETE"), faultproxy.HasQuery("uploadId"))
)

// opError returns the *OpError inside err, failing t when there is none.
func opError(t *testing.T, err error) *OpError {
	t.Helper()
	var oe *OpError
	if !errors.As(err, &oe) {
		t.Fatalf("error %v (%T) has no *OpError", err, err)
	}
	return oe
}

func TestS3(t *testing.T) {
	// With -short this skips only when MinIO would have to be installed.
	env := newS3Env(t)
	ctx := context.Background()

	t.Run("Suite", func(t *testing.T) {
		testStore(t, func(t *testing.T) tiering.ObjectStore { return env.store(t, nil) })
	})

	t.Run("Multipart", func(t *testing.T) {
		s := env.store(t, nil)
		data := randomBytes(40<<20, 10)
		put(t, s, "mp", data)
		if n := env.proxy.Count(faultproxy.All(uploadPart, onKey(s, "mp"))); n != 8 {
			t.Errorf("%d UploadPart requests, want 8", n)
		}
		if n := env.proxy.Count(faultproxy.All(putObject, onKey(s, "mp"))); n != 0 {
			t.Errorf("%d PutObject requests for a multipart object", n)
		}
		checkData(t, "mp", get(t, s, "mp"), data)
		if n := env.proxy.Count(faultproxy.All(rangedGet, onKey(s, "mp"))); n != 8 {
			t.Errorf("%d ranged GETs, want 8", n)
		}
		info, err := s.Stat(ctx, "mp")
		if err != nil || info.Size != 40<<20 {
			t.Fatalf("Stat = %+v, %v", info, err)
		}
	})

	t.Run("GetLastRangeFirst", func(t *testing.T) {
		// One range at a time: the last one, then the others in order.
		s := env.store(t, func(c *S3Config) { c.Concurrency = 1 })
		data := randomBytes(12<<20, 22)
		put(t, s, "k", data)
		env.ResetCounts()
		checkData(t, "k", get(t, s, "k"), data)
		var ranges []string
		for _, r := range env.proxy.Requests() {
			if r.Method == "GET" && r.Header.Get("Range") != "" {
				ranges = append(ranges, r.Header.Get("Range"))
			}
		}
		want := []string{"bytes=10485760-12582911", "bytes=0-5242879", "bytes=5242880-10485759"}
		if !slices.Equal(ranges, want) {
			t.Errorf("ranged GETs %q, want %q", ranges, want)
		}
	})

	t.Run("Retry500", func(t *testing.T) {
		s := env.store(t, nil)
		env.proxy.FailNext(3, 500, "InternalError", faultproxy.All(putObject, onKey(s, "k")))
		data := randomBytes(1000, 11)
		put(t, s, "k", data)
		if n := env.proxy.Count(faultproxy.All(putObject, onKey(s, "k"))); n != 4 {
			t.Errorf("%d PutObject attempts, want 4", n)
		}
		checkData(t, "k", get(t, s, "k"), data)
	})

	t.Run("RetrySlowDown", func(t *testing.T) {
		s := env.store(t, nil)
		data := randomBytes(1000, 12)
		put(t, s, "k", data)
		env.ResetCounts()
		env.proxy.FailNext(2, 503, "SlowDown", faultproxy.All(getObject, onKey(s, "k")))
		env.proxy.FailNext(1, 503, "SlowDown", faultproxy.All(faultproxy.Method("HEAD"), onKey(s, "k")))
		checkData(t, "k", get(t, s, "k"), data)
		if n := env.proxy.Count(faultproxy.All(getObject, onKey(s, "k"))); n != 3 {
			t.Errorf("%d GET attempts, want 3", n)
		}
		if n := env.proxy.Count(faultproxy.All(faultproxy.Method("HEAD"), onKey(s, "k"))); n != 2 {
			t.Errorf("%d HEAD attempts, want 2", n)
		}
		env.proxy.FailNext(2, 503, "SlowDown", faultproxy.HasQuery("list-type"))
		if list, err := s.List(ctx, ""); err != nil || len(list) != 1 {
			t.Fatalf("List = %v, %v", list, err)
		}
	})

	t.Run("AttemptsRunOut", func(t *testing.T) {
		s := env.store(t, func(c *S3Config) { c.MaxAttempts = 3 })
		env.proxy.FailNext(3, 500, "InternalError", putObject)
		err := s.Put(ctx, "k", bytes.NewReader([]byte("x")), 1)
		oe := opError(t, err)
		if oe.StatusCode != 500 || oe.Code != "InternalError" || oe.Attempts != 3 {
			t.Fatalf("error %v: status %d code %q attempts %d", err, oe.StatusCode, oe.Code, oe.Attempts)
		}
		if !strings.Contains(err.Error(), `s3 put "k": status 500 InternalError`) || !strings.Contains(err.Error(), "after 3 attempts") {
			t.Errorf("error text %q", err)
		}
		if n := env.proxy.Count(putObject); n != 3 {
			t.Errorf("%d attempts, want 3", n)
		}
	})

	t.Run("Forbidden", func(t *testing.T) {
		s := env.store(t, nil)
		env.proxy.FailNext(1, 403, "AccessDenied", putObject)
		err := s.Put(ctx, "x/y", bytes.NewReader([]byte("x")), 1)
		if err == nil {
			t.Fatal("Put succeeded")
		}
		if n := env.proxy.Count(putObject); n != 1 {
			t.Errorf("%d attempts for a 403, want 1", n)
		}
		if !strings.HasPrefix(err.Error(), `s3 put "x/y": status 403 AccessDenied: `) {
			t.Errorf("error text %q", err)
		}
		if sqlstate(err) != pgerr.IOError {
			t.Errorf("SQLSTATE %q, want %s", sqlstate(err), pgerr.IOError)
		}
		if oe := opError(t, err); oe.StatusCode != 403 || oe.Code != "AccessDenied" || oe.Attempts != 1 {
			t.Errorf("OpError %+v", oe)
		}
		if _, err := s.Stat(ctx, "x/y"); !errors.Is(err, tiering.ErrNotFound) {
			t.Errorf("Stat after a refused Put: %v", err)
		}
	})

	t.Run("WrongSecret", func(t *testing.T) {
		const secret = "Wr0ngSecretKeyThatMustNotLeak1234567890"
		s := env.store(t, func(c *S3Config) { c.SecretAccessKey = secret })
		checkRefused := func(op string, err error) {
			t.Helper()
			if err == nil {
				t.Fatalf("%s with a wrong secret succeeded", op)
			}
			oe := opError(t, err)
			if oe.StatusCode != 403 || oe.Attempts != 1 {
				t.Errorf("%s: %v: status %d, attempts %d; want 403 at once", op, err, oe.StatusCode, oe.Attempts)
			}
			if !strings.Contains(err.Error(), "403") {
				t.Errorf("%s: error %q does not name the status", op, err)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", oe), secret) {
				t.Errorf("%s: the error shows the secret", op)
			}
		}
		checkRefused("put", s.Put(ctx, "k", bytes.NewReader([]byte("x")), 1))
		_, err := s.List(ctx, "")
		checkRefused("list", err)
		_, err = s.Stat(ctx, "k")
		checkRefused("stat", err)
		if n := env.proxy.Count(nil); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
		if strings.Contains(fmt.Sprint(S3Config{SecretAccessKey: secret}), secret) ||
			strings.Contains(fmt.Sprintf("%#v", S3Config{SecretAccessKey: secret}), secret) {
			t.Error("S3Config prints its secret")
		}
	})

	t.Run("NoSuchBucket", func(t *testing.T) {
		s := env.store(t, func(c *S3Config) { c.Bucket = "no-such-bucket-here" })
		err := s.Put(ctx, "k", bytes.NewReader([]byte("x")), 1)
		if oe := opError(t, err); oe.StatusCode != 404 || oe.Code != "NoSuchBucket" || oe.Attempts != 1 || oe.NotFound() {
			t.Errorf("Put: %v: %+v", err, oe)
		}
		_, err = s.List(ctx, "")
		if oe := opError(t, err); oe.StatusCode != 404 || oe.Code != "NoSuchBucket" || oe.Attempts != 1 {
			t.Errorf("List: %v", err)
		}
		if n := env.proxy.Count(nil); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
		// HEAD answers have no body, so a 404 does not tell a missing
		// bucket from a missing key: Stat and Get must still not report
		// a missing object.
		_, err = s.Stat(ctx, "k")
		if oe := opError(t, err); oe.Code != "NoSuchBucket" || oe.NotFound() || errors.Is(err, tiering.ErrNotFound) {
			t.Errorf("Stat: %v", err)
		}
		var w buffer
		_, err = s.Get(ctx, "k", &w)
		if oe := opError(t, err); oe.Code != "NoSuchBucket" || oe.NotFound() || sqlstate(err) != pgerr.IOError {
			t.Errorf("Get: %v", err)
		}
		if !strings.Contains(err.Error(), "NoSuchBucket") {
			t.Errorf("error text %q", err)
		}
	})

	t.Run("CutUpload", func(t *testing.T) {
		s := env.store(t, nil)
		small := randomBytes(1<<20, 13)
		env.proxy.CutRequestBody(2, 300_000, faultproxy.All(putObject, onKey(s, "small")))
		put(t, s, "small", small)
		if n := env.proxy.Count(faultproxy.All(putObject, onKey(s, "small"))); n != 3 {
			t.Errorf("%d PutObject attempts, want 3", n)
		}
		checkData(t, "small", get(t, s, "small"), small)

		big := randomBytes(12<<20, 14)
		env.proxy.CutRequestBody(2, 1<<20, faultproxy.All(uploadPart, onKey(s, "big")))
		put(t, s, "big", big)
		if n := env.proxy.Count(faultproxy.All(uploadPart, onKey(s, "big"))); n != 5 {
			t.Errorf("%d UploadPart attempts, want 3 parts + 2 retries", n)
		}
		checkData(t, "big", get(t, s, "big"), big)
	})

	t.Run("CutDownload", func(t *testing.T) {
		s := env.store(t, nil)
		small := randomBytes(1<<20, 15)
		put(t, s, "small", small)
		env.proxy.CutResponseBody(2, 100_000, faultproxy.All(getObject, onKey(s, "small")))
		checkData(t, "small", get(t, s, "small"), small)
		if n := env.proxy.Count(faultproxy.All(getObject, onKey(s, "small"))); n != 3 {
			t.Errorf("%d GET attempts, want 3", n)
		}

		big := randomBytes(23<<20, 16) // 5 ranges, the last one short
		put(t, s, "big", big)
		env.proxy.ResetCounts()
		env.proxy.CutResponseBody(3, 2<<20, faultproxy.All(rangedGet, onKey(s, "big")))
		checkData(t, "big", get(t, s, "big"), big)
		if n := env.proxy.Count(faultproxy.All(rangedGet, onKey(s, "big"))); n != 8 {
			t.Errorf("%d ranged GETs, want 5 ranges + 3 resumptions", n)
		}
		// A resumed range asks only for what it lacks.
		for _, r := range env.proxy.Requests() {
			if r.Method == "GET" && r.Fault == "" && strings.HasSuffix(r.Header.Get("Range"), "-5242879") && r.Header.Get("Range") != "bytes=0-5242879" {
				if r.Header.Get("Range") != "bytes=2097152-5242879" {
					t.Errorf("resumed with Range %q", r.Header.Get("Range"))
				}
			}
		}
	})

	t.Run("CreateStreamsParts", func(t *testing.T) {
		// A streamed object goes up in parts of the configured size (5
		// MiB here) as it is written, each retried on its own; one that
		// ends within its first part is a single PutObject.
		s := env.store(t, nil)
		data := randomBytes(12<<20, 19)
		env.proxy.FailNext(2, 500, "InternalError", faultproxy.All(uploadPart, onKey(s, "k")))
		env.proxy.CutRequestBody(1, 1<<20, faultproxy.All(uploadPart, onKey(s, "k")))
		w, err := s.Create(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(data[:11<<20]); err != nil {
			t.Fatal(err)
		}
		// Two parts are full: they go up before Close.
		deadline := time.Now().Add(10 * time.Second)
		for env.proxy.Count(faultproxy.All(uploadPart, onKey(s, "k"))) < 2+3 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if _, err := s.Stat(ctx, "k"); !errors.Is(err, tiering.ErrNotFound) {
			t.Fatalf("the object is visible before Close: %v", err)
		}
		if _, err := w.Write(data[11<<20:]); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		if n := env.proxy.Count(faultproxy.All(uploadPart, onKey(s, "k"))); n != 3+3 {
			t.Errorf("%d UploadPart attempts, want 3 parts + 3 retries", n)
		}
		checkData(t, "k", get(t, s, "k"), data)

		small := randomBytes(1<<20, 20)
		create(t, s, "small", small, 1<<16)
		if n := env.proxy.Count(faultproxy.All(putObject, onKey(s, "small"))); n != 1 {
			t.Errorf("%d PutObject requests for a small streamed object, want 1", n)
		}
		checkData(t, "small", get(t, s, "small"), small)
	})

	t.Run("CreateFailureAborts", func(t *testing.T) {
		s := env.store(t, nil)
		env.ResetCounts()
		env.proxy.FailNext(1, 403, "AccessDenied", faultproxy.All(uploadPart, func(r *faultproxy.Request) bool {
			return r.Query.Get("partNumber") == "1"
		}))
		w, err := s.Create(ctx, "k")
		if err != nil {
			t.Fatal(err)
		}
		data := randomBytes(12<<20, 21)
		_, werr := w.Write(data)
		cerr := w.Close()
		if oe := opError(t, cerr); oe.StatusCode != 403 {
			t.Fatalf("Close after a part was refused: %v (write: %v)", cerr, werr)
		}
		if n := env.proxy.Count(abortMPU); n != 1 {
			t.Errorf("%d AbortMultipartUpload requests, want 1", n)
		}
		if _, err := s.Stat(ctx, "k"); !errors.Is(err, tiering.ErrNotFound) {
			t.Errorf("Stat after a failed streamed upload: %v", err)
		}
	})

	t.Run("CompleteAnswerLost", func(t *testing.T) {
		// The server completes the upload but the answer is lost: the
		// retry finds no upload, and the object is recognised as ours.
		s := env.store(t, nil)
		data := randomBytes(11<<20, 17)
		env.proxy.CutResponseBody(1, 0, faultproxy.All(complete, onKey(s, "k")))
		put(t, s, "k", data)
		if n := env.proxy.Count(faultproxy.All(complete, onKey(s, "k"))); n != 2 {
			t.Errorf("%d CompleteMultipartUpload attempts, want 2", n)
		}
		// The object was recognised by its ETag.
		if n := env.proxy.Count(faultproxy.All(faultproxy.Method("HEAD"), onKey(s, "k"))); n != 1 {
			t.Errorf("%d HEADs, want 1", n)
		}
		checkData(t, "k", get(t, s, "k"), data)
	})

	t.Run("MultipartFailureAborts", func(t *testing.T) {
		s := env.store(t, nil)
		env.proxy.FailNext(1, 403, "AccessDenied", faultproxy.All(uploadPart, faultproxy.HasQuery("partNumber"), func(r *faultproxy.Request) bool {
			return r.Query.Get("partNumber") == "2"
		}))
		data := randomBytes(12<<20, 18)
		err := s.Put(ctx, "k", bytes.NewReader(data), int64(len(data)))
		if oe := opError(t, err); oe.StatusCode != 403 {
			t.Fatalf("Put: %v", err)
		}
		if n := env.proxy.Count(abortMPU); n != 1 {
			t.Errorf("%d AbortMultipartUpload requests, want 1", n)
		}
		if _, err := s.Stat(ctx, "k"); !errors.Is(err, tiering.ErrNotFound) {
			t.Errorf("Stat after a failed multipart Put: %v", err)
		}
	})

	t.Run("ReplacedDuringGet", func(t *testing.T) {
		// An If-Match failure (the object changed between HEAD and GET)
		// starts the Get over.
		s := env.store(t, nil)
		data := randomBytes(1000, 19)
		put(t, s, "k", data)
		env.proxy.FailNext(1, http.StatusPreconditionFailed, "PreconditionFailed", faultproxy.All(getObject, onKey(s, "k")))
		checkData(t, "k", get(t, s, "k"), data)
		if n := env.proxy.Count(faultproxy.All(faultproxy.Method("HEAD"), onKey(s, "k"))); n != 2 {
			t.Errorf("%d HEADs, want 2", n)
		}
	})

	t.Run("CancelDuringBackoff", func(t *testing.T) {
		s := env.store(t, func(c *S3Config) {
			c.BaseDelay, c.MaxDelay, c.MaxAttempts = 30*time.Second, 30*time.Second, 10
		})
		env.proxy.FailNext(10, 503, "SlowDown", putObject)
		cctx, cancel := context.WithCancel(ctx)
		time.AfterFunc(300*time.Millisecond, cancel)
		start := time.Now()
		// The first backoff is uniform in [0, 30s]: retry until one is
		// long enough to be interrupted.
		err := s.Put(cctx, "k", bytes.NewReader([]byte("x")), 1)
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("Put took %v after the cancel", took)
		}
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Put: %v, want context.Canceled", err)
		}
		if !strings.Contains(err.Error(), "SlowDown") {
			t.Errorf("error %q does not tell the last failure", err)
		}
		if sqlstate(err) != pgerr.QueryCanceled {
			t.Errorf("SQLSTATE %q, want %s", sqlstate(err), pgerr.QueryCanceled)
		}
		env.proxy.ClearFaults()
	})

	t.Run("Stall", func(t *testing.T) {
		// Attempts that make no progress for AttemptTimeout are
		// abandoned and retried.
		s := env.store(t, func(c *S3Config) { c.AttemptTimeout = 2 * time.Second })
		data := randomBytes(12<<20, 20)
		start := time.Now()
		env.proxy.StallRequestBody(1, 1<<20, time.Minute, faultproxy.All(uploadPart, onKey(s, "k")))
		put(t, s, "k", data)
		env.proxy.StallResponseBody(1, 1<<20, time.Minute, faultproxy.All(rangedGet, onKey(s, "k")))
		checkData(t, "k", get(t, s, "k"), data)
		small := randomBytes(1000, 21)
		put(t, s, "small", small)
		env.proxy.StallResponseBody(1, 0, time.Minute, faultproxy.All(faultproxy.Method("HEAD"), onKey(s, "small")))
		checkData(t, "small", get(t, s, "small"), small)
		if took := time.Since(start); took > 40*time.Second {
			t.Errorf("took %v: stalls were not cut short", took)
		}
		// (More retries are fine on a loaded machine, fewer are not.)
		if n := env.proxy.Count(faultproxy.All(uploadPart, onKey(s, "k"))); n < 4 {
			t.Errorf("%d UploadPart requests, want 3 parts + at least 1 retry", n)
		}
	})

	t.Run("DefaultCredentialChain", func(t *testing.T) {
		// Without static keys the SDK's chain finds them, here in the
		// environment.
		dir := t.TempDir()
		t.Setenv("AWS_CONFIG_FILE", dir+"/none")
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", dir+"/none")
		t.Setenv("AWS_PROFILE", "")
		t.Setenv("AWS_ACCESS_KEY_ID", env.srv.AccessKey)
		t.Setenv("AWS_SECRET_ACCESS_KEY", env.srv.SecretKey)
		s := env.store(t, func(c *S3Config) { c.AccessKeyID, c.SecretAccessKey = "", "" })
		put(t, s, "k", []byte("v"))
		checkData(t, "k", get(t, s, "k"), []byte("v"))
		if err := s.Check(ctx); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("FailingWriter", func(t *testing.T) {
		s := env.store(t, nil)
		put(t, s, "k", []byte("v"))
		env.proxy.ResetCounts()
		_, err := s.Get(ctx, "k", failingWriter{})
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Fatalf("Get into a failing writer: %v", err)
		}
		if n := env.proxy.Count(getObject); n != 1 {
			t.Errorf("%d GETs: a write error was retried", n)
		}
	})
}

func (e *s3Env) ResetCounts() { e.proxy.ResetCounts() }

func TestS3Config(t *testing.T) {
	ctx := context.Background()
	for _, cfg := range []S3Config{
		{},
		{Bucket: "b", Endpoint: "ftp://x"},
		{Bucket: "b", Endpoint: "http://user:pw@host"},
		{Bucket: "b", AccessKeyID: "a"},
		{Bucket: "b", PartSize: 1 << 20},
		{Bucket: "b", PartSize: 6 << 30},
		{Bucket: "b", Prefix: "a/../b"},
	} {
		if _, err := NewS3(ctx, cfg); err == nil {
			t.Errorf("NewS3(%v) succeeded", cfg)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("error shows the endpoint's password: %v", err)
		}
	}
	s, err := NewS3(ctx, S3Config{Bucket: "b", Prefix: "/p/", AccessKeyID: "a", SecretAccessKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if s.prefix != "p/" || s.partSize != DefaultPartSize || s.concurrency != DefaultConcurrency || s.policy.maxAttempts != DefaultMaxAttempts {
		t.Errorf("defaults: %+v", s)
	}
}

func TestBackoff(t *testing.T) {
	p := retryPolicy{baseDelay: 100 * time.Millisecond, maxDelay: time.Second}
	for attempt, ceil := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 40: time.Second} {
		var maxSeen time.Duration
		for range 1000 {
			d := p.backoff(attempt)
			if d < 0 || d > ceil {
				t.Fatalf("backoff(%d) = %v, outside [0, %v]", attempt, d, ceil)
			}
			maxSeen = max(maxSeen, d)
		}
		if maxSeen < ceil/2 {
			t.Errorf("backoff(%d) never above %v (ceiling %v): no jitter range", attempt, maxSeen, ceil)
		}
	}
}
