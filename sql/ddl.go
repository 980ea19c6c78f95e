package sql

import (
	"fmt"
	"strings"
	"sync"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// deparseExpr renders an expression parse tree back to SQL text (stored as
// a column's DEFAULT and parsed again when a statement is planned).
func deparseExpr(n *pg_query.Node) (string, error) {
	tree := &pg_query.ParseResult{Version: parserVersion(), Stmts: []*pg_query.RawStmt{{Stmt: &pg_query.Node{Node: &pg_query.Node_SelectStmt{SelectStmt: &pg_query.SelectStmt{
		TargetList: []*pg_query.Node{{Node: &pg_query.Node_ResTarget{ResTarget: &pg_query.ResTarget{Val: n}}}},
	}}}}}}
	s, err := pg_query.Deparse(tree)
	if err != nil {
		return "", err
	}
	return strings.TrimPrefix(s, "SELECT "), nil
}

// parserVersion is the parse tree version Deparse expects.
var parserVersion = sync.OnceValue(func() int32 {
	res, err := pg_query.Parse("SELECT 1")
	if err != nil {
		panic(err)
	}
	return res.Version
})

var serialTypes = map[string]types.T{
	"smallserial": types.Int2, "serial2": types.Int2,
	"serial": types.Int4, "serial4": types.Int4,
	"bigserial": types.Int8, "serial8": types.Int8,
}

func (b *binder) createTable(cs *pg_query.CreateStmt, collection bool) (string, error) {
	name := cs.Relation.Relname
	if cs.Relation.Schemaname != "" && cs.Relation.Schemaname != "public" {
		return "", pgerr.New(pgerr.InvalidSchemaName, "schema %q does not exist", cs.Relation.Schemaname)
	}
	if len(cs.InhRelations) > 0 || cs.Partspec != nil || cs.OfTypename != nil {
		return "", pgerr.New(pgerr.FeatureNotSupported, "inheritance, partitioning and typed tables are not supported")
	}
	if existing, err := b.txn.Table(name); err != nil {
		return "", err
	} else if existing != nil {
		if cs.IfNotExists {
			b.sess.notice(pgerr.New(pgerr.DuplicateTable, "relation %q already exists, skipping", name))
			return "CREATE TABLE", nil
		}
		return "", pgerr.New(pgerr.DuplicateTable, "relation %q already exists", name)
	}
	if len(cs.Options) > 0 {
		return "", pgerr.New(pgerr.FeatureNotSupported, "table storage parameters are not supported")
	}
	td := &storage.TableDesc{Name: name, Collection: collection}
	type uniq struct {
		cols []string
		name string
		pk   bool
		pos  int32
	}
	var uniques []uniq
	var sequences []string
	var fks []fkSpec
	for _, elt := range cs.TableElts {
		switch {
		case elt.GetColumnDef() != nil:
			cd := elt.GetColumnDef()
			if columnIndex(td, cd.Colname) >= 0 {
				return "", pgerr.New(pgerr.DuplicateColumn, "column %q specified more than once", cd.Colname).WithPosition(cd.Location + 1)
			}
			col, seq, keys, err := b.columnDef(name, cd)
			if err != nil {
				return "", err
			}
			if seq != "" {
				sequences = append(sequences, seq)
			}
			for _, c := range keys {
				switch c.Contype {
				case pg_query.ConstrType_CONSTR_PRIMARY:
					uniques = append(uniques, uniq{cols: []string{cd.Colname}, name: c.Conname, pk: true, pos: c.Location + 1})
				case pg_query.ConstrType_CONSTR_UNIQUE:
					uniques = append(uniques, uniq{cols: []string{cd.Colname}, name: c.Conname, pos: c.Location + 1})
				case pg_query.ConstrType_CONSTR_FOREIGN:
					fks = append(fks, fkSpec{c: c, cols: []string{cd.Colname}})
				}
			}
			td.Columns = append(td.Columns, col)
		case elt.GetConstraint() != nil:
			c := elt.GetConstraint()
			switch c.Contype {
			case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE:
				uniques = append(uniques, uniq{cols: nameList(c.Keys), name: c.Conname, pk: c.Contype == pg_query.ConstrType_CONSTR_PRIMARY, pos: c.Location + 1})
			case pg_query.ConstrType_CONSTR_FOREIGN:
				fks = append(fks, fkSpec{c: c, cols: nameList(c.FkAttrs)})
			default:
				return "", pgerr.New(pgerr.FeatureNotSupported, "%s constraints are not supported yet", constraintName(c.Contype)).WithPosition(c.Location + 1)
			}
		default:
			return "", pgerr.New(pgerr.FeatureNotSupported, "table element %s is not supported", nodeName(elt))
		}
	}
	if len(td.Columns) > 1600 {
		return "", pgerr.New(pgerr.TooManyColumns, "tables can have at most 1600 columns")
	}
	for _, u := range uniques {
		var cols []int
		for _, cn := range u.cols {
			idx := columnIndex(td, cn)
			if idx < 0 {
				return "", pgerr.New(pgerr.UndefinedColumn, "column %q named in key does not exist", cn).WithPosition(u.pos)
			}
			cols = append(cols, idx)
		}
		if u.pk {
			if len(td.PrimaryKey) > 0 {
				return "", pgerr.New(pgerr.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", name).WithPosition(u.pos)
			}
			td.PrimaryKey = cols
			for _, c := range cols {
				td.Columns[c].NotNull = true
			}
			continue
		}
		iname := u.name
		if iname == "" {
			iname = fmt.Sprintf("%s_%s_key", name, strings.Join(u.cols, "_"))
		}
		td.Indexes = append(td.Indexes, storage.IndexDesc{Name: iname, Columns: cols, Unique: true})
	}
	for _, seq := range sequences {
		if _, err := b.txn.CreateSequence(seq); err != nil {
			return "", err
		}
	}
	// Check that every DEFAULT binds and fits its column.
	for i := range td.Columns {
		if td.Columns[i].Default != "" {
			if _, err := b.defaultExpr(td, i); err != nil {
				return "", err
			}
		}
	}
	if err := b.txn.CreateTable(td); err != nil {
		return "", err
	}
	for _, fk := range fks {
		if err := b.addForeignKey(td, fk); err != nil {
			return "", err
		}
	}
	return "CREATE TABLE", nil
}

// columnDef turns a column definition into its descriptor. It returns the
// name of the sequence a serial column needs ("" for none) and the
// column's key constraints (PRIMARY KEY, UNIQUE, REFERENCES) for the
// caller to apply.
func (b *binder) columnDef(table string, cd *pg_query.ColumnDef) (col storage.ColumnDesc, seq string, keys []*pg_query.Constraint, err error) {
	col = storage.ColumnDesc{Name: cd.Colname}
	names := nameList(cd.TypeName.Names)
	if st, ok := serialTypes[strings.ToLower(names[len(names)-1])]; ok && len(names) == 1 && len(cd.TypeName.ArrayBounds) == 0 {
		col.Type, col.NotNull = st, true
		seq = fmt.Sprintf("%s_%s_seq", table, cd.Colname)
		col.Default = fmt.Sprintf("nextval('%s')", seq)
	} else {
		t, err := b.typeName(cd.TypeName)
		if err != nil {
			return col, "", nil, err
		}
		col.Type = t
	}
	if cd.IsNotNull {
		col.NotNull = true
	}
	for _, cn := range cd.Constraints {
		c := cn.GetConstraint()
		switch c.Contype {
		case pg_query.ConstrType_CONSTR_NOTNULL:
			col.NotNull = true
		case pg_query.ConstrType_CONSTR_NULL:
		case pg_query.ConstrType_CONSTR_DEFAULT:
			text, err := deparseExpr(c.RawExpr)
			if err != nil {
				return col, "", nil, pgerr.Wrap(err, pgerr.SyntaxError, "")
			}
			col.Default = text
		case pg_query.ConstrType_CONSTR_PRIMARY, pg_query.ConstrType_CONSTR_UNIQUE, pg_query.ConstrType_CONSTR_FOREIGN:
			keys = append(keys, c)
		default:
			return col, "", nil, pgerr.New(pgerr.FeatureNotSupported, "%s constraints are not supported yet", constraintName(c.Contype)).WithPosition(c.Location + 1)
		}
	}
	return col, seq, keys, nil
}

func constraintName(t pg_query.ConstrType) string {
	switch t {
	case pg_query.ConstrType_CONSTR_CHECK:
		return "CHECK"
	case pg_query.ConstrType_CONSTR_FOREIGN:
		return "FOREIGN KEY"
	case pg_query.ConstrType_CONSTR_EXCLUSION:
		return "EXCLUDE"
	case pg_query.ConstrType_CONSTR_GENERATED:
		return "generated column"
	case pg_query.ConstrType_CONSTR_IDENTITY:
		return "identity column"
	}
	return strings.TrimPrefix(t.String(), "CONSTR_")
}

func (b *binder) dropStmt(ds *pg_query.DropStmt) (string, error) {
	switch ds.RemoveType {
	case pg_query.ObjectType_OBJECT_TABLE:
		for _, obj := range ds.Objects {
			names := nameList(obj.GetList().Items)
			name := names[len(names)-1]
			td, err := b.txn.Table(name)
			if err != nil {
				return "", err
			}
			if td == nil {
				if ds.MissingOk {
					b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "table %q does not exist, skipping", name))
					continue
				}
				return "", pgerr.New(pgerr.UndefinedTable, "table %q does not exist", name)
			}
			if ds.Behavior == pg_query.DropBehavior_DROP_CASCADE {
				for _, r := range td.ReferencedBy {
					if r.Table != td.ID {
						child, err := b.txn.TableByID(r.Table)
						if err != nil {
							return "", err
						}
						if child != nil {
							b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "drop cascades to constraint %s on table %s", r.Name, child.Name))
						}
						if err := b.txn.DropForeignKey(r.Table, r.Name); err != nil {
							return "", err
						}
					}
				}
			}
			if err := b.txn.DropTable(td.ID); err != nil {
				return "", err
			}
			for _, c := range td.Columns {
				if seq, ok := ownedSequence(c.Default); ok {
					if s, err := b.txn.Sequence(seq); err == nil && s != nil {
						if err := b.txn.DropSequence(seq); err != nil {
							return "", err
						}
					}
				}
			}
		}
		return "DROP TABLE", nil
	case pg_query.ObjectType_OBJECT_INDEX:
		for _, obj := range ds.Objects {
			names := nameList(obj.GetList().Items)
			name := names[len(names)-1]
			if err := b.txn.DropIndex(name); err != nil {
				if ds.MissingOk && pgerr.Code(err) == pgerr.UndefinedObject {
					b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "index %q does not exist, skipping", name))
					continue
				}
				return "", err
			}
		}
		return "DROP INDEX", nil
	case pg_query.ObjectType_OBJECT_SEQUENCE:
		for _, obj := range ds.Objects {
			names := nameList(obj.GetList().Items)
			name := names[len(names)-1]
			s, err := b.txn.Sequence(name)
			if err != nil {
				return "", err
			}
			if s == nil {
				if ds.MissingOk {
					b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "sequence %q does not exist, skipping", name))
					continue
				}
				return "", pgerr.New(pgerr.UndefinedTable, "sequence %q does not exist", name)
			}
			if err := b.txn.DropSequence(name); err != nil {
				return "", err
			}
		}
		return "DROP SEQUENCE", nil
	}
	return "", pgerr.New(pgerr.FeatureNotSupported, "DROP %s is not supported yet", strings.TrimPrefix(ds.RemoveType.String(), "OBJECT_"))
}

