package storage

import (
	"bytes"
	"slices"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/hnsw"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// VectorHit is a row found by VectorSearch.
type VectorHit struct {
	Row  types.Row
	Key  RowKey
	Dist float32 // the distance SQL reports (by the index's operator)
}

// VectorSearch returns up to k rows of td nearest to q by idx's metric, in
// increasing distance, each accepted by accept (the caller's filter; nil
// accepts every row). It keeps searching the graph until k rows are
// accepted or the graph is exhausted, with a candidate list of at least
// ef. Rows are read through the transaction in one point-in-time view: a
// row deleted by a committed write or by this transaction is skipped, and
// rows this transaction inserted or changed (which the graph, holding
// committed rows only, lacks) are merged in by an exact scan of them.
// An error from accept ends the search and is returned.
func (t *Txn) VectorSearch(td *TableDesc, idx *IndexDesc, q []float32, k, ef int, accept func(row types.Row) (bool, error)) ([]VectorHit, error) {
	return t.vectorSearch(td, idx, q, k, ef, accept, false)
}

// VectorSearchKeys is VectorSearch without a filter for a caller that needs
// only the primary-key columns (KeyOnly(td) must hold): each hit's Row
// holds them, decoded from the row key, and NULL in every other column.
// The rows themselves are not read, only the label entries that say the
// rows are there in the transaction's view.
func (t *Txn) VectorSearchKeys(td *TableDesc, idx *IndexDesc, q []float32, k, ef int) ([]VectorHit, error) {
	if !KeyOnly(td) {
		return nil, pgerr.New(pgerr.InternalError, "storage: the key of table %q does not hold its columns", td.Name)
	}
	return t.vectorSearch(td, idx, q, k, ef, nil, true)
}

// KeyOnly reports whether td has a primary key whose columns decode from
// a row key to exactly the datums stored in the row: integers, strings
// and uuids (a numeric key, say, comes back without its trailing zeros).
func KeyOnly(td *TableDesc) bool {
	if len(td.PrimaryKey) == 0 {
		return false
	}
	for _, o := range td.PrimaryKey {
		switch td.colKind(o) {
		case types.KInt, types.KString, types.KUUID:
		default:
			return false
		}
	}
	return true
}

// keyRow returns a row of td holding the primary-key columns decoded from
// key, NULL elsewhere.
func keyRow(td *TableDesc, key []byte) (types.Row, error) {
	row := make(types.Row, len(td.Columns))
	rest := key
	for _, o := range td.PrimaryKey {
		d, r, err := decodeKeyDatum(rest)
		if err != nil {
			return nil, pgerr.Wrap(err, pgerr.DataCorrupted, "storage: row key of table %q", td.Name)
		}
		row[o], rest = d, r
	}
	return row, nil
}

func (t *Txn) vectorSearch(td *TableDesc, idx *IndexDesc, q []float32, k, ef int, accept func(row types.Row) (bool, error), keyOnly bool) ([]VectorHit, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if !idx.IsVector() {
		return nil, pgerr.New(pgerr.WrongObjectType, "storage: index %q is not a vector index", idx.Name)
	}
	if len(q) != idx.Dims {
		return nil, pgerr.New(pgerr.DataException, "different vector dimensions %d and %d", idx.Dims, len(q))
	}
	if k <= 0 {
		return nil, nil
	}
	v := t.acquireVindex(idx.ID)
	if v == nil {
		return nil, pgerr.New(pgerr.InternalError, "storage: vector index %q is not loaded", idx.Name)
	}
	defer v.release()
	if keyOnly && t.b.Empty() && t.vec == nil {
		hits, ok, err := t.searchFromMemory(td, v, q, k, ef)
		if ok || err != nil {
			return hits, err
		}
	}
	s := vsearch{t: t, td: td, v: v, accept: accept, keyOnly: keyOnly, lp: vecPrefix(td.ID, tableVecLabels, idx.ID)}
	var err error
	if s.labels, err = t.b.NewIter(&pebble.IterOptions{LowerBound: s.lp, UpperBound: prefixEnd(s.lp)}); err != nil {
		return nil, wrapf(err, "vector search")
	}
	defer s.labels.Close()
	defer func() {
		if s.rows != nil {
			s.rows.Close()
		}
	}()

	// A search that reads rows orders its answer by the rows' exact
	// distances; it asks the graph for up to 2k labels so that those just
	// past the k-th by half-precision distance can take its place.
	kk := k
	if !keyOnly {
		kk = 2 * k
	}
	var hits []VectorHit
	if accept == nil {
		hits, err = s.unfiltered(q, k, kk, ef)
	} else {
		hits, err = s.filtered(q, k, kk, ef)
	}
	if err != nil {
		return nil, err
	}
	if !keyOnly {
		s.exactDistances(hits, idx, q)
		if len(hits) > k {
			hits = hits[:k]
		}
	}

	// Rows this transaction wrote since the graph was made (committed, or
	// built by this transaction) are not in it: scan them.
	if x := t.vecPending(idx.ID); x != nil {
		for _, op := range x.ops {
			if op.del || op.dead {
				continue
			}
			row, ok, err := s.readRow(op.key)
			if err != nil {
				return nil, err
			}
			if ok {
				hits = append(hits, VectorHit{Row: row, Key: slices.Clone(op.key), Dist: exactDistance(v.metric, q, op.vec)})
			}
		}
		slices.SortStableFunc(hits, func(a, b VectorHit) int { return cmpDist(a.Dist, b.Dist) })
		if len(hits) > k {
			hits = hits[:k]
		}
	}
	return hits, nil
}

// vsearch is one VectorSearch: the graph and the transaction's view of the
// label entries and rows.
type vsearch struct {
	t      *Txn
	td     *TableDesc
	v      *vindex
	accept func(types.Row) (bool, error)
	// keyOnly: hits carry the key columns only, and rows are not read.
	keyOnly bool
	lp      []byte           // /t/<table>/v/<index>/
	labels  *pebble.Iterator // over lp
	rows    *pebble.Iterator // over the table's rows, same view; made when first needed
	lk      []byte
}

// rowKeyOf returns the row key a label names in the view, or false when
// the label has no entry there.
func (s *vsearch) rowKeyOf(label uint64) ([]byte, bool, error) {
	s.lk = binary64Key(s.lk[:0], s.lp, label)
	if !s.labels.SeekGE(s.lk) || !bytes.Equal(s.labels.Key(), s.lk) {
		if err := s.labels.Error(); err != nil {
			return nil, false, wrapf(err, "vector search")
		}
		return nil, false, nil
	}
	v, err := s.labels.ValueAndErr()
	if err != nil {
		return nil, false, wrapf(err, "vector search")
	}
	return v, true, nil
}

// readRow reads the row with the given key and asks the filter about it.
func (s *vsearch) readRow(key []byte) (types.Row, bool, error) {
	if s.rows == nil {
		// A clone of labels, so it reads the same point-in-time view. A
		// search that returns keys only never needs it.
		rp := rowPrefix(s.td.ID)
		rows, err := s.labels.Clone(pebble.CloneOptions{
			IterOptions: &pebble.IterOptions{LowerBound: rp, UpperBound: prefixEnd(rp)},
		})
		if err != nil {
			return nil, false, wrapf(err, "vector search")
		}
		s.rows = rows
	}
	k := rowKey(s.td.ID, key)
	if !s.rows.SeekGE(k) || !bytes.Equal(s.rows.Key(), k) {
		if err := s.rows.Error(); err != nil {
			return nil, false, wrapf(err, "vector search")
		}
		return nil, false, pgerr.New(pgerr.DataCorrupted, "storage: vector label without a row in table %q", s.td.Name)
	}
	val, err := s.rows.ValueAndErr()
	if err != nil {
		return nil, false, wrapf(err, "vector search")
	}
	row := make(types.Row, len(s.td.Columns))
	if err := decodeRowInto(val, row); err != nil {
		return nil, false, err
	}
	if s.accept != nil {
		ok, err := s.accept(row)
		if err != nil || !ok {
			return nil, false, err
		}
	}
	return row, true, nil
}

// exactDistances replaces the graph's distances of hits, computed from
// its half-precision vectors, by the exact ones from the rows' vectors,
// and restores the order by them: what a search returns is in the order
// of the distances SQL computes for its rows.
func (s *vsearch) exactDistances(hits []VectorHit, idx *IndexDesc, q []float32) {
	col := idx.Columns[0]
	for i := range hits {
		if v, ok := datumVector(hits[i].Row[col]); ok {
			hits[i].Dist = exactDistance(s.v.metric, q, v)
		}
	}
	slices.SortStableFunc(hits, func(a, b VectorHit) int { return cmpDist(a.Dist, b.Dist) })
}

// filtered searches the graph checking, for every label that would enter
// the answer, its entry and its row (and the filter) in the view.
func (s *vsearch) filtered(q []float32, k, kk, ef int) ([]VectorHit, error) {
	var ferr error
	found := make(map[uint64]VectorHit, k)
	res := s.v.g.Search(q, kk, ef, func(label uint64) bool {
		if ferr != nil {
			return false
		}
		key, ok, err := s.rowKeyOf(label)
		if err != nil || !ok { // no entry: deleted by a committed write or by this txn
			ferr = err
			return false
		}
		row, ok, err := s.readRow(key)
		if err != nil || !ok {
			ferr = err
			return false
		}
		found[label] = VectorHit{Key: RowKey(bytes.Clone(key)), Row: row}
		return true
	})
	if ferr != nil {
		return nil, ferr
	}
	res = res[:nearBoundary(res, k)]
	hits := make([]VectorHit, 0, len(res))
	for _, r := range res {
		if h, ok := found[r.Label]; ok {
			h.Dist = r.Dist
			hits = append(hits, h)
		}
	}
	return hits, nil
}

// unfiltered searches the graph skipping only the labels the transaction
// deleted, then reads the answers' entries and rows: k reads instead of
// one per label that entered the answer on the way. A label without an
// entry in the view (a delete committed but not yet applied to the graph,
// or an insert applied after the view was taken) sends the search through
// the checking path, which skips such labels.
func (s *vsearch) unfiltered(q []float32, k, kk, ef int) ([]VectorHit, error) {
	var skip func(uint64) bool
	if tv := s.t.vec; tv != nil {
		if x := tv.idx[s.v.id]; x != nil && len(x.deleted) > 0 {
			skip = func(l uint64) bool { _, del := x.deleted[l]; return !del }
		}
	}
	res := s.v.g.Search(q, kk, ef, skip)
	res = res[:nearBoundary(res, k)]
	hits := make([]VectorHit, 0, len(res))
	for _, r := range res {
		key, ok, err := s.rowKeyOf(r.Label)
		if err != nil {
			return nil, err
		}
		if !ok {
			return s.filtered(q, k, kk, ef)
		}
		var row types.Row
		if s.keyOnly {
			row, err = keyRow(s.td, key)
		} else {
			row, _, err = s.readRow(key)
		}
		if err != nil {
			return nil, err
		}
		hits = append(hits, VectorHit{Row: row, Key: RowKey(bytes.Clone(key)), Dist: r.Dist})
	}
	return hits, nil
}

// nearBoundary returns how many of res, in increasing half-precision
// distance, may be among the k nearest by exact distance: the first k,
// and those after them whose distance is within boundaryTolerance of the
// k-th's (relative to the larger of the first and the k-th distance).
func nearBoundary(res []hnsw.Result, k int) int {
	if len(res) <= k {
		return len(res)
	}
	dk := res[k-1].Dist
	tol := boundaryTolerance * max(abs32(dk), abs32(res[0].Dist))
	n := k
	for n < len(res) && res[n].Dist <= dk+tol {
		n++
	}
	return n
}

// boundaryTolerance bounds, relative to the distances, how far a
// half-precision distance may be from the exact one: a few times the
// 2^-11 rounding of one element.
const boundaryTolerance = 1.0 / 256

func abs32(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}

// vecPending returns the txn's pending inserts into an index, or nil.
func (t *Txn) vecPending(indexID uint32) *txnVecIndex {
	if t.vec == nil {
		return nil
	}
	if x := t.vec.idx[indexID]; x != nil && len(x.live) > 0 {
		return x
	}
	return nil
}

func binary64Key(b, prefix []byte, label uint64) []byte {
	b = append(b, prefix...)
	return appendUint64(b, label)
}

func cmpDist(a, b float32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
