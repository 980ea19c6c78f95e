package storage

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// RowKey is a row's identity within its table: the key encoding of its
// primary key, or of its hidden row id when the table has no primary key.
type RowKey []byte

// encodePK returns the RowKey of row in a table with a primary key.
func encodePK(td *TableDesc, row types.Row) (RowKey, error) {
	var b []byte
	var err error
	for _, o := range td.PrimaryKey {
		if b, err = appendKeyDatum(b, td.colKind(o), row[o]); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// keyKinds returns the kinds of the key columns of td (its primary key, or
// the hidden int row id).
func keyKinds(td *TableDesc) []types.Kind {
	if len(td.PrimaryKey) == 0 {
		return []types.Kind{types.KInt}
	}
	ks := make([]types.Kind, len(td.PrimaryKey))
	for i, o := range td.PrimaryKey {
		ks[i] = td.colKind(o)
	}
	return ks
}

func indexKinds(td *TableDesc, idx *IndexDesc) []types.Kind {
	ks := make([]types.Kind, len(idx.Columns))
	for i, o := range idx.Columns {
		ks[i] = td.colKind(o)
	}
	return ks
}

// indexEntryKey appends the key of row's entry in idx to buf. In a unique
// index, an entry whose columns are all non-NULL is keyed by the columns
// alone (unique reports true), so two rows with equal values collide on one
// key, which also makes concurrent inserts of one value conflict at commit.
// Otherwise the row key is appended to keep entries distinct: NULLs never
// collide. The value of an entry is always the row key.
func indexEntryKey(buf []byte, td *TableDesc, idx *IndexDesc, row types.Row, key RowKey) (ent []byte, unique bool, err error) {
	buf = append(buf, spaceTable)
	buf = appendUint32(buf, td.ID)
	buf = append(buf, tableIndex)
	buf = appendUint32(buf, idx.ID)
	hasNull := false
	for _, o := range idx.Columns {
		if row[o].K == types.KNull {
			hasNull = true
		}
		if buf, err = appendKeyDatum(buf, td.colKind(o), row[o]); err != nil {
			return nil, false, err
		}
	}
	if idx.Unique && !hasNull {
		return buf, true, nil
	}
	return append(buf, key...), false, nil
}

// exists reports whether key has a value as the transaction sees it.
func (t *Txn) exists(key []byte) (bool, error) {
	_, closer, err := t.b.Get(key)
	if err == pebble.ErrNotFound {
		return false, nil
	}
	if err != nil {
		return false, wrapf(err, "get")
	}
	closer.Close()
	return true, nil
}

func colNames(td *TableDesc, ords []int) []string {
	names := make([]string, len(ords))
	for i, o := range ords {
		names[i] = td.Columns[o].Name
	}
	return names
}

func colValues(row types.Row, ords []int) []types.Datum {
	vals := make([]types.Datum, len(ords))
	for i, o := range ords {
		vals[i] = row[o]
	}
	return vals
}

// checkUnique returns 23505 when the unique entry ent is already taken.
func (t *Txn) checkUnique(td *TableDesc, idx *IndexDesc, row types.Row, ent []byte, uniqueForm bool) error {
	if !uniqueForm {
		return nil
	}
	taken, err := t.exists(ent)
	if err != nil || !taken {
		return err
	}
	return errUniqueViolation(idx.Name, td, idx.Columns, colValues(row, idx.Columns))
}

func (t *Txn) checkPKFree(td *TableDesc, row types.Row, key RowKey) error {
	taken, err := t.exists(rowKey(td.ID, key))
	if err != nil || !taken {
		return err
	}
	return errUniqueViolation(td.PKeyName(), td, td.PrimaryKey, colValues(row, td.PrimaryKey))
}

func checkRow(td *TableDesc, row types.Row) error {
	if len(row) != len(td.Columns) {
		return fmt.Errorf("storage: table %q has %d columns, row has %d", td.Name, len(td.Columns), len(row))
	}
	for i, c := range td.Columns {
		if c.NotNull && row[i].K == types.KNull {
			vals := make([]string, len(row))
			for j, d := range row {
				vals[j] = formatDatum(d, td.Columns[j].Type)
			}
			return pgerr.New(pgerr.NotNullViolation,
				"null value in column %q of relation %q violates not-null constraint", c.Name, td.Name).
				WithDetail("Failing row contains (%s).", strings.Join(vals, ", "))
		}
	}
	return nil
}

// Insert adds a row (len(row) == len(td.Columns)). A primary key or unique
// index value already present gives 23505 with PostgreSQL's message and
// detail; NULL in a NOT NULL column gives 23502. On error nothing is written.
func (t *Txn) Insert(td *TableDesc, row types.Row) error {
	if err := t.check(); err != nil {
		return err
	}
	if err := checkRow(td, row); err != nil {
		return err
	}
	var key RowKey
	if len(td.PrimaryKey) > 0 {
		var err error
		if key, err = encodePK(td, row); err != nil {
			return err
		}
		if err := t.checkPKFree(td, row, key); err != nil {
			return err
		}
	} else {
		id, err := t.db.nextRowID()
		if err != nil {
			return err
		}
		key = appendKeyInt([]byte{keyInt}, id)
	}
	t.leapBatch()
	// The batch copies the value: one buffer serves every insert.
	val, err := AppendRow(t.rowBuf[:0], row)
	if err != nil {
		return err
	}
	t.rowBuf = val
	vws, err := planVecInsert(td, row)
	if err != nil {
		return err
	}
	ents := make([][]byte, 0, len(td.Indexes))
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if idx.IsVector() {
			continue
		}
		ent, uniq, err := indexEntryKey(nil, td, idx, row, key)
		if err != nil {
			return err
		}
		if err := t.checkUnique(td, idx, row, ent, uniq); err != nil {
			return err
		}
		ents = append(ents, ent)
	}
	if err := t.b.Set(rowKey(td.ID, key), val, nil); err != nil {
		return wrapf(err, "insert")
	}
	for _, ent := range ents {
		if err := t.b.Set(ent, key, nil); err != nil {
			return wrapf(err, "insert")
		}
	}
	// Checked after the write, so a row may reference itself.
	if err := t.checkForeignKeys(td, nil, row); err != nil {
		return err
	}
	return t.applyVecWrites(td, nil, key, vws)
}

// Get returns the row whose primary key is pk (the hidden row id, an int,
// when the table has none).
func (t *Txn) Get(td *TableDesc, pk []types.Datum) (types.Row, RowKey, bool, error) {
	if err := t.check(); err != nil {
		return nil, nil, false, err
	}
	key, err := encodeKeyDatums(nil, keyKinds(td), pk)
	if err != nil {
		return nil, nil, false, err
	}
	row, ok, err := t.GetByKey(td, key)
	if !ok || err != nil {
		return nil, nil, false, err
	}
	return row, key, true, nil
}

// GetByKey returns the row with the given identity.
func (t *Txn) GetByKey(td *TableDesc, key RowKey) (types.Row, bool, error) {
	if err := t.check(); err != nil {
		return nil, false, err
	}
	v, closer, err := t.b.Get(rowKey(td.ID, key))
	if err == pebble.ErrNotFound {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrapf(err, "get")
	}
	defer closer.Close()
	row, err := DecodeRow(v, len(td.Columns))
	if err != nil {
		return nil, false, err
	}
	return row, true, nil
}

// Update replaces the row identified by key, whose current value is old,
// with new. A changed primary key moves the row; index entries follow.
// Conflicts give 23505 as for Insert, and then nothing is written.
func (t *Txn) Update(td *TableDesc, key RowKey, old, new types.Row) error {
	if err := t.check(); err != nil {
		return err
	}
	if len(old) != len(td.Columns) {
		return fmt.Errorf("storage: table %q has %d columns, old row has %d", td.Name, len(td.Columns), len(old))
	}
	if err := checkRow(td, new); err != nil {
		return err
	}
	newKey := key
	if len(td.PrimaryKey) > 0 {
		nk, err := encodePK(td, new)
		if err != nil {
			return err
		}
		if !bytes.Equal(nk, key) {
			newKey = nk
			if err := t.checkPKFree(td, new, newKey); err != nil {
				return err
			}
		}
	}
	moved := !bytes.Equal(newKey, key)
	val, err := AppendRow(nil, new)
	if err != nil {
		return err
	}
	vws, err := t.planVecUpdate(td, key, newKey, old, new)
	if err != nil {
		return err
	}
	type change struct{ del, set []byte }
	var changes []change
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if idx.IsVector() {
			continue
		}
		oldEnt, _, err := indexEntryKey(nil, td, idx, old, key)
		if err != nil {
			return err
		}
		newEnt, uniq, err := indexEntryKey(nil, td, idx, new, newKey)
		if err != nil {
			return err
		}
		if bytes.Equal(oldEnt, newEnt) {
			if moved { // same entry, new row key in its value
				changes = append(changes, change{set: newEnt})
			}
			continue
		}
		if err := t.checkUnique(td, idx, new, newEnt, uniq); err != nil {
			return err
		}
		changes = append(changes, change{del: oldEnt, set: newEnt})
	}
	if moved {
		if err := t.b.Delete(rowKey(td.ID, key), nil); err != nil {
			return wrapf(err, "update")
		}
	}
	if err := t.b.Set(rowKey(td.ID, newKey), val, nil); err != nil {
		return wrapf(err, "update")
	}
	for _, c := range changes {
		if c.del != nil {
			if err := t.b.Delete(c.del, nil); err != nil {
				return wrapf(err, "update")
			}
		}
		if err := t.b.Set(c.set, newKey, nil); err != nil {
			return wrapf(err, "update")
		}
	}
	if err := t.checkForeignKeys(td, old, new); err != nil {
		return err
	}
	if err := t.applyReferencedBy(td, old, new); err != nil {
		return err
	}
	return t.applyVecWrites(td, key, newKey, vws)
}

// Delete removes the row identified by key, whose current value is old, and
// its index entries.
func (t *Txn) Delete(td *TableDesc, key RowKey, old types.Row) error {
	if err := t.check(); err != nil {
		return err
	}
	if len(old) != len(td.Columns) {
		return fmt.Errorf("storage: table %q has %d columns, old row has %d", td.Name, len(td.Columns), len(old))
	}
	vws, err := t.planVecDelete(td, key, old)
	if err != nil {
		return err
	}
	if err := t.b.Delete(rowKey(td.ID, key), nil); err != nil {
		return wrapf(err, "delete")
	}
	for i := range td.Indexes {
		if td.Indexes[i].IsVector() {
			continue
		}
		ent, _, err := indexEntryKey(nil, td, &td.Indexes[i], old, key)
		if err != nil {
			return err
		}
		if err := t.b.Delete(ent, nil); err != nil {
			return wrapf(err, "delete")
		}
	}
	if err := t.applyReferencedBy(td, old, nil); err != nil {
		return err
	}
	return t.applyVecWrites(td, key, nil, vws)
}
