package storage

import (
	"slices"
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// FKAction is what a foreign key does to referencing rows when the
// referenced row is deleted or its key changes.
type FKAction uint8

const (
	FKNoAction FKAction = iota
	FKRestrict
	FKCascade
	FKSetNull
)

// ForeignKey is a FOREIGN KEY constraint of the table that holds it (the
// referencing table). MATCH SIMPLE: a row with a NULL in any of Columns is
// not checked.
type ForeignKey struct {
	Name       string
	Columns    []int  // referencing columns of this table
	RefTable   uint32 // the referenced table
	RefColumns []int  // its primary key or the columns of one of its unique indexes
	OnDelete   FKAction
	OnUpdate   FKAction
}

// FKRef names a foreign key of another table that references this one.
type FKRef struct {
	Table uint32
	Name  string
}

func (td *TableDesc) foreignKey(name string) *ForeignKey {
	for i := range td.ForeignKeys {
		if td.ForeignKeys[i].Name == name {
			return &td.ForeignKeys[i]
		}
	}
	return nil
}

// constraintNameTaken reports whether the table already has a constraint
// (primary key, unique index or foreign key) called name.
func (td *TableDesc) constraintNameTaken(name string) bool {
	if len(td.PrimaryKey) > 0 && td.PKeyName() == name {
		return true
	}
	for _, idx := range td.Indexes {
		if idx.Name == name {
			return true
		}
	}
	return td.foreignKey(name) != nil
}

// AddForeignKey adds fk to the table tableID after checking that the
// referenced columns carry a primary key or unique constraint and that
// every existing row satisfies it. An empty fk.Name becomes PostgreSQL's
// <table>_<cols>_fkey.
func (t *Txn) AddForeignKey(tableID uint32, fk ForeignKey) error {
	if err := t.check(); err != nil {
		return err
	}
	cur, err := t.cat().table(tableID)
	if err != nil {
		return err
	}
	if cur == nil {
		return pgerr.New(pgerr.UndefinedTable, "table with OID %d does not exist", tableID)
	}
	td := cur.clone()
	var ref *TableDesc
	if fk.RefTable == tableID {
		ref = td
	} else {
		r, err := t.cat().table(fk.RefTable)
		if err != nil {
			return err
		}
		if r == nil {
			return pgerr.New(pgerr.UndefinedTable, "table with OID %d does not exist", fk.RefTable)
		}
		ref = r.clone()
	}
	if len(fk.Columns) != len(fk.RefColumns) || len(fk.Columns) == 0 {
		return pgerr.New(pgerr.InvalidForeignKey, "number of referencing and referenced columns for foreign key disagree")
	}
	if refUniqueIndex(ref, fk.RefColumns) == nil && !sameColumnSet(ref.PrimaryKey, fk.RefColumns) {
		return pgerr.New(pgerr.InvalidForeignKey, "there is no unique constraint matching given keys for referenced table %q", ref.Name)
	}
	for i, c := range fk.Columns {
		a, b := td.Columns[c].Type, ref.Columns[fk.RefColumns[i]].Type
		if types.KindOf(a.OID) != types.KindOf(b.OID) {
			return pgerr.New(pgerr.DatatypeMismatch, "foreign key constraint %q cannot be implemented", fk.Name).
				WithDetail("Key columns %q and %q are of incompatible types: %s and %s.", td.Columns[c].Name, ref.Columns[fk.RefColumns[i]].Name, a.String(), b.String())
		}
	}
	if fk.Name == "" {
		fk.Name = td.Name + "_" + strings.Join(colNames(td, fk.Columns), "_") + "_fkey"
	}
	if td.constraintNameTaken(fk.Name) {
		return pgerr.New(pgerr.DuplicateObject, "constraint %q for relation %q already exists", fk.Name, td.Name)
	}
	fk.Columns, fk.RefColumns = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns)
	td.ForeignKeys = append(td.ForeignKeys, fk)
	ref.ReferencedBy = append(ref.ReferencedBy, FKRef{Table: td.ID, Name: fk.Name})
	// Validate the rows already there against the new constraint.
	it := t.Scan(td, Span{})
	for it.Next() {
		if err := t.checkParent(td, &td.ForeignKeys[len(td.ForeignKeys)-1], ref, it.Row()); err != nil {
			it.Close()
			return err
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	if ref != td {
		if err := t.saveTable(ref); err != nil {
			return err
		}
	}
	return t.saveTable(td)
}

func sameColumnSet(a, b []int) bool {
	if len(a) != len(b) || len(a) == 0 {
		return false
	}
	for _, c := range b {
		if !slices.Contains(a, c) {
			return false
		}
	}
	return true
}

// refUniqueIndex finds a unique index of td over exactly cols (any order).
func refUniqueIndex(td *TableDesc, cols []int) *IndexDesc {
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if idx.Unique && !idx.IsVector() && sameColumnSet(idx.Columns, cols) {
			return idx
		}
	}
	return nil
}

// fkValues returns the values of cols in row, and false when one is NULL.
func fkValues(row types.Row, cols []int) ([]types.Datum, bool) {
	vals := make([]types.Datum, len(cols))
	for i, c := range cols {
		if row[c].K == types.KNull {
			return nil, false
		}
		vals[i] = row[c]
	}
	return vals, true
}

// checkParent returns 23503 when row of td references no row of ref.
func (t *Txn) checkParent(td *TableDesc, fk *ForeignKey, ref *TableDesc, row types.Row) error {
	vals, ok := fkValues(row, fk.Columns)
	if !ok {
		return nil
	}
	found, err := t.refRowExists(ref, fk.RefColumns, vals)
	if err != nil || found {
		return err
	}
	return pgerr.New(pgerr.ForeignKeyViolation, "insert or update on table %q violates foreign key constraint %q", td.Name, fk.Name).
		WithDetail("Key (%s)=(%s) is not present in table %q.", strings.Join(colNames(td, fk.Columns), ", "), formatColumns(td, fk.Columns, vals), ref.Name)
}

// refRowExists reports whether ref has a row whose cols equal vals.
func (t *Txn) refRowExists(ref *TableDesc, cols []int, vals []types.Datum) (bool, error) {
	probe := make(types.Row, len(ref.Columns))
	for i, c := range cols {
		probe[c] = vals[i]
	}
	if sameColumnSet(ref.PrimaryKey, cols) {
		key, err := encodePK(ref, probe)
		if err != nil {
			return false, err
		}
		return t.exists(rowKey(ref.ID, key))
	}
	idx := refUniqueIndex(ref, cols)
	if idx == nil {
		return false, pgerr.New(pgerr.InvalidForeignKey, "there is no unique constraint matching given keys for referenced table %q", ref.Name)
	}
	ent, _, err := indexEntryKey(nil, ref, idx, probe, nil)
	if err != nil {
		return false, err
	}
	return t.exists(ent)
}

// checkForeignKeys checks every foreign key of td whose columns differ
// between old (nil for an insert) and row.
func (t *Txn) checkForeignKeys(td *TableDesc, old, row types.Row) error {
	for i := range td.ForeignKeys {
		fk := &td.ForeignKeys[i]
		if old != nil && sameValues(old, row, fk.Columns) {
			continue
		}
		ref := td
		if fk.RefTable != td.ID {
			var err error
			if ref, err = t.cat().table(fk.RefTable); err != nil {
				return err
			}
			if ref == nil {
				continue
			}
		}
		if err := t.checkParent(td, fk, ref, row); err != nil {
			return err
		}
	}
	return nil
}

func sameValues(a, b types.Row, cols []int) bool {
	for _, c := range cols {
		if a[c].K != b[c].K || (a[c].K != types.KNull && types.Compare(a[c], b[c]) != 0) {
			return false
		}
	}
	return true
}

// referencing returns the rows of child whose fk columns equal vals, with
// their keys. They are read before any of them is changed.
func (t *Txn) referencing(child *TableDesc, fk *ForeignKey, vals []types.Datum) ([]types.Row, []RowKey, error) {
	var it *RowIter
	for i := range child.Indexes {
		idx := &child.Indexes[i]
		if !idx.IsVector() && len(idx.Columns) >= len(fk.Columns) && slices.Equal(idx.Columns[:len(fk.Columns)], fk.Columns) {
			it = t.ScanIndex(child, idx, Span{Start: vals, End: vals})
			break
		}
	}
	if it == nil {
		it = t.Scan(child, Span{})
	}
	var rows []types.Row
	var keys []RowKey
	for it.Next() {
		row := it.Row()
		match := true
		for i, c := range fk.Columns {
			if row[c].K == types.KNull || types.Compare(row[c], vals[i]) != 0 {
				match = false
				break
			}
		}
		if match {
			rows = append(rows, slices.Clone(row))
			keys = append(keys, slices.Clone(it.Key()))
		}
	}
	return rows, keys, it.Close()
}

// applyReferencedBy runs the ON DELETE (new == nil) or ON UPDATE actions
// of the foreign keys that reference td for the row old.
func (t *Txn) applyReferencedBy(td *TableDesc, old, new types.Row) error {
	for _, r := range td.ReferencedBy {
		child := td
		if r.Table != td.ID {
			var err error
			if child, err = t.cat().table(r.Table); err != nil {
				return err
			}
		}
		if child == nil {
			continue
		}
		fk := child.foreignKey(r.Name)
		if fk == nil {
			continue
		}
		vals, ok := fkValues(old, fk.RefColumns)
		if !ok {
			continue
		}
		if new != nil && sameValues(old, new, fk.RefColumns) {
			continue
		}
		rows, keys, err := t.referencing(child, fk, vals)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			continue
		}
		action := fk.OnDelete
		if new != nil {
			action = fk.OnUpdate
		}
		for i, row := range rows {
			switch {
			case action == FKCascade && new == nil:
				err = t.Delete(child, keys[i], row)
			case action == FKCascade || action == FKSetNull:
				upd := slices.Clone(row)
				for j, c := range fk.Columns {
					if action == FKSetNull {
						upd[c] = types.Datum{}
					} else {
						upd[c] = new[fk.RefColumns[j]]
					}
				}
				err = t.Update(child, keys[i], row, upd)
			default:
				return pgerr.New(pgerr.ForeignKeyViolation, "update or delete on table %q violates foreign key constraint %q on table %q", td.Name, fk.Name, child.Name).
					WithDetail("Key (%s)=(%s) is still referenced from table %q.", strings.Join(colNames(td, fk.RefColumns), ", "), formatColumns(td, fk.RefColumns, vals), child.Name)
			}
			if err != nil {
				return err
			}
		}
	}
	return nil
}

