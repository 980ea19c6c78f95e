package objstore

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/logging"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"

	"github.com/akidb/akidb/tiering"
)

// Defaults and limits of S3Config.
const (
	DefaultRegion         = "us-east-1"
	DefaultPartSize       = 16 << 20
	MinPartSize           = 5 << 20
	MaxPartSize           = 5 << 30
	DefaultConcurrency    = 4
	DefaultMaxAttempts    = 8
	DefaultBaseDelay      = 200 * time.Millisecond
	DefaultMaxDelay       = 15 * time.Second
	DefaultAttemptTimeout = time.Minute

	// maxParts is S3's limit on the parts of one multipart upload.
	maxParts = 10000
)

// S3Config configures an S3 object store.
type S3Config struct {
	// Endpoint is the service URL, e.g. "http://127.0.0.1:9000" for MinIO;
	// empty means AWS's endpoint for the region.
	Endpoint string
	// Bucket holds the objects; it must exist.
	Bucket string
	// Prefix, when set, is put in front of every key ("akidb" stores key
	// "a/b" as "akidb/a/b"). Keys the store returns are without it.
	Prefix string
	// Region defaults to us-east-1.
	Region string
	// PathStyle addresses the bucket as endpoint/bucket/key rather than
	// bucket.endpoint/key (MinIO and most self-hosted servers need it).
	PathStyle bool
	// AccessKeyID and SecretAccessKey are static credentials. When they
	// are empty the SDK's default credential chain is used (environment,
	// shared files, instance or container roles).
	AccessKeyID     string
	SecretAccessKey string
	// PartSize is the size of the parts of a multipart upload and of the
	// ranges of a parallel download (default 16 MiB, from 5 MiB to 5 GiB).
	// Objects up to PartSize go up in one PutObject and down in one GET.
	// Objects streamed through Create go up in parts of min(PartSize,
	// 5 MiB) at first (see s3writer.go).
	PartSize int64
	// Concurrency is how many parts or ranges of one object move at once
	// (default 4).
	Concurrency int
	// MaxAttempts bounds the attempts of each request, the first included
	// (default 8).
	MaxAttempts int
	// BaseDelay and MaxDelay shape the backoff between attempts: the n-th
	// wait is uniformly random in [0, min(MaxDelay, BaseDelay*2^(n-1))]
	// (defaults 200 ms and 15 s).
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// AttemptTimeout abandons (and retries) an attempt that makes no
	// progress for this long: no byte of a part read or of a range
	// received, or no answer at all to a request without a body
	// (default 1 minute).
	AttemptTimeout time.Duration
	// HTTPClient, when set, sends the requests (tests use it to reach a
	// server through a proxy); by default a client with the SDK's
	// transport settings is used.
	HTTPClient *http.Client
	// Logger receives one debug record per retried attempt; nil means
	// none. Records never contain credentials.
	Logger *slog.Logger
}

// String describes the configuration without its secret.
func (c S3Config) String() string {
	secret := ""
	if c.SecretAccessKey != "" {
		secret = "[redacted]"
	}
	return fmt.Sprintf("S3Config{Endpoint:%q Bucket:%q Prefix:%q Region:%q PathStyle:%v AccessKeyID:%q SecretAccessKey:%s PartSize:%d Concurrency:%d MaxAttempts:%d BaseDelay:%v MaxDelay:%v AttemptTimeout:%v}",
		c.Endpoint, c.Bucket, c.Prefix, c.Region, c.PathStyle, c.AccessKeyID, secret, c.PartSize, c.Concurrency, c.MaxAttempts, c.BaseDelay, c.MaxDelay, c.AttemptTimeout)
}

// GoString is String, so that %#v does not print the secret either.
func (c S3Config) GoString() string { return c.String() }

// S3 is an object store in an S3 bucket.
type S3 struct {
	client      *s3.Client
	bucket      string
	prefix      string // "" or ending in "/"
	partSize    int64
	concurrency int
	policy      retryPolicy
	log         *slog.Logger
}

var _ tiering.ObjectStore = (*S3)(nil)

