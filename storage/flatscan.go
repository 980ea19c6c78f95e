package storage

import (
	"bytes"
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/hnsw"
	"github.com/akidb/akidb/storage/vec"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// exactFetch is how many rows each half of a half-precision scan (the one
// that runs when the 8-bit pass cannot decide) keeps by approximate score;
// the scores' error bound then decides which of them are read and scored
// exactly.
const exactFetch = 256

// exactRecheckMax caps the rows a second, threshold pass may collect when
// the first could not prove it kept the nearest rows; past it the caller
// scans the table instead.
const exactRecheckMax = 8192

// ExactSearch returns the k rows of td nearest to q by the distance
// operator op ("<->", "<=>", "<#>"; "<+>" is not served) on vector column
// col, nearest first, with the distance SQL reports, as a full scan would
// find them: rows whose vector is NULL come last, after rows whose distance
// is NaN. It reads a flat cache of the column (flatcache.go), built on
// first use from the committed rows: a scan of 8-bit codes on two
// goroutines keeps the best candidates, a half-precision rescoring narrows
// them down, and the rest are read through the transaction and ranked by
// their exact distances. Each step keeps every row a bound on its error
// cannot rule out, so the answer is the exact one, not an approximation.
//
// ok is false when the cache cannot answer and the caller must scan the
// table itself: the transaction wrote to td, a commit to td ran during
// the search, the column holds vectors of different dimensions (or other
// than q's, which is the scan's error to report), q is zero or not finite,
// or op is not served.
func (t *Txn) ExactSearch(ctx context.Context, td *TableDesc, col int, op string, q []float32, k int) (hits []VectorHit, ok bool, err error) {
	if err := t.check(); err != nil {
		return nil, false, err
	}
	if col < 0 || col >= len(td.Columns) {
		return nil, false, pgerr.New(pgerr.InternalError, "storage: column %d of table %q does not exist", col, td.Name)
	}
	var m hnsw.Metric
	switch op {
	case "<->":
		m = hnsw.L2
	case "<=>":
		m = hnsw.Cosine
	case "<#>":
		m = hnsw.InnerProduct
	default:
		return nil, false, nil
	}
	if k <= 0 {
		return nil, true, nil
	}
	var qs float64
	for _, x := range q {
		qs += float64(x) * float64(x)
	}
	qn := math.Sqrt(qs)
	if qn == 0 || math.IsNaN(qn) || math.IsInf(qn, 0) || qn > math.MaxFloat32 {
		return nil, false, nil
	}
	if t.wroteTable(td.ID) {
		return nil, false, nil
	}
	check := func() error {
		if ctx == nil {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return pgerr.Wrap(err, pgerr.QueryCanceled, "canceling statement")
		}
		return nil
	}
	db := t.db
	ctr := db.flat.version(td.ID)
	ver := ctr.Load()
	if ver&1 != 0 {
		return nil, false, nil // a commit to the table is under way
	}
	fk := flatKey{table: td.ID, col: col}
	e := db.flat.entry(fk)
	c := db.flat.acquire(e, ver)
	if c == nil {
		e.build.Lock()
		if c = db.flat.acquire(e, ver); c == nil {
			c, err = db.buildFlatCache(check, td, col, ver)
			if err == nil {
				db.flat.builds.Add(1)
				if ctr.Load() != ver {
					c.free()
					c = nil
				} else {
					db.flat.install(fk, e, c)
				}
			}
		}
		e.build.Unlock()
		if err != nil || c == nil {
			return nil, false, err
		}
	}
	defer db.flat.release(c)
	if c.mixed || (c.dims != 0 && len(q) != c.dims) {
		return nil, false, nil
	}

	s := flatSearch{c: c, m: m, qn: qn, k: k, stats: &db.flat}
	cand, ok, err := s.candidates(q, check)
	if err != nil || !ok {
		return nil, false, err
	}
	keys := make([]RowKey, 0, len(cand)+len(c.side)+k)
	for _, i := range cand {
		keys = append(keys, RowKey(c.key(int(i))))
	}
	keys = append(keys, c.side...)
	if nonNull := c.n + len(c.side); nonNull < k {
		keys = append(keys, c.nulls[:min(len(c.nulls), k-nonNull)]...)
	}
	hits, ok, err = t.rankRows(td, col, m, q, keys, k)
	if err != nil || !ok {
		return nil, false, err
	}
	if ctr.Load() != ver {
		return nil, false, nil // the rows read may not be the cache's
	}
	return hits, true, nil
}

// wroteTable reports whether the transaction has written under td's key
// prefix.
func (t *Txn) wroteTable(id uint32) bool {
	if t.b.Empty() {
		return false
	}
	r := t.b.Reader()
	for {
		_, k, _, ok, err := r.Next()
		if err != nil {
			return true
		}
		if !ok {
			return false
		}
		if tid, ok := tableIDOfKey(k); ok && tid == id {
			return true
		}
	}
}

// rankRows reads the rows with the given keys through the transaction,
// scores them exactly and returns the k nearest (NULL vectors last, NaN
// distances before them). ok is false when a row is missing: the view
// does not match the cache.
func (t *Txn) rankRows(td *TableDesc, col int, m hnsw.Metric, q []float32, keys []RowKey, k int) ([]VectorHit, bool, error) {
	slices.SortFunc(keys, func(a, b RowKey) int { return bytes.Compare(a, b) })
	keys = slices.CompactFunc(keys, func(a, b RowKey) bool { return bytes.Equal(a, b) })
	p := rowPrefix(td.ID)
	it, err := t.b.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return nil, false, wrapf(err, "exact search")
	}
	defer it.Close()
	type scored struct {
		hit  VectorHit
		rank int // 0 finite, 1 NaN, 2 NULL
	}
	out := make([]scored, 0, len(keys))
	var kb []byte
	for _, key := range keys {
		kb = append(append(kb[:0], p...), key...)
		if !it.SeekGE(kb) || !bytes.Equal(it.Key(), kb) {
			if err := it.Error(); err != nil {
				return nil, false, wrapf(err, "exact search")
			}
			return nil, false, nil
		}
		val, err := it.ValueAndErr()
		if err != nil {
			return nil, false, wrapf(err, "exact search")
		}
		row := make(types.Row, len(td.Columns))
		if err := decodeRowInto(val, row); err != nil {
			return nil, false, err
		}
		s := scored{hit: VectorHit{Row: row, Key: slices.Clone(key)}}
		if d := row[col]; d.K == types.KNull {
			s.rank = 2
		} else {
			v, ok := datumVector(d)
			if !ok || len(v) != len(q) {
				return nil, false, nil
			}
			s.hit.Dist = exactDistance(m, q, v)
			if math.IsNaN(float64(s.hit.Dist)) {
				s.rank = 1
			}
		}
		out = append(out, s)
	}
	slices.SortStableFunc(out, func(a, b scored) int {
		if a.rank != b.rank {
			return a.rank - b.rank
		}
		return cmpDist(a.hit.Dist, b.hit.Dist)
	})
	hits := make([]VectorHit, 0, min(k, len(out)))
	for _, s := range out[:min(k, len(out))] {
		hits = append(hits, s.hit)
	}
	return hits, true, nil
}

