package tiering

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Tier is where a collection's data and index are.
type Tier uint8

const (
	// Hot: rows in Pebble, HNSW graph in RAM.
	Hot Tier = iota
	// Warm: rows in Pebble, graph and vectors on local disk, mapped.
	Warm
	// Cold: rows and graph in a snapshot in the object store; nothing local
	// but the catalog entry.
	Cold
)

func (t Tier) String() string {
	switch t {
	case Hot:
		return "HOT"
	case Warm:
		return "WARM"
	case Cold:
		return "COLD"
	}
	return fmt.Sprintf("Tier(%d)", t)
}

// ParseTier reads HOT, WARM or COLD in any case.
func ParseTier(s string) (Tier, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "HOT":
		return Hot, true
	case "WARM":
		return Warm, true
	case "COLD":
		return Cold, true
	}
	return 0, false
}

func (t Tier) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

func (t *Tier) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, ok := ParseTier(s)
	if !ok {
		return fmt.Errorf("tiering: unknown tier %q", s)
	}
	*t = v
	return nil
}

// Policy is the tiering policy in force for one collection: the server's
// defaults with the collection's overrides applied.
type Policy struct {
	HotTTL       time.Duration // HOT -> WARM after this long without access
	WarmTTL      time.Duration // WARM -> COLD after this long without access
	PromoteAfter int           // WARM -> HOT after this many accesses within an hour
	Enabled      bool          // tiering = off keeps the collection HOT
}

// DefaultPolicy is the server default of DESIGN.md.
func DefaultPolicy() Policy {
	return Policy{HotTTL: 6 * time.Hour, WarmTTL: 7 * 24 * time.Hour, PromoteAfter: 10, Enabled: true}
}

// Overrides are a collection's own policy settings (ALTER COLLECTION ...
// SET (...)); nil fields take the server default.
type Overrides struct {
	HotTTL       *Duration `json:"hot_ttl,omitempty"`
	WarmTTL      *Duration `json:"warm_ttl,omitempty"`
	PromoteAfter *int      `json:"promote_after,omitempty"`
	Enabled      *bool     `json:"tiering,omitempty"`
}

// Apply returns p with o's settings in place of the defaults.
func (o Overrides) Apply(p Policy) Policy {
	if o.HotTTL != nil {
		p.HotTTL = time.Duration(*o.HotTTL)
	}
	if o.WarmTTL != nil {
		p.WarmTTL = time.Duration(*o.WarmTTL)
	}
	if o.PromoteAfter != nil {
		p.PromoteAfter = *o.PromoteAfter
	}
	if o.Enabled != nil {
		p.Enabled = *o.Enabled
	}
	return p
}

// Duration is a time.Duration stored as its text ("6h0m0s").
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// ParseInterval reads a policy duration as SQL users write it: Go
// durations ("90s", "6h"), PostgreSQL-style intervals ("6 hours",
// "7 days", "30 min") and day counts ("7d").
func ParseInterval(s string) (time.Duration, error) {
	s = strings.TrimSpace(strings.ToLower(s))
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return 0, fmt.Errorf("negative duration %q", s)
		}
		return d, nil
	}
	var total time.Duration
	fields := strings.Fields(s)
	if len(fields) == 1 {
		// "7d", "2w"
		f := fields[0]
		i := strings.IndexFunc(f, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
		if i <= 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		fields = []string{f[:i], f[i:]}
	}
	if len(fields)%2 != 0 {
		return 0, fmt.Errorf("invalid duration %q", s)
	}
	for i := 0; i < len(fields); i += 2 {
		var n float64
		if _, err := fmt.Sscanf(fields[i], "%g", &n); err != nil || n < 0 {
			return 0, fmt.Errorf("invalid duration %q", s)
		}
		unit, ok := intervalUnits[strings.TrimSuffix(fields[i+1], "s")]
		if !ok {
			unit, ok = intervalUnits[fields[i+1]]
		}
		if !ok {
			return 0, fmt.Errorf("invalid duration unit %q in %q", fields[i+1], s)
		}
		total += time.Duration(n * float64(unit))
	}
	return total, nil
}

var intervalUnits = map[string]time.Duration{
	"ms": time.Millisecond, "millisecond": time.Millisecond,
	"s": time.Second, "sec": time.Second, "second": time.Second,
	"m": time.Minute, "min": time.Minute, "minute": time.Minute,
	"h": time.Hour, "hour": time.Hour, "hr": time.Hour,
	"d": 24 * time.Hour, "day": 24 * time.Hour,
	"w": 7 * 24 * time.Hour, "week": 7 * 24 * time.Hour,
}

// State is what the tiering layer keeps about one collection, persisted
// with every change of tier, pin or policy (and the access counters with
// each worker cycle).
type State struct {
	Collection uint32    `json:"collection"`
	Tier       Tier      `json:"tier"`
	Pinned     bool      `json:"pinned,omitempty"`
	Overrides  Overrides `json:"overrides"`
	// LastAccess is the last query or write; Since is when the collection
	// entered its tier. Idle time counts from the later of the two.
	LastAccess time.Time `json:"last_access"`
	Since      time.Time `json:"since"`
	// Recent holds the access times within the last hour (at most
	// maxRecent of them), which promote_after counts.
	Recent []time.Time `json:"recent,omitempty"`
	// Accesses counts accesses since the last change of tier.
	Accesses int64 `json:"accesses"`
	// Snapshot is the snapshot holding a COLD collection's data, and
	// SnapshotBytes its size in the object store.
	Snapshot      string `json:"snapshot,omitempty"`
	SnapshotBytes int64  `json:"snapshot_bytes,omitempty"`
}

// maxRecent bounds State.Recent; promote_after above it behaves as it.
const maxRecent = 1000

// touch records an access at now.
func (s *State) touch(now time.Time) {
	s.LastAccess = now
	s.Accesses++
	s.Recent = append(s.Recent, now)
	s.trim(now)
}

// trim drops accesses older than an hour.
func (s *State) trim(now time.Time) {
	cut := 0
	for cut < len(s.Recent) && now.Sub(s.Recent[cut]) >= time.Hour {
		cut++
	}
	if len(s.Recent)-cut > maxRecent {
		cut = len(s.Recent) - maxRecent
	}
	if cut > 0 {
		s.Recent = append(s.Recent[:0], s.Recent[cut:]...)
	}
}

// moved resets the counters after a change of tier.
func (s *State) moved(t Tier, now time.Time) {
	s.Tier = t
	s.Since = now
	s.Accesses = 0
	s.Recent = nil
}

// idle is how long the collection has gone without access in its tier.
func (s *State) idle(now time.Time) time.Duration {
	last := s.LastAccess
	if s.Since.After(last) {
		last = s.Since
	}
	return now.Sub(last)
}

// Decide applies policy p to s at now and returns the tier the worker
// should move the collection to, and whether that is a move.
func Decide(s State, p Policy, now time.Time) (Tier, bool) {
	s.trim(now)
	if !p.Enabled {
		if s.Tier != Hot {
			return Hot, true
		}
		return Hot, false
	}
	switch s.Tier {
	case Hot:
		if !s.Pinned && s.idle(now) >= p.HotTTL {
			return Warm, true
		}
	case Warm:
		if p.PromoteAfter > 0 && len(s.Recent) >= p.PromoteAfter {
			return Hot, true
		}
		if !s.Pinned && s.idle(now) >= p.WarmTTL {
			return Cold, true
		}
	}
	return s.Tier, false
}