// NewS3 returns a store for cfg. It sends no request: a wrong endpoint,
// bucket or credential shows in the first operation (or in Check).
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	bad := func(format string, args ...any) error {
		return wrapOp(&OpError{Store: "s3", Op: "open", Key: cfg.Bucket, Err: fmt.Errorf(format, args...)})
	}
	if cfg.Bucket == "" {
		return nil, bad("no bucket")
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, bad("endpoint %q is not an http(s) URL", cfg.Endpoint)
		}
		if u.User != nil {
			return nil, bad("endpoint must not contain credentials; use AccessKeyID and SecretAccessKey")
		}
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return nil, bad("set both AccessKeyID and SecretAccessKey, or neither")
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < MinPartSize || cfg.PartSize > MaxPartSize {
		return nil, bad("part size %d is outside S3's limits [%d, %d]", cfg.PartSize, MinPartSize, MaxPartSize)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.BaseDelay <= 0 {
		cfg.BaseDelay = DefaultBaseDelay
	}
	if cfg.MaxDelay <= 0 {
		cfg.MaxDelay = DefaultMaxDelay
	}
	if cfg.MaxDelay < cfg.BaseDelay {
		cfg.MaxDelay = cfg.BaseDelay
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = DefaultAttemptTimeout
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if err := checkKey(prefix); err != nil {
			return nil, bad("prefix: %v", err)
		}
		prefix += "/"
	}

	var httpClient aws.HTTPClient
	if cfg.HTTPClient != nil {
		httpClient = cfg.HTTPClient
	} else {
		httpClient = awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.MaxIdleConnsPerHost = 2 * cfg.Concurrency
			tr.ResponseHeaderTimeout = cfg.AttemptTimeout
		})
	}
	// The SDK does not retry: every request goes through (*S3).call.
	noRetry := func() aws.Retryer { return aws.NopRetryer{} }
	var awsCfg aws.Config
	if cfg.AccessKeyID != "" {
		// Static credentials: nothing to load from the environment or
		// shared files, which could only get in the way.
		awsCfg = aws.Config{
			Region:      cfg.Region,
			Credentials: aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, "")),
			HTTPClient:  httpClient,
			Retryer:     noRetry,
			Logger:      logging.Nop{},
		}
	} else {
		var err error
		awsCfg, err = config.LoadDefaultConfig(ctx,
			config.WithRegion(cfg.Region),
			config.WithHTTPClient(httpClient),
			config.WithRetryer(noRetry),
			config.WithLogger(logging.Nop{}),
		)
		if err != nil {
			return nil, bad("loading AWS configuration: %v", err)
		}
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		o.UsePathStyle = cfg.PathStyle
		o.RetryMaxAttempts = 1
		o.Retryer = aws.NopRetryer{}
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &S3{
		client:      client,
		bucket:      cfg.Bucket,
		prefix:      prefix,
		partSize:    cfg.PartSize,
		concurrency: cfg.Concurrency,
		policy: retryPolicy{
			maxAttempts: cfg.MaxAttempts,
			baseDelay:   cfg.BaseDelay,
			maxDelay:    cfg.MaxDelay,
			stall:       cfg.AttemptTimeout,
		},
		log: log,
	}, nil
}

// call runs one S3 request with the store's retry policy: attempt runs
// until it succeeds, fails permanently, the attempts run out or ctx is
// done. Each attempt gets a context that is cancelled when it makes no
// progress for the policy's stall time; the attempt reports progress
// through the watch. A failure is returned as an *OpError.
func (s *S3) call(ctx context.Context, op, key string, attempt func(ctx context.Context, w *watch) error) error {
	var last failure
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return s.ctxErr(ctx, op, key, n-1, last)
		}
		actx, w, stop := newWatch(ctx, s.policy.stall)
		err := attempt(actx, w)
		stalled := context.Cause(actx) == errStalled
		stop()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return s.ctxErr(ctx, op, key, n, last)
		}
		if stalled {
			err = fmt.Errorf("%w for %v: %w", errStalled, s.policy.stall, err)
		}
		last = classify(err)
		if stalled {
			last = failure{transient: true, msg: fmt.Sprintf("no progress for %v", s.policy.stall)}
		}
		if !last.transient || n >= s.policy.maxAttempts {
			e := &OpError{Store: "s3", Op: op, Key: key, StatusCode: last.status, Code: last.code, Attempts: n,
				Err: &causeError{msg: last.msg, err: err}}
			if last.notFound {
				e.Err = &causeError{msg: last.msg, err: errors.Join(tiering.ErrNotFound, err)}
			}
			return e
		}
		d := s.policy.backoff(n)
		s.log.Debug("s3 request failed, retrying", "op", op, "key", key, "attempt", n,
			"status", last.status, "code", last.code, "error", last.msg, "backoff", d)
		if err := sleep(ctx, d); err != nil {
			return s.ctxErr(ctx, op, key, n, last)
		}
	}
}

