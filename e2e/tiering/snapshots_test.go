package tiering

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
)

// ALTER COLLECTION ... SET TIER COLD snapshots the collection; SET TIER HOT
// brings it back into RAM, and searches work.
func TestManualSetTier(t *testing.T) {
	e := newEnv(t, options{})
	conn := e.conn(t)
	d := clustered(2000, 128, 20, 4)
	load(t, conn, "docs", d)
	qs := d.queries(5)
	before := searchAll(t, conn, "docs", qs, 10)

	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	c := info(t, conn, "docs")
	if c.tier != "COLD" || c.rows != 0 || c.ram != 0 || c.objectSize <= 0 {
		t.Fatalf("after SET TIER COLD: %+v", c)
	}
	snaps := snapshots(t, conn, "docs")
	if len(snaps) != 1 || snaps[0].rows != int64(len(d.vecs)) {
		t.Fatalf("SHOW SNAPSHOTS FOR COLLECTION docs after SET TIER COLD: %+v, want one of %d rows", snaps, len(d.vecs))
	}
	if m := e.manifests(); len(m) != 1 {
		t.Fatalf("bucket manifests: %v", m)
	}
	// The snapshot holding a COLD collection cannot be dropped.
	_, err := conn.Exec(ctxT(t), fmt.Sprintf("DROP SNAPSHOT '%s'", snaps[0].id), pgx.QueryExecModeSimpleProtocol)
	if err == nil {
		t.Fatal("DROP SNAPSHOT of the snapshot holding a COLD collection succeeded")
	}
	if pe := pgError(t, err); pe.Code != "55006" {
		t.Errorf("DROP SNAPSHOT of a COLD collection's snapshot: %s %s, want 55006", pe.Code, pe.Message)
	}

	exec(t, conn, "ALTER COLLECTION docs SET TIER HOT")
	c = info(t, conn, "docs")
	if c.tier != "HOT" || c.rows != int64(len(d.vecs)) || c.ram <= 0 {
		t.Fatalf("after SET TIER HOT: %+v", c)
	}
	if g := searchAll(t, conn, "docs", qs, 10); !slices.EqualFunc(g, before, slices.Equal) {
		t.Errorf("answers after COLD -> HOT:\n%v\nbefore\n%v", g, before)
	}
	for _, q := range qs {
		checkHits(t, d, search(t, conn, "docs", q, 10))
	}
	// Writes work on the promoted collection and are found.
	v := d.queries(1)[0]
	if _, err := conn.Exec(ctxT(t), "INSERT INTO docs (id, body, embedding) VALUES ($1, $2, $3)", int64(999999), "new", pgvector.NewVector(v)); err != nil {
		t.Fatal(err)
	}
	if h := search(t, conn, "docs", v, 1); len(h) != 1 || h[0].id != 999999 {
		t.Errorf("search for the new row after COLD -> HOT: %v", ids(h))
	}
	// The snapshot stays in the bucket (it can be restored later).
	if s := snapshots(t, conn, "docs"); len(s) != 1 {
		t.Errorf("snapshots after SET TIER HOT: %+v", s)
	}

	// Searches running while the collection goes COLD and comes back
	// wait rather than fail, and answer as before.
	reader := e.conn(t)
	stop := make(chan struct{})
	done := make(chan error, 1)
	var searches int
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			hits, err := trySearch(ctxT(t), reader, "docs", qs[i%len(qs)], 10)
			if err != nil {
				done <- fmt.Errorf("search %d during the moves: %v", i, err)
				return
			}
			if !slices.Equal(ids(hits), before[i%len(qs)]) {
				done <- fmt.Errorf("search %d during the moves: %v, want %v", i, ids(hits), before[i%len(qs)])
				return
			}
			searches++
		}
	}()
	for range 2 {
		time.Sleep(200 * time.Millisecond)
		exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
		time.Sleep(200 * time.Millisecond)
		exec(t, conn, "ALTER COLLECTION docs SET TIER HOT")
	}
	close(stop)
	if err := <-done; err != nil {
		t.Error(err)
	}
	t.Logf("%d searches ran during two COLD and back round trips", searches)

	// A write to a COLD collection restores it first and is kept.
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	w := d.queries(1)[0]
	if _, err := conn.Exec(ctxT(t), "INSERT INTO docs (id, body, embedding) VALUES ($1, $2, $3)", int64(1000000), "written while COLD", pgvector.NewVector(w)); err != nil {
		t.Fatalf("INSERT into a COLD collection: %v", err)
	}
	wantTier(t, conn, "docs", "WARM")
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	if n := count(t, conn, "docs"); n != int64(len(d.vecs))+2 {
		t.Errorf("count after the write while COLD and another round trip: %d, want %d", n, len(d.vecs)+2)
	}
	if h := search(t, conn, "docs", w, 1); len(h) != 1 || h[0].id != 1000000 {
		t.Errorf("search for the row written while COLD: %v", ids(h))
	}
}

