// Package tierbench measures the tiering layer as a client sees it: over
// pgwire with pgx, against an embedded server whose cold tier is a real
// MinIO on loopback. BenchmarkTiering prints one table per data set
// (10k x 512 and 100k x 512) with the targets of the tiering issue beside
// the figures. It runs under `make bench`, never in `make test`.
package tierbench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"

	"github.com/akidb/akidb/internal/testenv/minio"
	"github.com/akidb/akidb/server"
	"github.com/akidb/akidb/tiering/objstore"
)

// target is one figure and the target for it.
type target struct {
	name  string
	value float64
	unit  string
	limit float64 // the target; 0 for none
	less  bool    // the value must be at most limit (else at least)
}

func (t target) pass() string {
	switch {
	case t.limit == 0:
		return ""
	case t.less && t.value <= t.limit, !t.less && t.value >= t.limit:
		return "pass"
	}
	return "FAIL"
}

// BenchmarkTiering runs the whole tier cycle once per data set size.
// AKIDB_TIERBENCH_N (comma-separated) overrides the sizes.
func BenchmarkTiering(b *testing.B) {
	sizes := []int{10000, 100000}
	if v := os.Getenv("AKIDB_TIERBENCH_N"); v != "" {
		sizes = nil
		for _, f := range splitComma(v) {
			n, err := strconv.Atoi(f)
			if err != nil {
				b.Fatalf("AKIDB_TIERBENCH_N: %v", err)
			}
			sizes = append(sizes, n)
		}
	}
	mc := minio.Start(b, minio.NoCompat)
	warmStore(b, mc)
	for _, n := range sizes {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				runOnce(b, mc, n, 512)
			}
		})
	}
}

// warmStore uploads and downloads one snapshot-sized object and deletes
// it, before anything is timed. The figures are meant against a running
// S3; a MinIO just started spends about twice the CPU on its first 20 MB
// upload as on later ones (its buffers are touched for the first time),
// and here that CPU is taken from the two cores the server runs on.
func warmStore(b *testing.B, mc *minio.Server) {
	b.Helper()
	ctx := context.Background()
	st, err := objstore.NewS3(ctx, s3Config(mc, ""))
	if err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 24<<20)
	for i := range data {
		data[i] = byte(i * 7919 >> 5)
	}
	const key = "bench-warmup"
	w, err := st.Create(ctx, key)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		b.Fatal(err)
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Get(ctx, key, discardAt{}); err != nil {
		b.Fatal(err)
	}
	if err := st.Delete(ctx, key); err != nil {
		b.Fatal(err)
	}
}

// s3Config is the configuration of a store on mc's bucket under prefix.
func s3Config(mc *minio.Server, prefix string) objstore.S3Config {
	return objstore.S3Config{Endpoint: mc.Endpoint, Bucket: mc.Bucket, PathStyle: true,
		AccessKeyID: mc.AccessKey, SecretAccessKey: mc.SecretKey, Prefix: prefix}
}

// discardAt is an io.WriterAt that drops what it is given.
type discardAt struct{}

