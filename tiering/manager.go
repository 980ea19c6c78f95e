package tiering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/tiering/snapshot"
)

// Config configures a Manager.
type Config struct {
	// Policy is the server default; collections override parts of it.
	Policy Policy
	// Interval is how often the worker applies the policy (default 1 min).
	Interval time.Duration
	// Parallel bounds the transitions one worker cycle runs at once
	// (default 2).
	Parallel int
	// Prefix is put before every object key ("" or ending in "/").
	Prefix string
	// TempDir holds snapshot files while they are written or downloaded.
	TempDir string
	Clock   Clock
	Logger  *slog.Logger
}

// Progress receives messages about a long operation the caller waits for
// (a restore, a snapshot); the server sends them to the client as NOTICEs.
type Progress func(msg string)

// Manager runs the tier state machine of every collection: it records
// accesses, applies the policy in a background worker, and carries out
// manual and automatic transitions and snapshots with intent records that
// Recover completes or rolls back after a crash.
type Manager struct {
	cfg   Config
	be    Backend
	store ObjectStore
	log   *slog.Logger
	clock Clock

	mu     sync.Mutex
	states map[uint32]*State
	dirty  map[uint32]bool
	colls  map[uint32]*collLock

	restores singleflight.Group
	// bg counts the restores Access started, which go on when the
	// statements waiting for them give up; Stop cancels them (bgCancel)
	// and waits for them before the store is closed. stopped (under mu)
	// refuses new ones.
	bg       sync.WaitGroup
	bgCtx    context.Context
	bgCancel context.CancelFunc
	stopped  bool

	stop chan struct{}
	done chan struct{}
}

// collLock serialises the transitions of one collection (tx) and keeps
// data-removing transitions (to COLD, restores) away from running
// statements (rw: statements hold it shared).
type collLock struct {
	tx sync.Mutex
	rw sync.RWMutex
}

// Record keys in the backend's tiering key space.
const (
	stateKeyPrefix  = "state/"
	intentKeyPrefix = "intent/"
)

// intent is written before a transition starts and deleted in the same
// batch that records its end.
type intent struct {
	Op         string    `json:"op"` // "cold", "restore", "snapshot", "restore_snapshot", "warm", "hot"
	Collection uint32    `json:"collection"`
	Snapshot   string    `json:"snapshot,omitempty"`
	From       Tier      `json:"from"`
	Started    time.Time `json:"started"`
}

// NewManager returns a manager over be and store. Call Recover before
// serving queries, then Start for the worker.
func NewManager(cfg Config, be Backend, store ObjectStore) (*Manager, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 2
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Policy == (Policy{}) {
		cfg.Policy = DefaultPolicy()
	}
	if cfg.TempDir == "" {
		cfg.TempDir = os.TempDir()
	}
	if err := os.MkdirAll(cfg.TempDir, 0o755); err != nil {
		return nil, fmt.Errorf("tiering: %w", err)
	}
	m := &Manager{
		cfg: cfg, be: be, store: store, log: cfg.Logger, clock: cfg.Clock,
		states: make(map[uint32]*State),
		dirty:  make(map[uint32]bool),
		colls:  make(map[uint32]*collLock),
	}
	m.bgCtx, m.bgCancel = context.WithCancel(context.Background())
	recs, err := be.Records(stateKeyPrefix)
	if err != nil {
		return nil, err
	}
	for k, v := range recs {
		var s State
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, fmt.Errorf("tiering: corrupt state record %s: %w", k, err)
		}
		m.states[s.Collection] = &s
	}
	return m, nil
}

func stateKey(id uint32) string  { return stateKeyPrefix + strconv.FormatUint(uint64(id), 10) }
func intentKey(id uint32) string { return intentKeyPrefix + strconv.FormatUint(uint64(id), 10) }

func (m *Manager) lock(id uint32) *collLock {
	m.mu.Lock()
	defer m.mu.Unlock()
	l := m.colls[id]
	if l == nil {
		l = &collLock{}
		m.colls[id] = l
	}
	return l
}

// state returns the collection's state, creating a HOT one; m.mu held.
func (m *Manager) stateLocked(id uint32) *State {
	s := m.states[id]
	if s == nil {
		now := m.clock.Now()
		s = &State{Collection: id, Tier: Hot, Since: now, LastAccess: now}
		m.states[id] = s
		m.dirty[id] = true
	}
	return s
}

