package tiering

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// Default policy of DESIGN.md: HOT -> WARM after 6h idle, WARM -> COLD
// after 7 days idle, WARM -> HOT after 10 accesses within an hour.
const (
	hotTTL  = 6 * time.Hour
	warmTTL = 7 * 24 * time.Hour
)

// The whole automatic path on 10k x 512: loaded HOT; the worker demotes it
// to WARM and then to COLD, with exactly one snapshot in the bucket and
// nothing left locally; a search restores it to WARM and answers as before
// with the vectors as inserted.
func TestFullWorkflow(t *testing.T) {
	e := newEnv(t, options{})
	conn := e.conn(t)
	d := clustered(10000, 512, 20, 1)
	start := time.Now()
	load(t, conn, "docs", d)
	t.Logf("loaded %d x %d in %v", len(d.vecs), d.dims, time.Since(start).Round(time.Millisecond))

	hot := info(t, conn, "docs")
	if hot.tier != "HOT" || hot.rows != int64(len(d.vecs)) || hot.ram <= 0 {
		t.Fatalf("after the load: %+v, want HOT with %d rows in RAM", hot, len(d.vecs))
	}
	qs := d.queries(8)
	before := make([][]hit, len(qs))
	for i, q := range qs {
		before[i] = search(t, conn, "docs", q, 10)
		checkHits(t, d, before[i])
		if r := recall(ids(before[i]), exactTopK(d, q, 10)); r < 0.8 {
			t.Errorf("query %d: recall@10 %.2f while HOT", i, r)
		}
	}

	// Not yet idle long enough: nothing moves.
	e.clock.Advance(hotTTL - time.Minute)
	if moves := e.cycle(); len(moves) != 0 {
		t.Fatalf("cycle before hot_ttl moved %+v", moves)
	}
	wantTier(t, conn, "docs", "HOT")

	e.clock.Advance(2 * time.Minute)
	moves := e.cycle()
	if len(moves) != 1 || moves[0].From.String() != "HOT" || moves[0].To.String() != "WARM" {
		t.Fatalf("cycle after hot_ttl: moves %+v, want one HOT -> WARM", moves)
	}
	warm := info(t, conn, "docs")
	if warm.tier != "WARM" || warm.rows != int64(len(d.vecs)) {
		t.Fatalf("after the first cycle: %+v, want WARM with all rows", warm)
	}
	if warm.ram >= hot.ram/4 {
		t.Errorf("WARM collection holds %d bytes in RAM (HOT held %d): the index did not move to disk", warm.ram, hot.ram)
	}
	if len(e.manifests()) != 0 {
		t.Fatalf("snapshots in the bucket while WARM: %v", e.manifests())
	}

	e.clock.Advance(warmTTL - time.Hour)
	if moves := e.cycle(); len(moves) != 0 {
		t.Fatalf("cycle before warm_ttl moved %+v", moves)
	}
	e.clock.Advance(2 * time.Hour)
	moves = e.cycle()
	if len(moves) != 1 || moves[0].From.String() != "WARM" || moves[0].To.String() != "COLD" {
		t.Fatalf("cycle after warm_ttl: moves %+v, want one WARM -> COLD", moves)
	}

	cold := info(t, conn, "docs")
	t.Logf("akidb.collections while COLD: rows %d, bytes_ram %d, bytes_disk %d (HOT: %d), bytes_object_store %d",
		cold.rows, cold.ram, cold.disk, hot.disk, cold.objectSize)
	if cold.tier != "COLD" {
		t.Fatalf("after warm_ttl: tier %s, want COLD", cold.tier)
	}
	if cold.rows != 0 || cold.ram != 0 {
		t.Errorf("COLD collection: rows %d, bytes_ram %d; want 0 and 0", cold.rows, cold.ram)
	}
	if cold.disk > 1<<20 {
		t.Errorf("COLD collection still uses %d bytes of local disk (HOT used %d)", cold.disk, hot.disk)
	}
	if cold.objectSize <= 0 {
		t.Errorf("COLD collection: bytes_object_store %d", cold.objectSize)
	}
	snaps := snapshots(t, conn, "docs")
	if len(snaps) != 1 {
		t.Fatalf("SHOW SNAPSHOTS FOR COLLECTION docs: %d snapshots, want 1: %+v", len(snaps), snaps)
	}
	if all := snapshots(t, conn, ""); len(all) != 1 {
		t.Fatalf("SHOW SNAPSHOTS: %d snapshots, want 1", len(all))
	}
	s := snaps[0]
	if s.collection != "docs" || s.rows != int64(len(d.vecs)) || s.bytes <= 0 || s.bytes != cold.objectSize {
		t.Errorf("snapshot %+v: want collection docs, %d rows, bytes = bytes_object_store %d", s, len(d.vecs), cold.objectSize)
	}
	mans := e.manifests()
	if len(mans) != 1 {
		t.Fatalf("bucket holds %d manifests, want 1: %v", len(mans), mans)
	}
	if !strings.HasSuffix(s.objectKey, mans[0]) || !strings.Contains(mans[0], "/snapshots/"+s.id+"/") {
		t.Errorf("snapshot object_key %q, bucket manifest %q", s.objectKey, mans[0])
	}
	if !strings.HasPrefix(mans[0], "collections/") {
		t.Errorf("manifest key %q: want collections/<id>/snapshots/<id>/...", mans[0])
	}

	// The first search restores the collection, then answers as before.
	restoreStart := time.Now()
	first := search(t, conn, "docs", qs[0], 10)
	t.Logf("first search on the COLD collection (restore included): %v", time.Since(restoreStart).Round(time.Millisecond))
	wantTier(t, conn, "docs", "WARM")
	for i, q := range qs {
		got := first
		if i > 0 {
			got = search(t, conn, "docs", q, 10)
		}
		if !slices.Equal(ids(got), ids(before[i])) {
			t.Errorf("query %d after the restore: ids %v, before %v", i, ids(got), ids(before[i]))
		}
		checkHits(t, d, got)
	}
	sameContents(t, "docs after the restore", contents(t, conn, "docs"), datasetRows("docs", d))
	restored := info(t, conn, "docs")
	if restored.rows != int64(len(d.vecs)) || restored.disk <= 0 {
		t.Errorf("after the restore: %+v", restored)
	}
	if n := e.restoredLogs(); n != 1 {
		t.Errorf("%d restores logged, want 1", n)
	}
}

