package storage

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/vec"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// flatCaches holds the flat caches of vector columns that exact scans
// (flatscan.go) read, and the per-table data versions that say whether a
// cache still matches the committed rows.
//
// A table's version is bumped twice by every commit that writes under the
// table's key prefix: once under the commit lock before the batch is
// applied (the version is then odd) and once after it is visible (even
// again). A reader that sees the same even version before and after its
// reads saw no commit to the table in between, like a seqlock. Writes that
// bypass transactions (tiering's DropLocal and Import) bump the version
// the same way around their writes and drop the table's caches.
type flatCaches struct {
	mu      sync.Mutex
	ver     map[uint32]*atomic.Uint64
	entries map[flatKey]*flatEntry

	builds   atomic.Int64 // caches built
	rechecks atomic.Int64 // scans that needed a second, threshold pass
	pass8    atomic.Int64 // scans the 8-bit pass narrowed down
}

type flatKey struct {
	table uint32
	col   int
}

// flatEntry is the slot of one (table, column): build serializes builds,
// cur is the cache last built (guarded by flatCaches.mu).
type flatEntry struct {
	build sync.Mutex
	cur   *flatCache
}

// version returns the counter of table id, creating it.
func (f *flatCaches) version(id uint32) *atomic.Uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.versionLocked(id)
}

func (f *flatCaches) versionLocked(id uint32) *atomic.Uint64 {
	if f.ver == nil {
		f.ver = make(map[uint32]*atomic.Uint64)
	}
	v := f.ver[id]
	if v == nil {
		v = new(atomic.Uint64)
		f.ver[id] = v
	}
	return v
}

// beginWrite marks the tables as being written (odd versions) and returns
// their counters for endWrite.
func (f *flatCaches) beginWrite(tables map[uint32]struct{}) []*atomic.Uint64 {
	if len(tables) == 0 {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	vs := make([]*atomic.Uint64, 0, len(tables))
	for id := range tables {
		v := f.versionLocked(id)
		v.Add(1)
		vs = append(vs, v)
	}
	return vs
}

// endWrite ends what beginWrite began, once the write is visible (or
// failed).
func endWrite(vs []*atomic.Uint64) {
	for _, v := range vs {
		v.Add(1)
	}
}

// dropTable forgets every cache of table id. Readers still holding one
// keep it until they release it.
func (f *flatCaches) dropTable(id uint32) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, e := range f.entries {
		if k.table != id {
			continue
		}
		if e.cur != nil {
			e.cur.retireLocked()
			e.cur = nil
		}
		delete(f.entries, k)
	}
}

// dropTables forgets the caches of the tables a commit wrote (or dropped):
// their data version moved on, so they can serve no search; freeing them
// now keeps a cache no query will use, say once an index serves the
// column, from holding memory.
func (f *flatCaches) dropTables(ids map[uint32]struct{}) {
	f.mu.Lock()
	empty := len(f.entries) == 0
	f.mu.Unlock()
	if empty {
		return
	}
	for id := range ids {
		f.dropTable(id)
	}
}

// writeOutside marks a write to table id made outside a transaction
// (tiering): the table's version is odd until the returned function is
// called, after the write is visible; that also drops the table's caches.
func (f *flatCaches) writeOutside(id uint32) (done func()) {
	vs := f.beginWrite(map[uint32]struct{}{id: {}})
	return func() {
		endWrite(vs)
		f.dropTable(id)
	}
}

// dropAll forgets every cache (the store is closing).
func (f *flatCaches) dropAll() {
	f.mu.Lock()
	ids := make([]uint32, 0, len(f.entries))
	for k := range f.entries {
		ids = append(ids, k.table)
	}
	f.mu.Unlock()
	for _, id := range ids {
		f.dropTable(id)
	}
}

// entry returns the slot of (table, col), creating it.
func (f *flatCaches) entry(k flatKey) *flatEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.entries == nil {
		f.entries = make(map[flatKey]*flatEntry)
	}
	e := f.entries[k]
	if e == nil {
		e = &flatEntry{}
		f.entries[k] = e
	}
	return e
}

// acquire returns the cache of e built at version ver, referenced (the
// caller must release it), or nil.
func (f *flatCaches) acquire(e *flatEntry, ver uint64) *flatCache {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := e.cur; c != nil && c.ver == ver {
		c.refs++
		return c
	}
	return nil
}