// State returns a copy of the collection's state.
func (m *Manager) State(id uint32) State {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := *m.stateLocked(id)
	s.Recent = append([]time.Time(nil), s.Recent...)
	return s
}

// Access records a query or write of the collection and makes its data
// local: a COLD collection is restored to WARM first, and concurrent
// callers share one restore. It returns a release function the caller
// calls when the statement ends; until then the collection is not moved
// to COLD under it.
func (m *Manager) Access(ctx context.Context, id uint32, progress Progress) (release func(), err error) {
	l := m.lock(id)
	for {
		l.rw.RLock()
		m.mu.Lock()
		s := m.stateLocked(id)
		tier := s.Tier
		if tier != Cold {
			s.touch(m.clock.Now())
			m.dirty[id] = true
		}
		m.mu.Unlock()
		if tier != Cold {
			return l.rw.RUnlock, nil
		}
		l.rw.RUnlock()
		// The restore outlives this caller if it gives up; its progress
		// goes to the caller only while the caller waits.
		var pmu sync.Mutex
		waiting := true
		relay := func(msg string) {
			pmu.Lock()
			defer pmu.Unlock()
			if waiting && progress != nil {
				progress(msg)
			}
		}
		ch := m.restores.DoChan(strconv.FormatUint(uint64(id), 10), func() (any, error) {
			m.mu.Lock()
			if m.stopped {
				m.mu.Unlock()
				return nil, pgerr.New(pgerr.AdminShutdown, "the server is shutting down")
			}
			m.bg.Add(1)
			m.mu.Unlock()
			defer m.bg.Done()
			rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
			defer cancel()
			defer context.AfterFunc(m.bgCtx, cancel)()
			return nil, m.restoreCold(rctx, id, relay)
		})
		var err error
		select {
		case r := <-ch:
			err = r.Err
		case <-ctx.Done():
			err = pgerr.Wrap(ctx.Err(), pgerr.QueryCanceled, "canceling statement while the collection is restored")
		}
		pmu.Lock()
		waiting = false
		pmu.Unlock()
		if err != nil {
			return nil, err
		}
	}
}

// SnapshotBytes is the size of the snapshot holding a COLD collection.
func (m *Manager) SnapshotBytes(id uint32) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.states[id]; s != nil && s.Tier == Cold {
		return s.SnapshotBytes
	}
	return 0
}

// Touch records an access of a collection whose data the caller already
// holds (a later statement of the same transaction).
func (m *Manager) Touch(id uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stateLocked(id).touch(m.clock.Now())
	m.dirty[id] = true
}

// Forget removes the state of a dropped collection.
func (m *Manager) Forget(id uint32) error {
	m.mu.Lock()
	delete(m.states, id)
	delete(m.dirty, id)
	m.mu.Unlock()
	return m.be.SaveRecords(nil, []string{stateKey(id), intentKey(id)})
}

// Pin sets or clears the collection's pin.
func (m *Manager) Pin(id uint32, pinned bool) error {
	return m.update(id, func(s *State) error { s.Pinned = pinned; return nil })
}

// SetOverrides applies fn to the collection's policy overrides.
func (m *Manager) SetOverrides(id uint32, fn func(o *Overrides) error) error {
	return m.update(id, func(s *State) error { return fn(&s.Overrides) })
}

func (m *Manager) update(id uint32, fn func(s *State) error) error {
	m.mu.Lock()
	s := *m.stateLocked(id)
	if err := fn(&s); err != nil {
		m.mu.Unlock()
		return err
	}
	b, err := json.Marshal(&s)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	if err := m.be.SaveRecords(map[string][]byte{stateKey(id): b}, nil); err != nil {
		m.mu.Unlock()
		return err
	}
	*m.states[id] = s
	delete(m.dirty, id)
	m.mu.Unlock()
	return nil
}

