package tiering

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/akidb/akidb/internal/testenv/faultproxy"
	"github.com/akidb/akidb/internal/testenv/minio"
	"github.com/akidb/akidb/server"
	tier "github.com/akidb/akidb/tiering"
	"github.com/akidb/akidb/tiering/objstore"
)

// bucketPrefix is the S3 key prefix the server stores under.
const bucketPrefix = "akidb"

// env is one test's world: a MinIO with a bucket, optionally a fault proxy
// in front of it, a data directory, a manual clock, and an embedded
// server on them (restartable on the same directory and bucket).
type env struct {
	t       *testing.T
	minio   *minio.Server
	proxy   *faultproxy.Proxy // nil unless options.proxy
	dataDir string
	clock   *tier.ManualClock
	tc      server.TieringConfig
	logs    *syncBuffer
	log     *slog.Logger
	srv     *server.Embedded
	bucket  *objstore.S3 // straight to MinIO, to look at the bucket
}

type options struct {
	proxy    bool // put a fault proxy between the server and MinIO
	parallel int  // tiering Parallel (0: the default)
}

// epoch is where every test's manual clock starts.
var epoch = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, o options) *env {
	t.Helper()
	e := &env{
		t:       t,
		minio:   minio.Start(t),
		dataDir: t.TempDir(),
		clock:   tier.NewManualClock(epoch),
		logs:    &syncBuffer{},
	}
	e.log = slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	endpoint := e.minio.Endpoint
	if o.proxy {
		e.proxy = faultproxy.Start(t, e.minio.Endpoint)
		endpoint = e.proxy.URL
	}
	s3 := objstore.S3Config{
		Endpoint:        endpoint,
		Bucket:          e.minio.Bucket,
		Prefix:          bucketPrefix,
		PathStyle:       true,
		AccessKeyID:     e.minio.AccessKey,
		SecretAccessKey: e.minio.SecretKey,
		PartSize:        objstore.MinPartSize,
		Concurrency:     4,
		MaxAttempts:     6,
		BaseDelay:       time.Millisecond,
		MaxDelay:        50 * time.Millisecond,
		AttemptTimeout:  20 * time.Second,
	}
	e.tc = server.TieringConfig{S3: s3, Clock: e.clock, Interval: time.Hour, Parallel: o.parallel}
	direct := s3
	direct.Endpoint = e.minio.Endpoint
	b, err := objstore.NewS3(context.Background(), direct)
	if err != nil {
		t.Fatal(err)
	}
	e.bucket = b
	t.Cleanup(func() {
		if e.srv != nil {
			if err := e.srv.Close(); err != nil {
				t.Errorf("close server: %v", err)
			}
		}
		if t.Failed() {
			t.Logf("server log (last 60 lines):\n%s", e.logs.tail(60))
		}
	})
	e.start()
	return e
}

// start runs a server on the env's data directory and bucket.
func (e *env) start() {
	e.t.Helper()
	srv, err := server.StartEmbeddedTiering(e.dataDir, server.Config{Logger: e.log}, e.tc)
	if err != nil {
		e.t.Fatalf("start server: %v", err)
	}
	e.srv = srv
}

// restart closes the server and starts a new one on the same data
// directory, bucket and clock.
func (e *env) restart() {
	e.t.Helper()
	if err := e.srv.Close(); err != nil {
		e.t.Fatalf("close server: %v", err)
	}
	e.srv = nil
	e.start()
}

func (e *env) tiers() *tier.Manager { return e.srv.Tiers() }

// cycle runs one worker cycle and fails on an error of the cycle or of
// any of its moves.
func (e *env) cycle() []tier.Move {
	e.t.Helper()
	moves, err := e.tiers().RunCycle(ctxT(e.t))
	if err != nil {
		e.t.Fatalf("RunCycle: %v", err)
	}
	for _, m := range moves {
		if m.Err != nil {
			e.t.Fatalf("RunCycle: move of collection %d %v -> %v: %v", m.Collection, m.From, m.To, m.Err)
		}
	}
	return moves
}

// keys lists the bucket's keys (without the server's prefix).
func (e *env) keys() []string {
	e.t.Helper()
	infos, err := e.bucket.List(ctxT(e.t), "")
	if err != nil {
		e.t.Fatalf("list bucket: %v", err)
	}
	out := make([]string, len(infos))
	for i, oi := range infos {
		out[i] = oi.Key
	}
	return out
}

