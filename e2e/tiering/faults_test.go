package tiering

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/akidb/akidb/internal/testenv/faultproxy"
	"github.com/akidb/akidb/tiering/objstore"
	"github.com/akidb/akidb/tiering/snapshot"
)

var (
	snapshotObject = func(r *faultproxy.Request) bool { return strings.Contains(r.Path, "/snapshots/") }
	uploadPart     = faultproxy.All(faultproxy.Method("PUT"), faultproxy.HasQuery("partNumber"), snapshotObject)
	anyPut         = faultproxy.All(faultproxy.Method("PUT"), snapshotObject)
	dataObject     = func(r *faultproxy.Request) bool {
		return snapshotObject(r) && !strings.HasSuffix(r.Path, "/manifest.json")
	}
	dataGet = faultproxy.All(faultproxy.Method("GET"), dataObject)
	rowsGet = faultproxy.All(faultproxy.Method("GET"), func(r *faultproxy.Request) bool {
		return snapshotObject(r) && strings.HasSuffix(r.Path, "/"+snapshot.DataObject)
	})
)

// requestID names one S3 request so that a retry of it can be told from
// another request: method, path, part number or range.
func requestID(r faultproxy.Request) string {
	return fmt.Sprintf("%s %s part=%s range=%s", r.Method, r.Path, r.Query.Get("partNumber"), r.Header.Get("Range"))
}

// sends counts how many times each request was sent.
func sends(p *faultproxy.Proxy) map[string]int {
	out := map[string]int{}
	for _, r := range p.Requests() {
		out[requestID(r)]++
	}
	return out
}

// faultedRequests returns the requests the proxy applied a fault to.
func faultedRequests(p *faultproxy.Proxy) []faultproxy.Request {
	var out []faultproxy.Request
	for _, r := range p.Requests() {
		if r.Fault != "" {
			out = append(out, r)
		}
	}
	return out
}