// finish records the end of a transition: the new state and the removal
// of its intent, in one durable batch.
func (m *Manager) finish(id uint32, fn func(s *State)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := *m.stateLocked(id)
	fn(&s)
	b, err := json.Marshal(&s)
	if err != nil {
		return err
	}
	if err := m.be.SaveRecords(map[string][]byte{stateKey(id): b}, []string{intentKey(id)}); err != nil {
		return err
	}
	*m.states[id] = s
	delete(m.dirty, id)
	return nil
}

func (m *Manager) writeIntent(in intent) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return m.be.SaveRecords(map[string][]byte{intentKey(in.Collection): b}, nil)
}

func (m *Manager) dropIntent(id uint32) error {
	return m.be.SaveRecords(nil, []string{intentKey(id)})
}

// SetTier moves a collection to tier t now (ALTER COLLECTION ... SET
// TIER). A manual move always wins over the policy and resets the access
// counters.
func (m *Manager) SetTier(ctx context.Context, id uint32, t Tier, progress Progress) error {
	l := m.lock(id)
	l.tx.Lock()
	defer l.tx.Unlock()
	return m.moveLocked(ctx, id, t, progress, true)
}

// moveLocked runs the transitions from the collection's tier to t, with
// l.tx held. manual resets the counters even when the tier is unchanged.
func (m *Manager) moveLocked(ctx context.Context, id uint32, t Tier, progress Progress, manual bool) error {
	cur := m.State(id).Tier
	if cur == t {
		if manual {
			return m.finish(id, func(s *State) { s.moved(t, m.clock.Now()) })
		}
		return nil
	}
	if cur == Cold {
		if err := m.restoreColdLocked(ctx, id, progress); err != nil {
			return err
		}
		cur = Warm
	}
	switch {
	case t == Cold:
		wait := time.Duration(0) // a manual move waits as long as its statement may
		if !manual {
			wait = workerLockWait
		}
		return m.toCold(ctx, id, cur, progress, wait)
	case cur == Hot && t == Warm:
		return m.simpleMove(ctx, id, "warm", Warm, m.be.Unload)
	case cur == Warm && t == Hot:
		return m.simpleMove(ctx, id, "hot", Hot, m.be.Load)
	}
	return m.finish(id, func(s *State) { s.moved(t, m.clock.Now()) })
}

// simpleMove runs a HOT <-> WARM move.
func (m *Manager) simpleMove(ctx context.Context, id uint32, op string, to Tier, fn func(context.Context, uint32) error) error {
	from := m.State(id).Tier
	if err := m.writeIntent(intent{Op: op, Collection: id, From: from, Started: m.clock.Now()}); err != nil {
		return err
	}
	start := time.Now()
	if err := fn(ctx, id); err != nil {
		_ = m.dropIntent(id)
		return err
	}
	crashPoint("mid_demote")
	if err := m.finish(id, func(s *State) { s.moved(to, m.clock.Now()) }); err != nil {
		return err
	}
	m.log.Info("tiering: moved collection", "collection", id, "from", from.String(), "to", to.String(), "seconds", time.Since(start).Seconds())
	return nil
}

// toCold snapshots the collection into the object store, verifies the
// upload, and only then drops its local data.
func (m *Manager) toCold(ctx context.Context, id uint32, from Tier, progress Progress, wait time.Duration) error {
	start := time.Now()
	// Running statements and open transactions on the collection finish
	// first; new ones wait, then restore it.
	l := m.lock(id)
	if err := m.lockExclusive(ctx, l, wait); err != nil {
		return err
	}
	defer l.rw.Unlock()
	now := m.clock.Now()
	snapID := snapshot.NewID(now)
	if err := m.writeIntent(intent{Op: "cold", Collection: id, Snapshot: snapID, From: from, Started: now}); err != nil {
		return err
	}
	man, err := m.snapshot(ctx, id, snapID, progress)
	if err != nil {
		_ = m.dropIntent(id)
		return err
	}
	var size int64
	for _, o := range man.Objects {
		size += o.Bytes
	}
	if err := m.be.DropLocal(ctx, id); err != nil {
		return err // the intent stays: Recover completes the move
	}
	crashPoint("after_drop_local")
	if err := m.finish(id, func(s *State) { s.moved(Cold, m.clock.Now()); s.Snapshot, s.SnapshotBytes = snapID, size }); err != nil {
		return err
	}
	m.log.Info("tiering: moved collection", "collection", id, "from", from.String(), "to", "COLD", "snapshot", snapID, "seconds", time.Since(start).Seconds())
	return nil
}

