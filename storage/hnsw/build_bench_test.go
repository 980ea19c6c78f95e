package hnsw

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/akidb/akidb/storage/vec"
)

// BenchmarkBuild times AddBatch of 100k clustered vectors on 2 workers
// (cosine, m 16, ef_construction 64), one build per op, and reports
// recall@10 at ef_search 40 against an exact scan, the mean latency of a
// search at ef 40 and the index's memory. The data takes a while to make:
// it runs only with AKIDB_HNSW_BUILD_BENCH=1 (AKIDB_HNSW_BUILD_N sets
// another size). cpu-s is the process's CPU time per build: on a busy
// machine it is steadier than the wall time.
//
//	AKIDB_HNSW_BUILD_BENCH=1 go test -run XXX -bench Build -benchtime 1x -count 5 ./storage/hnsw/
func BenchmarkBuild(b *testing.B) {
	if os.Getenv("AKIDB_HNSW_BUILD_BENCH") == "" {
		b.Skip("set AKIDB_HNSW_BUILD_BENCH=1")
	}
	n := 100000
	if s := os.Getenv("AKIDB_HNSW_BUILD_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	nq := 200
	if s := os.Getenv("AKIDB_HNSW_BUILD_Q"); s != "" {
		nq, _ = strconv.Atoi(s)
	}
	for _, d := range []int{128, 512} {
		b.Run(fmt.Sprintf("n=%d/dim=%d", n, d), func(b *testing.B) {
			data, queries := clustered(uint64(d), n, nq, d, 100)
			truth := cosineTruth(data, queries, 10)
			labels := make([]uint64, n)
			for i := range labels {
				labels[i] = uint64(i)
			}
			var x *Index
			runtime.GC()
			var ms0, ms1 runtime.MemStats
			runtime.ReadMemStats(&ms0)
			cpu0 := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				x, _ = New(Config{Dim: d, Metric: Cosine, Seed: 1})
				if err := x.AddBatch(labels, data, 2); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s")
			// The heap the index holds (its searchers' scratch included):
			// measured after a collection, against MemoryBytes' estimate.
			runtime.GC()
			runtime.ReadMemStats(&ms1)
			runtime.KeepAlive(data) // counted in ms0: keep it out of the difference
			b.ReportMetric(float64(int64(ms1.HeapAlloc)-int64(ms0.HeapAlloc))/float64(n*d*4), "heap/raw")
			hits := 0
			for i, q := range queries {
				hits += recallOf(x.Search(q, 10, 40, nil), truth[i])
			}
			// Latency, and CPU time on one locked thread: steadier than
			// the wall time when other processes share the machine.
			const rounds = 5
			runtime.LockOSThread()
			start, tcpu := time.Now(), threadCPUTime()
			for range rounds {
				for _, q := range queries {
					x.Search(q, 10, 40, nil)
				}
			}
			lat := time.Since(start) / time.Duration(rounds*nq)
			scpu := (threadCPUTime() - tcpu) / time.Duration(rounds*nq)
			runtime.UnlockOSThread()
			b.ReportMetric(float64(scpu.Nanoseconds()), "search-cpu-ns")
			hits20 := 0
			for i, q := range queries {
				hits20 += recallOf(x.Search(q, 10, 20, nil), truth[i])
			}
			b.ReportMetric(float64(hits20)/float64(10*nq), "recall@10-ef20")
			b.ReportMetric(float64(hits)/float64(10*nq), "recall@10")
			b.ReportMetric(float64(lat.Nanoseconds()), "search-ns")
			b.ReportMetric(float64(x.MemoryBytes())/float64(n*d*4), "mem/raw")
		})
	}
}

// cosineTruth returns the labels of the k exact cosine neighbours of each
// query.
func cosineTruth(data, queries [][]float32, k int) [][]uint64 {
	d := len(data[0])
	norm := make([]float32, len(data)*d)
	for i, v := range data {
		vec.Normalize(norm[i*d:(i+1)*d], v)
	}
	type p struct {
		d float32
		i int
	}
	ps := make([]p, len(data))
	qn := make([]float32, d)
	out := make([][]uint64, len(queries))
	for qi, q := range queries {
		vec.Normalize(qn, q)
		for i := range data {
			ps[i] = p{-vec.Dot(qn, norm[i*d:(i+1)*d]), i}
		}
		sort.Slice(ps, func(a, b int) bool { return ps[a].d < ps[b].d })
		t := make([]uint64, k)
		for i := range t {
			t[i] = uint64(ps[i].i)
		}
		out[qi] = t
	}
	return out
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func threadCPUTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