// ownedSequence extracts the sequence of a serial column's default.
func ownedSequence(def string) (string, bool) {
	const pre = "nextval('"
	if !strings.HasPrefix(def, pre) {
		return "", false
	}
	rest := def[len(pre):]
	end := strings.IndexByte(rest, '\'')
	if end < 0 {
		return "", false
	}
	return rest[:end], true
}

func (b *binder) createIndex(is *pg_query.IndexStmt) (string, error) {
	if strings.EqualFold(is.AccessMethod, "hnsw") {
		td, err := b.table(is.Relation)
		if err != nil {
			return "", err
		}
		idx, err := b.hnswIndex(is, td)
		if err != nil {
			return "", err
		}
		return b.addIndex(td, idx, is.IfNotExists)
	}
	if is.AccessMethod != "" && is.AccessMethod != "btree" {
		return "", pgerr.New(pgerr.FeatureNotSupported, "index access method %q is not supported yet", is.AccessMethod)
	}
	if is.WhereClause != nil || len(is.IndexIncludingParams) > 0 {
		return "", pgerr.New(pgerr.FeatureNotSupported, "partial indexes and INCLUDE are not supported yet")
	}
	td, err := b.table(is.Relation)
	if err != nil {
		return "", err
	}
	idx := storage.IndexDesc{Name: is.Idxname, Unique: is.Unique}
	for _, p := range is.IndexParams {
		el := p.GetIndexElem()
		if el.Expr != nil || el.Name == "" {
			return "", pgerr.New(pgerr.FeatureNotSupported, "expression indexes are not supported yet")
		}
		c := columnIndex(td, el.Name)
		if c < 0 {
			return "", pgerr.New(pgerr.UndefinedColumn, "column %q does not exist", el.Name)
		}
		idx.Columns = append(idx.Columns, c)
	}
	return b.addIndex(td, idx, is.IfNotExists)
}

func (b *binder) addIndex(td *storage.TableDesc, idx storage.IndexDesc, ifNotExists bool) (string, error) {
	if _, err := b.txn.CreateIndex(td.ID, idx); err != nil {
		if ifNotExists && pgerr.Code(err) == pgerr.DuplicateTable {
			b.sess.notice(pgerr.New(pgerr.DuplicateTable, "relation %q already exists, skipping", idx.Name))
			return "CREATE INDEX", nil
		}
		return "", err
	}
	return "CREATE INDEX", nil
}