func (s *S3) ctxErr(ctx context.Context, op, key string, attempts int, last failure) error {
	err := context.Cause(ctx)
	if last.msg != "" {
		err = fmt.Errorf("%w (last attempt: %s)", err, describe(last))
	}
	return &OpError{Store: "s3", Op: op, Key: key, Attempts: attempts, Err: err}
}

func describe(f failure) string {
	switch {
	case f.status != 0 && f.code != "":
		return fmt.Sprintf("status %d %s: %s", f.status, f.code, f.msg)
	case f.status != 0:
		return fmt.Sprintf("status %d: %s", f.status, f.msg)
	}
	return f.msg
}

// causeError shows a short message and unwraps to the full error.
type causeError struct {
	msg string
	err error
}

func (e *causeError) Error() string { return e.msg }
func (e *causeError) Unwrap() error { return e.err }

// opErr converts the result of call for a caller: nil stays nil.
func opErr(err error) error {
	if err == nil {
		return nil
	}
	var oe *OpError
	if errors.As(err, &oe) {
		return wrapOp(oe)
	}
	return err
}

func (s *S3) fullKey(op, key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", wrapOp(&OpError{Store: "s3", Op: op, Key: key, Err: err})
	}
	return s.prefix + key, nil
}

// Check lists at most one object under the store's prefix: it fails when
// the endpoint, the bucket or the credentials are wrong.
func (s *S3) Check(ctx context.Context) error {
	return opErr(s.call(ctx, "check", s.prefix, func(ctx context.Context, _ *watch) error {
		_, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
			Bucket: &s.bucket, Prefix: aws.String(s.prefix), MaxKeys: aws.Int32(1),
		})
		return err
	}))
}

// Put implements tiering.ObjectStore. Objects up to the part size go up
// in one PutObject, larger ones in a multipart upload whose parts are
// sent (and retried) independently, Concurrency at a time; a failed
// multipart upload is aborted.
func (s *S3) Put(ctx context.Context, key string, r io.ReaderAt, size int64) error {
	full, err := s.fullKey("put", key)
	if err != nil {
		return err
	}
	if size < 0 {
		return wrapOp(&OpError{Store: "s3", Op: "put", Key: key, Err: fmt.Errorf("negative size %d", size)})
	}
	if size <= s.partSize {
		return opErr(s.putObject(ctx, key, full, r, size))
	}
	return opErr(s.putMultipart(ctx, key, full, r, size))
}

func (s *S3) putMultipart(ctx context.Context, key, full string, r io.ReaderAt, size int64) error {
	partSize := s.partSize
	if (size+partSize-1)/partSize > maxParts {
		// Grow the parts (to whole MiB) so the object fits in S3's limit.
		partSize = ((size+maxParts-1)/maxParts + 1<<20 - 1) &^ (1<<20 - 1)
	}
	nparts := int((size + partSize - 1) / partSize)

	uploadID, err := s.createUpload(ctx, key, full)
	if err != nil {
		return err
	}
	done := false
	defer func() {
		if !done {
			s.abort(ctx, key, full, uploadID)
		}
	}()

	parts := make([]types.CompletedPart, nparts)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.concurrency)
	for i := range nparts {
		if gctx.Err() != nil {
			break
		}
		off := int64(i) * partSize
		n := min(partSize, size-off)
		g.Go(func() error {
			p, err := s.uploadPart(gctx, key, full, uploadID, int32(i+1), r, off, n)
			parts[i] = p
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &OpError{Store: "s3", Op: "put", Key: key, Err: context.Cause(ctx)}
	}
	if err := s.completeUpload(ctx, key, full, uploadID, parts); err != nil {
		return err
	}
	done = true
	return nil
}

// createUpload starts a multipart upload and returns its id.
func (s *S3) createUpload(ctx context.Context, key, full string) (string, error) {
	var uploadID string
	err := s.call(ctx, "put", key, func(ctx context.Context, _ *watch) error {
		out, err := s.client.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
			Bucket:            &s.bucket,
			Key:               &full,
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		})
		if err == nil {
			uploadID = aws.ToString(out.UploadId)
		}
		return err
	})
	return uploadID, err
}