// manifests lists the bucket's snapshot manifests.
func (e *env) manifests() []string {
	e.t.Helper()
	var out []string
	for _, k := range e.keys() {
		if strings.HasSuffix(k, "/manifest.json") {
			out = append(out, k)
		}
	}
	return out
}

// keysOf lists the bucket's keys of one snapshot.
func (e *env) keysOf(snapID string) []string {
	e.t.Helper()
	var out []string
	for _, k := range e.keys() {
		if strings.Contains(k, "/snapshots/"+snapID+"/") {
			out = append(out, k)
		}
	}
	return out
}

// restoredLogs counts the server's "restored collection" log records.
func (e *env) restoredLogs() int {
	return strings.Count(e.logs.String(), "tiering: restored collection")
}

// syncBuffer is a bytes.Buffer for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) tail(n int) string {
	lines := strings.Split(strings.TrimRight(s.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// notices collects the NOTICE messages a connection receives.
type notices struct {
	mu    sync.Mutex
	msgs  []string
	times []time.Time // when each arrived
}

func (n *notices) add(msg string) {
	n.mu.Lock()
	n.msgs = append(n.msgs, msg)
	n.times = append(n.times, time.Now())
	n.mu.Unlock()
}

// arrivals returns when each notice arrived.
func (n *notices) arrivals() []time.Time {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.times)
}

func (n *notices) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.msgs)
}

func (n *notices) reset() {
	n.mu.Lock()
	n.msgs, n.times = nil, nil
	n.mu.Unlock()
}

// connect opens a pgx connection with pgvector's types registered, as
// pgvector-go's README shows; the connection's notices go to the returned
// collector.
func (e *env) connect(t testing.TB) (*pgx.Conn, *notices) {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://akidb@%s/akidb?sslmode=disable&application_name=tiering-e2e", e.srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	ns := &notices{}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { ns.add(n.Message) }
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		t.Fatalf("register pgvector types: %v", err)
	}
	return conn, ns
}

func (e *env) conn(t testing.TB) *pgx.Conn {
	t.Helper()
	c, _ := e.connect(t)
	return c
}

