package e2e

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestConcurrentMixedWorkload runs 32 connections doing INSERT, UPDATE and
// SELECT at once for a few seconds. No statement may fail (autocommit
// writes that conflict are re-run by the server), and afterwards the row
// count and the counter sums match what the clients were told succeeded.
func TestConcurrentMixedWorkload(t *testing.T) {
	addr := testAddr(t)
	setup := connect(t, addr)
	mustExec(t, setup,
		"DROP TABLE IF EXISTS cc_counters",
		"DROP TABLE IF EXISTS cc_events",
		"CREATE TABLE cc_counters (id int PRIMARY KEY, n bigint NOT NULL DEFAULT 0)",
		"CREATE TABLE cc_events (id bigserial PRIMARY KEY, worker int NOT NULL, note text)",
	)
	const counters = 16
	for i := 0; i < counters; i++ {
		mustExec(t, setup, fmt.Sprintf("INSERT INTO cc_counters (id) VALUES (%d)", i))
	}

	const workers = 32
	duration := 3 * time.Second
	if testing.Short() {
		duration = time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()
	var inserts, updates, selects atomic.Int64
	perCounter := make([]atomic.Int64, counters)
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		conn := connect(t, addr)
		wg.Add(1)
		go func(w int, conn *pgx.Conn) {
			defer wg.Done()
			// Statements use a context of their own: the deadline only
			// ends the loop, it never cancels a statement half way.
			stmtCtx := context.Background()
			for i := 0; ctx.Err() == nil; i++ {
				var err error
				switch i % 3 {
				case 0:
					_, err = conn.Exec(stmtCtx, "INSERT INTO cc_events (worker, note) VALUES ($1, $2)", w, fmt.Sprintf("w%d-%d", w, i))
					if err == nil {
						inserts.Add(1)
					}
				case 1:
					id := (w + i) % counters
					var tag string
					ct, e := conn.Exec(stmtCtx, "UPDATE cc_counters SET n = n + 1 WHERE id = $1", id)
					err, tag = e, ct.String()
					if err == nil {
						if tag != "UPDATE 1" {
							err = fmt.Errorf("update tag %q, want UPDATE 1", tag)
						} else {
							updates.Add(1)
							perCounter[id].Add(1)
						}
					}
				case 2:
					var n int64
					err = conn.QueryRow(stmtCtx, "SELECT count(*) FROM cc_events WHERE worker = $1", w).Scan(&n)
					if err == nil {
						selects.Add(1)
					}
				}
				if err != nil {
					errs <- fmt.Errorf("worker %d op %d: %w", w, i, err)
					return
				}
			}
		}(w, conn)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	var rows, sum int64
	if err := setup.QueryRow(ctxT(t), "SELECT count(*) FROM cc_events").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if err := setup.QueryRow(ctxT(t), "SELECT sum(n) FROM cc_counters").Scan(&sum); err != nil {
		t.Fatal(err)
	}
	if rows != inserts.Load() {
		t.Errorf("cc_events has %d rows, clients inserted %d", rows, inserts.Load())
	}
	if sum != updates.Load() {
		t.Errorf("sum of counters %d, clients updated %d times", sum, updates.Load())
	}
	for id := 0; id < counters; id++ {
		var n int64
		if err := setup.QueryRow(ctxT(t), "SELECT n FROM cc_counters WHERE id = $1", id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != perCounter[id].Load() {
			t.Errorf("counter %d = %d, want %d", id, n, perCounter[id].Load())
		}
	}
	t.Logf("%d inserts, %d updates, %d selects from %d connections", inserts.Load(), updates.Load(), selects.Load(), workers)
	if inserts.Load() == 0 || updates.Load() == 0 || selects.Load() == 0 {
		t.Error("some kind of statement never ran")
	}
}
