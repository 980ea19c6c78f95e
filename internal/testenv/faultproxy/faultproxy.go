// Package faultproxy is an HTTP proxy for tests that stands between a
// client and a real server (such as MinIO) and injects the failures a
// network and a busy service produce: error responses (500 InternalError,
// 503 SlowDown, 403 AccessDenied, ...) and connections cut in the middle
// of a request body or of a response body.
//
// Requests are forwarded unchanged: the same method, the same request
// target byte for byte, the same headers, including Host as the client
// sent it. A client that signs requests (AWS SigV4 signs the Host header,
// the path and the query) therefore signs for the proxy's address and the
// server, which checks the signature against the Host header it receives,
// accepts it.
//
// Faults are armed at run time and apply to the next N requests that
// match a predicate; a proxy is safe for concurrent use. It counts every
// request it sees so tests can check how many attempts a client made.
package faultproxy

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request describes a request the proxy saw; predicates select requests
// by it.
type Request struct {
	Method string
	Path   string // the decoded path, e.g. "/bucket/a/b"
	Query  url.Values
	Header http.Header
	// Fault is the fault applied to the request: "" (forwarded as is),
	// "status 503", "cut request", "cut response".
	Fault string
}

// Match selects requests; nil matches every request.
type Match func(*Request) bool

// Method matches requests with the HTTP method m.
func Method(m string) Match {
	return func(r *Request) bool { return r.Method == m }
}

// HasQuery matches requests whose query has the parameter name (S3
// operations are told apart by them: "partNumber" for UploadPart,
// "uploads" for CreateMultipartUpload, "uploadId" for the other
// multipart calls, "list-type" for ListObjectsV2).
func HasQuery(name string) Match {
	return func(r *Request) bool { return r.Query.Has(name) }
}

// NoQuery matches requests whose query lacks the parameter name.
func NoQuery(name string) Match {
	return func(r *Request) bool { return !r.Query.Has(name) }
}

// PathPrefix matches requests whose path starts with p.
func PathPrefix(p string) Match {
	return func(r *Request) bool { return strings.HasPrefix(r.Path, p) }
}

// HasHeader matches requests that carry the header name.
func HasHeader(name string) Match {
	return func(r *Request) bool { return r.Header.Get(name) != "" }
}

// All matches requests that every m matches.
func All(ms ...Match) Match {
	return func(r *Request) bool {
		for _, m := range ms {
			if m != nil && !m(r) {
				return false
			}
		}
		return true
	}
}

type faultKind int

const (
	failStatus faultKind = iota + 1
	cutRequest
	cutResponse
	stallRequest
	stallResponse
)

type fault struct {
	kind    faultKind
	left    int
	match   Match
	status  int
	code    string
	message string
	after   int64
	delay   time.Duration
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:port; clients use it
	// as their endpoint.
	URL string

	upstream *url.URL
	ln       net.Listener
	srv      *http.Server
	tr       *http.Transport

	mu     sync.Mutex
	faults []*fault
	seen   []*Request
}