// exec runs statements through the simple protocol.
func exec(t testing.TB, conn *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, s := range sqls {
		if _, err := conn.Exec(ctxT(t), s, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// dataset is n clustered random vectors: ids 1..n, vector i at vecs[i-1].
type dataset struct {
	dims    int
	centers [][]float32
	vecs    [][]float32
	rng     *rand.Rand
}

// clustered returns n vectors of dims components around clusters
// Gaussian centres (unit-variance centres, spread 0.35 around them).
func clustered(n, dims, clusters int, seed uint64) *dataset {
	r := rand.New(rand.NewPCG(seed, 0x7e57))
	d := &dataset{dims: dims, rng: r}
	for range clusters {
		c := make([]float32, dims)
		for j := range c {
			c[j] = float32(r.NormFloat64())
		}
		d.centers = append(d.centers, c)
	}
	for i := range n {
		d.vecs = append(d.vecs, d.near(i%clusters))
	}
	return d
}

func (d *dataset) near(cluster int) []float32 {
	v := make([]float32, d.dims)
	for j := range v {
		v[j] = d.centers[cluster][j] + float32(0.35*d.rng.NormFloat64())
	}
	return v
}

// queries returns k query vectors drawn from the same clusters.
func (d *dataset) queries(k int) [][]float32 {
	out := make([][]float32, k)
	for i := range out {
		out[i] = d.near(d.rng.IntN(len(d.centers)))
	}
	return out
}

func body(name string, id int64) string { return fmt.Sprintf("%s document %d", name, id) }

// createCollection makes collection name for vectors of d's size.
func createCollection(t testing.TB, conn *pgx.Conn, name string, dims int) {
	t.Helper()
	exec(t, conn, fmt.Sprintf("CREATE COLLECTION %s (id bigint PRIMARY KEY, body text, embedding vector(%d)) WITH (metric = 'cosine')", name, dims))
}

// load creates collection name and copies d into it with binary COPY.
func load(t testing.TB, conn *pgx.Conn, name string, d *dataset) {
	t.Helper()
	createCollection(t, conn, name, d.dims)
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= len(d.vecs) {
			return nil, nil
		}
		i++
		id := int64(i)
		return []any{id, body(name, id), pgvector.NewVector(d.vecs[i-1])}, nil
	})
	n, err := conn.CopyFrom(ctxT(t), pgx.Identifier{name}, []string{"id", "body", "embedding"}, src)
	if err != nil {
		t.Fatalf("COPY into %s: %v", name, err)
	}
	if n != int64(len(d.vecs)) {
		t.Fatalf("COPY into %s copied %d rows, want %d", name, n, len(d.vecs))
	}
}

type hit struct {
	id  int64
	vec []float32
}

// search returns the k nearest rows of collection name to q.
func search(t testing.TB, conn *pgx.Conn, name string, q []float32, k int) []hit {
	t.Helper()
	hits, err := trySearch(ctxT(t), conn, name, q, k)
	if err != nil {
		t.Fatalf("search %s: %v", name, err)
	}
	return hits
}

func trySearch(ctx context.Context, conn *pgx.Conn, name string, q []float32, k int) ([]hit, error) {
	rows, err := conn.Query(ctx, fmt.Sprintf("SELECT id, embedding FROM %s ORDER BY embedding <=> $1 LIMIT %d", name, k), pgvector.NewVector(q))
	if err != nil {
		return nil, err
	}
	var out []hit
	for rows.Next() {
		var h hit
		var v pgvector.Vector
		if err := rows.Scan(&h.id, &v); err != nil {
			rows.Close()
			return nil, err
		}
		h.vec = v.Slice()
		out = append(out, h)
	}
	return out, rows.Err()
}

func ids(hits []hit) []int64 {
	out := make([]int64, len(hits))
	for i, h := range hits {
		out[i] = h.id
	}
	return out
}

// searchAll runs every query and returns the ids of the answers.
func searchAll(t testing.TB, conn *pgx.Conn, name string, qs [][]float32, k int) [][]int64 {
	t.Helper()
	out := make([][]int64, len(qs))
	for i, q := range qs {
		out[i] = ids(search(t, conn, name, q, k))
	}
	return out
}

// exactTopK is the true top-k by cosine distance among d's vectors.
func exactTopK(d *dataset, q []float32, k int) []int64 {
	type cand struct {
		id   int64
		dist float64
	}
	cs := make([]cand, len(d.vecs))
	for i, v := range d.vecs {
		cs[i] = cand{int64(i + 1), cosineDist(v, q)}
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].dist < cs[j].dist })
	out := make([]int64, k)
	for i := range out {
		out[i] = cs[i].id
	}
	return out
}

func cosineDist(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
		na += float64(a[i]) * float64(a[i])
		nb += float64(b[i]) * float64(b[i])
	}
	return 1 - dot/math.Sqrt(na*nb)
}

