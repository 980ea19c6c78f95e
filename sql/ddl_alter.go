package sql

import (
	"context"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// fkSpec is a FOREIGN KEY constraint of a CREATE or ALTER TABLE with its
// referencing column names.
type fkSpec struct {
	c    *pg_query.Constraint
	cols []string
}

// alterTable runs ALTER TABLE: ADD COLUMN, ADD CONSTRAINT (FOREIGN KEY,
// UNIQUE) and DROP CONSTRAINT, each in the statement's transaction, so a
// failing subcommand leaves the table as it was.
func (b *binder) alterTable(as *pg_query.AlterTableStmt) (string, error) {
	if as.Objtype != pg_query.ObjectType_OBJECT_TABLE {
		return "", pgerr.New(pgerr.FeatureNotSupported, "ALTER %s is not supported yet", as.Objtype.String())
	}
	td, err := b.txn.Table(as.Relation.Relname)
	if err != nil {
		return "", err
	}
	if td == nil {
		if as.MissingOk {
			b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "relation %q does not exist, skipping", as.Relation.Relname))
			return "ALTER TABLE", nil
		}
		return "", pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", as.Relation.Relname)
	}
	for _, n := range as.Cmds {
		cmd := n.GetAlterTableCmd()
		// Every subcommand sees the effects of the ones before it.
		if td, err = b.txn.TableByID(td.ID); err != nil {
			return "", err
		}
		switch cmd.Subtype {
		case pg_query.AlterTableType_AT_AddColumn:
			err = b.addColumn(td, cmd.Def.GetColumnDef(), cmd.MissingOk)
		case pg_query.AlterTableType_AT_AddConstraint:
			err = b.addConstraint(td, cmd.Def.GetConstraint())
		case pg_query.AlterTableType_AT_DropConstraint:
			err = b.dropConstraint(td, cmd.Name, cmd.MissingOk)
		default:
			err = pgerr.New(pgerr.FeatureNotSupported, "ALTER TABLE %s is not supported yet", alterName(cmd.Subtype))
		}
		if err != nil {
			return "", err
		}
	}
	return "ALTER TABLE", nil
}

func alterName(t pg_query.AlterTableType) string {
	switch t {
	case pg_query.AlterTableType_AT_DropColumn:
		return "DROP COLUMN"
	case pg_query.AlterTableType_AT_AlterColumnType:
		return "ALTER COLUMN TYPE"
	case pg_query.AlterTableType_AT_ColumnDefault:
		return "ALTER COLUMN SET/DROP DEFAULT"
	case pg_query.AlterTableType_AT_SetNotNull, pg_query.AlterTableType_AT_DropNotNull:
		return "ALTER COLUMN SET/DROP NOT NULL"
	}
	return t.String()
}

// addColumn adds a column; a DEFAULT fills the rows already there, each
// with its own evaluation, as PostgreSQL does.
func (b *binder) addColumn(td *storage.TableDesc, cd *pg_query.ColumnDef, ifNotExists bool) error {
	if columnIndex(td, cd.Colname) >= 0 {
		if ifNotExists {
			b.sess.notice(pgerr.New(pgerr.DuplicateColumn, "column %q of relation %q already exists, skipping", cd.Colname, td.Name))
			return nil
		}
		return pgerr.New(pgerr.DuplicateColumn, "column %q of relation %q already exists", cd.Colname, td.Name)
	}
	col, seq, keys, err := b.columnDef(td.Name, cd)
	if err != nil {
		return err
	}
	for _, c := range keys {
		if c.Contype != pg_query.ConstrType_CONSTR_FOREIGN {
			return pgerr.New(pgerr.FeatureNotSupported, "ADD COLUMN with a %s constraint is not supported yet", constraintName(c.Contype))
		}
	}
	if seq != "" {
		if _, err := b.txn.CreateSequence(seq); err != nil {
			return err
		}
	}
	var fill func(types.Row) (types.Datum, error)
	if col.Default != "" {
		grown := *td
		grown.Columns = append(append([]storage.ColumnDesc(nil), td.Columns...), col)
		def, err := b.defaultExpr(&grown, len(grown.Columns)-1)
		if err != nil {
			return err
		}
		ctx := b.ddlCtx()
		fill = func(row types.Row) (types.Datum, error) { return def.Eval(ctx, row) }
	}
	if err := b.txn.AddColumn(td.ID, col, fill); err != nil {
		return err
	}
	for _, c := range keys {
		nt, err := b.txn.TableByID(td.ID)
		if err != nil {
			return err
		}
		if err := b.addForeignKey(nt, fkSpec{c: c, cols: []string{col.Name}}); err != nil {
			return err
		}
	}
	return nil
}

