package tiercrash

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/akidb/akidb/internal/testenv/minio"
	"github.com/akidb/akidb/tiering/objstore"
)

// The akidb binary, built once per test run into a temporary directory.
var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func akidbBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "akidb-tiercrash-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "akidb")
		cmd := exec.Command("go", "build", "-o", binPath, "github.com/akidb/akidb/cmd/akidb")
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// Timeouts: generous, for slow machines.
const (
	readyTimeout     = 90 * time.Second
	statementTimeout = 3 * time.Minute
	exitTimeout      = 2 * time.Minute
)

// cluster is one test's MinIO, data directory and the akidb processes run
// on them, one after the other.
type cluster struct {
	t     *testing.T
	s3    *minio.Server
	data  string
	store *objstore.S3

	mu    sync.Mutex
	procs []*proc
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	c := &cluster{t: t, s3: minio.Start(t), data: filepath.Join(t.TempDir(), "data")}
	akidbBinary(t)
	store, err := objstore.NewS3(context.Background(), objstore.S3Config{
		Endpoint: c.s3.Endpoint, Bucket: c.s3.Bucket, PathStyle: true,
		AccessKeyID: c.s3.AccessKey, SecretAccessKey: c.s3.SecretKey,
	})
	if err != nil {
		t.Fatalf("object store client: %v", err)
	}
	c.store = store
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		for i, p := range c.procs {
			t.Logf("akidb log, run %d (%s):\n%s", i+1, p.crashPoint, p.log())
		}
	})
	return c
}

// proc is a running akidb binary.
type proc struct {
	cmd        *exec.Cmd
	crashPoint string
	addr       string
	mu         sync.Mutex
	lines      []string // stderr so far
	exited     chan struct{}
	err        error // Wait's result, after exited is closed
}

var addrRE = regexp.MustCompile(`addr=(\S+)`)

// start runs akidb on the cluster's data directory and bucket with the
// extra environment (such as AKIDB_CRASHPOINT=...), and waits until it
// accepts connections. The process is killed at the end of the test if
// still running.
func (c *cluster) start(extra ...string) *proc {
	t := c.t
	t.Helper()
	cmd := exec.Command(akidbBinary(t))
	env := make([]string, 0, len(os.Environ())+len(extra)+10)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AKIDB_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env,
		"AKIDB_LISTEN=127.0.0.1:0",
		"AKIDB_DATA_DIR="+c.data,
		"AKIDB_S3_ENDPOINT="+c.s3.Endpoint,
		"AKIDB_S3_BUCKET="+c.s3.Bucket,
		"AKIDB_S3_REGION=us-east-1",
		"AKIDB_S3_ACCESS_KEY_ID="+c.s3.AccessKey,
		"AKIDB_S3_SECRET_ACCESS_KEY="+c.s3.SecretKey,
		"AKIDB_S3_PATH_STYLE=true",
	)
	cmd.Env = append(cmd.Env, extra...)
	p := &proc{cmd: cmd, exited: make(chan struct{}), crashPoint: "no crash point"}
	for _, kv := range extra {
		if v, ok := strings.CutPrefix(kv, "AKIDB_CRASHPOINT="); ok {
			p.crashPoint = "crash point " + v
		}
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.procs = append(c.procs, p)
	c.mu.Unlock()
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
			if m := addrRE.FindStringSubmatch(line); m != nil && strings.Contains(line, "akidb ready") {
				select {
				case ready <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-ready:
	case <-p.exited:
		t.Fatalf("akidb exited before it was ready: %v", p.err)
	case <-time.After(readyTimeout):
		t.Fatalf("akidb not ready after %v", readyTimeout)
	}
	// Ready means listening; wait until a session really works.
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, connString(p.addr))
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("akidb at %s takes no connections: %v", p.addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return p
}

func (p *proc) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

// stop ends the process with SIGTERM and expects a clean exit.
func (c *cluster) stop(p *proc) {
	c.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatal(err)
	}
	select {
	case <-p.exited:
		if p.err != nil {
			c.t.Fatalf("akidb exited with %v after SIGTERM", p.err)
		}
	case <-time.After(exitTimeout):
		c.t.Fatalf("akidb still running %v after SIGTERM", exitTimeout)
	}
}

