package tiering

import (
	"slices"
	"testing"
	"time"
)

// Tiers, pins and policy overrides are durable: a new server on the same
// data directory and bucket finds a WARM collection WARM, a COLD one COLD
// (restored by its first query), a pinned one pinned, and a collection's
// own hot_ttl still in force.
func TestRestartKeepsTiersPinsAndPolicies(t *testing.T) {
	e := newEnv(t, options{})
	conn := e.conn(t)
	sets := map[string]*dataset{}
	for i, name := range []string{"hot", "warm", "cold", "pinned", "short"} {
		sets[name] = clustered(800, 64, 8, uint64(40+i))
		load(t, conn, name, sets[name])
	}
	qs := sets["cold"].queries(4)
	before := searchAll(t, conn, "cold", qs, 10)
	exec(t, conn,
		"ALTER COLLECTION warm SET TIER WARM",
		"ALTER COLLECTION cold SET TIER COLD",
		"ALTER COLLECTION pinned PIN",
		"ALTER COLLECTION short SET (hot_ttl = '30 min', promote_after = 3)",
	)
	coldSnap := snapshots(t, conn, "cold")
	if len(coldSnap) != 1 {
		t.Fatalf("snapshots of cold: %+v", coldSnap)
	}

	e.restart()
	conn = e.conn(t)
	wantTier(t, conn, "hot", "HOT")
	wantTier(t, conn, "warm", "WARM")
	wantTier(t, conn, "short", "HOT")
	c := info(t, conn, "cold")
	if c.tier != "COLD" || c.rows != 0 || c.objectSize <= 0 {
		t.Fatalf("cold after the restart: %+v", c)
	}
	if p := info(t, conn, "pinned"); !p.pinned || p.tier != "HOT" {
		t.Fatalf("pinned after the restart: %+v", p)
	}
	if w := info(t, conn, "warm"); w.rows != int64(len(sets["warm"].vecs)) {
		t.Errorf("warm after the restart: %+v", w)
	}
	if s := snapshots(t, conn, "cold"); len(s) != 1 || s[0].id != coldSnap[0].id {
		t.Errorf("snapshots of cold after the restart: %+v, want %+v", s, coldSnap)
	}

	// Behaviour: 31 minutes idle demote only the collection with
	// hot_ttl = 30 min.
	e.clock.Advance(31 * time.Minute)
	moves := e.cycle()
	if len(moves) != 1 {
		t.Fatalf("cycle 31 min later: %+v, want only short to move", moves)
	}
	wantTier(t, conn, "short", "WARM")
	wantTier(t, conn, "hot", "HOT")
	// promote_after = 3 is in force too.
	for _, q := range sets["short"].queries(3) {
		search(t, conn, "short", q, 5)
	}
	e.cycle()
	wantTier(t, conn, "short", "HOT")

	// The pin holds across the restart: far ahead, everything unpinned
	// goes down, the pinned collection stays.
	e.clock.Advance(30 * 24 * time.Hour)
	e.cycle()
	wantTier(t, conn, "pinned", "HOT")
	wantTier(t, conn, "hot", "WARM")
	wantTier(t, conn, "warm", "COLD")

	// The COLD collection restores on its first query, with its data.
	got := searchAll(t, conn, "cold", qs, 10)
	if !slices.EqualFunc(got, before, slices.Equal) {
		t.Errorf("cold's answers after the restart and restore:\n%v\nbefore\n%v", got, before)
	}
	wantTier(t, conn, "cold", "WARM")
	for name, d := range sets {
		sameContents(t, name+" after the restart", contents(t, conn, name), datasetRows(name, d))
	}

	// And once more: states written by the second server survive a third.
	e.restart()
	conn = e.conn(t)
	// (warm went COLD in the 30-day cycle and came back with the reads.)
	for name, want := range map[string]string{"pinned": "HOT", "hot": "WARM", "short": "WARM", "cold": "WARM", "warm": "WARM"} {
		wantTier(t, conn, name, want)
	}
	if p := info(t, conn, "pinned"); !p.pinned {
		t.Errorf("pinned after the second restart: %+v", p)
	}
	for name, d := range sets {
		sameContents(t, name+" after the second restart", contents(t, conn, name), datasetRows(name, d))
	}
}
