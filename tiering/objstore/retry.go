package objstore

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// retryPolicy is the one retry policy every S3 request goes through.
type retryPolicy struct {
	maxAttempts int
	baseDelay   time.Duration
	maxDelay    time.Duration
	// stall is how long an attempt may go without progress before it is
	// abandoned (and retried).
	stall time.Duration
}

// backoff returns the wait before attempt+1 (attempt counts from 1):
// exponential backoff with full jitter, a uniformly random duration in
// [0, min(maxDelay, baseDelay*2^(attempt-1))].
func (p retryPolicy) backoff(attempt int) time.Duration {
	ceil := p.baseDelay
	for i := 1; i < attempt && ceil < p.maxDelay; i++ {
		ceil *= 2
	}
	ceil = min(ceil, p.maxDelay)
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// failure is what classify learns from one failed attempt.
type failure struct {
	status    int    // HTTP status, 0 when no response arrived
	code      string // S3 error code
	msg       string // short message, without the SDK's wrapping
	transient bool
	notFound  bool
}

// errStalled is the cause of an attempt abandoned for making no progress.
var errStalled = errors.New("no progress, attempt abandoned")

// permanentError marks an error that must not be retried whatever it
// wraps (for example a failed write to the caller's io.WriterAt).
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// transientCodes are S3 error codes that are worth retrying whatever the
// HTTP status they come with (S3 sends RequestTimeout as a 400).
var transientCodes = map[string]bool{
	"InternalError":              true,
	"ServiceUnavailable":         true,
	"SlowDown":                   true,
	"Throttling":                 true,
	"ThrottlingException":        true,
	"ThrottledException":         true,
	"RequestThrottled":           true,
	"RequestThrottledException":  true,
	"TooManyRequestsException":   true,
	"RequestLimitExceeded":       true,
	"RequestTimeout":             true,
	"RequestTimeoutException":    true,
	"BandwidthLimitExceeded":     true,
	"XMinioServerNotInitialized": true,
}

// classify decides whether a failed attempt is worth another.
func classify(err error) failure {
	var f failure
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		f.status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		f.code = ae.ErrorCode()
		f.msg = ae.ErrorMessage()
		if f.msg == "" {
			f.msg = f.code
		}
	}
	if f.msg == "" {
		f.msg = shortMessage(err)
	}
	var pe *permanentError
	switch {
	case errors.As(err, &pe):
	case f.code == "NoSuchKey" || (f.status == 404 && (f.code == "NotFound" || f.code == "")):
		f.notFound = true
	case transientCodes[f.code]:
		f.transient = true
	case f.status == 429 || f.status == 408:
		f.transient = true
	case f.status >= 500 && f.status != 501:
		f.transient = true
	case f.status >= 300 && f.status < 500 && f.code != "":
		// A permanent client error: 403, 404 NoSuchBucket, 400, ...
	case isNetworkError(err):
		f.transient = true
	case f.status >= 300:
		// A 4xx without a code (a HEAD response has no body).
	}
	return f
}

// isNetworkError reports errors of the connection rather than of the
// request: refused, reset or closed connections, bodies cut short,
// timeouts and stalls.
func isNetworkError(err error) bool {
	if errors.Is(err, errStalled) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ETIMEDOUT) ||
		errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, net.ErrClosed) ||
		errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	var de *net.DNSError
	if errors.As(err, &de) && !de.IsNotFound {
		return true
	}
	s := err.Error()
	return strings.Contains(s, "server closed idle connection") ||
		strings.Contains(s, "connection reset") ||
		strings.Contains(s, "broken pipe") ||
		strings.Contains(s, "unexpected EOF")
}

// shortMessage drops the SDK's layers ("operation error S3: PutObject,
// https response error StatusCode: 0, RequestID: , request send error:
// Put "http://...": ...") down to the cause.
func shortMessage(err error) string {
	for {
		var next error
		var oe *smithy.OperationError
		var re *awshttp.ResponseError
		var sre *smithyhttp.RequestSendError
		var ue *url.Error
		switch {
		case errors.As(err, &ue):
			next = ue.Err
		case errors.As(err, &sre):
			next = sre.Err
		case errors.As(err, &re):
			next = re.Err
		case errors.As(err, &oe):
			next = oe.Err
		}
		if next == nil || next == err {
			return err.Error()
		}
		err = next
	}
}

// watch bounds an attempt: it is cancelled (with cause errStalled) when
// touch has not been called for the stall duration.
type watch struct {
	d     time.Duration
	mu    sync.Mutex
	timer *time.Timer
}

func newWatch(ctx context.Context, d time.Duration) (context.Context, *watch, func()) {
	actx, cancel := context.WithCancelCause(ctx)
	w := &watch{d: d}
	if d > 0 {
		w.timer = time.AfterFunc(d, func() { cancel(errStalled) })
	}
	return actx, w, func() {
		if w.timer != nil {
			w.timer.Stop()
		}
		cancel(context.Canceled)
	}
}

// touch records progress.
func (w *watch) touch() {
	if w.timer == nil {
		return
	}
	w.mu.Lock()
	w.timer.Reset(w.d)
	w.mu.Unlock()
}

// progressReader touches a watch on every read. It keeps Seek so the SDK
// can rewind the body after hashing it.
type progressReader struct {
	r *io.SectionReader
	w *watch
}

func (p *progressReader) Read(b []byte) (int, error) {
	p.w.touch()
	n, err := p.r.Read(b)
	if n > 0 {
		p.w.touch()
	}
	return n, err
}

func (p *progressReader) Seek(off int64, whence int) (int64, error) { return p.r.Seek(off, whence) }

// progressWriter touches a watch on every write and marks write errors
// permanent: they are the caller's, not the network's.
type progressWriter struct {
	w  io.Writer
	wd *watch
}

func (p *progressWriter) Write(b []byte) (int, error) {
	p.wd.touch()
	n, err := p.w.Write(b)
	if err != nil {
		return n, &permanentError{err}
	}
	return n, nil
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