// waitKilled waits for the process to kill itself at its crash point.
func (c *cluster) waitKilled(p *proc) {
	c.t.Helper()
	select {
	case <-p.exited:
	case <-time.After(exitTimeout):
		c.t.Fatalf("akidb still running %v after the statement that reaches its %s", exitTimeout, p.crashPoint)
	}
	ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		c.t.Fatalf("akidb ended with %v, want death by SIGKILL at its %s", p.cmd.ProcessState, p.crashPoint)
	}
}

// crash runs sql, which must reach p's crash point: the connection drops
// and the process dies by SIGKILL.
func (c *cluster) crash(p *proc, conn *pgx.Conn, sql string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
	defer cancel()
	_, err := conn.Exec(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		c.t.Fatalf("%s succeeded; want the server to die at its %s", sql, p.crashPoint)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		c.t.Fatalf("%s: server error %s %s; want the connection to drop at the %s", sql, pe.Code, pe.Message, p.crashPoint)
	}
	c.waitKilled(p)
}

func connString(addr string) string {
	return fmt.Sprintf("postgres://akidb@%s/akidb?sslmode=disable&application_name=tiercrash", addr)
}

// connect opens a session with a wide hnsw.ef_search, so that top-k
// answers do not depend on the luck of the graph.
func (c *cluster) connect(p *proc) *pgx.Conn {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString(p.addr))
	if err != nil {
		c.t.Fatalf("connect: %v", err)
	}
	c.t.Cleanup(func() { conn.Close(context.Background()) })
	mustExec(c.t, conn, "SET hnsw.ef_search = 400")
	return conn
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), statementTimeout)
	t.Cleanup(cancel)
	return ctx
}