// install makes c the cache of e, referenced once for the caller, and
// retires the one it replaces. A slot dropped meanwhile (DROP TABLE)
// does not take it.
func (f *flatCaches) install(k flatKey, e *flatEntry, c *flatCache) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.refs++
	if f.entries[k] != e {
		c.retireLocked()
		return
	}
	if e.cur != nil {
		e.cur.retireLocked()
	}
	e.cur = c
}

// release drops a reference taken by acquire or install.
func (f *flatCaches) release(c *flatCache) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c.refs--
	if c.retired && c.refs == 0 {
		c.free()
	}
}

// flatCache is one vector column of one table at one data version, laid
// out for a sequential scan: each row's vector divided by its norm, in
// half precision and in 8-bit codes, row after row, and the norms beside.
// One dot product of the normalized query with a row gives the cosine
// similarity, from which the inner product (times both norms) and the
// squared Euclidean distance (|a|²+|b|²-2a·b) follow, so one kernel per
// precision serves every metric but l1.
//
// Rows whose vector is NULL, zero or does not normalize to finite values
// are kept aside (by key) and scored exactly. The vectors live off the Go
// heap, in chunks of 1<<shift rows (about 12 MiB each).
type flatCache struct {
	ver    uint64
	dims   int
	n      int // rows in chunks
	shift  uint
	chunks []*offHeap
	data   [][]uint16 // per chunk, (1<<shift)*dims
	norm   []float32
	// maxNorm is the largest norm: it bounds the error of the scores.
	maxNorm float64

	// The same normalized vectors in 8 bits, for a first pass that reads
	// half the memory: per row codes c with |u - scale·c| = qerr, where u
	// is the normalized vector (qerr rounded up).
	codes [][]int8    // per chunk, (1<<shift)*dims
	scale [][]float32 // per chunk, 1<<shift
	qerr  [][]float32 // per chunk, 1<<shift
	// maxQerr is the largest qerr.
	maxQerr float64

	keys    []byte   // row keys of data rows, concatenated
	keyOffs []uint32 // n+1 offsets into keys

	side  []RowKey // non-NULL vectors scored exactly
	nulls []RowKey // NULL vectors

	// mixed: the column holds vectors of different dimensions; a scan
	// must report the error the generic path does, so it is not used.
	mixed bool

	refs    int  // guarded by flatCaches.mu
	retired bool // guarded by flatCaches.mu
}

func (c *flatCache) key(i int) []byte { return c.keys[c.keyOffs[i]:c.keyOffs[i+1]] }

func (c *flatCache) row(i int) []uint16 {
	off := (i & (1<<c.shift - 1)) * c.dims
	return c.data[i>>c.shift][off : off+c.dims]
}

// code returns row i's 8-bit codes, scale and quantization error.
func (c *flatCache) code(i int) ([]int8, float32, float32) {
	j := i & (1<<c.shift - 1)
	off := j * c.dims
	ch := i >> c.shift
	return c.codes[ch][off : off+c.dims], c.scale[ch][j], c.qerr[ch][j]
}

func (c *flatCache) retireLocked() {
	c.retired = true
	if c.refs == 0 {
		c.free()
	}
}

// free unmaps the chunks (unmapping a mapping we made does not fail).
func (c *flatCache) free() {
	for _, m := range c.chunks {
		_ = m.free()
	}
	c.chunks, c.data, c.codes, c.scale, c.qerr = nil, nil, nil, nil, nil
}

// flatChunkBytes is the size of a chunk of a cache's half-precision
// vectors (its codes take half as much again).
const flatChunkBytes = 8 << 20

// flatBuilder collects rows into a cache. The caller's goroutine reads and
// checks the vectors into a staging chunk (float32, off-heap); a second
// goroutines normalize full staging chunks into half precision and codes.
type flatBuilder struct {
	c *flatCache

	stage *flatStage // being filled
	work  chan *flatStage
	free  chan *flatStage
	wg    sync.WaitGroup
	mems  []*offHeap // the staging chunks' memory
}

type flatStage struct {
	src   []float32
	norms []float64
	n     int
	dst   []uint16
	codes []int8
	scale []float32
	qerr  []float32
}

