package storage

import (
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// AddColumn appends col to the table tableID. Rows stored before it decode
// with NULL in the new column; when fill is not nil every existing row is
// rewritten with the value fill returns for it (a column DEFAULT,
// evaluated per row as PostgreSQL does for volatile defaults). A NOT NULL
// column needs a non-NULL value for every existing row.
func (t *Txn) AddColumn(tableID uint32, col ColumnDesc, fill func(row types.Row) (types.Datum, error)) error {
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
	for _, c := range cur.Columns {
		if c.Name == col.Name {
			return pgerr.New(pgerr.DuplicateColumn, "column %q of relation %q already exists", col.Name, cur.Name)
		}
	}
	td := cur.clone()
	td.Columns = append(td.Columns, col)
	if err := validateColumns(td); err != nil {
		return err
	}
	if fill != nil || col.NotNull {
		it := t.Scan(cur, Span{})
		var val []byte
		for it.Next() {
			row := append(it.Row(), types.Datum{})
			if fill != nil {
				if row[len(row)-1], err = fill(row[:len(row)-1]); err != nil {
					it.Close()
					return err
				}
			}
			if col.NotNull && row[len(row)-1].K == types.KNull {
				it.Close()
				return pgerr.New(pgerr.NotNullViolation, "column %q of relation %q contains null values", col.Name, td.Name)
			}
			if val, err = AppendRow(val[:0], row); err != nil {
				it.Close()
				return err
			}
			if err := t.b.Set(rowKey(td.ID, it.Key()), val, nil); err != nil {
				it.Close()
				return wrapf(err, "add column")
			}
		}
		if err := it.Close(); err != nil {
			return err
		}
	}
	return t.saveTable(td)
}

// saveTable writes a changed descriptor of an existing table and marks the
// change for the commit (catalog version, cached plans).
func (t *Txn) saveTable(td *TableDesc) error {
	if err := t.putDesc(catTableKey(td.ID), td); err != nil {
		return err
	}
	t.ddl = true
	t.schemaTables = append(t.schemaTables, td.ID)
	return nil
}
