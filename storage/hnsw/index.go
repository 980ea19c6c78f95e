package hnsw

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/akidb/akidb/storage/vec"
)

const (
	// noEntry marks an empty index in Index.ep.
	noEntry = math.MaxUint64
	// stripes is the number of locks guarding neighbour-list writes; node
	// id i uses stripe i%stripes.
	stripes = 1 << 12
	// minGrow is the smallest number of slots added when the arena grows.
	minGrow = 1024
)

// Index is an HNSW graph over float32 vectors, which it stores in half
// precision with a scale per vector (vec.EncodeScaled). See the package
// documentation for its concurrency contract.
type Index struct {
	dim     int
	metric  Metric
	m, m0   int // links per node on upper layers / on layer 0
	efc     int
	ml      float64
	seed    int64
	maxScan int
	repairF float64
	dist    distFunc
	pfLines int // cache lines of a vector to prefetch
	pfList  int // cache lines of a level-0 list to prefetch

	// writeMu is read-locked by every mutation (Add, Delete, repair) and
	// locked by WriteTo, so a checkpoint sees no mutation but does not
	// stop searches.
	writeMu sync.RWMutex
	// mu guards the slice headers below: Lock to grow them or to free
	// slots, RLock for everything else (searches, inserts, deletes).
	mu sync.RWMutex

	capN     int
	vecs     []uint16  // capN*dim halves; slot i at [i*dim, (i+1)*dim)
	scales   []float32 // capN: slot i's vector is scales[i] * vecs[slot i]
	links0   []uint32  // capN*(m0+1); slot i: count, then m0 ids
	upper    []uint32  // blocks of level*(m+1): count, then m ids, per level 1..level
	upperOff []uint32  // slot i's block in upper (when levels[i] > 0)
	levels   []uint8
	labels   []uint64
	dead     []uint32 // bitset, accessed atomically: tombstoned or free
	// in0 counts the level-0 links into each slot, accessed atomically.
	// A list re-selection does not drop a node's last incoming link (see
	// release), so no node is left unreachable by pruning.
	in0 []uint32
	// heur0 holds the heuristic's verdicts on each full level-0 list,
	// under the list's stripe lock (see addLink0).
	heur0 []uint64
	// off holds the regions of the arrays above that live off the Go
	// heap (offheap.go). closed is set by Close.
	off    *offHeap
	closed bool
	// mapping is the file the arena and level-0 lists are mapped from
	// while the index is WARM (mapped.go); nil when they are on the heap.
	mapping []byte
	// unfilled marks the live slots of a graph read without its vectors
	// whose vectors FillVector has not supplied yet (graphfile.go).
	unfilled  bitset
	nUnfilled int

	// nodes is the number of slots ever handed out (high-water mark).
	nodes atomic.Uint32
	// ep is the entry point, level<<32 | id, or noEntry.
	ep   atomic.Uint64
	epMu sync.Mutex

	// metaMu guards the label maps, free list, counters and the RNG.
	metaMu    sync.Mutex
	byLabel   map[uint64]uint32
	zeros     map[uint64]struct{} // cosine zero vectors: remembered, not indexed
	free      []uint32
	upperUsed int
	nDead     int // tombstoned slots still in the graph
	rng       *rand.Rand

	locks    [stripes]sync.Mutex
	repairMu sync.Mutex // held while a repair runs
	// repairSet is the set a running repair will free; inserts do not
	// link to its members.
	repairSet atomic.Pointer[bitset]
	repairWG  sync.WaitGroup
	pool      sync.Pool // *searcher
}

// New returns an empty index.
func New(cfg Config) (*Index, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	x := &Index{
		dim:     cfg.Dim,
		metric:  cfg.Metric,
		m:       cfg.M,
		m0:      2 * cfg.M,
		efc:     cfg.EfConstruction,
		ml:      1 / math.Log(float64(cfg.M)),
		seed:    cfg.Seed,
		maxScan: cfg.MaxScan,
		repairF: cfg.RepairFraction,
		dist:    internalDist(cfg.Metric),
		pfLines: pfLinesFor(cfg.Dim),
		pfList:  pfListFor(2 * cfg.M),
		byLabel: make(map[uint64]uint32),
		zeros:   make(map[uint64]struct{}),
		rng:     rand.New(rand.NewPCG(uint64(cfg.Seed), 0x9e3779b97f4a7c15)),
		off:     &offHeap{},
	}
	x.ep.Store(noEntry)
	// A backstop: an index dropped without Close still frees its arrays.
	runtime.AddCleanup(x, (*offHeap).freeAll, x.off)
	return x, nil
}