// DropForeignKey removes the foreign key name of table tableID and its
// back reference from the referenced table.
func (t *Txn) DropForeignKey(tableID uint32, name string) error {
	if err := t.check(); err != nil {
		return err
	}
	cur, err := t.cat().table(tableID)
	if err != nil {
		return err
	}
	if cur == nil || cur.foreignKey(name) == nil {
		tn := ""
		if cur != nil {
			tn = cur.Name
		}
		return pgerr.New(pgerr.UndefinedObject, "constraint %q of relation %q does not exist", name, tn)
	}
	td := cur.clone()
	fk := *td.foreignKey(name)
	td.ForeignKeys = slices.DeleteFunc(td.ForeignKeys, func(f ForeignKey) bool { return f.Name == name })
	unref := func(refs []FKRef) []FKRef {
		return slices.DeleteFunc(refs, func(r FKRef) bool { return r.Table == tableID && r.Name == name })
	}
	if fk.RefTable == tableID {
		td.ReferencedBy = unref(td.ReferencedBy)
	} else if r, err := t.cat().table(fk.RefTable); err != nil {
		return err
	} else if r != nil {
		ref := r.clone()
		ref.ReferencedBy = unref(ref.ReferencedBy)
		if err := t.saveTable(ref); err != nil {
			return err
		}
	}
	return t.saveTable(td)
}
