package faultproxy

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// echo is an upstream that answers with what it received.
func echo(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-Request-URI", r.RequestURI)
		w.Header().Set("X-Custom", r.Header.Get("X-Custom"))
		w.Header().Set("X-Body-Sum", fmt.Sprintf("%x", sha256.Sum256(body)))
		w.Write(bytes.Repeat([]byte("0123456789"), 10000))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestForwardsExactly(t *testing.T) {
	up := echo(t)
	p := Start(t, up.URL)
	body := bytes.Repeat([]byte("x"), 12345)
	req, _ := http.NewRequest("PUT", p.URL+"/b/a%2Fb%20c/d?partNumber=3&uploadId=x%2By", bytes.NewReader(body))
	req.Header.Set("X-Custom", "v")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := strings.TrimPrefix(p.URL, "http://"); resp.Header.Get("X-Host") != want {
		t.Errorf("upstream saw Host %q, want %q", resp.Header.Get("X-Host"), want)
	}
	if u := resp.Header.Get("X-Request-URI"); u != "/b/a%2Fb%20c/d?partNumber=3&uploadId=x%2By" {
		t.Errorf("upstream saw request target %q", u)
	}
	if resp.Header.Get("X-Custom") != "v" {
		t.Errorf("header not forwarded")
	}
	if resp.Header.Get("X-Body-Sum") != fmt.Sprintf("%x", sha256.Sum256(body)) {
		t.Errorf("body changed on the way")
	}
	if len(got) != 100000 {
		t.Errorf("response body %d bytes, want 100000", len(got))
	}
	if n := p.Count(All(Method("PUT"), HasQuery("partNumber"))); n != 1 {
		t.Errorf("Count = %d, want 1", n)
	}
}

func TestFaults(t *testing.T) {
	up := echo(t)
	p := Start(t, up.URL)
	client := &http.Client{Transport: &http.Transport{}}

	p.FailNext(2, 503, "SlowDown", Method("GET"))
	for i := 0; i < 3; i++ {
		resp, err := client.Get(p.URL + "/k")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		want := 503
		if i == 2 {
			want = 200
		}
		if resp.StatusCode != want {
			t.Fatalf("request %d: status %d, want %d", i, resp.StatusCode, want)
		}
		if want == 503 && !strings.Contains(string(b), "<Code>SlowDown</Code>") {
			t.Fatalf("error body %q", b)
		}
	}

	p.CutResponseBody(1, 1000, nil)
	resp, err := client.Get(p.URL + "/k")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil || len(b) != 1000 {
		t.Fatalf("cut response: read %d bytes, err %v; want 1000 bytes and an error", len(b), err)
	}

	p.CutRequestBody(1, 5000, Method("PUT"))
	_, err = client.Do(mustReq(t, "PUT", p.URL+"/k", bytes.Repeat([]byte("y"), 1<<20)))
	if err == nil {
		t.Fatal("cut request: no error")
	}
	// The next request goes through.
	resp, err = client.Do(mustReq(t, "PUT", p.URL+"/k", []byte("z")))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the cut: %v", err)
	}
	resp.Body.Close()
	if got := p.Count(func(r *Request) bool { return r.Fault != "" }); got != 4 {
		t.Errorf("faulted requests = %d, want 4", got)
	}
}

func TestConcurrentFaults(t *testing.T) {
	up := echo(t)
	p := Start(t, up.URL)
	p.FailNext(10, 500, "InternalError", nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	failed := 0
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(p.URL + "/k")
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 500 {
				mu.Lock()
				failed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failed != 10 || p.Pending() != 0 || p.Count(nil) != 30 {
		t.Fatalf("failed %d (want 10), pending %d, count %d", failed, p.Pending(), p.Count(nil))
	}
}

func mustReq(t *testing.T, method, url string, body []byte) *http.Request {
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestStall(t *testing.T) {
	up := echo(t)
	p := Start(t, up.URL)
	p.StallResponseBody(1, 10, 300*time.Millisecond, nil)
	start := time.Now()
	resp, err := http.Get(p.URL + "/k")
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || len(b) != 100000 {
		t.Fatalf("read %d bytes, %v", len(b), err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("stalled response took %v", took)
	}

	p.StallRequestBody(1, 10, 300*time.Millisecond, nil)
	start = time.Now()
	resp, err = http.Post(p.URL+"/k", "", bytes.NewReader(make([]byte, 1000)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("stalled request took %v", took)
	}
}
