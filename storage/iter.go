package storage

import (
	"bytes"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// Span bounds a scan by a prefix of the key columns (the primary key for
// Scan, the index columns for ScanIndex). A nil Start or End is unbounded.
// Bounds compare in key order, where NULL sorts before every value: a span
// without Start includes rows whose key column is NULL, and Start = [NULL]
// with StartExclusive skips them.
type Span struct {
	Start, End                   []types.Datum
	StartExclusive, EndExclusive bool
}

// RowIter walks rows in key order. It reads one point-in-time view: the
// data committed when it was created plus the transaction's writes up to
// then. The caller MUST call Close. Writes made by the transaction while the
// iterator is open are not seen by it.
type RowIter struct {
	t    *Txn
	td   *TableDesc
	it   *pebble.Iterator
	rows *pebble.Iterator // index scans: the same view, for fetching rows
	skip int              // length of the key prefix before the row key (rows)

	started bool
	row     types.Row
	rawKey  []byte // the current row key, in Pebble's memory until the next move
	key     RowKey // a copy of rawKey, made when asked for
	err     error
}

func errIter(err error) *RowIter { return &RowIter{err: err} }

// Scan returns the rows of td in primary key order (row id order when the
// table has no primary key) within span.
func (t *Txn) Scan(td *TableDesc, span Span) *RowIter {
	if err := t.check(); err != nil {
		return errIter(err)
	}
	p := rowPrefix(td.ID)
	lo, hi, err := spanBounds(p, keyKinds(td), span)
	if err != nil {
		return errIter(err)
	}
	it, err := t.b.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return errIter(wrapf(err, "scan"))
	}
	return t.track(&RowIter{t: t, td: td, it: it, skip: len(p)})
}

// ScanIndex returns the rows of td in the order of idx within span, which
// bounds the index columns.
func (t *Txn) ScanIndex(td *TableDesc, idx *IndexDesc, span Span) *RowIter {
	if err := t.check(); err != nil {
		return errIter(err)
	}
	p := indexPrefix(td.ID, idx.ID)
	lo, hi, err := spanBounds(p, indexKinds(td, idx), span)
	if err != nil {
		return errIter(err)
	}
	it, err := t.b.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: hi})
	if err != nil {
		return errIter(wrapf(err, "scan index"))
	}
	rp := rowPrefix(td.ID)
	rows, err := it.Clone(pebble.CloneOptions{
		IterOptions: &pebble.IterOptions{LowerBound: rp, UpperBound: prefixEnd(rp)},
	})
	if err != nil {
		it.Close()
		return errIter(wrapf(err, "scan index"))
	}
	return t.track(&RowIter{t: t, td: td, it: it, rows: rows})
}

// track registers an open iterator, so that ending the transaction can
// close what the caller left open.
func (t *Txn) track(r *RowIter) *RowIter {
	if t.iters == nil {
		t.iters = make(map[*RowIter]struct{})
	}
	t.iters[r] = struct{}{}
	return r
}

// closeIters closes the iterators still open when the transaction ends.
func (t *Txn) closeIters() {
	for r := range t.iters {
		r.Close()
		r.err = ErrTxnDone
	}
	t.iters = nil
}

// Next moves to the next row and reports whether there is one.
func (r *RowIter) Next() bool {
	r.row, r.rawKey, r.key = nil, nil, nil
	if r.err != nil || r.it == nil {
		return false
	}
	var ok bool
	if !r.started {
		r.started = true
		ok = r.it.First()
	} else {
		ok = r.it.Next()
	}
	if !ok {
		r.err = r.it.Error()
		return false
	}
	v, err := r.it.ValueAndErr()
	if err != nil {
		r.err = wrapf(err, "scan")
		return false
	}
	if r.rows == nil {
		r.rawKey = r.it.Key()[r.skip:]
	} else {
		r.rawKey = v
		k := rowKey(r.td.ID, v)
		if !r.rows.SeekGE(k) || !bytes.Equal(r.rows.Key(), k) {
			if r.err = r.rows.Error(); r.err == nil {
				r.err = pgerr.New(pgerr.DataCorrupted, "storage: index entry without a row in table %q", r.td.Name)
			}
			return false
		}
		if v, err = r.rows.ValueAndErr(); err != nil {
			r.err = wrapf(err, "scan index")
			return false
		}
	}
	row := make(types.Row, len(r.td.Columns))
	if err := decodeRowInto(v, row); err != nil {
		r.err = err
		return false
	}
	r.row = row
	return true
}

// Row returns the current row. Each row is a new slice the caller may keep.
func (r *RowIter) Row() types.Row { return r.row }

// Key returns the current row's identity. The caller may keep it.
func (r *RowIter) Key() RowKey {
	if r.key == nil && r.rawKey != nil {
		r.key = RowKey(bytes.Clone(r.rawKey))
	}
	return r.key
}

// Err returns the error that ended the iteration, if any.
func (r *RowIter) Err() error { return r.err }

// Close releases the iterator. It returns Err, or an error from closing.
func (r *RowIter) Close() error {
	err := r.err
	if r.it != nil {
		if cerr := r.it.Close(); err == nil && cerr != nil {
			err = wrapf(cerr, "close iterator")
		}
		r.it = nil
	}
	if r.rows != nil {
		if cerr := r.rows.Close(); err == nil && cerr != nil {
			err = wrapf(cerr, "close iterator")
		}
		r.rows = nil
	}
	if r.t != nil {
		delete(r.t.iters, r)
	}
	return err
}