// flatSearch scores the cache's rows against one query.
//
// A row's score is a monotone stand-in for its distance computed from the
// half-precision dot product d ≈ cos(q, x) of the normalized vectors, with
// s = |x| and Q = |q|: cosine -d, inner product -s·d, squared l2
// s²-2Q·s·d. The dot product of two unit vectors rounded to half precision
// and summed in float32 is within eps of the true cosine, so a score is
// within err(s) of the score of the exact cosine.
type flatSearch struct {
	c   *flatCache
	m   hnsw.Metric
	qn  float64
	k   int
	eps float64

	stats *flatCaches
}

func (s *flatSearch) score(d, norm float32) float32 {
	switch s.m {
	case hnsw.InnerProduct:
		return -norm * d
	case hnsw.L2:
		return norm*norm - 2*float32(s.qn)*norm*d
	}
	return -d
}

// errBound bounds |score - exact score| for a row of norm sn scored with
// the half-precision kernel.
func (s *flatSearch) errBound(sn float64) float64 { return s.errBoundEps(sn, s.eps) }

// errBoundEps bounds |score - exact score| for a row of norm sn whose
// cosine is known within eps.
func (s *flatSearch) errBoundEps(sn, eps float64) float64 {
	var e float64
	switch s.m {
	case hnsw.InnerProduct:
		e = sn * eps
	case hnsw.L2:
		e = 2 * s.qn * sn * eps
	default:
		e = eps
		sn = 1
	}
	// The score's own float32 arithmetic.
	return e + 1e-6*(sn*sn+2*s.qn*sn+sn+1)
}