func (discardAt) WriteAt(p []byte, _ int64) (int, error) { return len(p), nil }

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func runOnce(b *testing.B, mc *minio.Server, n, dim int) {
	ctx := context.Background()
	e, err := server.StartEmbeddedTiering(b.TempDir(), server.Config{}, server.TieringConfig{
		S3:       s3Config(mc, fmt.Sprintf("bench-%d-%d", n, time.Now().UnixNano())),
		Interval: time.Hour,
	})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	conn, err := pgx.Connect(ctx, "postgres://postgres@"+e.Addr()+"/postgres?sslmode=disable")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	if err := pgxvec.RegisterTypes(ctx, conn); err != nil {
		b.Fatal(err)
	}
	exec := func(sql string) time.Duration {
		b.Helper()
		start := time.Now()
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatalf("%s: %v", sql, err)
		}
		return time.Since(start)
	}
	heap := func() uint64 {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}

	vecs := clustered(n, dim, 50)
	exec(fmt.Sprintf("CREATE COLLECTION docs (id bigint PRIMARY KEY, body text, embedding vector(%d)) WITH (metric = 'cosine', m = 16, ef_construction = 64)", dim))
	start := time.Now()
	i := 0
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"docs"}, []string{"id", "body", "embedding"}, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		i++
		return []any{int64(i), "document " + strconv.Itoa(i), pgvector.NewVector(vecs[i-1])}, nil
	})); err != nil {
		b.Fatal(err)
	}
	load := time.Since(start)
	jsonBytes := jsonSize(vecs)

	queries := vecs[:100]
	p95 := func() float64 {
		b.Helper()
		lat := make([]float64, 0, len(queries))
		for _, q := range queries {
			s := time.Now()
			rows, err := conn.Query(ctx, "SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 10", pgvector.NewVector(q))
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
			}
			if rows.Err() != nil {
				b.Fatal(rows.Err())
			}
			lat = append(lat, float64(time.Since(s).Microseconds())/1000)
		}
		slices.Sort(lat)
		return lat[len(lat)*95/100]
	}
	p95() // warm up
	hotP95 := p95()
	toWarm := exec("ALTER COLLECTION docs SET TIER WARM")
	p95() // page cache
	warmP95 := p95()
	toHot := exec("ALTER COLLECTION docs SET TIER HOT")
	// Snapshot create is the median of snapShots snapshots (a 10k one
	// takes 0.1-0.2 s, where the machine's noise shows); the first,
	// which also touches the server's upload buffers for the first time,
	// is printed beside it. The last snapshot is kept.
	const snapShots = 3
	var snapID string
	var snapTimes []time.Duration
	for i := range snapShots {
		if i > 0 {
			exec("DROP SNAPSHOT '" + snapID + "'")
		}
		snapStart := time.Now()
		if err := conn.QueryRow(ctx, "CREATE SNAPSHOT FOR COLLECTION docs").Scan(&snapID); err != nil {
			b.Fatal(err)
		}
		snapTimes = append(snapTimes, time.Since(snapStart))
	}
	snapFirst := snapTimes[0]
	slices.Sort(snapTimes)
	snapCreate := snapTimes[snapShots/2]
	var snapBytes int64
	if err := conn.QueryRow(ctx, "SELECT bytes FROM akidb.snapshots WHERE id = $1", snapID).Scan(&snapBytes); err != nil {
		b.Fatal(err)
	}
	restore := exec("RESTORE COLLECTION docs FROM SNAPSHOT '" + snapID + "'")
	exec("ALTER COLLECTION docs SET TIER WARM")
	toCold := exec("ALTER COLLECTION docs SET TIER COLD")
	heapCold := heap()
	fromCold := exec("ALTER COLLECTION docs SET TIER WARM")
	exec("ALTER COLLECTION docs SET TIER COLD")
	s := time.Now()
	rows, err := conn.Query(ctx, "SELECT id FROM docs ORDER BY embedding <=> $1 LIMIT 10", pgvector.NewVector(queries[0]))
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
	}
	if rows.Err() != nil {
		b.Fatal(rows.Err())
	}
	firstCold := time.Since(s)
	// What a COLD collection costs: the heap with it COLD against the heap
	// once it is gone, with everything else (the client's data included)
	// unchanged.
	exec("ALTER COLLECTION docs SET TIER COLD")
	heapCold = heap()
	exec("DROP COLLECTION docs")
	heapGone := heap()
	runtime.KeepAlive(vecs)
	coldHeap := float64(int64(heapCold)-int64(heapGone)) / 1024
	secs := func(d time.Duration) float64 { return d.Seconds() }
	var figs []target
	if n <= 10000 {
		figs = []target{
			{"snapshot create 10k", secs(snapCreate), "s", 0.2, true},
			{"snapshot create 10k, first", secs(snapFirst), "s", 0, true},
			{"restore from snapshot 10k", secs(restore), "s", 0.3, true},
			{"HOT->WARM 10k", secs(toWarm), "s", 0.2, true},
			{"WARM->HOT 10k", secs(toHot), "s", 0.3, true},
			{"WARM->COLD 10k", secs(toCold), "s", 0.5, true},
			{"COLD->WARM 10k", secs(fromCold), "s", 0, true},
			{"first query on COLD 10k", secs(firstCold), "s", 0, true},
		}
	} else {
		figs = []target{
			{fmt.Sprintf("snapshot create %dk", n/1000), secs(snapCreate), "s", 0, true},
			{fmt.Sprintf("snapshot create %dk, first", n/1000), secs(snapFirst), "s", 0, true},
			{fmt.Sprintf("restore from snapshot %dk", n/1000), secs(restore), "s", 0, true},
			{fmt.Sprintf("HOT->WARM %dk", n/1000), secs(toWarm), "s", 0, true},
			{fmt.Sprintf("WARM->HOT %dk", n/1000), secs(toHot), "s", 0, true},
			{fmt.Sprintf("WARM->COLD %dk", n/1000), secs(toCold), "s", 0, true},
			{fmt.Sprintf("COLD->WARM %dk", n/1000), secs(fromCold), "s", 2, true},
			{fmt.Sprintf("first query on COLD %dk", n/1000), secs(firstCold), "s", 2.5, true},
		}
	}
	warmLimit := 0.0
	if n >= 100000 {
		warmLimit = 3
	}
	figs = append(figs,
		target{"load (COPY) rows/s", float64(n) / load.Seconds(), "rows/s", 0, false},
		target{"p95 HOT", hotP95, "ms", 0, true},
		target{"p95 WARM", warmP95, "ms", warmLimit, true},
		target{"snapshot / JSON size", float64(snapBytes) / float64(jsonBytes), "x", 0.4, true},
		target{"heap held by the COLD collection", coldHeap, "KiB", 64, true},
	)
	fmt.Printf("\nTiering, N=%d D=%d, cosine, MinIO on loopback\n", n, dim)
	fmt.Printf("%-36s %14s  %-8s %10s  %s\n", "figure", "value", "unit", "target", "")
	for _, f := range figs {
		lim := ""
		if f.limit != 0 {
			op := ">="
			if f.less {
				op = "<="
			}
			lim = fmt.Sprintf("%s %g", op, f.limit)
		}
		fmt.Printf("%-36s %14.3f  %-8s %10s  %s\n", f.name, f.value, f.unit, lim, f.pass())
		b.ReportMetric(f.value, sanitize(f.name)+"_"+f.unit)
	}
}

