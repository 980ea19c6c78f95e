package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

type runResult struct {
	EfSearch int     `json:"ef_search,omitempty"` // 0: exact scan
	Clients  int     `json:"clients"`
	Queries  int     `json:"queries"`
	Seconds  float64 `json:"seconds"`
	QPS      float64 `json:"qps"`
	MeanMs   float64 `json:"mean_ms"`
	P50ms    float64 `json:"p50_ms"`
	P95ms    float64 `json:"p95_ms"`
	P99ms    float64 `json:"p99_ms"`
	Recall   float64 `json:"recall"`
}

type datasetResult struct {
	Name                 string       `json:"name"`
	N                    int          `json:"n"`
	D                    int          `json:"d"`
	Queries              int          `json:"queries"`
	K                    int          `json:"k"`
	M                    int          `json:"m"`
	EfConstruction       int          `json:"ef_construction"`
	Server               string       `json:"server"`
	RawVectorBytes       int64        `json:"raw_vector_bytes"`
	LoadSeconds          float64      `json:"load_seconds"`
	LoadRowsPerSec       float64      `json:"load_rows_per_sec"`
	IndexSeconds         float64      `json:"index_seconds"`
	LoadPlusIndexSeconds float64      `json:"load_plus_index_seconds"`
	ExactScan            *runResult   `json:"exact_scan,omitempty"`
	Runs                 []*runResult `json:"runs"`
	MemoryStart          *memory      `json:"memory_start,omitempty"`
	MemoryAfterLoad      *memory      `json:"memory_after_load,omitempty"`
	MemoryAfterIndex     *memory      `json:"memory_after_index,omitempty"`
	MemoryEnd            *memory      `json:"memory_end,omitempty"`
}

func (d *datasetResult) run(ef, clients int) *runResult {
	for _, r := range d.Runs {
		if r.EfSearch == ef && r.Clients == clients {
			return r
		}
	}
	return nil
}

// PostgreSQL 15.20 + pgvector 0.8.6 on the same 2-core machine: 100k
// clustered vectors, cosine, HNSW m=16 ef_construction=64, pgx with
// prepared statements, 20 s per run.
type pgvRun struct {
	EfSearch int     `json:"ef_search"`
	Clients  int     `json:"clients"`
	QPS      float64 `json:"qps"`
	P95ms    float64 `json:"p95_ms"`
	Recall   float64 `json:"recall"`
}

type pgvRef struct {
	D              int      `json:"d"`
	N              int      `json:"n"`
	LoadRowsPerSec float64  `json:"load_rows_per_sec"`
	IndexSeconds   float64  `json:"index_seconds"`
	ExactScanP95ms float64  `json:"exact_scan_p95_ms,omitempty"`
	Runs           []pgvRun `json:"runs"`
}

var pgvectorRef = []pgvRef{
	{D: 128, N: 100000, LoadRowsPerSec: 30000, IndexSeconds: 28, Runs: []pgvRun{
		{40, 1, 890, 1.5, 0.96}, {100, 1, 640, 2.5, 0.98}}},
	{D: 512, N: 100000, LoadRowsPerSec: 9400, IndexSeconds: 48, ExactScanP95ms: 440, Runs: []pgvRun{
		{40, 1, 650, 1.9, 0.94}, {100, 1, 440, 3.3, 0.98}}},
}

func refFor(d int) *pgvRef {
	for i := range pgvectorRef {
		if pgvectorRef[i].D == d {
			return &pgvectorRef[i]
		}
	}
	return nil
}

func (r *pgvRef) run(ef, clients int) *pgvRun {
	if r == nil {
		return nil
	}
	for i := range r.Runs {
		if r.Runs[i].EfSearch == ef && r.Runs[i].Clients == clients {
			return &r.Runs[i]
		}
	}
	return nil
}

type targetResult struct {
	Name   string `json:"name"`
	Want   string `json:"want"`
	Got    string `json:"got"`
	Status string `json:"status"` // pass, fail, n/a
	Note   string `json:"note,omitempty"`
}

type report struct {
	Started  time.Time        `json:"started"`
	Host     map[string]any   `json:"host"`
	Options  map[string]any   `json:"options"`
	Datasets []*datasetResult `json:"datasets"`
	Pgvector []pgvRef         `json:"pgvector_reference"`
	Targets  []targetResult   `json:"targets"`
	targetN  int
}

func newReport(o *options) *report {
	host, _ := os.Hostname()
	return &report{
		Started: time.Now().UTC(),
		Host: map[string]any{
			"hostname": host, "num_cpu": runtime.NumCPU(), "gomaxprocs": runtime.GOMAXPROCS(0),
			"goos": runtime.GOOS, "goarch": runtime.GOARCH, "go": runtime.Version(),
		},
		Options: map[string]any{
			"quick": o.quick, "n": o.n, "dims": o.dims, "duration": o.duration.String(), "warmup": o.warmup.String(),
			"ef_search": o.efs, "clients": o.clients, "queries": o.queries, "exact_queries": o.exactQueries,
			"clusters": o.clusters, "seed": o.seed, "m": o.m, "ef_construction": o.efc, "k": o.k,
			"addr": o.addr, "fvecs": o.fvecs, "fvecs_queries": o.fvecsQueries,
		},
		Pgvector: pgvectorRef,
		targetN:  100000,
	}
}