// candidates returns the cache rows that may be among the k nearest.
func (s *flatSearch) candidates(q []float32, check func() error) ([]int32, bool, error) {
	c := s.c
	if c.n == 0 {
		return nil, true, nil
	}
	d := float64(c.dims)
	const u = 1.0 / 2048 // half precision's unit roundoff
	sub := math.Sqrt(d) / (1 << 25)
	s.eps = 1.01 * (2*(u+sub)*(1+u+sub) + (d+16)/(1<<24))

	qh := make([]uint16, len(q))
	inv := 1 / s.qn
	for i, x := range q {
		qh[i] = vec.F32ToF16(float32(float64(x) * inv))
	}

	// The 8-bit pass, when it can prove which rows may be nearest, leaves
	// only those to score in half precision.
	if cand, ok, err := s.candidates8(q, check); err != nil {
		return nil, false, err
	} else if ok {
		s.stats.pass8.Add(1)
		return s.refine(qh, cand), true, nil
	}

	// First pass: each half keeps its best exactFetch rows.
	fetch := max(exactFetch, s.k)
	var heaps [2]topHeap
	heaps[0].init(fetch)
	heaps[1].init(fetch)
	if err := scanBlocks(c.n, check, func(g, lo, hi int) bool {
		h := &heaps[g]
		for i := lo; i < hi; i++ {
			if sc := s.score(vec.DotF16(qh, c.row(i)), c.norm[i]); len(h.sc) < h.n || sc < h.sc[0] {
				h.offer(sc, int32(i))
			}
		}
		return true
	}); err != nil {
		return nil, false, err
	}

	// T: every row not kept scores at least T.
	T, all := gather(&heaps)
	if math.IsInf(T, 1) {
		// Every row was kept.
		return rowsOf(all), true, nil
	}
	// U: at least k rows score exactly at most U.
	U, near := nearest(all, s.k, func(i int32) float64 { return s.errBound(float64(c.norm[i])) })
	E := s.errBound(c.maxNorm) // bounds the error of any row
	if T-E > U {
		// No row outside the kept ones can be among the k nearest.
		return near, true, nil
	}

	// Second pass: every row whose score could be within U.
	s.stats.rechecks.Add(1)
	lim := float32(U + E)
	var outs [2][]int32
	var over [2]bool
	if err := scanBlocks(c.n, check, func(g, lo, hi int) bool {
		for i := lo; i < hi; i++ {
			if s.score(vec.DotF16(qh, c.row(i)), c.norm[i]) <= lim {
				if len(outs[g]) == exactRecheckMax {
					over[g] = true
					return false
				}
				outs[g] = append(outs[g], int32(i))
			}
		}
		return true
	}); err != nil {
		return nil, false, err
	}
	if over[0] || over[1] {
		return nil, false, nil
	}
	out := append(outs[0], outs[1]...)
	if len(out) > exactRecheckMax {
		return nil, false, nil
	}
	return out, true, nil
}