// Config returns the index's configuration with defaults filled in.
func (x *Index) Config() Config {
	return Config{Dim: x.dim, Metric: x.metric, M: x.m, EfConstruction: x.efc,
		Seed: x.seed, MaxScan: x.maxScan, RepairFraction: x.repairF}
}

// Dim returns the number of dimensions.
func (x *Index) Dim() int { return x.dim }

// Metric returns the index's metric.
func (x *Index) Metric() Metric { return x.metric }

// Len returns the number of live labels, including cosine zero vectors
// (which are remembered but never returned by Search).
func (x *Index) Len() int {
	x.metaMu.Lock()
	defer x.metaMu.Unlock()
	return len(x.byLabel) + len(x.zeros)
}

// Contains reports whether label is live.
func (x *Index) Contains(label uint64) bool {
	x.metaMu.Lock()
	defer x.metaMu.Unlock()
	_, ok := x.byLabel[label]
	if !ok {
		_, ok = x.zeros[label]
	}
	return ok
}

// MemoryBytes estimates the heap the index holds: arena, link lists,
// per-node arrays and the label map.
func (x *Index) MemoryBytes() int64 {
	x.mu.RLock()
	n := int64(cap(x.vecs))*2 + int64(cap(x.scales))*4 + int64(cap(x.links0))*4 + int64(cap(x.upper))*4 +
		int64(cap(x.upperOff))*4 + int64(cap(x.levels)) + int64(cap(x.labels))*8 +
		int64(cap(x.dead))*4 + int64(cap(x.in0))*4 + int64(cap(x.heur0))*8
	x.mu.RUnlock()
	x.metaMu.Lock()
	// A Go map entry of uint64 -> uint32 costs about 24 bytes with overhead.
	n += int64(len(x.byLabel)+len(x.zeros))*24 + int64(cap(x.free))*4
	x.metaMu.Unlock()
	return n + int64(unsafe.Sizeof(*x))
}

// prefetchIDs starts loading the vectors of ids into the cache, so that
// the distances computed next wait for memory once rather than once per
// vector. Caller holds mu (read or write).
func (x *Index) prefetchIDs(ids []uint32) {
	if len(ids) > 0 {
		prefetchRows(unsafe.Pointer(unsafe.SliceData(x.vecs)), ids, uintptr(x.dim)*2, x.pfLines)
	}
}

// prefetchList0 starts loading slot id's level-0 list into the cache: the
// list of the candidate a search expands next. Caller holds mu.
func (x *Index) prefetchList0(id uint32) {
	if x.pfList > 0 {
		one := [1]uint32{id}
		prefetchRows(unsafe.Pointer(unsafe.SliceData(x.links0)), one[:], uintptr(x.m0+1)*4, x.pfList)
	}
}

// vec returns slot id's vector in half precision, before its scale.
// Caller holds mu (read or write).
func (x *Index) vec(id uint32) []uint16 {
	o := int(id) * x.dim
	return x.vecs[o : o+x.dim : o+x.dim]
}

// setVec stores v as slot id's vector. Caller holds mu (read or write)
// and owns the slot.
func (x *Index) setVec(id uint32, v []float32) {
	x.scales[id] = vec.EncodeScaled(x.vec(id), v)
}

// distTo is the internal distance between q and slot id's vector.
// Caller holds mu (read or write).
func (x *Index) distTo(q []float32, id uint32) float32 {
	return x.dist(q, x.vec(id), x.scales[id])
}

// decode stores slot id's vector in buf (of x.dim elements) and returns
// it: the one side of a distance between two slots. Caller holds mu.
func (x *Index) decode(buf []float32, id uint32) []float32 {
	vec.DecodeScaled(buf, x.vec(id), x.scales[id])
	return buf
}

// list returns slot id's neighbour list at level l: element 0 is the
// count, then the ids. Elements are read and written atomically.
func (x *Index) list(id uint32, l int) []uint32 {
	if l == 0 {
		o := int(id) * (x.m0 + 1)
		return x.links0[o : o+x.m0+1 : o+x.m0+1]
	}
	o := int(x.upperOff[id]) + (l-1)*(x.m+1)
	return x.upper[o : o+x.m+1 : o+x.m+1]
}

func (x *Index) isDead(id uint32) bool {
	return atomic.LoadUint32(&x.dead[id>>5])&(1<<(id&31)) != 0
}

func (x *Index) setDead(id uint32) {
	atomic.OrUint32(&x.dead[id>>5], 1<<(id&31))
}

func (x *Index) clearDead(id uint32) {
	atomic.AndUint32(&x.dead[id>>5], ^uint32(1<<(id&31)))
}