func (rep *report) dataset(d int) *datasetResult {
	for _, ds := range rep.Datasets {
		if ds.D == d {
			return ds
		}
	}
	return nil
}

// evaluate checks the targets. A target is judged only on a data
// set of its size (100k rows at its dimension); otherwise its figure is
// shown as n/a.
func (rep *report) evaluate() {
	rep.Targets = nil
	add := func(name, want string, ds *datasetResult, got float64, unit string, ok func(float64) bool, note string) {
		t := targetResult{Name: name, Want: want, Status: "n/a", Note: note}
		switch {
		case ds == nil:
			t.Got = "not measured"
		case got < 0:
			t.Got = "not measured"
		default:
			t.Got = fmtUnit(got, unit)
			if ds.N != rep.targetN {
				t.Note = strings.TrimSpace(t.Note + fmt.Sprintf(" (measured at N=%d; the target is for N=%d)", ds.N, rep.targetN))
			} else if ok(got) {
				t.Status = "pass"
			} else {
				t.Status = "fail"
			}
		}
		rep.Targets = append(rep.Targets, t)
	}
	neg := -1.0
	d128, d512 := rep.dataset(128), rep.dataset(512)

	r := (*runResult)(nil)
	if d128 != nil {
		r = d128.run(40, 1)
	}
	get := func(f func(*runResult) float64) float64 {
		if r == nil {
			return neg
		}
		return f(r)
	}
	add("100k x 128, 1 client, ef_search 40: QPS", "≥ 3500", d128, get(func(r *runResult) float64 { return r.QPS }), "qps", func(v float64) bool { return v >= 3500 }, "")
	add("100k x 128, 1 client, ef_search 40: p95", "≤ 0.5 ms", d128, get(func(r *runResult) float64 { return r.P95ms }), "ms", func(v float64) bool { return v <= 0.5 }, "")
	add("100k x 128, 1 client, ef_search 40: recall@10", "≥ 0.95", d128, get(func(r *runResult) float64 { return r.Recall }), "", func(v float64) bool { return v >= 0.95 }, "")

	// At D=512: the lowest measured ef_search whose recall reaches 0.95.
	r = nil
	note := ""
	if d512 != nil {
		for _, x := range d512.Runs {
			if x.Clients == 1 && x.Recall >= 0.95 && (r == nil || x.EfSearch < r.EfSearch) {
				r = x
			}
		}
		if r != nil {
			note = fmt.Sprintf("ef_search %d", r.EfSearch)
		} else {
			note = "no measured ef_search reached recall 0.95"
		}
	}
	qps, p95 := neg, neg
	if r != nil {
		qps, p95 = r.QPS, r.P95ms
	}
	if d512 != nil && r == nil && d512.N == rep.targetN {
		rep.Targets = append(rep.Targets,
			targetResult{Name: "100k x 512, 1 client, lowest ef_search with recall ≥ 0.95: QPS", Want: "≥ 2000", Got: "-", Status: "fail", Note: note},
			targetResult{Name: "100k x 512, 1 client, lowest ef_search with recall ≥ 0.95: p95", Want: "≤ 0.8 ms", Got: "-", Status: "fail", Note: note})
	} else {
		add("100k x 512, 1 client, lowest ef_search with recall ≥ 0.95: QPS", "≥ 2000", d512, qps, "qps", func(v float64) bool { return v >= 2000 }, note)
		add("100k x 512, 1 client, lowest ef_search with recall ≥ 0.95: p95", "≤ 0.8 ms", d512, p95, "ms", func(v float64) bool { return v <= 0.8 }, note)
	}

	li := func(ds *datasetResult) float64 {
		if ds == nil {
			return neg
		}
		return ds.LoadPlusIndexSeconds
	}
	add("load + index of 100k x 128", "≤ 8 s", d128, li(d128), "s", func(v float64) bool { return v <= 8 }, "")
	add("load + index of 100k x 512", "≤ 15 s", d512, li(d512), "s", func(v float64) bool { return v <= 15 }, "")

	ex := neg
	if d512 != nil && d512.ExactScan != nil {
		ex = d512.ExactScan.P50ms
	}
	add("exact scan (no index) of 100k x 512: p50", "≤ 10 ms", d512, ex, "ms", func(v float64) bool { return v <= 10 }, "")

	ratio := neg
	memNote := ""
	if d512 != nil && d512.MemoryEnd != nil && d512.RawVectorBytes > 0 {
		ratio = float64(d512.MemoryEnd.RSS) / float64(d512.RawVectorBytes)
		memNote = fmt.Sprintf("VmRSS %s, VmHWM %s, raw vectors %s", mib(d512.MemoryEnd.RSS), mib(d512.MemoryEnd.HWM), mib(d512.RawVectorBytes))
	}
	add("resident memory for 100k x 512 / raw vector bytes", "< 1.5x", d512, ratio, "x", func(v float64) bool { return v < 1.5 }, memNote)
}