// exactFetch8 is how many rows each half of the 8-bit pass keeps.
const exactFetch8 = 2048

// candidates8 is the first pass over the 8-bit codes: it returns rows
// that include every row that may be among the k nearest, or ok false
// when the codes' error bound cannot narrow the rows down enough.
//
// The query, normalized to v, is quantized to int16 codes w/S (S chosen so
// that no sum of code products leaves int32); with a row's codes standing
// for û (|u - û| = qerr) the dot product û·(w/S) is within
// qerr·|w/S| + |v - w/S| of the cosine u·v.
func (s *flatSearch) candidates8(q []float32, check func() error) ([]int32, bool, error) {
	c := s.c
	if c.codes == nil {
		return nil, false, nil
	}
	qmax := min(32767, math.Floor(float64(math.MaxInt32)/float64(c.dims*127)))
	if qmax < 1 {
		return nil, false, nil
	}
	inv := 1 / s.qn
	var m float64
	for _, x := range q {
		m = max(m, math.Abs(float64(x)*inv))
	}
	S := qmax / m
	qc := make([]int16, len(q))
	var wn, dn float64
	for i, x := range q {
		v := float64(x) * inv
		w := max(-qmax, min(qmax, math.Round(v*S)))
		qc[i] = int16(w)
		wn += (w / S) * (w / S)
		dn += (v - w/S) * (v - w/S)
	}
	wn, dn = math.Sqrt(wn)*(1+1e-9), math.Sqrt(dn)*(1+1e-9)+1e-12
	qinv := float32(1 / S)
	eps := func(qerr float32) float64 { return float64(qerr)*wn + dn }

	fetch := max(exactFetch8, s.k)
	var heaps [2]topHeap
	heaps[0].init(fetch)
	heaps[1].init(fetch)
	if err := scanBlocks(c.n, check, func(g, lo, hi int) bool {
		h := &heaps[g]
		for i := lo; i < hi; i++ {
			codes, scale, _ := c.code(i)
			d := float32(vec.DotI8(codes, qc)) * (scale * qinv)
			if sc := s.score(d, c.norm[i]); len(h.sc) < h.n || sc < h.sc[0] {
				h.offer(sc, int32(i))
			}
		}
		return true
	}); err != nil {
		return nil, false, err
	}
	bound := func(i int32) float64 {
		_, _, qerr := c.code(int(i))
		return s.errBoundEps(float64(c.norm[i]), eps(qerr))
	}
	T, all := gather(&heaps)
	if math.IsInf(T, 1) {
		return rowsOf(all), true, nil
	}
	U, near := nearest(all, s.k, bound)
	if T-s.errBoundEps(c.maxNorm, eps(float32(c.maxQerr))) <= U {
		return nil, false, nil
	}
	return near, true, nil
}

// refine scores rows in half precision and keeps those that may be among
// the k nearest of them.
func (s *flatSearch) refine(qh []uint16, rows []int32) []int32 {
	c := s.c
	if len(rows) <= s.k {
		return rows
	}
	all := make([]rowScore, len(rows))
	for j, i := range rows {
		all[j] = rowScore{s.score(vec.DotF16(qh, c.row(int(i))), c.norm[i]), i}
	}
	slices.SortFunc(all, func(a, b rowScore) int { return cmpDist(a.sc, b.sc) })
	_, near := nearest(all, s.k, func(i int32) float64 { return s.errBound(float64(c.norm[i])) })
	return near
}

// rowScore is a cache row with its approximate score.
type rowScore struct {
	sc float32
	i  int32
}