// Object store failures through a fault proxy in front of MinIO: 5xx
// answers and connections cut mid-upload or mid-download are retried and
// the data comes through intact; a 403 fails the move at once, with an
// error that names the status, and the collection keeps its tier and data.
func TestObjectStoreFaults(t *testing.T) {
	e := newEnv(t, options{proxy: true})
	conn := e.conn(t)
	// Big enough that the rows' snapshot object (about 7 MiB) goes up in
	// 5 MiB parts and comes down in several ranges.
	d := clustered(3500, 512, 20, 8)
	load(t, conn, "docs", d)
	qs := d.queries(5)
	before := searchAll(t, conn, "docs", qs, 10)
	rows := datasetRows("docs", d)

	// checkIntact checks the rows and the answers.
	checkIntact := func(what string) {
		t.Helper()
		if g := searchAll(t, conn, "docs", qs, 10); !slices.EqualFunc(g, before, slices.Equal) {
			t.Errorf("%s: answers\n%v\nbefore\n%v", what, g, before)
		}
		sameContents(t, what, contents(t, conn, "docs"), rows)
	}
	arm := func() {
		e.proxy.ClearFaults()
		e.proxy.ResetCounts()
	}
	t.Cleanup(func() {
		if n := e.proxy.Pending(); n > 0 && !t.Failed() {
			t.Errorf("%d armed faults were never used", n)
		}
	})

	t.Run("5xxThenSuccess", func(t *testing.T) {
		arm()
		e.proxy.FailNext(3, 500, "InternalError", uploadPart)
		e.proxy.FailNext(1, 503, "SlowDown", anyPut)
		id := createSnapshot(t, conn, "docs")
		if n := e.proxy.Pending(); n != 0 {
			t.Fatalf("%d faults not used: the upload sent too few requests", n)
		}
		fs := faultedRequests(e.proxy)
		if len(fs) != 4 {
			t.Fatalf("%d faulted requests, want 4", len(fs))
		}
		s := sends(e.proxy)
		for _, f := range fs {
			if s[requestID(f)] < 2 {
				t.Errorf("faulted request %s (%s) was not retried", requestID(f), f.Fault)
			}
		}
		// Every part went up once more than it was failed.
		var parts int64
		for _, k := range e.keysOf(id) {
			info, err := e.bucket.Stat(ctxT(t), k)
			if err != nil {
				t.Fatal(err)
			}
			if info.Size > objstore.MinPartSize {
				parts += (info.Size + objstore.MinPartSize - 1) / objstore.MinPartSize
			}
		}
		if parts < 2 {
			t.Fatalf("snapshot objects make %d parts; the collection is too small for this test", parts)
		}
		failedParts := 0
		for _, f := range fs {
			if f.Query.Has("partNumber") {
				failedParts++
			}
		}
		if n := e.proxy.Count(uploadPart); int64(n) != parts+int64(failedParts) {
			t.Errorf("%d UploadPart requests for %d parts with %d failed attempts", n, parts, failedParts)
		}
		t.Logf("snapshot %s: %d parts, %d requests, %d faulted", id, parts, e.proxy.Count(nil), len(fs))
		if m := e.manifests(); len(m) != 1 {
			t.Fatalf("bucket manifests after the retried upload: %v", m)
		}

		// The download retries 5xx too.
		arm()
		e.proxy.FailNext(2, 503, "SlowDown", dataGet)
		e.proxy.FailNext(1, 500, "InternalError", faultproxy.All(faultproxy.Method("GET"), snapshotObject))
		exec(t, conn, fmt.Sprintf("RESTORE COLLECTION docs FROM SNAPSHOT '%s'", id))
		if n := len(faultedRequests(e.proxy)); n != 3 {
			t.Errorf("%d faulted downloads, want 3", n)
		}
		wantTier(t, conn, "docs", "WARM")
		checkIntact("after an upload and a restore with 5xx answers")
	})

	t.Run("403FailsAtOnce", func(t *testing.T) {
		exec(t, conn, "ALTER COLLECTION docs SET TIER HOT")
		keys := e.keys()
		arm()
		e.proxy.FailNext(1, 403, "AccessDenied", anyPut)
		start := time.Now()
		_, err := conn.Exec(ctxT(t), "ALTER COLLECTION docs SET TIER COLD", pgx.QueryExecModeSimpleProtocol)
		if err == nil {
			t.Fatal("SET TIER COLD succeeded through a 403")
		}
		pe := pgError(t, err)
		t.Logf("SET TIER COLD through a 403 failed after %v: %s %s", time.Since(start).Round(time.Millisecond), pe.Code, pe.Message)
		if !strings.Contains(pe.Message, "403") {
			t.Errorf("error message %q does not name the status 403", pe.Message)
		}
		if pe.Code != "58030" {
			t.Errorf("SQLSTATE %s, want 58030", pe.Code)
		}
		fs := faultedRequests(e.proxy)
		if len(fs) != 1 {
			t.Fatalf("%d faulted requests, want 1", len(fs))
		}
		if n := sends(e.proxy)[requestID(fs[0])]; n != 1 {
			t.Errorf("the request answered 403 was sent %d times: a 403 must not be retried", n)
		}
		c := info(t, conn, "docs")
		if c.tier != "HOT" || c.rows != int64(len(d.vecs)) {
			t.Fatalf("after the failed SET TIER COLD: %+v, want HOT with all rows", c)
		}
		checkIntact("after a failed SET TIER COLD")
		if got := e.keys(); !slices.Equal(got, keys) {
			t.Errorf("the failed upload left objects in the bucket:\n%v\nbefore:\n%v", got, keys)
		}
		if s := snapshots(t, conn, "docs"); len(s) != 1 {
			t.Errorf("snapshots after the failed SET TIER COLD: %+v", s)
		}
	})

	t.Run("CutMidUpload", func(t *testing.T) {
		arm()
		e.proxy.CutRequestBody(1, 1<<20, uploadPart)
		e.proxy.CutRequestBody(1, 100<<10, uploadPart)
		exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
		fs := faultedRequests(e.proxy)
		if len(fs) != 2 {
			t.Fatalf("%d faulted requests, want 2", len(fs))
		}
		s := sends(e.proxy)
		for _, f := range fs {
			if s[requestID(f)] < 2 {
				t.Errorf("cut request %s was not sent again", requestID(f))
			}
		}
		c := info(t, conn, "docs")
		if c.tier != "COLD" || c.rows != 0 {
			t.Fatalf("after SET TIER COLD with cut uploads: %+v", c)
		}
		if m := e.manifests(); len(m) != 2 {
			t.Errorf("bucket manifests: %v, want 2", m)
		}
	})

	t.Run("CutMidDownload", func(t *testing.T) {
		wantTier(t, conn, "docs", "COLD")
		arm()
		// Both ranges of the rows' object (7 MiB in 5 MiB ranges) are cut
		// after 1 MiB.
		e.proxy.CutResponseBody(2, 1<<20, rowsGet)
		hits := search(t, conn, "docs", qs[0], 10)
		if !slices.Equal(ids(hits), before[0]) {
			t.Errorf("first answer after a restore with cut downloads: %v, before %v", ids(hits), before[0])
		}
		fs := faultedRequests(e.proxy)
		if len(fs) != 2 {
			t.Fatalf("%d faulted requests, want 2", len(fs))
		}
		// A cut range is asked for again from where its body stopped: a
		// later GET of the same object ending where the cut one ended.
		reqs := e.proxy.Requests()
		for _, f := range fs {
			_, end, _ := strings.Cut(f.Header.Get("Range"), "-")
			resumed := 0
			for _, r := range reqs {
				_, rend, _ := strings.Cut(r.Header.Get("Range"), "-")
				if r.Method == "GET" && r.Path == f.Path && rend == end && r.Fault == "" {
					resumed++
				}
			}
			if resumed != 1 {
				t.Errorf("cut download %s: %d later GETs of the rest, want 1", requestID(f), resumed)
			}
		}
		wantTier(t, conn, "docs", "WARM")
		checkIntact("after a restore with cut downloads")
	})
}