// ddlCtx is the evaluation context of expressions a DDL statement runs,
// such as the DEFAULT that fills a new column.
func (b *binder) ddlCtx() *executor.Ctx {
	s := b.sess
	now := time.Now()
	if s.txn != nil {
		now = s.txnStart
	}
	return &executor.Ctx{
		Context: context.Background(), DB: s.eng.db, Txn: b.txn,
		User: s.params.User, Database: s.params.Database, Location: s.loc, StatementTime: now,
	}
}

func (b *binder) addConstraint(td *storage.TableDesc, c *pg_query.Constraint) error {
	switch c.Contype {
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return b.addForeignKey(td, fkSpec{c: c, cols: nameList(c.FkAttrs)})
	case pg_query.ConstrType_CONSTR_UNIQUE:
		idx := storage.IndexDesc{Name: c.Conname, Unique: true}
		for _, name := range nameList(c.Keys) {
			o := columnIndex(td, name)
			if o < 0 {
				return pgerr.New(pgerr.UndefinedColumn, "column %q named in key does not exist", name)
			}
			idx.Columns = append(idx.Columns, o)
		}
		_, err := b.txn.CreateIndex(td.ID, idx)
		return err
	}
	return pgerr.New(pgerr.FeatureNotSupported, "ADD CONSTRAINT %s is not supported yet", constraintName(c.Contype))
}

// addForeignKey adds a FOREIGN KEY constraint to td.
func (b *binder) addForeignKey(td *storage.TableDesc, spec fkSpec) error {
	c := spec.c
	if c.FkMatchtype == "f" {
		return pgerr.New(pgerr.FeatureNotSupported, "MATCH FULL is not supported yet")
	}
	ref, err := b.txn.Table(c.Pktable.Relname)
	if err != nil {
		return err
	}
	if ref == nil || (c.Pktable.Schemaname != "" && c.Pktable.Schemaname != "public") {
		return pgerr.New(pgerr.UndefinedTable, "relation %q does not exist", c.Pktable.Relname)
	}
	fk := storage.ForeignKey{Name: c.Conname, RefTable: ref.ID}
	for _, name := range spec.cols {
		o := columnIndex(td, name)
		if o < 0 {
			return pgerr.New(pgerr.UndefinedColumn, "column %q referenced in foreign key constraint does not exist", name)
		}
		fk.Columns = append(fk.Columns, o)
	}
	if len(c.PkAttrs) == 0 {
		if len(ref.PrimaryKey) == 0 {
			return pgerr.New(pgerr.UndefinedObject, "there is no primary key for referenced table %q", ref.Name)
		}
		fk.RefColumns = append(fk.RefColumns, ref.PrimaryKey...)
	}
	for _, name := range nameList(c.PkAttrs) {
		o := columnIndex(ref, name)
		if o < 0 {
			return pgerr.New(pgerr.UndefinedColumn, "column %q referenced in foreign key constraint does not exist", name)
		}
		fk.RefColumns = append(fk.RefColumns, o)
	}
	if fk.OnDelete, err = fkAction(c.FkDelAction); err != nil {
		return err
	}
	if fk.OnUpdate, err = fkAction(c.FkUpdAction); err != nil {
		return err
	}
	return b.txn.AddForeignKey(td.ID, fk)
}

func fkAction(a string) (storage.FKAction, error) {
	switch a {
	case "", "a":
		return storage.FKNoAction, nil
	case "r":
		return storage.FKRestrict, nil
	case "c":
		return storage.FKCascade, nil
	case "n":
		return storage.FKSetNull, nil
	}
	return 0, pgerr.New(pgerr.FeatureNotSupported, "foreign key action SET DEFAULT is not supported yet")
}

func (b *binder) dropConstraint(td *storage.TableDesc, name string, missingOk bool) error {
	for _, fk := range td.ForeignKeys {
		if fk.Name == name {
			return b.txn.DropForeignKey(td.ID, name)
		}
	}
	for _, idx := range td.Indexes {
		if idx.Name == name && idx.Unique {
			return b.txn.DropIndex(name)
		}
	}
	if len(td.PrimaryKey) > 0 && td.PKeyName() == name {
		return pgerr.New(pgerr.FeatureNotSupported, "dropping a primary key is not supported yet")
	}
	if missingOk {
		b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "constraint %q of relation %q does not exist, skipping", name, td.Name))
		return nil
	}
	return pgerr.New(pgerr.UndefinedObject, "constraint %q of relation %q does not exist", name, td.Name)
}