// HOT -> WARM -> COLD -> WARM -> HOT: after the restore, promote_after (10)
// accesses within the hour bring the collection back to RAM, and not one
// fewer.
func TestWholeCycle(t *testing.T) {
	e := newEnv(t, options{})
	conn := e.conn(t)
	d := clustered(3000, 256, 20, 2)
	load(t, conn, "docs", d)
	qs := d.queries(10)
	before := searchAll(t, conn, "docs", qs, 10)

	e.clock.Advance(hotTTL + time.Minute)
	e.cycle()
	wantTier(t, conn, "docs", "WARM")
	e.clock.Advance(warmTTL + time.Minute)
	e.cycle()
	wantTier(t, conn, "docs", "COLD")

	// The first search restores (and counts as an access).
	got := search(t, conn, "docs", qs[0], 10)
	wantTier(t, conn, "docs", "WARM")
	if !slices.Equal(ids(got), before[0]) {
		t.Errorf("query 0 after the restore: %v, before %v", ids(got), before[0])
	}
	for i := 1; i < 9; i++ {
		e.clock.Advance(time.Minute)
		if g := ids(search(t, conn, "docs", qs[i], 10)); !slices.Equal(g, before[i]) {
			t.Errorf("query %d after the restore: %v, before %v", i, g, before[i])
		}
	}
	if c := info(t, conn, "docs"); c.accesses != 9 {
		t.Errorf("accesses after 9 searches: %d", c.accesses)
	}
	// Nine accesses within the hour: not promoted yet.
	if moves := e.cycle(); len(moves) != 0 {
		t.Fatalf("cycle after 9 accesses moved %+v", moves)
	}
	wantTier(t, conn, "docs", "WARM")

	e.clock.Advance(time.Minute)
	search(t, conn, "docs", qs[9], 10)
	moves := e.cycle()
	if len(moves) != 1 || moves[0].From.String() != "WARM" || moves[0].To.String() != "HOT" {
		t.Fatalf("cycle after 10 accesses: moves %+v, want one WARM -> HOT", moves)
	}
	c := info(t, conn, "docs")
	if c.tier != "HOT" || c.rows != int64(len(d.vecs)) || c.ram <= 0 {
		t.Fatalf("after the promotion: %+v", c)
	}
	if g := searchAll(t, conn, "docs", qs, 10); !slices.EqualFunc(g, before, slices.Equal) {
		t.Errorf("answers after the round trip differ:\n%v\nbefore\n%v", g, before)
	}
	sameContents(t, "docs after the round trip", contents(t, conn, "docs"), datasetRows("docs", d))
}