// uploadPart sends bytes [off, off+n) of r as part num of an upload.
func (s *S3) uploadPart(ctx context.Context, key, full, uploadID string, num int32, r io.ReaderAt, off, n int64) (types.CompletedPart, error) {
	var part types.CompletedPart
	err := s.call(ctx, "put", key, func(ctx context.Context, w *watch) error {
		out, err := s.client.UploadPart(ctx, &s3.UploadPartInput{
			Bucket:            &s.bucket,
			Key:               &full,
			UploadId:          &uploadID,
			PartNumber:        aws.Int32(num),
			Body:              &progressReader{r: io.NewSectionReader(r, off, n), w: w},
			ContentLength:     aws.Int64(n),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		}, unsignedPayload)
		if err != nil {
			return err
		}
		part = types.CompletedPart{
			ETag:          out.ETag,
			PartNumber:    aws.Int32(num),
			ChecksumCRC32: out.ChecksumCRC32,
		}
		return nil
	})
	return part, err
}

// completeUpload completes a multipart upload of parts.
func (s *S3) completeUpload(ctx context.Context, key, full, uploadID string, parts []types.CompletedPart) error {
	retried := false
	return s.call(ctx, "put", key, func(ctx context.Context, _ *watch) error {
		_, err := s.client.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
			Bucket:          &s.bucket,
			Key:             &full,
			UploadId:        &uploadID,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
		})
		if err != nil && retried && classify(err).code == "NoSuchUpload" {
			// An earlier attempt may have completed the upload and lost
			// only its answer: accept the object if it is ours.
			if s.isUpload(ctx, full, parts) {
				return nil
			}
		}
		retried = true
		return err
	})
}

// putObject stores the size bytes of r at key in one PutObject.
func (s *S3) putObject(ctx context.Context, key, full string, r io.ReaderAt, size int64) error {
	return s.call(ctx, "put", key, func(ctx context.Context, w *watch) error {
		_, err := s.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:            &s.bucket,
			Key:               &full,
			Body:              &progressReader{r: io.NewSectionReader(r, 0, size), w: w},
			ContentLength:     aws.Int64(size),
			ChecksumAlgorithm: types.ChecksumAlgorithmCrc32,
		}, unsignedPayload)
		return err
	})
}

// unsignedPayload leaves a body out of the request's signature: the SDK
// would otherwise hash every byte with SHA-256 before sending it, and the
// server would hash it again to check. The body's CRC32, which the server
// checks, still guards it in transit, and the signature still covers the
// headers, that checksum included. The payload hash is set before the
// checksum middleware runs, which would otherwise compute the SHA-256
// along with the CRC32.
func unsignedPayload(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("AkiDBUnsignedPayload",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				return next.HandleInitialize(v4.SetPayloadHash(ctx, "UNSIGNED-PAYLOAD"), in)
			}), middleware.After)
	}, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
}

// isUpload reports whether the object at full is the one the parts make
// up, by its multipart ETag (the MD5 of the parts' MD5s, "-" and the part
// count).
func (s *S3) isUpload(ctx context.Context, full string, parts []types.CompletedPart) bool {
	h := md5.New()
	for _, p := range parts {
		b, err := hex.DecodeString(strings.Trim(aws.ToString(p.ETag), `"`))
		if err != nil {
			return false
		}
		h.Write(b)
	}
	want := fmt.Sprintf("%x-%d", h.Sum(nil), len(parts))
	out, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &full})
	return err == nil && strings.Trim(aws.ToString(out.ETag), `"`) == want
}

