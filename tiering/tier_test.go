package tiering

import (
	"encoding/json"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	p := Policy{HotTTL: time.Hour, WarmTTL: 24 * time.Hour, PromoteAfter: 3, Enabled: true}
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	cases := []struct {
		name string
		s    State
		p    Policy
		now  time.Time
		want Tier
		move bool
	}{
		{"hot, recently used", State{Tier: Hot, LastAccess: at(0), Since: at(0)}, p, at(59 * time.Minute), Hot, false},
		{"hot, idle past hot_ttl", State{Tier: Hot, LastAccess: at(0), Since: at(0)}, p, at(time.Hour), Warm, true},
		{"hot, idle but entered the tier later", State{Tier: Hot, LastAccess: at(0), Since: at(30 * time.Minute)}, p, at(time.Hour), Hot, false},
		{"hot, pinned", State{Tier: Hot, Pinned: true, LastAccess: at(0), Since: at(0)}, p, at(1000 * time.Hour), Hot, false},
		{"warm, idle past warm_ttl", State{Tier: Warm, LastAccess: at(0), Since: at(0)}, p, at(24 * time.Hour), Cold, true},
		{"warm, idle less than warm_ttl", State{Tier: Warm, LastAccess: at(0), Since: at(0)}, p, at(23 * time.Hour), Warm, false},
		{"warm, pinned", State{Tier: Warm, Pinned: true, LastAccess: at(0), Since: at(0)}, p, at(1000 * time.Hour), Warm, false},
		{"warm, promote_after accesses within the hour", State{Tier: Warm, LastAccess: at(50 * time.Minute), Since: at(0),
			Recent: []time.Time{at(10 * time.Minute), at(20 * time.Minute), at(50 * time.Minute)}}, p, at(55 * time.Minute), Hot, true},
		{"warm, accesses older than an hour do not count", State{Tier: Warm, LastAccess: at(50 * time.Minute), Since: at(0),
			Recent: []time.Time{at(0), at(20 * time.Minute), at(50 * time.Minute)}}, p, at(61 * time.Minute), Warm, false},
		{"cold stays cold", State{Tier: Cold, Since: at(0)}, p, at(1000 * time.Hour), Cold, false},
		{"tiering off brings it hot", State{Tier: Warm, Since: at(0)}, Policy{Enabled: false}, at(0), Hot, true},
		{"tiering off keeps it hot", State{Tier: Hot, Since: at(0)}, Policy{HotTTL: time.Second}, at(time.Hour), Hot, false},
	}
	for _, c := range cases {
		got, move := Decide(c.s, c.p, c.now)
		if got != c.want || move != c.move {
			t.Errorf("%s: Decide = %v, %v; want %v, %v", c.name, got, move, c.want, c.move)
		}
	}
}

func TestTouchAndMoved(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var s State
	for i := 0; i < 5; i++ {
		s.touch(t0.Add(time.Duration(i) * 20 * time.Minute))
	}
	if s.Accesses != 5 || len(s.Recent) != 3 || !s.LastAccess.Equal(t0.Add(80*time.Minute)) {
		t.Fatalf("after 5 accesses 20 min apart: accesses %d, recent %d, last %v", s.Accesses, len(s.Recent), s.LastAccess)
	}
	s.moved(Hot, t0.Add(2*time.Hour))
	if s.Accesses != 0 || len(s.Recent) != 0 || s.Tier != Hot {
		t.Fatalf("moved did not reset the counters: %+v", s)
	}
}

func TestParseInterval(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"6h": 6 * time.Hour, "90s": 90 * time.Second, "7d": 7 * 24 * time.Hour, "7 days": 7 * 24 * time.Hour,
		"30 min": 30 * time.Minute, "1 hour 30 minutes": 90 * time.Minute, "2w": 14 * 24 * time.Hour, "1.5h": 90 * time.Minute,
		"500ms": 500 * time.Millisecond,
	} {
		got, err := ParseInterval(in)
		if err != nil || got != want {
			t.Errorf("ParseInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "soon", "5 parsecs", "-1h", "3 days ago"} {
		if _, err := ParseInterval(bad); err == nil {
			t.Errorf("ParseInterval(%q) gave no error", bad)
		}
	}
}

func TestStateJSON(t *testing.T) {
	d := Duration(3 * time.Hour)
	n := 4
	off := false
	s := State{Collection: 7, Tier: Cold, Pinned: true, Snapshot: "x", Overrides: Overrides{HotTTL: &d, PromoteAfter: &n, Enabled: &off}}
	b, err := json.Marshal(&s)
	if err != nil {
		t.Fatal(err)
	}
	var back State
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	p := back.Overrides.Apply(DefaultPolicy())
	if back.Tier != Cold || !back.Pinned || back.Snapshot != "x" || p.HotTTL != 3*time.Hour || p.PromoteAfter != 4 || p.Enabled || p.WarmTTL != DefaultPolicy().WarmTTL {
		t.Fatalf("round trip: %s -> %+v, policy %+v", b, back, p)
	}
}