// Start runs a proxy to upstream (a base URL such as
// http://127.0.0.1:9000) on a free loopback port and closes it when the
// test ends.
func Start(t testing.TB, upstream string) *Proxy {
	t.Helper()
	p, err := New(upstream)
	if err != nil {
		t.Fatalf("faultproxy: %v", err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// New runs a proxy to upstream on a free loopback port.
func New(upstream string) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("upstream %q: want http://host:port", upstream)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &Proxy{
		URL:      "http://" + ln.Addr().String(),
		upstream: u,
		ln:       ln,
		tr: &http.Transport{
			Proxy:                 nil,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
			DisableCompression:    true,
			ExpectContinueTimeout: time.Second,
			MaxIdleConnsPerHost:   32,
			IdleConnTimeout:       30 * time.Second,
		},
	}
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 30 * time.Second}
	go p.srv.Serve(ln)
	return p, nil
}

// Close stops the proxy and closes its connections.
func (p *Proxy) Close() error {
	err := p.srv.Close()
	p.tr.CloseIdleConnections()
	return err
}

// FailNext answers the next n requests that match (nil: any) with status
// and an S3-style XML error body carrying code, without forwarding them.
// The request body is read to its end first, so the client sees the
// answer rather than a broken pipe.
func (p *Proxy) FailNext(n, status int, code string, match Match) {
	p.arm(&fault{kind: failStatus, left: n, match: match, status: status, code: code,
		message: "fault injected by the test proxy"})
}

// CutRequestBody makes the next n matching requests that have a body
// forward the first after bytes of their body upstream, then drop both
// connections (the client's and the upstream one) without an answer. A
// body of after bytes or fewer is forwarded whole, and the fault is still
// spent.
func (p *Proxy) CutRequestBody(n int, after int64, match Match) {
	p.arm(&fault{kind: cutRequest, left: n, match: match, after: after})
}

// CutResponseBody makes the next n matching requests get the upstream
// status, headers and the first after bytes of the body, then the
// connection is closed.
func (p *Proxy) CutResponseBody(n int, after int64, match Match) {
	p.arm(&fault{kind: cutResponse, left: n, match: match, after: after})
}

// StallRequestBody makes the next n matching requests stop reading their
// body for d after after bytes (or until the client gives up), then go
// on: a server that stops reading.
func (p *Proxy) StallRequestBody(n int, after int64, d time.Duration, match Match) {
	p.arm(&fault{kind: stallRequest, left: n, match: match, after: after, delay: d})
}

// StallResponseBody makes the next n matching requests get the status,
// headers and first after bytes of the response, then nothing for d (or
// until the client gives up), then the rest: a connection that hangs.
func (p *Proxy) StallResponseBody(n int, after int64, d time.Duration, match Match) {
	p.arm(&fault{kind: stallResponse, left: n, match: match, after: after, delay: d})
}

func (p *Proxy) arm(f *fault) {
	if f.left <= 0 {
		return
	}
	p.mu.Lock()
	p.faults = append(p.faults, f)
	p.mu.Unlock()
}

// ClearFaults disarms every pending fault.
func (p *Proxy) ClearFaults() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
}

// Pending returns how many fault applications are still armed.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.faults {
		n += f.left
	}
	return n
}

// Count returns how many requests the proxy has seen that match (nil:
// all), faulted ones included.
func (p *Proxy) Count(match Match) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, r := range p.seen {
		if match == nil || match(r) {
			n++
		}
	}
	return n
}

// Requests returns a copy of the log of requests seen.
func (p *Proxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.seen))
	for i, r := range p.seen {
		out[i] = *r
	}
	return out
}

// ResetCounts forgets the requests seen so far.
func (p *Proxy) ResetCounts() {
	p.mu.Lock()
	p.seen = nil
	p.mu.Unlock()
}

// take records r and returns the fault to apply to it, if any.
func (p *Proxy) take(r *Request) *fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen = append(p.seen, r)
	for i, f := range p.faults {
		if f.match != nil && !f.match(r) {
			continue
		}
		f.left--
		if f.left == 0 {
			p.faults = append(p.faults[:i:i], p.faults[i+1:]...)
		}
		c := *f
		switch c.kind {
		case failStatus:
			r.Fault = fmt.Sprintf("status %d", c.status)
		case cutRequest:
			r.Fault = "cut request"
		case cutResponse:
			r.Fault = "cut response"
		case stallRequest:
			r.Fault = "stall request"
		case stallResponse:
			r.Fault = "stall response"
		}
		return &c
	}
	return nil
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	info := &Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Header: r.Header.Clone()}
	f := p.take(info)
	if f != nil && f.kind == failStatus {
		io.Copy(io.Discard, r.Body)
		writeError(w, r, f.status, f.code, f.message)
		return
	}

	// Forward the request target exactly as received: Opaque makes the
	// client write it back unchanged rather than re-encoding the path.
	target, query, _ := strings.Cut(r.RequestURI, "?")
	out := &http.Request{
		Method:        r.Method,
		URL:           &url.URL{Scheme: p.upstream.Scheme, Host: p.upstream.Host, Opaque: target, RawQuery: query},
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        r.Header.Clone(),
		Host:          r.Host,
		ContentLength: r.ContentLength,
		Body:          &requestBody{r: r.Body, left: r.ContentLength},
	}
	if r.ContentLength == 0 {
		out.Body = nil
	}
	if len(r.TransferEncoding) > 0 {
		out.TransferEncoding = append([]string(nil), r.TransferEncoding...)
	}
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // send none rather than Go's
	}
	var cut *cutReader
	if f != nil && f.kind == cutRequest && out.Body != nil {
		cut = &cutReader{r: out.Body, left: f.after}
		out.Body = cut
	}
	if f != nil && f.kind == stallRequest && out.Body != nil {
		out.Body = &stallReader{r: out.Body, left: f.after, delay: f.delay, done: r.Context().Done()}
	}
	out = out.WithContext(r.Context())

	resp, err := p.tr.RoundTrip(out)
	if cut != nil && cut.cut {
		if resp != nil {
			resp.Body.Close()
		}
		hangUp(w, false)
		return
	}
	if err != nil {
		writeError(w, r, http.StatusBadGateway, "BadGateway", "test proxy: "+err.Error())
		return
	}
	defer resp.Body.Close()

	h := w.Header()
	for k, v := range resp.Header {
		h[k] = append([]string(nil), v...)
	}
	// Add nothing the upstream did not send.
	for _, k := range []string{"Content-Type", "Date"} {
		if _, ok := resp.Header[k]; !ok {
			h[k] = nil
		}
	}
	w.WriteHeader(resp.StatusCode)
	if f != nil && f.kind == cutResponse {
		io.CopyN(w, resp.Body, f.after)
		hangUp(w, true)
		return
	}
	if f != nil && f.kind == stallResponse {
		io.CopyN(w, resp.Body, f.after)
		http.NewResponseController(w).Flush()
		if !wait(r.Context().Done(), f.delay) {
			return
		}
	}
	io.Copy(w, resp.Body)
}