// mustExec runs statements through the simple protocol.
func mustExec(t testing.TB, conn *pgx.Conn, sqls ...string) {
	t.Helper()
	for _, s := range sqls {
		if _, err := conn.Exec(ctxT(t), s, pgx.QueryExecModeSimpleProtocol); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// queryStrings runs sql and returns the first column of every row as text.
func queryStrings(t testing.TB, conn *pgx.Conn, sql string) []string {
	t.Helper()
	rows, err := conn.Query(ctxT(t), sql, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		out = append(out, fmt.Sprint(vals[0]))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out
}

// dataset is a collection's committed rows: ids 1..n, body 'row <id>', a
// pseudo-random vector each.
type dataset struct {
	name    string
	n, dims int
	vecs    [][]float32 // vecs[id-1]
	queries [][]float32
}

func newDataset(name string, n, dims int, seed uint64) *dataset {
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	d := &dataset{name: name, n: n, dims: dims}
	vec := func() []float32 {
		v := make([]float32, dims)
		for i := range v {
			v[i] = r.Float32()*2 - 1
		}
		return v
	}
	for range n {
		d.vecs = append(d.vecs, vec())
	}
	for range 3 {
		d.queries = append(d.queries, vec())
	}
	return d
}

func vecText(v []float32) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

func parseVec(s string) ([]float32, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("not a vector: %q", s)
	}
	var out []float32
	for _, f := range strings.Split(s[1:len(s)-1], ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 32)
		if err != nil {
			return nil, err
		}
		out = append(out, float32(x))
	}
	return out, nil
}

// create makes the collection and loads its rows with COPY.
func (d *dataset) create(t testing.TB, conn *pgx.Conn) {
	t.Helper()
	mustExec(t, conn, fmt.Sprintf("CREATE COLLECTION %s (id bigint PRIMARY KEY, body text, embedding vector(%d)) WITH (metric = 'l2', m = 16, ef_construction = 64)", d.name, d.dims))
	var buf bytes.Buffer
	for i, v := range d.vecs {
		fmt.Fprintf(&buf, "%d\trow %d\t%s\n", i+1, i+1, vecText(v))
	}
	tag, err := conn.PgConn().CopyFrom(ctxT(t), &buf, fmt.Sprintf("COPY %s (id, body, embedding) FROM STDIN", d.name))
	if err != nil {
		t.Fatalf("COPY into %s: %v", d.name, err)
	}
	if tag.RowsAffected() != int64(d.n) {
		t.Fatalf("COPY into %s: %d rows, want %d", d.name, tag.RowsAffected(), d.n)
	}
}

// sampleIDs are the rows whose vectors are compared exactly.
func (d *dataset) sampleIDs() []int {
	return []int{1, 2, d.n / 3, d.n / 2, d.n - 1, d.n}
}

// topK runs the k-NN queries and returns the ids of each answer.
func (d *dataset) topK(t testing.TB, conn *pgx.Conn) [][]string {
	t.Helper()
	var out [][]string
	for _, q := range d.queries {
		out = append(out, queryStrings(t, conn, fmt.Sprintf("SELECT id FROM %s ORDER BY embedding <-> '%s' LIMIT 10", d.name, vecText(q))))
	}
	return out
}

// exactTopK is the true answer of the k-NN queries.
func (d *dataset) exactTopK() [][]string {
	var out [][]string
	for _, q := range d.queries {
		type hit struct {
			id   int
			dist float64
		}
		hits := make([]hit, d.n)
		for i, v := range d.vecs {
			var s float64
			for j := range v {
				x := float64(v[j]) - float64(q[j])
				s += x * x
			}
			hits[i] = hit{i + 1, s}
		}
		sort.Slice(hits, func(a, b int) bool { return hits[a].dist < hits[b].dist })
		var ids []string
		for _, h := range hits[:10] {
			ids = append(ids, strconv.Itoa(h.id))
		}
		out = append(out, ids)
	}
	return out
}

// verify checks that every committed row is there: the count, the sum of
// the ids, sample vectors bit for bit, and the k-NN answers (want, taken
// before the crash; nil skips the comparison). It returns the answers.
func (d *dataset) verify(t testing.TB, conn *pgx.Conn, want [][]string) [][]string {
	t.Helper()
	var count, sum int64
	q := fmt.Sprintf("SELECT count(*), sum(id) FROM %s", d.name)
	if err := conn.QueryRow(ctxT(t), q, pgx.QueryExecModeSimpleProtocol).Scan(&count, &sum); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	if count != int64(d.n) || sum != int64(d.n)*int64(d.n+1)/2 {
		t.Errorf("%s: count %d, sum %d; want %d rows summing to %d", d.name, count, sum, d.n, int64(d.n)*int64(d.n+1)/2)
	}
	for _, id := range d.sampleIDs() {
		got := queryStrings(t, conn, fmt.Sprintf("SELECT body || ' ' || embedding::text FROM %s WHERE id = %d", d.name, id))
		if len(got) != 1 {
			t.Errorf("%s: %d rows with id %d, want 1", d.name, len(got), id)
			continue
		}
		body, vec, _ := strings.Cut(strings.TrimPrefix(got[0], "row "), " ")
		if body != strconv.Itoa(id) {
			t.Errorf("%s: row %d has body %q", d.name, id, "row "+body)
		}
		v, err := parseVec(vec)
		if err != nil {
			t.Errorf("%s: row %d: %v", d.name, id, err)
			continue
		}
		if !sameVec(v, d.vecs[id-1]) {
			t.Errorf("%s: row %d has vector %s, want %s", d.name, id, vecText(v), vecText(d.vecs[id-1]))
		}
	}
	got := d.topK(t, conn)
	if want != nil {
		for i := range want {
			if strings.Join(got[i], ",") != strings.Join(want[i], ",") {
				t.Errorf("%s: top-10 of query %d is %v, was %v before the crash", d.name, i, got[i], want[i])
			}
		}
	}
	return got
}

func sameVec(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// tier is the collection's tier as akidb.collections shows it; reading
// the view is not an access.
func tier(t testing.TB, conn *pgx.Conn, name string) string {
	t.Helper()
	got := queryStrings(t, conn, fmt.Sprintf("SELECT tier FROM akidb.collections WHERE name = '%s'", name))
	if len(got) != 1 {
		t.Fatalf("akidb.collections: %d rows for %s", len(got), name)
	}
	return got[0]
}

// waitTier waits until the collection is in one of the tiers.
func waitTier(t testing.TB, conn *pgx.Conn, name string, within time.Duration, tiers ...string) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		got := tier(t, conn, name)
		for _, w := range tiers {
			if got == w {
				return got
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s is %s after %v, want %v", name, got, within, tiers)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// snapshotsOf lists the ids of the collection's snapshots.
func snapshotsOf(t testing.TB, conn *pgx.Conn, name string) []string {
	t.Helper()
	return queryStrings(t, conn, "SHOW SNAPSHOTS FOR COLLECTION "+name)
}

// bucketSnapshots lists the bucket's snapshots by directory
// (collections/<id>/snapshots/<snapshot-id>) with their object names, and
// fails on anything else in the bucket.
func (c *cluster) bucketSnapshots() map[string][]string {
	c.t.Helper()
	infos, err := c.store.List(ctxT(c.t), "")
	if err != nil {
		c.t.Fatalf("list bucket: %v", err)
	}
	out := map[string][]string{}
	for _, o := range infos {
		parts := strings.Split(o.Key, "/")
		if len(parts) != 5 || parts[0] != "collections" || parts[2] != "snapshots" {
			c.t.Errorf("unexpected object %s in the bucket", o.Key)
			continue
		}
		dir := strings.Join(parts[:4], "/")
		out[dir] = append(out[dir], parts[4])
	}
	return out
}

// checkBucket fails on orphans (snapshot directories without a
// manifest, or missing an object) and returns the number of whole
// snapshots in the bucket.
func (c *cluster) checkBucket() int {
	c.t.Helper()
	n := 0
	for dir, names := range c.bucketSnapshots() {
		sort.Strings(names)
		have := strings.Join(names, " ")
		if have != "data.parquet graph.hnsw manifest.json" {
			c.t.Errorf("orphaned or incomplete snapshot %s in the bucket: %s", dir, have)
			continue
		}
		n++
	}
	return n
}

// checkBucketAfterCrash checks what a crash at an upload crash point
// left in the bucket, before any recovery: nothing (before_upload), the
// data objects of one snapshot without its manifest (mid_upload), or one
// whole snapshot (after_upload and later).
func (c *cluster) checkBucketAfterCrash(cp string) {
	c.t.Helper()
	want := "data.parquet graph.hnsw manifest.json"
	switch cp {
	case "before_upload":
		want = ""
	case "mid_upload":
		want = "data.parquet graph.hnsw"
	}
	var got []string
	for _, names := range c.bucketSnapshots() {
		sort.Strings(names)
		got = append(got, strings.Join(names, " "))
	}
	if (want == "" && len(got) != 0) || (want != "" && (len(got) != 1 || got[0] != want)) {
		c.t.Fatalf("bucket after a crash at %s: snapshot directories %q, want %q", cp, got, want)
	}
}

// checkTmp fails if temporary files of snapshots or restores are left in
// the data directory.
func (c *cluster) checkTmp() {
	c.t.Helper()
	dir := filepath.Join(c.data, "tiering-tmp")
	var left []string
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if path != dir {
			left = append(left, strings.TrimPrefix(path, dir+string(filepath.Separator)))
		}
		return nil
	})
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		c.t.Fatalf("walk %s: %v", dir, err)
	}
	if len(left) > 0 {
		c.t.Errorf("temporary files left in tiering-tmp: %v", left)
	}
}

// checkIngestTmp fails the test if a restore's sstables are left in the
// data directory's ingest-tmp (Open removes what a crash left there).
func (c *cluster) checkIngestTmp() {
	c.t.Helper()
	dir := filepath.Join(c.data, "ingest-tmp")
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		c.t.Fatalf("read %s: %v", dir, err)
	}
	for _, e := range ents {
		sub, _ := os.ReadDir(filepath.Join(dir, e.Name()))
		if len(sub) > 0 || !e.IsDir() {
			c.t.Errorf("restore files left in ingest-tmp: %s", e.Name())
		}
	}
}