func (x *Index) entry() (id uint32, level int, ok bool) {
	e := x.ep.Load()
	if e == noEntry {
		return 0, 0, false
	}
	return uint32(e), int(e >> 32), true
}

func (x *Index) setEntry(id uint32, level int) {
	x.ep.Store(uint64(level)<<32 | uint64(id))
}

// grow makes room for at least needN slots and needUpper upper-link
// words. It takes mu exclusively, so the old arrays, which no reader can
// hold then, are freed at once. It reports false on a closed index.
func (x *Index) grow(needN, needUpper int) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return false
	}
	if needN > x.capN {
		// Grow by a quarter: at most 25% of the arena unused (and not
		// resident: untouched pages of a mapping cost no memory), and each
		// vector copied about four times over the index's life.
		n := max(needN, x.capN+x.capN/4, x.capN+minGrow)
		x.vecs = growOff(x.off, x.vecs, n*x.dim)
		x.scales = growOff(x.off, x.scales, n)
		x.links0 = growOff(x.off, x.links0, n*(x.m0+1))
		x.upperOff = growOff(x.off, x.upperOff, n)
		x.levels = growOff(x.off, x.levels, n)
		x.labels = growOff(x.off, x.labels, n)
		x.dead = growOff(x.off, x.dead, (n+31)/32)
		x.in0 = growOff(x.off, x.in0, n)
		x.heur0 = growOff(x.off, x.heur0, n)
		x.capN = n
	}
	if needUpper > len(x.upper) {
		n := max(needUpper, len(x.upper)+len(x.upper)/4, minGrow*(x.m+1)/x.m)
		x.upper = growOff(x.off, x.upper, n)
	}
	return true
}

// Close frees the index's memory: its arrays off the Go heap, and the
// mapping of a WARM index. It waits for mutations, checkpoint writes and
// searches under way; afterwards the index is empty: searches find
// nothing and mutations fail with ErrClosed. Closing twice does nothing.
// The caller must make sure nobody needs the index any more; the storage
// layer closes a graph once no search holds it.
func (x *Index) Close() error {
	x.repairMu.Lock() // no repair runs, nor starts (maybeRepair uses TryLock)
	defer x.repairMu.Unlock()
	x.writeMu.Lock()
	defer x.writeMu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closed {
		return nil
	}
	x.closed = true
	x.ep.Store(noEntry)
	x.nodes.Store(0)
	x.vecs, x.scales, x.links0, x.upper, x.upperOff = nil, nil, nil, nil, nil
	x.levels, x.labels, x.dead, x.in0, x.heur0 = nil, nil, nil, nil, nil
	x.capN = 0
	x.off.freeAll()
	x.metaMu.Lock()
	x.byLabel = map[uint64]uint32{}
	x.zeros = map[uint64]struct{}{}
	x.free, x.upperUsed, x.nDead = nil, 0, 0
	x.metaMu.Unlock()
	x.unfilled, x.nUnfilled = nil, 0
	if x.mapping != nil {
		data := x.mapping
		x.mapping = nil
		if err := syscall.Munmap(data); err != nil {
			return fmt.Errorf("hnsw: unmap: %w", err)
		}
	}
	return nil
}

// OffHeapBytes returns the bytes the index holds outside the Go heap
// (mapped anonymously; a WARM index's file mapping is not counted).
func (x *Index) OffHeapBytes() int64 { return x.off.size() }

// Reserve grows the index to hold n vectors without further growth.
func (x *Index) Reserve(n int) {
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()
	x.grow(n, n+n/x.m*2)
}

// randomLevel draws a level with mL = 1/ln(M). Caller holds metaMu.
func (x *Index) randomLevel() int {
	u := 1 - x.rng.Float64() // (0, 1]
	l := int(-math.Log(u) * x.ml)
	return min(l, maxLevel)
}

// alloc hands out a slot for label at a fresh level, tombstoning the
// label's previous slot. It returns ok == false when the arrays must grow
// first, with the sizes they need. Caller holds mu.RLock.
func (x *Index) alloc(label uint64, level int) (id uint32, ok bool, needN, needUpper int) {
	x.metaMu.Lock()
	defer x.metaMu.Unlock()
	var reuseUpper bool
	if n := len(x.free); n > 0 {
		id = x.free[n-1]
		reuseUpper = int(x.levels[id]) >= level
	} else {
		id = x.nodes.Load()
		if int(id) >= x.capN {
			return 0, false, int(id) + 1, x.upperUsed + level*(x.m+1)
		}
	}
	if level > 0 && !reuseUpper && x.upperUsed+level*(x.m+1) > len(x.upper) {
		return 0, false, int(x.nodes.Load()), x.upperUsed + level*(x.m+1)
	}
	if n := len(x.free); n > 0 {
		x.free = x.free[:n-1]
	} else {
		x.nodes.Store(id + 1)
	}
	if level > 0 && !reuseUpper {
		x.upperOff[id] = uint32(x.upperUsed)
		x.upperUsed += level * (x.m + 1)
	}
	x.setDead(id) // until insert has written the slot
	x.unlabel(label)
	delete(x.zeros, label)
	x.byLabel[label] = id
	return id, true, 0, 0
}