func (rep *report) failed() bool {
	for _, t := range rep.Targets {
		if t.Status == "fail" {
			return true
		}
	}
	return false
}

func fmtUnit(v float64, unit string) string {
	switch unit {
	case "qps":
		return fmt.Sprintf("%.0f QPS", v)
	case "ms":
		return fmt.Sprintf("%.3f ms", v)
	case "s":
		return fmt.Sprintf("%.2f s", v)
	case "x":
		return fmt.Sprintf("%.2fx", v)
	}
	return fmt.Sprintf("%.4f", v)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func (rep *report) print(w io.Writer) {
	fmt.Fprintf(w, "\nAkiDB vector benchmark, %s, %d CPUs; pgvector = PostgreSQL 15.20 + pgvector 0.8.6 on the same kind of machine (100k rows)\n",
		rep.Started.Format(time.RFC3339), runtime.NumCPU())
	for _, ds := range rep.Datasets {
		ref := refFor(ds.D)
		fmt.Fprintf(w, "\n== %s  N=%d  D=%d  cosine  HNSW m=%d ef_construction=%d  (%d queries, recall@%d)\n",
			ds.Name, ds.N, ds.D, ds.M, ds.EfConstruction, ds.Queries, ds.K)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\tmeasured\tpgvector\t")
		refStr := func(f func(*pgvRef) string) string {
			if ref == nil {
				return "-"
			}
			return f(ref)
		}
		fmt.Fprintf(tw, "load (COPY, binary)\t%.0f rows/s (%.2f s)\t%s\t\n", ds.LoadRowsPerSec, ds.LoadSeconds,
			refStr(func(r *pgvRef) string { return fmt.Sprintf("~%.0f rows/s", r.LoadRowsPerSec) }))
		fmt.Fprintf(tw, "index build\t%.2f s\t%s\t\n", ds.IndexSeconds, refStr(func(r *pgvRef) string { return fmt.Sprintf("~%.0f s", r.IndexSeconds) }))
		fmt.Fprintf(tw, "load + index\t%.2f s\t%s\t\n", ds.LoadPlusIndexSeconds,
			refStr(func(r *pgvRef) string { return fmt.Sprintf("~%.0f s", float64(r.N)/r.LoadRowsPerSec+r.IndexSeconds) }))
		if e := ds.ExactScan; e != nil {
			fmt.Fprintf(tw, "exact scan, no index (p50 / p95)\t%.2f / %.2f ms (recall %.3f)\t%s\t\n", e.P50ms, e.P95ms, e.Recall,
				refStr(func(r *pgvRef) string {
					if r.ExactScanP95ms == 0 {
						return "-"
					}
					return fmt.Sprintf("p95 ~%.0f ms", r.ExactScanP95ms)
				}))
		}
		if m := ds.MemoryEnd; m != nil {
			fmt.Fprintf(tw, "resident memory (VmRSS / VmHWM)\t%s / %s (%.2fx raw vectors of %s)\t-\t\n", mib(m.RSS), mib(m.HWM),
				float64(m.RSS)/float64(ds.RawVectorBytes), mib(ds.RawVectorBytes))
		}
		tw.Flush()
		fmt.Fprintln(w)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "ef_search\tclients\tQPS\tp50 ms\tp95 ms\tp99 ms\trecall@10\t\tpgvector QPS\tp95 ms\trecall@10\t")
		for _, r := range ds.Runs {
			p := ref.run(r.EfSearch, r.Clients)
			pq, pp, pr := "-", "-", "-"
			if p != nil {
				pq, pp, pr = fmt.Sprintf("~%.0f", p.QPS), fmt.Sprintf("%.1f", p.P95ms), fmt.Sprintf("%.2f", p.Recall)
			}
			fmt.Fprintf(tw, "%d\t%d\t%.0f\t%.3f\t%.3f\t%.3f\t%.4f\t\t%s\t%s\t%s\t\n", r.EfSearch, r.Clients, r.QPS, r.P50ms, r.P95ms, r.P99ms, r.Recall, pq, pp, pr)
		}
		tw.Flush()
	}
	fmt.Fprintln(w, "\nTargets")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, t := range rep.Targets {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", strings.ToUpper(t.Status), t.Name, t.Want, t.Got, t.Note)
	}
	tw.Flush()
}

// write stores the report as JSON in dir, under a timestamped name and as
// latest.json.
func (rep *report) write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return "", err
	}
	b = append(b, '\n')
	path := filepath.Join(dir, "bench-"+rep.Started.Format("20060102-150405")+".json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), b, 0o644); err != nil {
		return "", err
	}
	return path, nil
}