// recall is the fraction of want found in got.
func recall(got, want []int64) float64 {
	n := 0
	for _, id := range want {
		if slices.Contains(got, id) {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// sameVec reports whether two vectors are bit for bit equal.
func sameVec(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// checkHits checks that every hit's vector is the inserted one.
func checkHits(t testing.TB, d *dataset, hits []hit) {
	t.Helper()
	for _, h := range hits {
		if h.id < 1 || int(h.id) > len(d.vecs) {
			t.Fatalf("search returned id %d, not a loaded row", h.id)
		}
		if !sameVec(h.vec, d.vecs[h.id-1]) {
			t.Fatalf("search returned a vector for id %d that differs from the inserted one", h.id)
		}
	}
}

type row struct {
	body string
	vec  []float32
}

// contents reads every row of collection name.
func contents(t testing.TB, conn *pgx.Conn, name string) map[int64]row {
	t.Helper()
	rows, err := conn.Query(ctxT(t), fmt.Sprintf("SELECT id, body, embedding FROM %s", name))
	if err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	out := map[int64]row{}
	for rows.Next() {
		var id int64
		var r row
		var v pgvector.Vector
		if err := rows.Scan(&id, &r.body, &v); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		r.vec = v.Slice()
		if _, dup := out[id]; dup {
			t.Fatalf("read %s: id %d twice", name, id)
		}
		out[id] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read %s: %v", name, err)
	}
	return out
}

// datasetRows is what contents returns for a collection loaded from d.
func datasetRows(name string, d *dataset) map[int64]row {
	out := make(map[int64]row, len(d.vecs))
	for i, v := range d.vecs {
		out[int64(i+1)] = row{body: body(name, int64(i+1)), vec: v}
	}
	return out
}

// sameContents compares two collections' rows and fails with the first
// differences.
func sameContents(t testing.TB, what string, got, want map[int64]row) {
	t.Helper()
	var diffs []string
	for id, w := range want {
		g, ok := got[id]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("id %d missing", id))
		case g.body != w.body:
			diffs = append(diffs, fmt.Sprintf("id %d: body %q, want %q", id, g.body, w.body))
		case !sameVec(g.vec, w.vec):
			diffs = append(diffs, fmt.Sprintf("id %d: vector differs", id))
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			diffs = append(diffs, fmt.Sprintf("id %d unexpected", id))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		if len(diffs) > 10 {
			diffs = append(diffs[:10], fmt.Sprintf("... %d differences in all", len(diffs)))
		}
		t.Fatalf("%s: %d rows, want %d:\n%s", what, len(got), len(want), strings.Join(diffs, "\n"))
	}
}

// collInfo is a row of akidb.collections.
type collInfo struct {
	tier                        string
	pinned                      bool
	rows, ram, disk, objectSize int64
	accesses                    int64
}

func info(t testing.TB, conn *pgx.Conn, name string) collInfo {
	t.Helper()
	var c collInfo
	err := conn.QueryRow(ctxT(t), "SELECT tier, pinned, rows, bytes_ram, bytes_disk, bytes_object_store, accesses FROM akidb.collections WHERE name = $1", name).
		Scan(&c.tier, &c.pinned, &c.rows, &c.ram, &c.disk, &c.objectSize, &c.accesses)
	if err != nil {
		t.Fatalf("akidb.collections row of %s: %v", name, err)
	}
	return c
}

func tierOf(t testing.TB, conn *pgx.Conn, name string) string {
	t.Helper()
	return info(t, conn, name).tier
}

func wantTier(t testing.TB, conn *pgx.Conn, name, want string) {
	t.Helper()
	if got := tierOf(t, conn, name); got != want {
		t.Fatalf("collection %s is %s, want %s", name, got, want)
	}
}

// snap is a row of SHOW SNAPSHOTS.
type snap struct {
	id, collection string
	createdAt      time.Time
	rows, bytes    int64
	objectKey      string
}

// snapshots runs SHOW SNAPSHOTS [FOR COLLECTION name].
func snapshots(t testing.TB, conn *pgx.Conn, name string) []snap {
	t.Helper()
	q := "SHOW SNAPSHOTS"
	if name != "" {
		q += " FOR COLLECTION " + name
	}
	rows, err := conn.Query(ctxT(t), q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out []snap
	for rows.Next() {
		var s snap
		if err := rows.Scan(&s.id, &s.collection, &s.createdAt, &s.rows, &s.bytes, &s.objectKey); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// createSnapshot runs CREATE SNAPSHOT FOR COLLECTION name and returns the
// snapshot id.
func createSnapshot(t testing.TB, conn *pgx.Conn, name string) string {
	t.Helper()
	var id string
	if err := conn.QueryRow(ctxT(t), "CREATE SNAPSHOT FOR COLLECTION "+name, pgx.QueryExecModeSimpleProtocol).Scan(&id); err != nil {
		t.Fatalf("CREATE SNAPSHOT FOR COLLECTION %s: %v", name, err)
	}
	if id == "" {
		t.Fatalf("CREATE SNAPSHOT FOR COLLECTION %s returned an empty id", name)
	}
	return id
}

// pgError returns err's *pgconn.PgError or fails.
func pgError(t testing.TB, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v (%T), want a PostgreSQL error", err, err)
	}
	return pe
}

// count runs SELECT count(*) on a collection.
func count(t testing.TB, conn *pgx.Conn, name string) int64 {
	t.Helper()
	var n int64
	if err := conn.QueryRow(ctxT(t), "SELECT count(*) FROM "+name).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", name, err)
	}
	return n
}

// percentile returns the p-th percentile (0..100) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