func sanitize(s string) string {
	out := []rune{}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			out = append(out, r)
		default:
			out = append(out, '_')
		}
	}
	return string(out)
}

// clustered returns n vectors around k Gaussian centres.
func clustered(n, dim, k int) [][]float32 {
	rng := rand.New(rand.NewPCG(1, 2))
	centres := make([][]float32, k)
	for i := range centres {
		c := make([]float32, dim)
		for j := range c {
			c[j] = float32(rng.NormFloat64())
		}
		centres[i] = c
	}
	out := make([][]float32, n)
	for i := range out {
		c := centres[rng.IntN(k)]
		v := make([]float32, dim)
		for j := range v {
			v[j] = c[j] + float32(0.3*rng.NormFloat64())
		}
		out[i] = v
	}
	return out
}

// jsonSize is the size of the rows as JSON lines, the yardstick of the
// snapshot size target.
func jsonSize(vecs [][]float32) int64 {
	var total int64
	for i, v := range vecs {
		row := struct {
			ID        int64     `json:"id"`
			Body      string    `json:"body"`
			Embedding []float32 `json:"embedding"`
		}{int64(i + 1), "document " + strconv.Itoa(i+1), v}
		buf, _ := json.Marshal(row)
		total += int64(len(buf)) + 1
	}
	return total
}
