// Command akidb-bench measures AkiDB as a client sees it: over the
// PostgreSQL wire protocol with pgx, the way an application that uses
// pgvector would. For each data set (by default 100k clustered vectors at
// D=128 and D=512, cosine) it starts the akidb binary on a fresh data
// directory (or uses --addr), and measures:
//
//   - load: COPY of all rows through pgx CopyFrom (binary), rows/s;
//   - exact scan without an index: latency of
//     SELECT id FROM t ORDER BY embedding <=> $1 LIMIT 10;
//   - index build: CREATE INDEX ... USING hnsw (embedding vector_cosine_ops)
//     WITH (m = 16, ef_construction = 64), seconds;
//   - for each hnsw.ef_search and number of client connections: QPS,
//     p50/p95/p99 latency and recall@10 against exact ground truth, with
//     the query prepared once per connection; then the lowest ef_search
//     whose recall@10 reaches 0.95 (--find-ef), measured with one client;
//   - the server's resident memory (VmRSS, VmHWM from /proc/<pid>/status).
//
// It prints a table with PostgreSQL + pgvector's figures on the same
// machine beside AkiDB's, and the targets of the vector issue with pass or
// fail, and writes the same as JSON under bench-results/.
//
// Usage:
//
//	akidb-bench [--quick] [--n 100000] [--dims 128,512] [--duration 20s]
//	            [--ef 40,100] [--find-ef 0.95] [--clients 1,2] [--addr host:port] [--fvecs base.fvecs [--fvecs-queries q.fvecs]]
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