// unlabel tombstones label's slot, if any. Caller holds metaMu and mu.RLock.
func (x *Index) unlabel(label uint64) bool {
	old, ok := x.byLabel[label]
	if !ok {
		return false
	}
	delete(x.byLabel, label)
	x.setDead(old)
	x.nDead++
	return true
}

// Add inserts v under label, replacing the label's previous vector. For
// the cosine metric the normalised vector is stored, and a zero vector is
// remembered but not indexed (its cosine distance is undefined), as
// pgvector skips it.
func (x *Index) Add(label uint64, v []float32) error {
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()
	s := x.getSearcher()
	defer x.pool.Put(s)
	err := x.add(s, label, v)
	x.maybeRepair()
	return err
}

func (x *Index) add(s *searcher, label uint64, v []float32) error {
	if len(v) != x.dim {
		return fmt.Errorf("%w: expected %d dimensions, not %d", ErrDim, x.dim, len(v))
	}
	if !finite(v) {
		return ErrNotFinite
	}
	if x.metric == Cosine {
		if isZero(v) {
			x.mu.RLock()
			x.metaMu.Lock()
			x.unlabel(label)
			x.zeros[label] = struct{}{}
			x.metaMu.Unlock()
			x.mu.RUnlock()
			return nil
		}
		vec.Normalize(s.q, v)
		v = s.q
	}
	x.metaMu.Lock()
	level := x.randomLevel()
	x.metaMu.Unlock()
	for {
		x.mu.RLock()
		if x.closed {
			x.mu.RUnlock()
			return ErrClosed
		}
		id, ok, needN, needUpper := x.alloc(label, level)
		if ok {
			x.insert(s, id, label, level, v)
			x.mu.RUnlock()
			return nil
		}
		x.mu.RUnlock()
		if !x.grow(needN, needUpper) {
			return ErrClosed
		}
	}
}

// AddBatch adds vs[i] under labels[i] using workers goroutines (0 means
// GOMAXPROCS). Insertion order between workers is not defined, so a label
// given twice keeps one of its vectors. It stops at the first error.
func (x *Index) AddBatch(labels []uint64, vs [][]float32, workers int) error {
	if len(labels) != len(vs) {
		return fmt.Errorf("hnsw: %d labels for %d vectors", len(labels), len(vs))
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(1, len(vs)/64))
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()
	x.mu.RLock()
	need := int(x.nodes.Load()) + len(vs)
	short := need > x.capN
	x.mu.RUnlock()
	if short && !x.grow(need, 0) {
		return ErrClosed
	}
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var failed atomic.Bool
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := x.getSearcher()
			defer x.pool.Put(s)
			for !failed.Load() {
				i := int(next.Add(1) - 1)
				if i >= len(vs) {
					return
				}
				if err := x.add(s, labels[i], vs[i]); err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("hnsw: vector %d: %w", i, err) })
					failed.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	if firstErr == nil {
		s := x.getSearcher()
		x.mu.RLock()
		x.connect(s)
		x.mu.RUnlock()
		x.pool.Put(s)
	}
	x.maybeRepair()
	return firstErr
}

// Delete tombstones label. A tombstoned node is never returned again but
// still routes searches until a repair unlinks it. It reports whether the
// label was live.
func (x *Index) Delete(label uint64) bool {
	x.writeMu.RLock()
	defer x.writeMu.RUnlock()
	x.mu.RLock()
	x.metaMu.Lock()
	ok := x.unlabel(label)
	if !ok {
		if _, z := x.zeros[label]; z {
			delete(x.zeros, label)
			ok = true
		}
	}
	x.metaMu.Unlock()
	x.mu.RUnlock()
	x.maybeRepair()
	return ok
}

// pfLinesFor is the number of cache lines of a vector prefetched: all of a
// short one (a 512-d one included), the first KiB of a longer one (the
// hardware streams the rest once it is read).
func pfLinesFor(dim int) int { return min((dim*2+63)/64, 16) }

// pfListFor is the number of cache lines a level-0 list of m0 links may
// span (it need not start on a line).
func pfListFor(m0 int) int { return min(((m0+1)*4+63)/64+1, 8) }