// start sizes the chunks once the dimension is known.
func (b *flatBuilder) start() error {
	c := b.c
	c.shift = 4
	for c.shift < 20 && (2<<c.shift)*c.dims*2 <= flatChunkBytes {
		c.shift++
	}
	rows := 1 << c.shift
	b.work = make(chan *flatStage, flatStages)
	b.free = make(chan *flatStage, flatStages)
	for range flatStages {
		m, err := allocOffHeap(rows * c.dims * 4)
		if err != nil {
			return err
		}
		b.mems = append(b.mems, m)
		b.free <- &flatStage{src: m.float32s(0, rows*c.dims), norms: make([]float64, rows)}
	}
	b.wg.Add(flatConverters)
	for range flatConverters {
		go b.convert()
	}
	return nil
}

// Staging chunks and the goroutines that convert them.
const (
	flatStages     = 3
	flatConverters = 2
)

// convert normalizes staging chunks into half precision and codes.
func (b *flatBuilder) convert() {
	c := b.c
	defer b.wg.Done()
	for st := range b.work {
		d := c.dims
		for r := range st.n {
			inv := 1 / st.norms[r]
			src, dst := st.src[r*d:(r+1)*d], st.dst[r*d:(r+1)*d]
			var m float64
			for i, x := range src {
				u := float64(x) * inv
				dst[i] = vec.F32ToF16(float32(u))
				m = max(m, math.Abs(u))
			}
			st.scale[r], st.qerr[r] = quantize8(src, inv, m, st.codes[r*d:(r+1)*d])
		}
		b.free <- st
	}
}

// flush hands the staging chunk to the converter.
func (b *flatBuilder) flush() {
	if b.stage != nil && b.stage.n > 0 {
		b.work <- b.stage
	} else if b.stage != nil {
		b.free <- b.stage
	}
	b.stage = nil
}

// finish waits for the converter and frees the staging memory.
func (b *flatBuilder) finish() {
	if b.work == nil {
		return
	}
	b.flush()
	close(b.work)
	b.wg.Wait()
	for _, m := range b.mems {
		_ = m.free()
	}
	b.work = nil
}

// add appends one row's vector.
func (b *flatBuilder) add(key []byte, v []float32) error {
	c := b.c
	if c.dims == 0 {
		c.dims = len(v)
	}
	if len(v) != c.dims {
		c.mixed = true
		return nil
	}
	var s float64
	finite := true
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			finite = false
			break
		}
		s += float64(x) * float64(x)
	}
	norm := math.Sqrt(s)
	if !finite || norm == 0 || math.IsInf(norm, 0) || norm > math.MaxFloat32 {
		c.side = append(c.side, RowKey(append([]byte(nil), key...)))
		return nil
	}
	if b.work == nil {
		if err := b.start(); err != nil {
			return err
		}
	}
	rows := 1 << c.shift
	if b.stage == nil {
		f16 := (rows*c.dims*2 + 7) &^ 7
		i8 := (rows*c.dims + 7) &^ 7
		m, err := allocOffHeap(f16 + i8 + 8*rows)
		if err != nil {
			return err
		}
		c.chunks = append(c.chunks, m)
		c.data = append(c.data, m.uint16s(0, rows*c.dims))
		c.codes = append(c.codes, m.int8s(f16, rows*c.dims))
		c.scale = append(c.scale, m.float32s(f16+i8, rows))
		c.qerr = append(c.qerr, m.float32s(f16+i8+4*rows, rows))
		b.stage = <-b.free
		last := len(c.data) - 1
		b.stage.n, b.stage.dst = 0, c.data[last]
		b.stage.codes, b.stage.scale, b.stage.qerr = c.codes[last], c.scale[last], c.qerr[last]
	}
	st := b.stage
	copy(st.src[st.n*c.dims:], v)
	st.norms[st.n] = norm
	st.n++
	if st.n == rows {
		b.flush()
	}
	c.norm = append(c.norm, float32(norm))
	c.maxNorm = max(c.maxNorm, float64(float32(norm)))
	c.keys = append(c.keys, key...)
	c.keyOffs = append(c.keyOffs, uint32(len(c.keys)))
	c.n++
	return nil
}