// snapshot exports the collection into snapshot snapID: the objects go
// to the store as they are written, and the manifest last.
func (m *Manager) snapshot(ctx context.Context, id uint32, snapID string, progress Progress) (*snapshot.Manifest, error) {
	name := m.collectionName(id)
	if progress != nil {
		progress(fmt.Sprintf("snapshot of collection %s: writing", name))
	}
	start := time.Now()
	crashPoint("before_upload")
	man := &snapshot.Manifest{ID: snapID, Collection: name, CollectionID: id, CreatedAt: m.clock.Now()}
	w, err := snapshot.NewWriter(ctx, uploadStore(m.store), m.cfg.Prefix, man, nil)
	if err != nil {
		return nil, err
	}
	ex, err := m.be.Export(ctx, id, w.Create, progressBytes(progress, "snapshot of collection "+name+": written", "rows"))
	if err != nil {
		w.Abort(err)
		return nil, err
	}
	exported := time.Now()
	man.Columns, man.Rows, man.Extra = snapshot.ColumnsOf(ex.Columns), ex.Rows, ex.Extra
	if err := w.Commit(); err != nil {
		return nil, err
	}
	m.log.Info("tiering: snapshot uploaded", "collection", id, "snapshot", snapID, "rows", ex.Rows, "bytes", w.Bytes(),
		"export_seconds", exported.Sub(start).Seconds(), "commit_seconds", time.Since(exported).Seconds())
	crashPoint("after_upload")
	return man, nil
}

// progressBytes turns progress counted in unit (bytes, rows) into
// messages at most every 10%.
func progressBytes(p Progress, what, unit string) func(done, total int64) {
	if p == nil {
		return nil
	}
	var mu sync.Mutex
	last := int64(-1)
	return func(done, total int64) {
		if total <= 0 {
			return
		}
		pct := done * 100 / total
		mu.Lock()
		defer mu.Unlock()
		if pct/10 == last/10 && pct != 100 {
			return
		}
		last = pct
		p(fmt.Sprintf("%s %d%% (%d of %d %s)", what, pct, done, total, unit))
	}
}

func (m *Manager) collectionName(id uint32) string {
	colls, err := m.be.Collections()
	if err == nil {
		for _, c := range colls {
			if c.ID == id {
				return c.Name
			}
		}
	}
	return strconv.FormatUint(uint64(id), 10)
}

// restoreCold brings a COLD collection back to WARM (one at a time per
// collection).
func (m *Manager) restoreCold(ctx context.Context, id uint32, progress Progress) error {
	l := m.lock(id)
	l.tx.Lock()
	defer l.tx.Unlock()
	if m.State(id).Tier != Cold {
		return nil
	}
	return m.restoreColdLocked(ctx, id, progress)
}

func (m *Manager) restoreColdLocked(ctx context.Context, id uint32, progress Progress) error {
	st := m.State(id)
	start := time.Now()
	if err := m.writeIntent(intent{Op: "restore", Collection: id, Snapshot: st.Snapshot, From: Cold, Started: m.clock.Now()}); err != nil {
		return err
	}
	l := m.lock(id)
	l.rw.Lock()
	defer l.rw.Unlock()
	if err := m.importSnapshot(ctx, id, st.Snapshot, false, progress); err != nil {
		_ = m.be.DropLocal(context.WithoutCancel(ctx), id)
		_ = m.dropIntent(id)
		return err
	}
	crashPoint("mid_restore")
	now := m.clock.Now()
	if err := m.finish(id, func(s *State) { s.moved(Warm, now); s.Snapshot = ""; s.LastAccess = now }); err != nil {
		return err
	}
	m.log.Info("tiering: restored collection", "collection", id, "snapshot", st.Snapshot, "seconds", time.Since(start).Seconds())
	if progress != nil {
		progress(fmt.Sprintf("collection %s restored from snapshot %s in %.2f s", m.collectionName(id), st.Snapshot, time.Since(start).Seconds()))
	}
	return nil
}

