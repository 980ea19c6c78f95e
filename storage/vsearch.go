package storage

import (
	"bytes"
	"slices"

	"github.com/akidb/akidb/pgerr"
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
	if err := t.check(); err != nil {
		return nil, err
	}
	if !idx.IsVector() {
		return nil, pgerr.New(pgerr.WrongObjectType, "storage: index %q is not a vector index", idx.Name)
	}
	if len(q) != idx.Dims {
		return nil, pgerr.New(pgerr.DataException, "different vector dimensions %d and %d", idx.Dims, len(q))
	}
	v := t.vindexFor(idx.ID)
	if v == nil {
		return nil, pgerr.New(pgerr.InternalError, "storage: vector index %q is not loaded", idx.Name)
	}
	if k <= 0 {
		return nil, nil
	}

	lp := vecPrefix(td.ID, tableVecLabels, idx.ID)
	labels, err := t.b.NewIter(&pebble.IterOptions{LowerBound: lp, UpperBound: prefixEnd(lp)})
	if err != nil {
		return nil, wrapf(err, "vector search")
	}
	defer labels.Close()
	rp := rowPrefix(td.ID)
	rows, err := labels.Clone(pebble.CloneOptions{
		IterOptions: &pebble.IterOptions{LowerBound: rp, UpperBound: prefixEnd(rp)},
	})
	if err != nil {
		return nil, wrapf(err, "vector search")
	}
	defer rows.Close()

	var ferr error
	// readRow reads the row with the given key and asks accept about it.
	readRow := func(key []byte) (types.Row, bool) {
		k := rowKey(td.ID, key)
		if !rows.SeekGE(k) || !bytes.Equal(rows.Key(), k) {
			if ferr = rows.Error(); ferr == nil {
				ferr = pgerr.New(pgerr.DataCorrupted, "storage: vector label without a row in table %q", td.Name)
			}
			return nil, false
		}
		val, err := rows.ValueAndErr()
		if err != nil {
			ferr = wrapf(err, "vector search")
			return nil, false
		}
		row := make(types.Row, len(td.Columns))
		if err := decodeRowInto(val, row); err != nil {
			ferr = err
			return nil, false
		}
		if accept != nil {
			ok, err := accept(row)
			if err != nil {
				ferr = err
				return nil, false
			}
			if !ok {
				return nil, false
			}
		}
		return row, true
	}

	found := make(map[uint64]VectorHit, k)
	var lk []byte
	res := v.g.Search(q, k, ef, func(label uint64) bool {
		if ferr != nil {
			return false
		}
		lk = binary64Key(lk[:0], lp, label)
		if !labels.SeekGE(lk) || !bytes.Equal(labels.Key(), lk) {
			ferr = labels.Error()
			return false // deleted by a committed write or by this txn
		}
		val, err := labels.ValueAndErr()
		if err != nil {
			ferr = wrapf(err, "vector search")
			return false
		}
		row, ok := readRow(val)
		if !ok {
			return false
		}
		found[label] = VectorHit{Row: row, Key: RowKey(bytes.Clone(val))}
		return true
	})
	if ferr != nil {
		return nil, ferr
	}
	hits := make([]VectorHit, 0, k)
	for _, r := range res {
		h, ok := found[r.Label]
		if !ok {
			continue
		}
		h.Dist = r.Dist
		hits = append(hits, h)
	}

	// Rows this transaction wrote since the graph was made (committed, or
	// built by this transaction) are not in it: scan them.
	if x := t.vecPending(idx.ID); x != nil {
		for _, op := range x.ops {
			if op.del || op.dead {
				continue
			}
			row, ok := readRow(op.key)
			if ferr != nil {
				return nil, ferr
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
