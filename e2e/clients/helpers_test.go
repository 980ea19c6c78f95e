package clients

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/akidb/akidb/server"
)

// againstPostgres reports whether the tests run against an outside
// PostgreSQL (AKIDB_E2E_POSTGRES) rather than an embedded AkiDB.
func againstPostgres() bool { return os.Getenv("AKIDB_E2E_POSTGRES") != "" }

// testAddr is the address of the server a test talks to: a fresh embedded
// AkiDB, or the PostgreSQL named by AKIDB_E2E_POSTGRES.
func testAddr(t testing.TB) string {
	t.Helper()
	if a := os.Getenv("AKIDB_E2E_POSTGRES"); a != "" {
		return a
	}
	e, err := server.StartEmbedded(t.TempDir(), server.Config{})
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Errorf("close server: %v", err)
		}
	})
	return e.Addr()
}

func connString(addr string) string {
	return fmt.Sprintf("postgres://akidb@%s/akidb?sslmode=disable&application_name=clients", addr)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// connect opens a pgx connection that the test closes at its end.
func connect(t testing.TB, addr string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctxT(t), connString(addr))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
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

// dropTables removes tables a previous run left behind on an outside
// PostgreSQL; an embedded server starts empty.
func dropTables(t testing.TB, conn *pgx.Conn, names ...string) {
	t.Helper()
	if !againstPostgres() {
		return
	}
	for _, n := range names {
		mustExec(t, conn, "DROP TABLE IF EXISTS "+n+" CASCADE")
	}
}

// pgErr returns err's *pgconn.PgError or fails.
func pgErr(t testing.TB, err error) *pgconn.PgError {
	t.Helper()
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v (%T), want a PostgreSQL error", err, err)
	}
	return pe
}

// Exact distances, computed as pgvector does: float32 arithmetic per
// element, the result widened to float64.

func l2(a, b []float32) float64 {
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return math.Sqrt(float64(s))
}

func dot(a, b []float32) float64 {
	var s float32
	for i := range a {
		s += a[i] * b[i]
	}
	return float64(s)
}

func cosineDist(a, b []float32) float64 {
	var ab, aa, bb float32
	for i := range a {
		ab += a[i] * b[i]
		aa += a[i] * a[i]
		bb += b[i] * b[i]
	}
	sim := float64(ab) / math.Sqrt(float64(aa)*float64(bb))
	sim = math.Max(-1, math.Min(1, sim))
	return 1 - sim
}

type scored struct {
	id   int64
	dist float64
}

// exactTopK ranks all rows by dist to q and keeps the k nearest.
func exactTopK(rows map[int64][]float32, q []float32, k int, dist func(a, b []float32) float64) []scored {
	all := make([]scored, 0, len(rows))
	for id, v := range rows {
		all = append(all, scored{id, dist(v, q)})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].dist != all[j].dist {
			return all[i].dist < all[j].dist
		}
		return all[i].id < all[j].id
	})
	if len(all) > k {
		all = all[:k]
	}
	return all
}

// checkTopK compares a server's k nearest with the exact answer. Rows at
// equal distance may come in any order, so it checks that the distances
// match rank by rank and that each returned id really is at the distance
// the server gave.
func checkTopK(t testing.TB, what string, got, want []scored, rows map[int64][]float32, q []float32, dist func(a, b []float32) float64) {
	t.Helper()
	const eps = 1e-5
	if len(got) != len(want) {
		t.Errorf("%s: got %d rows %v, want %d %v", what, len(got), got, len(want), want)
		return
	}
	seen := map[int64]bool{}
	for i := range got {
		if seen[got[i].id] {
			t.Errorf("%s: id %d returned twice: %v", what, got[i].id, got)
		}
		seen[got[i].id] = true
		v, ok := rows[got[i].id]
		if !ok {
			t.Errorf("%s: rank %d: unknown id %d", what, i, got[i].id)
			continue
		}
		if d := dist(v, q); math.Abs(d-want[i].dist) > eps*math.Max(1, math.Abs(d)) {
			t.Errorf("%s: rank %d: id %d at distance %g, want id %d at %g\n got  %v\n want %v",
				what, i, got[i].id, d, want[i].id, want[i].dist, got, want)
		}
		if !math.IsNaN(got[i].dist) && math.Abs(got[i].dist-want[i].dist) > eps*math.Max(1, math.Abs(want[i].dist)) {
			t.Errorf("%s: rank %d: server distance %g, want %g", what, i, got[i].dist, want[i].dist)
		}
	}
}
