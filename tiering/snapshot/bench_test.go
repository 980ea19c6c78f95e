package snapshot

import (
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/akidb/akidb/types"
)

var (
	benchOnce sync.Once
	benchVecs [][]float32
)

const (
	benchRows = 100_000
	benchDim  = 512
)

func benchData() [][]float32 {
	benchOnce.Do(func() { benchVecs = clusteredVectors(7, benchRows, benchDim) })
	return benchVecs
}

var benchCols = []Column{
	{Name: "id", Type: types.Int8, NotNull: true},
	{Name: "embedding", Type: types.T{OID: types.VectorOID, Mod: benchDim}},
}

func writeBench(tb testing.TB, path string, vecs [][]float32) FileInfo {
	row := make([]types.Datum, 2)
	i := 0
	info, err := WriteFile(path, benchCols, func() ([]types.Datum, bool, error) {
		if i == len(vecs) {
			return nil, false, nil
		}
		row[0] = types.NewInt(int64(i + 1))
		row[1] = types.NewVector(vecs[i])
		i++
		return row, true, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return info
}

// benchDir is where the benchmarks write: $SNAPSHOT_BENCH_DIR (say, a
// tmpfs, to leave the disk out of the numbers) or a temporary directory.
func benchDir(b *testing.B) string {
	if d := os.Getenv("SNAPSHOT_BENCH_DIR"); d != "" {
		d, err := os.MkdirTemp(d, "snapshot-bench")
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(d) })
		return d
	}
	return b.TempDir()
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// forEncodings runs f with vector columns written both ways.
func forEncodings(b *testing.B, f func(b *testing.B)) {
	defer func(old bool) { vectorEncodingBSS = old }(vectorEncodingBSS)
	for _, bss := range []bool{false, true} {
		name := "plain"
		if bss {
			name = "bss"
		}
		vectorEncodingBSS = bss
		b.Run(name, f)
	}
}

// reportRate reports rows/s of wall time and CPU seconds per operation
// (the machine may be shared, so wall time alone can mislead).
func reportRate(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
}

func BenchmarkWrite100kx512(b *testing.B) {
	vecs := benchData()
	forEncodings(b, func(b *testing.B) {
		path := filepath.Join(benchDir(b), "data.parquet")
		var info FileInfo
		cpu0 := cpuTime()
		b.ResetTimer()
		for b.Loop() {
			info = writeBench(b, path, vecs)
		}
		reportRate(b, cpu0)
		b.ReportMetric(float64(info.Bytes)/(benchRows*benchDim*4), "size/raw")
		b.SetBytes(benchRows * benchDim * 4)
	})
}

func BenchmarkRead100kx512(b *testing.B) {
	vecs := benchData()
	forEncodings(b, func(b *testing.B) {
		path := filepath.Join(benchDir(b), "data.parquet")
		writeBench(b, path, vecs)
		cpu0 := cpuTime()
		b.ResetTimer()
		for b.Loop() {
			var sum float32
			n, err := ReadFile(path, benchCols, func(row []types.Datum) error {
				sum += row[1].Vector()[0]
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			if n != benchRows {
				b.Fatalf("read %d rows", n)
			}
		}
		reportRate(b, cpu0)
		b.SetBytes(benchRows * benchDim * 4)
	})
}