// gather merges the kept rows of the two halves' heaps. T is a score that
// every row not kept reaches at least: +Inf when no half had to drop a
// row, and then all is unsorted; otherwise all is sorted by score.
func gather(heaps *[2]topHeap) (T float64, all []rowScore) {
	T = math.Inf(1)
	for g := range heaps {
		h := &heaps[g]
		if h.full() {
			T = min(T, float64(h.sc[0]))
		}
		for j := range h.sc {
			all = append(all, rowScore{h.sc[j], h.idx[j]})
		}
	}
	if !math.IsInf(T, 1) {
		slices.SortFunc(all, func(a, b rowScore) int { return cmpDist(a.sc, b.sc) })
	}
	return T, all
}

// nearest takes rows sorted by approximate score, each within bound(i) of
// its exact score. U is a score that at least k of them reach exactly at
// most, and near the rows that may score at most U.
func nearest(all []rowScore, k int, bound func(int32) float64) (U float64, near []int32) {
	U = math.Inf(-1)
	for _, x := range all[:min(k, len(all))] {
		U = max(U, float64(x.sc)+bound(x.i))
	}
	for _, x := range all {
		if float64(x.sc)-bound(x.i) <= U {
			near = append(near, x.i)
		}
	}
	return U, near
}

// rowsOf returns the rows of all.
func rowsOf(all []rowScore) []int32 {
	out := make([]int32, len(all))
	for j, x := range all {
		out[j] = x.i
	}
	return out
}

// scanBlock is the unit of work of a parallel scan, in rows.
const scanBlock = 4096

// scanBlocks runs fn over [0, n) in blocks of scanBlock rows, on the
// caller's goroutine (g 0) and one more (g 1), each taking the next block
// when done with one, so a goroutine the machine runs less takes fewer
// blocks. It checks for cancellation between blocks; a false from fn
// stops both. Small scans run on the caller alone.
func scanBlocks(n int, check func() error, fn func(g, lo, hi int) bool) error {
	var next atomic.Int64
	var stop atomic.Bool
	var errs [2]error
	work := func(g int) {
		for !stop.Load() {
			lo := int(next.Add(1)-1) * scanBlock
			if lo >= n {
				return
			}
			if errs[g] = check(); errs[g] != nil || !fn(g, lo, min(lo+scanBlock, n)) {
				stop.Store(true)
				return
			}
		}
	}
	if n <= scanBlock {
		work(0)
		return errs[0]
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		work(1)
	}()
	work(0)
	wg.Wait()
	if errs[0] != nil {
		return errs[0]
	}
	return errs[1]
}

// topHeap keeps the n lowest scores offered: a max-heap on sc.
type topHeap struct {
	n   int
	sc  []float32
	idx []int32
}

func (h *topHeap) init(n int) {
	h.n = n
	h.sc = make([]float32, 0, n)
	h.idx = make([]int32, 0, n)
}

func (h *topHeap) full() bool { return len(h.sc) == h.n }

func (h *topHeap) offer(sc float32, i int32) {
	if len(h.sc) < h.n {
		h.sc = append(h.sc, sc)
		h.idx = append(h.idx, i)
		// sift up
		j := len(h.sc) - 1
		for j > 0 {
			p := (j - 1) / 2
			if h.sc[p] >= h.sc[j] {
				break
			}
			h.sc[p], h.sc[j] = h.sc[j], h.sc[p]
			h.idx[p], h.idx[j] = h.idx[j], h.idx[p]
			j = p
		}
		return
	}
	if !(sc < h.sc[0]) {
		return
	}
	h.sc[0], h.idx[0] = sc, i
	j := 0
	n := len(h.sc)
	for {
		l := 2*j + 1
		if l >= n {
			break
		}
		if r := l + 1; r < n && h.sc[r] > h.sc[l] {
			l = r
		}
		if h.sc[j] >= h.sc[l] {
			break
		}
		h.sc[j], h.sc[l] = h.sc[l], h.sc[j]
		h.idx[j], h.idx[l] = h.idx[l], h.idx[j]
		j = l
	}
}