// Manual and automatic snapshots are listed together, newest first; DROP
// SNAPSHOT removes a snapshot's objects; RESTORE COLLECTION ... FROM
// SNAPSHOT gives back exactly the rows of that snapshot.
func TestSnapshots(t *testing.T) {
	e := newEnv(t, options{})
	conn := e.conn(t)
	d := clustered(1500, 96, 10, 5)
	load(t, conn, "docs", d)
	load(t, conn, "other", clustered(300, 96, 3, 6))
	if s := snapshots(t, conn, "docs"); len(s) != 0 {
		t.Fatalf("snapshots of a new collection: %+v", s)
	}

	// A manual snapshot and one from a demotion.
	manual := createSnapshot(t, conn, "docs")
	wantTier(t, conn, "docs", "HOT")
	e.clock.Advance(time.Minute)
	exec(t, conn, "ALTER COLLECTION docs SET TIER COLD")
	snaps := snapshots(t, conn, "docs")
	if len(snaps) != 2 {
		t.Fatalf("after a manual snapshot and a demotion: %d snapshots, want 2: %+v", len(snaps), snaps)
	}
	if snaps[1].id != manual || snaps[0].id == manual {
		t.Errorf("snapshots %s, %s: want the demotion's first, then the manual %s", snaps[0].id, snaps[1].id, manual)
	}
	if n := len(e.manifests()); n != 2 {
		t.Errorf("bucket holds %d manifests, want 2", n)
	}
	// CREATE SNAPSHOT of a COLD collection restores it first.
	e.clock.Advance(time.Minute)
	third := createSnapshot(t, conn, "docs")
	wantTier(t, conn, "docs", "WARM")

	// Five in all, listed newest first.
	for range 2 {
		e.clock.Advance(time.Minute)
		createSnapshot(t, conn, "docs")
	}
	snaps = snapshots(t, conn, "docs")
	if len(snaps) != 5 {
		t.Fatalf("%d snapshots, want 5: %+v", len(snaps), snaps)
	}
	for i := 1; i < len(snaps); i++ {
		if !snaps[i-1].createdAt.After(snaps[i].createdAt) {
			t.Errorf("snapshot %d created %v, snapshot %d created %v: not newest first", i-1, snaps[i-1].createdAt, i, snaps[i].createdAt)
		}
	}
	if want := epoch.Add(4 * time.Minute); !snaps[0].createdAt.Equal(want) {
		t.Errorf("newest snapshot created_at %v, want the server clock's %v", snaps[0].createdAt, want)
	}
	for _, s := range snaps {
		if s.collection != "docs" || s.rows != int64(len(d.vecs)) || s.bytes <= 0 || !strings.Contains(s.objectKey, s.id) {
			t.Errorf("snapshot row %+v", s)
		}
	}
	// akidb.snapshots and SHOW SNAPSHOTS list the other collection's too.
	createSnapshot(t, conn, "other")
	var nAll, nDocs int
	if err := conn.QueryRow(ctxT(t), "SELECT count(*), count(*) FILTER (WHERE collection = 'docs') FROM akidb.snapshots").Scan(&nAll, &nDocs); err != nil {
		t.Fatal(err)
	}
	if nAll != 6 || nDocs != 5 || len(snapshots(t, conn, "")) != 6 {
		t.Errorf("akidb.snapshots: %d rows, %d of docs; want 6 and 5", nAll, nDocs)
	}

	// DROP SNAPSHOT removes the objects from the bucket.
	if len(e.keysOf(manual)) < 2 {
		t.Fatalf("objects of snapshot %s: %v", manual, e.keysOf(manual))
	}
	exec(t, conn, fmt.Sprintf("DROP SNAPSHOT '%s'", manual))
	if k := e.keysOf(manual); len(k) != 0 {
		t.Errorf("objects of dropped snapshot %s still in the bucket: %v", manual, k)
	}
	snaps = snapshots(t, conn, "docs")
	if len(snaps) != 4 || slices.ContainsFunc(snaps, func(s snap) bool { return s.id == manual }) {
		t.Errorf("snapshots after DROP SNAPSHOT: %+v", snaps)
	}
	_, err := conn.Exec(ctxT(t), fmt.Sprintf("DROP SNAPSHOT '%s'", manual), pgx.QueryExecModeSimpleProtocol)
	if err == nil || pgError(t, err).Code != "42704" {
		t.Errorf("DROP SNAPSHOT of a dropped snapshot: %v, want 42704", err)
	}

	// RESTORE ... FROM SNAPSHOT: change the rows after snapshot third,
	// restore it, and find exactly its rows.
	at := contents(t, conn, "docs")
	sameContents(t, "docs at the snapshot", at, datasetRows("docs", d))
	extra := clustered(200, 96, 4, 9)
	for i, v := range extra.vecs {
		if _, err := conn.Exec(ctxT(t), "INSERT INTO docs (id, body, embedding) VALUES ($1, $2, $3)", int64(100000+i), "added later", pgvector.NewVector(v)); err != nil {
			t.Fatal(err)
		}
	}
	exec(t, conn,
		"DELETE FROM docs WHERE id <= 300",
		"UPDATE docs SET body = 'changed' WHERE id BETWEEN 301 AND 400",
	)
	if n := count(t, conn, "docs"); n != int64(len(d.vecs))-300+200 {
		t.Fatalf("count after the changes: %d", n)
	}
	exec(t, conn, fmt.Sprintf("RESTORE COLLECTION docs FROM SNAPSHOT '%s'", third))
	wantTier(t, conn, "docs", "WARM")
	sameContents(t, "docs after RESTORE FROM SNAPSHOT", contents(t, conn, "docs"), at)
	if n := count(t, conn, "docs"); n != int64(len(d.vecs)) {
		t.Errorf("count after the restore: %d, want %d", n, len(d.vecs))
	}
	// The index agrees with the rows: old vectors are found, the added
	// ones are gone, and new writes are searchable.
	for _, id := range []int64{1, 150, 350, 1500} {
		h := search(t, conn, "docs", d.vecs[id-1], 1)
		if len(h) != 1 || h[0].id != id {
			t.Errorf("search for row %d after the restore: %v", id, ids(h))
		}
	}
	if h := search(t, conn, "docs", extra.vecs[0], 5); slices.ContainsFunc(h, func(x hit) bool { return x.id >= 100000 }) {
		t.Errorf("rows added after the snapshot found after the restore: %v", ids(h))
	}
	if _, err := conn.Exec(ctxT(t), "INSERT INTO docs (id, body, embedding) VALUES ($1, $2, $3)", int64(200000), "after restore", pgvector.NewVector(extra.vecs[1])); err != nil {
		t.Fatal(err)
	}
	if h := search(t, conn, "docs", extra.vecs[1], 1); len(h) != 1 || h[0].id != 200000 {
		t.Errorf("search for a row written after the restore: %v", ids(h))
	}
	want := maps.Clone(at)
	want[200000] = row{body: "after restore", vec: extra.vecs[1]}
	sameContents(t, "docs after a write following the restore", contents(t, conn, "docs"), want)

	// Bad statements fail cleanly.
	for stmt, code := range map[string]string{
		"RESTORE COLLECTION docs FROM SNAPSHOT 'no-such-snapshot'": "42704",
		"CREATE SNAPSHOT FOR COLLECTION missing":                   "42P01",
		"ALTER COLLECTION docs SET TIER LUKEWARM":                  "22023",
	} {
		_, err := conn.Exec(context.Background(), stmt, pgx.QueryExecModeSimpleProtocol)
		if err == nil || pgError(t, err).Code != code {
			t.Errorf("%s: %v, want SQLSTATE %s", stmt, err, code)
		}
	}
}