// requestBody hands the incoming request body to the upstream transport.
// It ends at the declared Content-Length without reading on, and leaves
// closing to the server: the transport reads once more to check that a
// body is no longer than declared and closes it when done, and either,
// racing with the server discarding the body as the response starts,
// fails the upstream write and drops the upstream connection in the
// middle of the response.
type requestBody struct {
	r    io.ReadCloser
	left int64 // bytes still expected; -1 when the length is unknown
}

func (b *requestBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	if b.left > 0 && int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	if b.left > 0 {
		b.left -= int64(n)
		if b.left == 0 && err == nil {
			err = io.EOF
		}
	}
	return n, err
}

func (b *requestBody) Close() error { return nil }

// wait waits d, or until done is closed; it reports whether d passed.
func wait(done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}

// stallReader pauses once, after left bytes.
type stallReader struct {
	r     io.ReadCloser
	left  int64
	delay time.Duration
	done  <-chan struct{}
}

func (s *stallReader) Read(b []byte) (int, error) {
	if s.left == 0 {
		s.left = -1
		if !wait(s.done, s.delay) {
			return 0, errors.New("faultproxy: client gone during a stall")
		}
	}
	if s.left > 0 && int64(len(b)) > s.left {
		b = b[:s.left]
	}
	n, err := s.r.Read(b)
	if s.left > 0 {
		s.left -= int64(n)
	}
	return n, err
}

func (s *stallReader) Close() error { return s.r.Close() }

// hangUp closes the client's connection, after sending what was written
// when flush is set.
func hangUp(w http.ResponseWriter, flush bool) {
	rc := http.NewResponseController(w)
	if flush {
		rc.Flush()
	}
	conn, buf, err := rc.Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the handler, which resets the
		// stream.
		panic(http.ErrAbortHandler)
	}
	if flush && buf != nil {
		buf.Flush()
	}
	if tc, ok := conn.(*net.TCPConn); ok && !flush {
		// Reset, like a dropped connection. (Not after a partial
		// response: a reset may discard the bytes still in flight.)
		tc.SetLinger(0)
	}
	conn.Close()
}

// cutReader returns an error after left bytes.
type cutReader struct {
	r    io.ReadCloser
	left int64
	cut  bool
}

var errCut = errors.New("faultproxy: request body cut")

func (c *cutReader) Read(b []byte) (int, error) {
	if c.left <= 0 {
		// Cut only a body that goes on past the limit.
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n == 0 {
			return 0, err
		}
		c.cut = true
		return 0, errCut
	}
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	n, err := c.r.Read(b)
	c.left -= int64(n)
	return n, err
}

func (c *cutReader) Close() error { return c.r.Close() }

func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Error><Code>%s</Code><Message>%s</Message><Resource>%s</Resource><RequestId>faultproxy</RequestId></Error>`,
		html.EscapeString(code), html.EscapeString(message), html.EscapeString(r.URL.Path))
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Length", fmt.Sprint(len(body)))
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "1")
	}
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}