// importSnapshot downloads snapshot snapID and imports it into the
// collection's local storage, the import reading the snapshot as it
// arrives. verifyFirst waits for the whole snapshot to be downloaded and
// verified before the import starts (and drops the local data): a
// collection that has local data keeps it if the snapshot turns out bad.
func (m *Manager) importSnapshot(ctx context.Context, id uint32, snapID string, verifyFirst bool, progress Progress) error {
	if snapID == "" {
		return pgerr.New(pgerr.DataCorrupted, "collection %d is COLD but names no snapshot", id)
	}
	dir, err := os.MkdirTemp(m.cfg.TempDir, "restore-")
	if err != nil {
		return fmt.Errorf("tiering: %w", err)
	}
	defer os.RemoveAll(dir)
	name := m.collectionName(id)
	if progress != nil {
		// The download and the import report at the same time.
		var mu sync.Mutex
		p := progress
		progress = func(msg string) {
			mu.Lock()
			defer mu.Unlock()
			p(msg)
		}
		progress(fmt.Sprintf("restoring collection %s from snapshot %s", name, snapID))
	}
	start := time.Now()
	fe, err := snapshot.StartFetch(ctx, m.store, m.cfg.Prefix, id, snapID, dir, progressBytes(progress, "restore of collection "+name+": downloaded", "bytes"))
	if err != nil {
		return err
	}
	defer fe.Close()
	if verifyFirst {
		if err := fe.Wait(); err != nil {
			return err
		}
	}
	if err := m.be.Import(ctx, id, fe.Manifest, fe.Objects, progressBytes(progress, "restore of collection "+name+": loaded", "rows")); err != nil {
		return err
	}
	m.log.Info("tiering: imported snapshot", "collection", id, "snapshot", snapID, "seconds", time.Since(start).Seconds())
	return nil
}

// CreateSnapshot takes a snapshot of the collection without moving it and
// returns its manifest.
func (m *Manager) CreateSnapshot(ctx context.Context, id uint32, progress Progress) (*snapshot.Manifest, error) {
	l := m.lock(id)
	l.tx.Lock()
	defer l.tx.Unlock()
	if m.State(id).Tier == Cold {
		// The collection's snapshot already holds everything.
		if err := m.restoreColdLocked(ctx, id, progress); err != nil {
			return nil, err
		}
	}
	if err := m.lockExclusive(ctx, l, 0); err != nil {
		return nil, err
	}
	snapID := snapshot.NewID(m.clock.Now())
	if err := m.writeIntent(intent{Op: "snapshot", Collection: id, Snapshot: snapID, From: m.State(id).Tier, Started: m.clock.Now()}); err != nil {
		l.rw.Unlock()
		return nil, err
	}
	man, err := m.snapshot(ctx, id, snapID, progress)
	l.rw.Unlock()
	if err != nil {
		_ = m.dropIntent(id)
		return nil, err
	}
	return man, m.dropIntent(id)
}

// RestoreSnapshot replaces the collection's rows with those of snapshot
// snapID (RESTORE COLLECTION ... FROM SNAPSHOT). The collection ends WARM.
func (m *Manager) RestoreSnapshot(ctx context.Context, id uint32, snapID string, progress Progress) error {
	l := m.lock(id)
	l.tx.Lock()
	defer l.tx.Unlock()
	if _, err := m.findSnapshot(ctx, id, snapID); err != nil {
		return err
	}
	if err := m.lockExclusive(ctx, l, 0); err != nil {
		return err
	}
	defer l.rw.Unlock()
	if err := m.writeIntent(intent{Op: "restore_snapshot", Collection: id, Snapshot: snapID, From: m.State(id).Tier, Started: m.clock.Now()}); err != nil {
		return err
	}
	// On failure the intent stays: Recover runs the restore again.
	return m.replaceFromSnapshot(ctx, id, snapID, progress)
}

// replaceFromSnapshot replaces the collection's local data with snapshot
// snapID and records it WARM, ending the restore_snapshot intent. Import
// drops the local data once the snapshot is downloaded and checked; a
// failure before that leaves it, and the intent, in place.
func (m *Manager) replaceFromSnapshot(ctx context.Context, id uint32, snapID string, progress Progress) error {
	if err := m.importSnapshot(ctx, id, snapID, true, progress); err != nil {
		return err
	}
	now := m.clock.Now()
	return m.finish(id, func(s *State) { s.moved(Warm, now); s.Snapshot, s.SnapshotBytes = "", 0 })
}