type options struct {
	quick        bool
	n            int
	dims         []int
	duration     time.Duration
	warmup       time.Duration
	efs          []int
	clients      []int
	queries      int
	exactQueries int
	clusters     int
	seed         uint64
	m, efc       int
	k            int
	addr         string
	pid          int
	serverBin    string
	fvecs        string
	fvecsQueries string
	outDir       string
	strict       bool
	findEf       float64
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("bad number %q", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

func parseFlags(args []string) (*options, error) {
	fs := flag.NewFlagSet("akidb-bench", flag.ContinueOnError)
	o := &options{}
	fs.BoolVar(&o.quick, "quick", false, "a short run: N=10k, 3 s per measurement (explicit --n/--duration still win)")
	fs.IntVar(&o.n, "n", 100000, "number of base vectors")
	dims := fs.String("dims", "128,512", "comma-separated dimensions, one data set each (ignored with --fvecs)")
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "length of each QPS/latency run")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured queries before each run")
	efs := fs.String("ef", "40,100", "comma-separated hnsw.ef_search values")
	clients := fs.String("clients", "1,2", "comma-separated numbers of client connections")
	fs.IntVar(&o.queries, "queries", 1000, "number of query vectors (with exact ground truth)")
	fs.IntVar(&o.exactQueries, "exact-queries", 30, "queries for the exact scan without an index (0 skips it)")
	fs.IntVar(&o.clusters, "clusters", 100, "Gaussian clusters in the synthetic data")
	seed := fs.Uint64("seed", 1, "seed of the synthetic data")
	fs.IntVar(&o.m, "m", 16, "HNSW m")
	fs.IntVar(&o.efc, "ef-construction", 64, "HNSW ef_construction")
	fs.IntVar(&o.k, "k", 10, "LIMIT of the queries (recall@k)")
	fs.StringVar(&o.addr, "addr", "", "host:port of a running server to use instead of starting bin/akidb (its table is dropped and recreated)")
	fs.IntVar(&o.pid, "pid", 0, "with --addr: the server's process id, to read its resident memory")
	fs.StringVar(&o.serverBin, "server-bin", "bin/akidb", "the akidb binary to start")
	fs.StringVar(&o.fvecs, "fvecs", "", "an .fvecs file of base vectors to use instead of synthetic data (the first --n)")
	fs.StringVar(&o.fvecsQueries, "fvecs-queries", "", "an .fvecs file of queries (default: --queries vectors held out of --fvecs)")
	fs.StringVar(&o.outDir, "out", "bench-results", "directory for the JSON results")
	fs.BoolVar(&o.strict, "strict", false, "exit with status 1 when a target fails")
	fs.Float64Var(&o.findEf, "find-ef", 0.95, "also find the lowest hnsw.ef_search whose recall@k reaches this (a pass over the queries per value tried) and measure it with 1 client; 0 skips it")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.quick {
		if !set["n"] {
			o.n = 10000
		}
		if !set["duration"] {
			o.duration = 3 * time.Second
		}
		if !set["warmup"] {
			o.warmup = 500 * time.Millisecond
		}
		if !set["queries"] {
			o.queries = 300
		}
		if !set["exact-queries"] {
			o.exactQueries = 10
		}
	}
	o.seed = *seed
	var err error
	if o.dims, err = parseInts(*dims); err != nil {
		return nil, fmt.Errorf("--dims: %w", err)
	}
	if o.efs, err = parseInts(*efs); err != nil {
		return nil, fmt.Errorf("--ef: %w", err)
	}
	if o.clients, err = parseInts(*clients); err != nil {
		return nil, fmt.Errorf("--clients: %w", err)
	}
	if o.n <= 0 || o.queries <= 0 || o.k <= 0 || o.duration <= 0 {
		return nil, errors.New("--n, --queries, --k and --duration must be positive")
	}
	return o, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "akidb-bench:", err)
		os.Exit(2)
	}
	rep, err := run(o)
	if rep != nil && len(rep.Datasets) > 0 {
		rep.evaluate()
		rep.print(os.Stdout)
		if path, werr := rep.write(o.outDir); werr != nil {
			fmt.Fprintln(os.Stderr, "akidb-bench: write results:", werr)
		} else {
			fmt.Printf("\nresults written to %s\n", path)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "akidb-bench:", err)
		os.Exit(1)
	}
	if o.strict && rep.failed() {
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(o *options) (*report, error) {
	rep := newReport(o)
	var sets []func() (*dataset, error)
	if o.fvecs != "" {
		sets = append(sets, func() (*dataset, error) { return fromFvecs(o.fvecs, o.fvecsQueries, o.n, o.queries) })
	} else {
		for _, d := range o.dims {
			sets = append(sets, func() (*dataset, error) { return clustered(o.seed, o.n, o.queries, d, o.clusters), nil })
		}
	}
	for _, mk := range sets {
		ds, err := mk()
		if err != nil {
			return rep, err
		}
		logf("data set %s: N=%d D=%d, %d queries; computing exact top-%d", ds.Name, ds.N, ds.D, len(ds.Queries), o.k)
		start := time.Now()
		ds.computeTruth(o.k)
		logf("ground truth in %v", time.Since(start).Round(time.Millisecond))
		res, err := benchDataset(o, ds)
		if res != nil {
			rep.Datasets = append(rep.Datasets, res)
		}
		if err != nil {
			return rep, fmt.Errorf("N=%d D=%d: %w", ds.N, ds.D, err)
		}
	}
	return rep, nil
}

// connect opens a connection with pgvector's types registered, so vectors
// travel in binary.
func connect(ctx context.Context, addr string) (*pgx.Conn, error) {
	c, err := pgx.Connect(ctx, connString(addr))
	if err != nil {
		return nil, err
	}
	if err := pgxvec.RegisterTypes(ctx, c); err != nil {
		c.Close(ctx)
		return nil, fmt.Errorf("register pgvector types: %w", err)
	}
	return c, nil
}

func benchDataset(o *options, ds *dataset) (*datasetResult, error) {
	ctx := context.Background()
	res := &datasetResult{Name: ds.Name, N: ds.N, D: ds.D, Queries: len(ds.Queries), K: o.k, M: o.m, EfConstruction: o.efc,
		RawVectorBytes: int64(ds.N) * int64(ds.D) * 4}
	addr, pid := o.addr, o.pid
	if addr == "" {
		srv, err := startServer(o.serverBin)
		if err != nil {
			return nil, err
		}
		defer srv.stop()
		addr, pid = srv.addr, srv.pid()
		logf("started %s (pid %d) on %s", o.serverBin, pid, addr)
		res.Server = "akidb binary " + o.serverBin
	} else {
		res.Server = "running server at " + addr
	}
	memNow := func() *memory {
		if pid == 0 {
			return nil
		}
		m, err := readMemory(pid)
		if err != nil {
			logf("read memory of pid %d: %v", pid, err)
			return nil
		}
		return &m
	}

	setup, err := pgx.Connect(ctx, connString(addr))
	if err != nil {
		return res, fmt.Errorf("connect: %w", err)
	}
	defer setup.Close(ctx)
	table := fmt.Sprintf("bench_d%d", ds.D)
	for _, s := range []string{
		"CREATE EXTENSION IF NOT EXISTS vector",
		"DROP TABLE IF EXISTS " + table,
		fmt.Sprintf("CREATE TABLE %s (id bigint PRIMARY KEY, embedding vector(%d))", table, ds.D),
	} {
		if s[:4] == "DROP" && o.addr == "" {
			continue // a fresh server has no such table
		}
		if _, err := setup.Exec(ctx, s); err != nil {
			return res, fmt.Errorf("%s: %w", s, err)
		}
	}
	if err := pgxvec.RegisterTypes(ctx, setup); err != nil {
		return res, fmt.Errorf("register pgvector types: %w", err)
	}
	res.MemoryStart = memNow()

	// Load.
	logf("COPY %d rows into %s", ds.N, table)
	i := 0
	start := time.Now()
	n, err := setup.CopyFrom(ctx, pgx.Identifier{table}, []string{"id", "embedding"}, pgx.CopyFromFunc(func() ([]any, error) {
		if i == ds.N {
			return nil, nil
		}
		row := []any{int64(i), pgvector.NewVector(ds.row(i))}
		i++
		return row, nil
	}))
	loadSec := time.Since(start).Seconds()
	if err != nil {
		return res, fmt.Errorf("COPY: %w", err)
	}
	if n != int64(ds.N) {
		return res, fmt.Errorf("COPY loaded %d rows, want %d", n, ds.N)
	}
	res.LoadSeconds = loadSec
	res.LoadRowsPerSec = float64(ds.N) / loadSec
	res.MemoryAfterLoad = memNow()
	logf("COPY: %.2f s, %.0f rows/s", loadSec, res.LoadRowsPerSec)

	query := fmt.Sprintf("SELECT id FROM %s ORDER BY embedding <=> $1 LIMIT %d", table, o.k)

	// Exact scan, before there is an index.
	if o.exactQueries > 0 {
		logf("exact scan: up to %d queries (at most %v)", o.exactQueries, o.duration)
		r, err := measure(ctx, addr, query, ds, 1, 0, o.warmup/4, o.duration, o.exactQueries)
		if err != nil {
			return res, fmt.Errorf("exact scan: %w", err)
		}
		res.ExactScan = r
		logf("exact scan: p50 %.2f ms, p95 %.2f ms, recall@%d %.4f", r.P50ms, r.P95ms, o.k, r.Recall)
	}

	// Index.
	ddl := fmt.Sprintf("CREATE INDEX %s_embedding_idx ON %s USING hnsw (embedding vector_cosine_ops) WITH (m = %d, ef_construction = %d)", table, table, o.m, o.efc)
	logf("%s", ddl)
	start = time.Now()
	if _, err := setup.Exec(ctx, ddl); err != nil {
		return res, fmt.Errorf("create index: %w", err)
	}
	res.IndexSeconds = time.Since(start).Seconds()
	res.LoadPlusIndexSeconds = res.LoadSeconds + res.IndexSeconds
	res.MemoryAfterIndex = memNow()
	logf("index build: %.2f s", res.IndexSeconds)

	for _, ef := range o.efs {
		for _, c := range o.clients {
			logf("ef_search=%d clients=%d: %v", ef, c, o.duration)
			r, err := measure(ctx, addr, query, ds, c, ef, o.warmup, o.duration, 0)
			if err != nil {
				return res, fmt.Errorf("ef_search=%d clients=%d: %w", ef, c, err)
			}
			res.Runs = append(res.Runs, r)
			logf("  %.0f QPS, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, recall@%d %.4f", r.QPS, r.P50ms, r.P95ms, r.P99ms, o.k, r.Recall)
		}
	}
	if o.findEf > 0 {
		if err := findEf(ctx, o, addr, query, ds, res); err != nil {
			return res, err
		}
	}
	res.MemoryEnd = memNow()
	return res, nil
}

// findEf finds the lowest ef_search whose recall@k over all the queries
// reaches o.findEf, trying values upwards from the lowest listed one (in
// steps of 8, then of a fifth), and measures it with one client unless a
// listed value already is that lowest one.
func findEf(ctx context.Context, o *options, addr, query string, ds *dataset, res *datasetResult) error {
	measured := map[int]float64{} // ef -> recall of a 1-client run
	for _, r := range res.Runs {
		if r.Clients == 1 {
			measured[r.EfSearch] = r.Recall
		}
	}
	ef := slices.Min(o.efs)
	for ; ef <= 1000; ef += max(8, ef/5) {
		rec, ok := measured[ef]
		if !ok {
			r, err := measure(ctx, addr, query, ds, 1, ef, 0, time.Hour, len(ds.Queries))
			if err != nil {
				return fmt.Errorf("recall at ef_search=%d: %w", ef, err)
			}
			rec = r.Recall
			logf("recall@%d at ef_search=%d: %.4f", o.k, ef, rec)
		}
		if rec >= o.findEf {
			if ok {
				return nil // measured already
			}
			break
		}
	}
	if ef > 1000 {
		logf("no ef_search up to 1000 reaches recall %.2f", o.findEf)
		return nil
	}
	logf("ef_search=%d clients=1 (the lowest with recall ≥ %.2f): %v", ef, o.findEf, o.duration)
	r, err := measure(ctx, addr, query, ds, 1, ef, o.warmup, o.duration, 0)
	if err != nil {
		return fmt.Errorf("ef_search=%d clients=1: %w", ef, err)
	}
	res.Runs = append(res.Runs, r)
	slices.SortStableFunc(res.Runs, func(a, b *runResult) int {
		return cmp.Or(cmp.Compare(a.EfSearch, b.EfSearch), cmp.Compare(a.Clients, b.Clients))
	})
	logf("  %.0f QPS, p50 %.3f ms, p95 %.3f ms, p99 %.3f ms, recall@%d %.4f", r.QPS, r.P50ms, r.P95ms, r.P99ms, o.k, r.Recall)
	return nil
}

// stmtSeq numbers the prepared statements, so that no two connections use
// the same name even on a server that shares one session among them.
var stmtSeq int

// measure runs the prepared top-k query on `clients` connections, after
// `warmup`, for `dur` or until maxQueries queries have run (0: no limit).
// ef > 0 sets hnsw.ef_search on each connection first.
func measure(ctx context.Context, addr, query string, ds *dataset, clients, ef int, warmup, dur time.Duration, maxQueries int) (*runResult, error) {
	conns := make([]*pgx.Conn, clients)
	names := make([]string, clients)
	for i := range conns {
		c, err := connect(ctx, addr)
		if err != nil {
			return nil, err
		}
		defer c.Close(ctx)
		if ef > 0 {
			if _, err := c.Exec(ctx, fmt.Sprintf("SET hnsw.ef_search = %d", ef)); err != nil {
				return nil, fmt.Errorf("SET hnsw.ef_search: %w", err)
			}
		}
		stmtSeq++
		names[i] = fmt.Sprintf("knn_%d", stmtSeq)
		if _, err := c.Prepare(ctx, names[i], query); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
		conns[i] = c
	}
	vecs := make([]pgvector.Vector, len(ds.Queries))
	for i, q := range ds.Queries {
		vecs[i] = pgvector.NewVector(q)
	}
	one := func(c *pgx.Conn, name string, qi int, ids []int64) ([]int64, error) {
		rows, err := c.Query(ctx, name, vecs[qi])
		if err != nil {
			return nil, err
		}
		ids = ids[:0]
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			ids = append(ids, id)
		}
		rows.Close()
		return ids, rows.Err()
	}

	type clientOut struct {
		lat    []time.Duration
		recall float64
		n      int
		err    error
	}
	outs := make([]clientOut, clients)
	var wg sync.WaitGroup
	var startWG sync.WaitGroup
	startWG.Add(1)
	var measuredStart time.Time
	var mu sync.Mutex
	var stopAt time.Time
	for ci, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := &outs[ci]
			ids := make([]int64, 0, 64)
			var err error
			// Warm up on this connection.
			for qi, end := ci, time.Now().Add(warmup); time.Now().Before(end); qi = (qi + clients) % len(vecs) {
				if ids, err = one(c, names[ci], qi, ids); err != nil {
					out.err = err
					return
				}
			}
			startWG.Wait()
			mu.Lock()
			deadline := stopAt
			mu.Unlock()
			for qi := ci % len(vecs); time.Now().Before(deadline); qi = (qi + clients) % len(vecs) {
				if maxQueries > 0 && out.n*clients >= maxQueries {
					break
				}
				t0 := time.Now()
				ids, err = one(c, names[ci], qi, ids)
				lat := time.Since(t0)
				if err != nil {
					out.err = err
					return
				}
				out.lat = append(out.lat, lat)
				out.recall += recall(ids, ds.Truth[qi])
				out.n++
			}
		}()
	}
	// Let every client finish its warmup, then start the clock for all.
	time.Sleep(warmup)
	mu.Lock()
	measuredStart = time.Now()
	stopAt = measuredStart.Add(dur)
	mu.Unlock()
	startWG.Done()
	wg.Wait()
	elapsed := time.Since(measuredStart)

	var all []time.Duration
	var recallSum float64
	for _, out := range outs {
		if out.err != nil {
			return nil, out.err
		}
		all = append(all, out.lat...)
		recallSum += out.recall
	}
	if len(all) == 0 {
		return nil, errors.New("no query completed")
	}
	slices.Sort(all)
	pct := func(p float64) float64 {
		i := int(p*float64(len(all))+0.5) - 1
		i = max(0, min(i, len(all)-1))
		return float64(all[i].Nanoseconds()) / 1e6
	}
	var sum time.Duration
	for _, l := range all {
		sum += l
	}
	return &runResult{
		EfSearch: ef,
		Clients:  clients,
		Queries:  len(all),
		Seconds:  elapsed.Seconds(),
		QPS:      float64(len(all)) / elapsed.Seconds(),
		MeanMs:   float64(sum.Nanoseconds()) / float64(len(all)) / 1e6,
		P50ms:    pct(0.50),
		P95ms:    pct(0.95),
		P99ms:    pct(0.99),
		Recall:   recallSum / float64(len(all)),
	}, nil
}