// buildFlatCache reads column col of every committed row of td into a new
// cache tagged ver. The caller checks afterwards that the version did not
// move while it read. An error from check ends the build.
func (db *DB) buildFlatCache(check func() error, td *TableDesc, col int, ver uint64) (*flatCache, error) {
	c := &flatCache{ver: ver, keyOffs: []uint32{0}}
	if m := td.Columns[col].Type.Mod; m > 0 {
		c.dims = int(m)
	}
	built := false
	b := flatBuilder{c: c}
	defer func() {
		b.finish()
		if !built {
			c.free()
		}
	}()
	p := rowPrefix(td.ID)
	it, err := db.pdb.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, wrapf(err, "build vector cache")
	}
	defer it.Close()
	row := make(types.Row, len(td.Columns))
	var scratch []float32
	n := 0
	for ok := it.First(); ok; ok = it.Next() {
		if n++; n&4095 == 0 {
			if err := check(); err != nil {
				return nil, err
			}
		}
		val, err := it.ValueAndErr()
		if err != nil {
			return nil, wrapf(err, "build vector cache")
		}
		key := it.Key()[len(p):]
		v, null, ok := rowVectorField(val, col, scratch)
		if !ok {
			// Some other field before it: decode the whole row.
			clear(row)
			if err := decodeRowInto(val, row); err != nil {
				return nil, err
			}
			d := row[col]
			if null = d.K == types.KNull; !null {
				if v, ok = datumVector(d); !ok {
					return nil, pgerr.New(pgerr.DatatypeMismatch, "storage: column %q of table %q holds no vector",
						td.Columns[col].Name, td.Name)
				}
			}
		}
		if null {
			c.nulls = append(c.nulls, RowKey(append([]byte(nil), key...)))
			continue
		}
		scratch = v[:0]
		if err := b.add(key, v); err != nil {
			return nil, err
		}
	}
	if err := it.Error(); err != nil {
		return nil, wrapf(err, "build vector cache")
	}
	b.finish()
	for i := range c.n {
		_, _, e := c.code(i)
		c.maxQerr = max(c.maxQerr, float64(e))
	}
	built = true
	return c, nil
}

// rowVectorField reads field col of an encoded row without decoding the
// others: a vector field's values into dst's storage (grown as needed), or
// null for a NULL or missing trailing field. ok is false when a field on
// the way is of a kind it does not skip, or col is not a vector: the caller
// then decodes the row.
func rowVectorField(buf []byte, col int, dst []float32) (v []float32, null, ok bool) {
	if len(buf) == 0 || buf[0] != rowFormatV1 {
		return nil, false, false
	}
	n, w := binary.Uvarint(buf[1:])
	if w <= 0 {
		return nil, false, false
	}
	if uint64(col) >= n {
		return nil, true, true
	}
	pos := 1 + w
	for i := 0; ; i++ {
		if pos >= len(buf) {
			return nil, false, false
		}
		tag := buf[pos]
		if i == col && tag == rowNull {
			return nil, true, true
		}
		if tag == rowFloat32s {
			dims, w := binary.Uvarint(buf[pos+1:])
			if w <= 0 || uint64(len(buf)-pos-1-w)/4 < dims {
				return nil, false, false
			}
			pos += 1 + w
			if i == col {
				v = slices.Grow(dst[:0], int(dims))[:dims]
				getFloats(v, buf[pos:])
				return v, false, true
			}
			pos += 4 * int(dims)
			continue
		}
		if i == col {
			return nil, false, false
		}
		end, err := scalarFieldEnd(buf, pos)
		if err != nil {
			return nil, false, false
		}
		pos = end
	}
}

// quantize8 stores src·inv (a unit vector u, with m = max|u_i|) as 8-bit
// codes: code_i = round(u_i/scale) with scale = m/127. It returns scale
// and |u - scale·code|, rounded up, computed in float64.
func quantize8(src []float32, inv, m float64, codes []int8) (float32, float32) {
	scale := float32(m / 127)
	if scale == 0 {
		clear(codes)
		return 0, 1
	}
	sc := float64(scale)
	isc := 1 / sc
	var e float64
	for i, x := range src {
		u := float64(x) * inv
		q := math.RoundToEven(u * isc)
		if q > 127 {
			q = 127
		} else if q < -127 {
			q = -127
		}
		codes[i] = int8(q)
		d := u - q*sc
		e += d * d
	}
	return scale, math.Nextafter32(float32(math.Sqrt(e)*(1+1e-12)), float32(math.Inf(1)))
}
