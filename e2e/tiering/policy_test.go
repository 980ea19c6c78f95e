package tiering

import (
	"fmt"
	"testing"
	"time"
)

// A pinned collection is never demoted by the worker however idle it is;
// once unpinned it is. tiering = off keeps a collection HOT (and brings a
// WARM one back).
func TestPinAndTieringOff(t *testing.T) {
	e := newEnv(t, options{})
	conn := e.conn(t)
	for i, name := range []string{"pinned", "off", "plain", "pinned_warm", "off_warm"} {
		load(t, conn, name, clustered(500, 64, 5, uint64(10+i)))
	}
	exec(t, conn,
		"ALTER COLLECTION pinned PIN",
		"ALTER COLLECTION off SET (tiering = off)",
		"ALTER COLLECTION pinned_warm SET TIER WARM",
		"ALTER COLLECTION pinned_warm PIN",
		"ALTER COLLECTION off_warm SET TIER WARM",
	)
	if c := info(t, conn, "pinned"); !c.pinned {
		t.Fatalf("pinned after PIN: %+v", c)
	}
	if c := info(t, conn, "plain"); c.pinned {
		t.Fatalf("plain is pinned: %+v", c)
	}
	exec(t, conn, "ALTER COLLECTION off_warm SET (tiering = off)")

	// Far into the future, several cycles.
	for range 3 {
		e.clock.Advance(30 * 24 * time.Hour)
		e.cycle()
	}
	wantTier(t, conn, "pinned", "HOT")
	wantTier(t, conn, "pinned_warm", "WARM")
	wantTier(t, conn, "off", "HOT")
	wantTier(t, conn, "off_warm", "HOT")
	wantTier(t, conn, "plain", "COLD")
	if n := len(snapshots(t, conn, "pinned")) + len(snapshots(t, conn, "off")) + len(snapshots(t, conn, "pinned_warm")); n != 0 {
		t.Errorf("%d snapshots of pinned or tiering = off collections", n)
	}

	// UNPIN: the next cycles demote.
	exec(t, conn, "ALTER COLLECTION pinned UNPIN", "ALTER COLLECTION pinned_warm UNPIN")
	if c := info(t, conn, "pinned"); c.pinned {
		t.Fatalf("pinned after UNPIN: %+v", c)
	}
	e.clock.Advance(time.Minute)
	e.cycle()
	wantTier(t, conn, "pinned", "WARM")
	wantTier(t, conn, "pinned_warm", "COLD")
	e.clock.Advance(warmTTL + time.Minute)
	e.cycle()
	wantTier(t, conn, "pinned", "COLD")
	wantTier(t, conn, "off", "HOT")
	wantTier(t, conn, "off_warm", "HOT")

	// tiering = on again: the policy applies.
	exec(t, conn, "ALTER COLLECTION off SET (tiering = on)")
	e.clock.Advance(time.Minute)
	e.cycle()
	wantTier(t, conn, "off", "WARM")
}

// Manual moves and promotions reset the access counters; one worker cycle
// can demote some collections and promote others.
func TestAccessCountersAndMixedCycle(t *testing.T) {
	e := newEnv(t, options{parallel: 3})
	conn := e.conn(t)
	d := clustered(800, 64, 8, 20)
	load(t, conn, "counted", d)
	q := d.queries(1)[0]

	// The COPY that loaded it was the first access.
	if c := info(t, conn, "counted"); c.accesses != 1 {
		t.Fatalf("accesses after the COPY: %d, want 1", c.accesses)
	}
	for range 5 {
		search(t, conn, "counted", q, 5)
	}
	if c := info(t, conn, "counted"); c.accesses != 6 {
		t.Fatalf("accesses after the COPY and 5 searches: %d, want 6", c.accesses)
	}
	exec(t, conn, "ALTER COLLECTION counted SET TIER WARM")
	if c := info(t, conn, "counted"); c.tier != "WARM" || c.accesses != 0 {
		t.Fatalf("after SET TIER WARM: %+v, want WARM with 0 accesses", c)
	}
	for range 3 {
		search(t, conn, "counted", q, 5)
	}
	// A manual SET TIER to the tier it is in still resets the counters.
	exec(t, conn, "ALTER COLLECTION counted SET TIER WARM")
	if c := info(t, conn, "counted"); c.accesses != 0 {
		t.Fatalf("accesses after SET TIER WARM on a WARM collection: %d, want 0", c.accesses)
	}
	for range 10 {
		search(t, conn, "counted", q, 5)
	}
	if c := info(t, conn, "counted"); c.accesses != 10 {
		t.Fatalf("accesses after 10 searches: %d", c.accesses)
	}
	moves := e.cycle()
	if len(moves) != 1 || moves[0].To.String() != "HOT" {
		t.Fatalf("cycle after 10 accesses: %+v, want a promotion", moves)
	}
	if c := info(t, conn, "counted"); c.tier != "HOT" || c.accesses != 0 {
		t.Fatalf("after the promotion: %+v, want HOT with 0 accesses", c)
	}
	search(t, conn, "counted", q, 5)
	exec(t, conn, "ALTER COLLECTION counted SET TIER HOT")
	if c := info(t, conn, "counted"); c.accesses != 0 {
		t.Fatalf("accesses after SET TIER HOT: %d, want 0", c.accesses)
	}

	// Three idle HOT collections and three busy WARM ones: one cycle
	// demotes the first three and promotes the others.
	idle := []string{"idle0", "idle1", "idle2"}
	busy := []string{"busy0", "busy1", "busy2"}
	sets := map[string]*dataset{}
	for i, name := range append(append([]string{}, idle...), busy...) {
		sets[name] = clustered(600, 64, 6, uint64(30+i))
		load(t, conn, name, sets[name])
	}
	for _, name := range busy {
		exec(t, conn, "ALTER COLLECTION "+name+" SET TIER WARM")
	}
	e.clock.Advance(hotTTL + time.Minute)
	search(t, conn, "counted", q, 5) // keep it out of the cycle
	for _, name := range busy {
		for _, q := range sets[name].queries(10) {
			search(t, conn, name, q, 5)
		}
	}
	moves = e.cycle()
	var down, up int
	for _, m := range moves {
		switch {
		case m.From.String() == "HOT" && m.To.String() == "WARM":
			down++
		case m.From.String() == "WARM" && m.To.String() == "HOT":
			up++
		default:
			t.Errorf("unexpected move %+v", m)
		}
	}
	if len(moves) != 6 || down != 3 || up != 3 {
		t.Fatalf("mixed cycle: %d moves (%d down, %d up), want 3 demotions and 3 promotions: %+v", len(moves), down, up, moves)
	}
	for _, name := range idle {
		wantTier(t, conn, name, "WARM")
	}
	for _, name := range busy {
		if c := info(t, conn, name); c.tier != "HOT" || c.accesses != 0 {
			t.Errorf("%s after the promotion: %+v, want HOT with 0 accesses", name, c)
		}
	}
	wantTier(t, conn, "counted", "HOT")
	for name, d := range sets {
		sameContents(t, fmt.Sprintf("%s after the mixed cycle", name), contents(t, conn, name), datasetRows(name, d))
	}
}