// SnapshotInfo is one listed snapshot.
type SnapshotInfo struct {
	ID           string
	Collection   string
	CollectionID uint32
	CreatedAt    time.Time
	Rows         int64
	Bytes        int64
	ObjectKey    string // the manifest's key
}

// Snapshots lists the snapshots of one collection (id != 0) or of all,
// newest first.
func (m *Manager) Snapshots(ctx context.Context, id uint32) ([]SnapshotInfo, error) {
	var mans []*snapshot.Manifest
	var err error
	if id != 0 {
		mans, err = snapshot.List(ctx, m.store, m.cfg.Prefix, id)
	} else {
		mans, err = snapshot.ListAll(ctx, m.store, m.cfg.Prefix)
	}
	if err != nil {
		return nil, err
	}
	out := make([]SnapshotInfo, 0, len(mans))
	for _, man := range mans {
		info := SnapshotInfo{ID: man.ID, Collection: man.Collection, CollectionID: man.CollectionID, CreatedAt: man.CreatedAt, Rows: man.Rows,
			ObjectKey: snapshot.ManifestKey(m.cfg.Prefix, man.CollectionID, man.ID)}
		for _, o := range man.Objects {
			info.Bytes += o.Bytes
		}
		out = append(out, info)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

func (m *Manager) findSnapshot(ctx context.Context, id uint32, snapID string) (SnapshotInfo, error) {
	all, err := m.Snapshots(ctx, id)
	if err != nil {
		return SnapshotInfo{}, err
	}
	for _, s := range all {
		if s.ID == snapID {
			return s, nil
		}
	}
	return SnapshotInfo{}, pgerr.New(pgerr.UndefinedObject, "snapshot %q does not exist", snapID)
}

// DropSnapshot deletes a snapshot's objects. The snapshot holding a COLD
// collection's data cannot be dropped.
func (m *Manager) DropSnapshot(ctx context.Context, snapID string) error {
	all, err := m.Snapshots(ctx, 0)
	if err != nil {
		return err
	}
	for _, s := range all {
		if s.ID != snapID {
			continue
		}
		st := m.State(s.CollectionID)
		if st.Tier == Cold && st.Snapshot == snapID {
			return pgerr.New(pgerr.ObjectInUse, "snapshot %q holds the data of COLD collection %s", snapID, s.Collection).
				WithHint("Move the collection to WARM or HOT first.")
		}
		return snapshot.Delete(ctx, m.store, m.cfg.Prefix, s.CollectionID, snapID)
	}
	return pgerr.New(pgerr.UndefinedObject, "snapshot %q does not exist", snapID)
}

// Recover completes or rolls back the transitions a crash interrupted,
// then puts every WARM collection's index back on disk. Call it once after
// opening, before serving.
func (m *Manager) Recover(ctx context.Context) error {
	m.cleanup()
	recs, err := m.be.Records(intentKeyPrefix)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	colls, err := m.be.Collections()
	if err != nil {
		return err
	}
	live := make(map[uint32]bool, len(colls))
	for _, c := range colls {
		live[c.ID] = true
	}
	for _, k := range keys {
		var in intent
		if err := json.Unmarshal(recs[k], &in); err != nil {
			return fmt.Errorf("tiering: corrupt intent %s: %w", k, err)
		}
		if !live[in.Collection] {
			// Dropped while it moved: only a half-uploaded snapshot of it
			// can be left to clean up.
			if in.Snapshot != "" {
				if _, err := m.findSnapshot(ctx, in.Collection, in.Snapshot); pgerr.Code(err) == pgerr.UndefinedObject {
					if err := m.collectGarbage(ctx, in.Collection, in.Snapshot); err != nil {
						return err
					}
				}
			}
			if err := m.dropIntent(in.Collection); err != nil {
				return err
			}
			continue
		}
		if err := m.recoverIntent(ctx, in); err != nil {
			return fmt.Errorf("tiering: recover %s of collection %d: %w", in.Op, in.Collection, err)
		}
	}
	// Drop the state of collections that no longer exist, and give every
	// WARM collection its on-disk index.
	m.mu.Lock()
	var gone []uint32
	for id := range m.states {
		if !live[id] {
			gone = append(gone, id)
		}
	}
	m.mu.Unlock()
	for _, id := range gone {
		if err := m.Forget(id); err != nil {
			return err
		}
	}
	for _, c := range colls {
		if m.State(c.ID).Tier == Warm {
			if err := m.be.Unload(ctx, c.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *Manager) recoverIntent(ctx context.Context, in intent) error {
	id := in.Collection
	m.log.Info("tiering: recovering an interrupted transition", "op", in.Op, "collection", id, "snapshot", in.Snapshot)
	switch in.Op {
	case "cold":
		if info, err := m.findSnapshot(ctx, id, in.Snapshot); err == nil {
			// The snapshot is whole: finish the move.
			if err := m.be.DropLocal(ctx, id); err != nil {
				return err
			}
			return m.finish(id, func(s *State) { s.moved(Cold, m.clock.Now()); s.Snapshot, s.SnapshotBytes = in.Snapshot, info.Bytes })
		} else if pgerr.Code(err) != pgerr.UndefinedObject {
			return err
		}
		if err := m.collectGarbage(ctx, id, in.Snapshot); err != nil {
			return err
		}
		return m.dropIntent(id) // stays in its old tier
	case "snapshot":
		if _, err := m.findSnapshot(ctx, id, in.Snapshot); err != nil {
			if pgerr.Code(err) != pgerr.UndefinedObject {
				return err
			}
			if err := m.collectGarbage(ctx, id, in.Snapshot); err != nil {
				return err
			}
		}
		return m.dropIntent(id)
	case "restore":
		// Rows may be half written: drop them; the collection stays COLD
		// and the next access restores it again.
		if err := m.be.DropLocal(ctx, id); err != nil {
			return err
		}
		return m.dropIntent(id)
	case "restore_snapshot":
		return m.replaceFromSnapshot(ctx, id, in.Snapshot, nil)
	case "warm", "hot":
		// The state still says the old tier. An interrupted HOT -> WARM
		// may have written the graph file; Load deletes it (the graph is
		// in RAM after a restart, so nothing is read back). Best effort:
		// a file left behind is only wasted disk.
		if in.Op == "warm" && in.From == Hot {
			if err := m.be.Load(ctx, id); err != nil {
				m.log.Warn("tiering: removing the graph file of an interrupted move", "collection", id, "err", err)
			}
		}
		return m.dropIntent(id)
	case "cycle":
		return m.dropIntent(id)
	}
	return fmt.Errorf("unknown intent %q", in.Op)
}

// collectGarbage deletes the objects of a snapshot that never got its
// manifest.
func (m *Manager) collectGarbage(ctx context.Context, id uint32, snapID string) error {
	keys, err := snapshot.GarbageKeys(ctx, m.store, m.cfg.Prefix, id)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if snapID != "" && !strings.Contains(k, "/"+snapID+"/") {
			continue
		}
		if err := m.store.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// workerLockWait is how long a worker move waits for the statements and
// transactions using a collection before it leaves the move to a later
// cycle.
const workerLockWait = 10 * time.Second

// errBusy is a worker move given up because the collection stayed in use.
var errBusy = errors.New("tiering: collection in use; move postponed")

// lockExclusive takes l.rw exclusively, waiting at most wait (0: until ctx
// ends). It polls rather than queueing, so statements that arrive while
// it waits are not held up behind it.
func (m *Manager) lockExclusive(ctx context.Context, l *collLock, wait time.Duration) error {
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !l.rw.TryLock() {
		select {
		case <-ctx.Done():
			return pgerr.Wrap(ctx.Err(), pgerr.QueryCanceled, "canceling statement while waiting for the collection's other users")
		case <-deadline:
			return errBusy
		case <-tick.C:
		}
	}
	return nil
}

// cleanup removes leftovers of earlier runs from the temp dir.
func (m *Manager) cleanup() {
	ents, _ := os.ReadDir(m.cfg.TempDir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "snap-") || strings.HasPrefix(e.Name(), "restore-") {
			_ = os.RemoveAll(filepath.Join(m.cfg.TempDir, e.Name()))
		}
	}
}
