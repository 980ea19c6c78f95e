package tiering

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// Ten collections demoted at once, by hand from ten connections and by the
// worker with Parallel 4, all restored afterwards with their data intact.
func TestConcurrentDemotion(t *testing.T) {
	e := newEnv(t, options{parallel: 4})
	conn := e.conn(t)
	const n = 10
	names := make([]string, n)
	sets := make([]*dataset, n)
	qs := make([][][]float32, n)
	before := make([][][]int64, n)
	for i := range names {
		names[i] = fmt.Sprintf("c%02d", i)
		sets[i] = clustered(1000, 128, 20, uint64(100+i))
		load(t, conn, names[i], sets[i])
		qs[i] = sets[i].queries(3)
		before[i] = searchAll(t, conn, names[i], qs[i], 10)
	}

	// restoreAll queries every collection from its own connection at once
	// and checks the answers and the rows.
	restoreAll := func(round string) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i, name := range names {
			c := e.conn(t)
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := ctxT(t)
				for j, q := range qs[i] {
					hits, err := trySearch(ctx, c, name, q, 10)
					if err != nil {
						errs <- fmt.Errorf("%s: search on %s: %v", round, name, err)
						return
					}
					if !slices.Equal(ids(hits), before[i][j]) {
						errs <- fmt.Errorf("%s: %s query %d: %v, before %v", round, name, j, ids(hits), before[i][j])
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		for i, name := range names {
			wantTier(t, conn, name, "WARM")
			sameContents(t, round+": "+name, contents(t, conn, name), datasetRows(name, sets[i]))
		}
	}

	// By hand: ALTER COLLECTION ... SET TIER COLD from ten connections.
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for _, name := range names {
		c := e.conn(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Exec(ctxT(t), "ALTER COLLECTION "+name+" SET TIER COLD", pgx.QueryExecModeSimpleProtocol); err != nil {
				errs <- fmt.Errorf("SET TIER COLD on %s: %v", name, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	t.Logf("10 concurrent SET TIER COLD: %v", time.Since(start).Round(time.Millisecond))
	for _, name := range names {
		c := info(t, conn, name)
		if c.tier != "COLD" || c.rows != 0 || c.ram != 0 {
			t.Errorf("%s after SET TIER COLD: %+v", name, c)
		}
		if s := snapshots(t, conn, name); len(s) != 1 {
			t.Errorf("%s has %d snapshots, want 1", name, len(s))
		}
	}
	if m := e.manifests(); len(m) != n {
		t.Fatalf("bucket holds %d manifests, want %d", len(m), n)
	}
	restoreAll("after SET TIER COLD")

	// By the worker: every collection is idle, one cycle makes them WARM
	// (they are already), the next after warm_ttl makes them all COLD,
	// four at a time.
	e.clock.Advance(warmTTL + time.Hour)
	start = time.Now()
	moves := e.cycle()
	t.Logf("worker cycle with 10 moves to COLD (Parallel 4): %v", time.Since(start).Round(time.Millisecond))
	if len(moves) != n {
		t.Fatalf("cycle made %d moves, want %d: %+v", len(moves), n, moves)
	}
	for _, m := range moves {
		if m.From.String() != "WARM" || m.To.String() != "COLD" {
			t.Errorf("move %+v, want WARM -> COLD", m)
		}
	}
	for _, name := range names {
		wantTier(t, conn, name, "COLD")
	}
	if m := e.manifests(); len(m) != 2*n {
		t.Fatalf("bucket holds %d manifests, want %d", len(m), 2*n)
	}
	restoreAll("after the worker's cycle")

	t.Run("Large", func(t *testing.T) {
		if testing.Short() || os.Getenv("AKIDB_SKIP_LARGE") != "" {
			t.Skip("large collection: skipped with -short or AKIDB_SKIP_LARGE")
		}
		testLarge(t, e, conn)
	})
}

// largeRows is the size of the large collection: 100k vectors, or 10k
// under the race detector, which makes loading them about ten times
// slower (100k would take some seven minutes on two cores); the
// environment variable AKIDB_LARGE_ROWS sets another size.
func largeRows(t *testing.T) int {
	if s := os.Getenv("AKIDB_LARGE_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 {
			t.Fatalf("AKIDB_LARGE_ROWS=%q: want a number of rows of at least 100", s)
		}
		return n
	}
	if raceEnabled {
		return 10000
	}
	return 100000
}

// testLarge takes a 100k x 512 collection to COLD and back and measures
// the searches after the restore.
func testLarge(t *testing.T, e *env, conn *pgx.Conn) {
	n := largeRows(t)
	if n < 100000 {
		t.Logf("large collection reduced to %d rows (race detector on or AKIDB_LARGE_ROWS set)", n)
	}
	d := clustered(n, 512, 20, 7)
	start := time.Now()
	load(t, conn, "large", d)
	t.Logf("loaded %d x %d in %v", len(d.vecs), d.dims, time.Since(start).Round(time.Millisecond))
	qs := d.queries(50)
	before := searchAll(t, conn, "large", qs[:10], 10)

	start = time.Now()
	exec(t, conn, "ALTER COLLECTION large SET TIER COLD")
	t.Logf("SET TIER COLD of %d x %d: %v", len(d.vecs), d.dims, time.Since(start).Round(time.Millisecond))
	c := info(t, conn, "large")
	if c.tier != "COLD" || c.rows != 0 || c.ram != 0 {
		t.Fatalf("after SET TIER COLD: %+v", c)
	}
	t.Logf("snapshot size %d bytes", c.objectSize)

	start = time.Now()
	first := search(t, conn, "large", qs[0], 10)
	t.Logf("first search (restore of %d x %d included): %v", len(d.vecs), d.dims, time.Since(start).Round(time.Millisecond))
	wantTier(t, conn, "large", "WARM")
	if !slices.Equal(ids(first), before[0]) {
		t.Errorf("query 0 after the restore: %v, before %v", ids(first), before[0])
	}
	lat := make([]time.Duration, 0, len(qs))
	for i, q := range qs {
		s := time.Now()
		hits := search(t, conn, "large", q, 10)
		lat = append(lat, time.Since(s))
		if i < len(before) && !slices.Equal(ids(hits), before[i]) {
			t.Errorf("query %d after the restore: %v, before %v", i, ids(hits), before[i])
		}
		checkHits(t, d, hits)
	}
	t.Logf("%d searches on the restored (WARM) %d x %d collection: p50 %v, p95 %v, max %v",
		len(lat), len(d.vecs), d.dims, percentile(lat, 50), percentile(lat, 95), percentile(lat, 100))
	if n := count(t, conn, "large"); n != int64(len(d.vecs)) {
		t.Errorf("count after the restore: %d, want %d", n, len(d.vecs))
	}
}

// A query on a COLD collection waits for the restore and is told how it
// goes in NOTICE messages; eight queries at once share one restore.
func TestColdQueryNoticesAndSharedRestore(t *testing.T) {
	e := newEnv(t, options{proxy: true})
	conn, ns := e.connect(t)
	d := clustered(4000, 256, 20, 3)
	load(t, conn, "docs", d)
	qs := d.queries(8)
	before := searchAll(t, conn, "docs", qs, 10)

	// One query: progress notices, then the answer.
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	ns.reset()
	got := search(t, conn, "docs", qs[0], 10)
	if !slices.Equal(ids(got), before[0]) {
		t.Errorf("answer after the restore: %v, before %v", ids(got), before[0])
	}
	msgs := ns.all()
	t.Logf("notices of a query on a COLD collection:\n%s", strings.Join(msgs, "\n"))
	var restoring, downloaded, loaded, restored bool
	for _, m := range msgs {
		restoring = restoring || strings.HasPrefix(m, "restoring collection docs from snapshot")
		downloaded = downloaded || strings.HasPrefix(m, "restore of collection docs: downloaded 100%")
		loaded = loaded || m == fmt.Sprintf("restore of collection docs: loaded 100%% (%d of %d rows)", len(d.vecs), len(d.vecs))
		restored = restored || strings.HasPrefix(m, "collection docs restored from snapshot")
	}
	if !restoring || !downloaded || !loaded || !restored {
		t.Errorf("notices %q: want the start of the restore, the download and the load of all rows reaching 100%%, and the end", msgs)
	}

	// Eight at once, each on its own connection.
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	logsBefore := e.restoredLogs()
	e.proxy.ResetCounts()
	const k = 8
	conns := make([]*pgx.Conn, k)
	nss := make([]*notices, k)
	for i := range conns {
		conns[i], nss[i] = e.connect(t)
	}
	var wg sync.WaitGroup
	ready := make(chan struct{})
	errs := make(chan error, k)
	for i := range k {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			hits, err := trySearch(ctx, conns[i], "docs", qs[i], 10)
			if err != nil {
				errs <- fmt.Errorf("query %d: %v", i, err)
				return
			}
			if !slices.Equal(ids(hits), before[i]) {
				errs <- fmt.Errorf("query %d: %v, before %v", i, ids(hits), before[i])
			}
		}()
	}
	close(ready)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	wantTier(t, conn, "docs", "WARM")
	if n := e.restoredLogs() - logsBefore; n != 1 {
		t.Errorf("%d restores logged for 8 concurrent queries, want 1", n)
	}
	// One download: each snapshot object was fetched once.
	var restoredNotices int
	for _, n := range nss {
		for _, m := range n.all() {
			if strings.HasPrefix(m, "collection docs restored from snapshot") {
				restoredNotices++
			}
		}
	}
	if restoredNotices != 1 {
		t.Errorf("%d \"restored\" notices across the 8 connections, want 1", restoredNotices)
	}
	gets := map[string]int{}
	for _, r := range e.proxy.Requests() {
		if r.Method == "GET" && strings.Contains(r.Path, "/snapshots/") {
			gets[r.Path+" "+r.Header.Get("Range")]++
		}
	}
	for get, c := range gets {
		if c != 1 {
			t.Errorf("GET %s sent %d times, want once", get, c)
		}
	}
	if len(gets) == 0 {
		t.Errorf("no snapshot object fetched: %v", e.proxy.Requests())
	}
	sameContents(t, "docs after the shared restore", contents(t, conn, "docs"), datasetRows("docs", d))
}

// connectCancelling opens a connection whose cancelled contexts send a
// cancel request and keep the connection (pgx's default closes it).
func (e *env) connectCancelling(t testing.TB) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://akidb@%s/akidb?sslmode=disable&application_name=tiering-e2e", e.srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 30 * time.Second}
	}
	conn, err := pgx.ConnectConfig(ctxT(t), cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if err := pgxvec.RegisterTypes(ctxT(t), conn); err != nil {
		t.Fatal(err)
	}
	return conn
}

// A statement that gives up waiting for a restore is cancelled (57014) and
// its session goes on while the restore finishes without it; a server
// closed while such a restore runs shuts down cleanly, and the collection
// is still whole after the restart.
func TestCancelWhileRestoring(t *testing.T) {
	e := newEnv(t, options{proxy: true})
	conn := e.conn(t)
	d := clustered(3500, 512, 20, 11)
	load(t, conn, "docs", d)
	q := d.queries(1)[0]
	want := ids(search(t, conn, "docs", q, 10))

	// The restore stalls for 3 s in the middle of the rows' download.
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	e.proxy.StallResponseBody(1, 1<<20, 3*time.Second, rowsGet)
	c := e.connectCancelling(t)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err := trySearch(ctx, c, "docs", q, 10)
	cancel()
	if err == nil {
		t.Fatal("search finished within 500 ms while the download stalls for 3 s")
	}
	if pe := pgError(t, err); pe.Code != "57014" {
		t.Fatalf("cancelled wait: %s %s, want 57014", pe.Code, pe.Message)
	}
	// The session goes on while the restore runs on without it.
	for i := range 30 {
		var one int
		if err := c.QueryRow(ctxT(t), "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1 #%d after the cancelled wait: %v", i, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := ids(search(t, c, "docs", q, 10)); !slices.Equal(got, want) {
		t.Errorf("search after the restore: %v, want %v", got, want)
	}
	wantTier(t, conn, "docs", "WARM")
	if n := e.restoredLogs(); n != 1 {
		t.Errorf("%d restores logged, want 1", n)
	}

	// Now close the server while an abandoned restore is stalled.
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	e.proxy.StallResponseBody(1, 1<<20, 20*time.Second, rowsGet)
	ctx, cancel = context.WithTimeout(context.Background(), 500*time.Millisecond)
	_, err = trySearch(ctx, c, "docs", q, 10)
	cancel()
	if err == nil {
		t.Fatal("search finished within 500 ms while the download stalls for 20 s")
	}
	start := time.Now()
	e.restart()
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("closing the server during a restore took %v", d)
	}
	conn = e.conn(t)
	wantTier(t, conn, "docs", "COLD")
	if got := ids(search(t, conn, "docs", q, 10)); !slices.Equal(got, want) {
		t.Errorf("search after the restart: %v, want %v", got, want)
	}
	sameContents(t, "docs after the restart", contents(t, conn, "docs"), datasetRows("docs", d))
}

// Progress NOTICEs reach the client while it waits for a restore, not all
// at once with the result: with the download stalled for 3 s, the first
// notice must arrive well before the answer.
func TestRestoreProgressWhileWaiting(t *testing.T) {
	e := newEnv(t, options{proxy: true})
	conn, ns := e.connect(t)
	d := clustered(3500, 512, 20, 12)
	load(t, conn, "docs", d)
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	e.proxy.StallResponseBody(1, 1<<20, 3*time.Second, rowsGet)
	ns.reset()
	start := time.Now()
	hits := search(t, conn, "docs", d.vecs[0], 1)
	end := time.Now()
	if len(hits) != 1 || hits[0].id != 1 {
		t.Fatalf("search after the restore: %v", ids(hits))
	}
	msgs, at := ns.all(), ns.arrivals()
	for i := range msgs {
		t.Logf("%6v %s", at[i].Sub(start).Round(time.Millisecond), msgs[i])
	}
	if len(at) == 0 {
		t.Fatal("no notices")
	}
	if !strings.HasPrefix(msgs[0], "restoring collection docs from snapshot") {
		t.Errorf("first notice %q, want the start of the restore", msgs[0])
	}
	if early := end.Sub(at[0]); early < 2*time.Second {
		t.Errorf("the first notice arrived %v after the query started and %v before its answer: "+
			"progress notices are held back until the statement ends instead of being sent while the client waits",
			at[0].Sub(start).Round(time.Millisecond), early.Round(time.Millisecond))
	}
}