// abort aborts a multipart upload that will not be completed, even when
// ctx is already cancelled, so that its parts do not linger in the bucket.
func (s *S3) abort(ctx context.Context, key, full, uploadID string) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	err := s.call(actx, "abort upload", key, func(ctx context.Context, _ *watch) error {
		_, err := s.client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
			Bucket: &s.bucket, Key: &full, UploadId: &uploadID,
		})
		if err != nil && classify(err).code == "NoSuchUpload" {
			return nil
		}
		return err
	})
	if err != nil {
		s.log.Warn("s3 abort of a failed multipart upload failed; its parts stay until a lifecycle rule removes them",
			"key", key, "error", err)
	}
}

// Get implements tiering.ObjectStore. It reads the object's size and ETag
// with HeadObject, then fetches it in one GET (objects up to the part
// size) or in ranges of the part size, Concurrency at a time, the last
// range first, each range retried on its own and resumed where a
// cut-short body stopped. Every
// GET carries If-Match with the ETag, so an object replaced meanwhile is
// never mixed with its successor: the Get starts over instead.
//
// w must accept concurrent WriteAt calls at distinct offsets (an
// *os.File does). After an error, w may hold part of the object.
func (s *S3) Get(ctx context.Context, key string, w io.WriterAt) (int64, error) {
	full, err := s.fullKey("get", key)
	if err != nil {
		return 0, err
	}
	for restart := 0; ; restart++ {
		head, err := s.head(ctx, "get", key, full)
		if err != nil {
			return 0, opErr(err)
		}
		size, etag := aws.ToInt64(head.ContentLength), aws.ToString(head.ETag)
		err = s.getRanges(ctx, key, full, etag, size, w)
		var oe *OpError
		if err != nil && restart < 3 && errors.As(err, &oe) && (oe.StatusCode == http.StatusPreconditionFailed || oe.Code == "PreconditionFailed") {
			continue // the object was replaced during the Get
		}
		if err != nil {
			return 0, opErr(err)
		}
		return size, nil
	}
}

func (s *S3) getRanges(ctx context.Context, key, full, etag string, size int64, w io.WriterAt) error {
	if size == 0 {
		return nil
	}
	if size <= s.partSize {
		return s.getRange(ctx, key, full, etag, 0, size, w)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(s.concurrency)
	// The last range goes first, then the others in order: a file whose
	// index is at its end (Parquet's footer) can be opened, and read from
	// its start, while the rest arrives.
	last := (size - 1) / s.partSize * s.partSize
	offs := []int64{last}
	for off := int64(0); off < last; off += s.partSize {
		offs = append(offs, off)
	}
	for _, off := range offs {
		if gctx.Err() != nil {
			break
		}
		end := min(off+s.partSize, size)
		g.Go(func() error { return s.getRange(gctx, key, full, etag, off, end, w) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &OpError{Store: "s3", Op: "get", Key: key, Err: context.Cause(ctx)}
	}
	return nil
}

// copyBuffers keeps the ranged downloads' copy buffers from one to the
// next (a 200 MB object is a dozen ranges).
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufSize); return &b }}

// getRange writes bytes [off, end) of the object to w. A retry asks only
// for the bytes not yet written.
func (s *S3) getRange(ctx context.Context, key, full, etag string, off, end int64, w io.WriterAt) error {
	pos := off
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	buf := (*bp)[:min(end-off, copyBufSize)]
	return s.call(ctx, "get", key, func(ctx context.Context, wd *watch) error {
		in := &s3.GetObjectInput{
			Bucket: &s.bucket,
			Key:    &full,
			Range:  aws.String(fmt.Sprintf("bytes=%d-%d", pos, end-1)),
		}
		if etag != "" {
			in.IfMatch = aws.String(etag)
		}
		out, err := s.client.GetObject(ctx, in)
		if err != nil {
			return err
		}
		defer out.Body.Close()
		if cl := aws.ToInt64(out.ContentLength); out.ContentLength != nil && cl != end-pos {
			return &permanentError{fmt.Errorf("asked for %d bytes at %d, the response has %d", end-pos, pos, cl)}
		}
		n, err := io.CopyBuffer(&progressWriter{w: io.NewOffsetWriter(w, pos), wd: wd}, io.LimitReader(out.Body, end-pos), buf)
		pos += n
		if err != nil {
			return err
		}
		if pos < end {
			return fmt.Errorf("body ended %d bytes short: %w", end-pos, io.ErrUnexpectedEOF)
		}
		return nil
	})
}

// Stat implements tiering.ObjectStore.
func (s *S3) Stat(ctx context.Context, key string) (tiering.ObjectInfo, error) {
	full, err := s.fullKey("stat", key)
	if err != nil {
		return tiering.ObjectInfo{}, err
	}
	head, err := s.head(ctx, "stat", key, full)
	if err != nil {
		return tiering.ObjectInfo{}, opErr(err)
	}
	return tiering.ObjectInfo{Key: key, Size: aws.ToInt64(head.ContentLength), ModTime: aws.ToTime(head.LastModified)}, nil
}

// head runs HeadObject. The answer to a HEAD has no body, so its 404 does
// not say whether the key or the bucket is missing; on a 404 head asks
// HeadBucket, and reports a missing bucket as such rather than as a
// missing object.
func (s *S3) head(ctx context.Context, op, key, full string) (*s3.HeadObjectOutput, error) {
	var out *s3.HeadObjectOutput
	err := s.call(ctx, op, key, func(ctx context.Context, _ *watch) error {
		o, err := s.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &s.bucket, Key: &full})
		out = o
		return err
	})
	var oe *OpError
	if err == nil || !errors.As(err, &oe) || !oe.NotFound() {
		return out, err
	}
	berr := s.call(ctx, op, key, func(ctx context.Context, _ *watch) error {
		_, err := s.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket})
		return err
	})
	var boe *OpError
	switch {
	case berr == nil:
		return nil, err
	case errors.As(berr, &boe) && boe.StatusCode == http.StatusNotFound:
		return nil, &OpError{Store: "s3", Op: op, Key: key, StatusCode: http.StatusNotFound, Code: "NoSuchBucket",
			Attempts: oe.Attempts, Err: fmt.Errorf("the bucket %q does not exist", s.bucket)}
	default:
		return nil, berr
	}
}

// List implements tiering.ObjectStore.
func (s *S3) List(ctx context.Context, prefix string) ([]tiering.ObjectInfo, error) {
	if err := checkPrefix(prefix); err != nil {
		return nil, wrapOp(&OpError{Store: "s3", Op: "list", Key: prefix, Err: err})
	}
	var out []tiering.ObjectInfo
	var token *string
	for {
		var page *s3.ListObjectsV2Output
		err := s.call(ctx, "list", prefix, func(ctx context.Context, _ *watch) error {
			p, err := s.client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{
				Bucket:            &s.bucket,
				Prefix:            aws.String(s.prefix + prefix),
				ContinuationToken: token,
			})
			page = p
			return err
		})
		if err != nil {
			return nil, opErr(err)
		}
		for _, o := range page.Contents {
			k, ok := strings.CutPrefix(aws.ToString(o.Key), s.prefix)
			if !ok {
				continue
			}
			out = append(out, tiering.ObjectInfo{Key: k, Size: aws.ToInt64(o.Size), ModTime: aws.ToTime(o.LastModified)})
		}
		if !aws.ToBool(page.IsTruncated) || aws.ToString(page.NextContinuationToken) == "" {
			break
		}
		token = page.NextContinuationToken
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// Delete implements tiering.ObjectStore.
func (s *S3) Delete(ctx context.Context, key string) error {
	full, err := s.fullKey("delete", key)
	if err != nil {
		return err
	}
	return opErr(s.call(ctx, "delete", key, func(ctx context.Context, _ *watch) error {
		_, err := s.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &full})
		if err != nil && classify(err).code == "NoSuchKey" {
			return nil
		}
		return err
	}))
}
