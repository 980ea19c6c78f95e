package sql

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// metricOpClass maps a collection's metric to the operator class of its
// index.
var metricOpClass = map[string]string{
	"cosine": "cosine", "l2": "l2", "euclidean": "l2",
	"ip": "ip", "inner_product": "ip", "dot": "ip",
	"l1": "l1", "manhattan": "l1", "taxicab": "l1",
}

// akidbPlan plans one of AkiDB's own statements.
func (b *binder) akidbPlan(st *akidbStmt) (*plan, error) {
	switch {
	case st.is("CREATE", "COLLECTION"):
		return b.ddlPlan(func(b *binder) (string, error) { return b.createCollection(st.text) }), nil
	case st.is("DROP", "COLLECTION"):
		return b.ddlPlan(func(b *binder) (string, error) { return b.dropCollection(st.text) }), nil
	case st.is("SHOW", "COLLECTIONS"):
		v := akidbViews["collections"]
		cols := make([]Column, len(v.cols))
		for i, c := range v.cols {
			cols[i] = Column{Name: c.name, Type: c.t}
		}
		return &plan{cols: cols, utility: func(ctx context.Context, p *Portal) (string, []types.Row, error) {
			var rows []types.Row
			err := p.s.inTxn(func(txn *storage.Txn) error {
				var err error
				rows, err = v.rows(&binder{sess: p.s, txn: txn}, nil)
				return err
			})
			return "SHOW", rows, err
		}}, nil
	}
	return b.tierPlan(st)
}

// createCollection runs CREATE COLLECTION name (columns) WITH (metric, m,
// ef_construction): a table with exactly one vector column and an HNSW
// index on it, made in one statement.
func (b *binder) createCollection(text string) (string, error) {
	// The column list and the WITH clause are CREATE TABLE's grammar.
	i := strings.Index(strings.ToUpper(text), "COLLECTION")
	res, err := pg_query.Parse(text[:i] + "TABLE    " + text[i+len("COLLECTION"):])
	if err != nil {
		return "", syntaxError(text, 0, err)
	}
	cs := res.Stmts[0].Stmt.GetCreateStmt()
	if cs == nil || len(res.Stmts) != 1 {
		return "", pgerr.New(pgerr.SyntaxError, "syntax error in CREATE COLLECTION")
	}
	opts := cs.Options
	cs.Options = nil
	metric, m, ef := "cosine", 16, 64
	for _, o := range opts {
		de := o.GetDefElem()
		switch strings.ToLower(de.Defname) {
		case "metric", "distance":
			v := ""
			if s := de.Arg.GetString_(); s != nil {
				v = s.Sval
			} else if tn := de.Arg.GetTypeName(); tn != nil {
				names := nameList(tn.Names)
				v = names[len(names)-1]
			}
			if _, ok := metricOpClass[strings.ToLower(v)]; !ok {
				return "", pgerr.New(pgerr.InvalidParameterValue, "unknown metric %q", v).WithHint("Use cosine, l2, ip or l1.")
			}
			metric = strings.ToLower(v)
		case "m":
			if m, err = defElemInt(de); err != nil {
				return "", err
			}
		case "ef_construction":
			if ef, err = defElemInt(de); err != nil {
				return "", err
			}
		default:
			return "", pgerr.New(pgerr.InvalidParameterValue, "unrecognized collection parameter %q", de.Defname)
		}
	}
	name := cs.Relation.Relname
	if existing, err := b.txn.Table(name); err != nil {
		return "", err
	} else if existing != nil && cs.IfNotExists {
		b.sess.notice(pgerr.New(pgerr.DuplicateTable, "relation %q already exists, skipping", name))
		return "CREATE COLLECTION", nil
	}
	if _, err := b.createTable(cs, true); err != nil {
		return "", err
	}
	td, err := b.txn.Table(name)
	if err != nil {
		return "", err
	}
	vcol := -1
	for i, c := range td.Columns {
		if c.Type.OID == types.VectorOID || c.Type.OID == types.HalfvecOID {
			if vcol >= 0 {
				return "", pgerr.New(pgerr.InvalidTableDefinition, "a collection must have exactly one vector column")
			}
			vcol = i
		}
	}
	if vcol < 0 {
		return "", pgerr.New(pgerr.InvalidTableDefinition, "a collection must have exactly one vector column")
	}
	prefix := "vector_"
	if td.Columns[vcol].Type.OID == types.HalfvecOID {
		prefix = "halfvec_"
	}
	// The index goes through the same checks as CREATE INDEX.
	is := &pg_query.IndexStmt{
		Idxname:      fmt.Sprintf("%s_%s_idx", name, td.Columns[vcol].Name),
		Relation:     cs.Relation,
		AccessMethod: "hnsw",
		IndexParams: []*pg_query.Node{{Node: &pg_query.Node_IndexElem{IndexElem: &pg_query.IndexElem{
			Name:    td.Columns[vcol].Name,
			Opclass: []*pg_query.Node{{Node: &pg_query.Node_String_{String_: &pg_query.String{Sval: prefix + metricOpClass[metric] + "_ops"}}}},
		}}}},
		Options: []*pg_query.Node{intDefElem("m", m), intDefElem("ef_construction", ef)},
	}
	idx, err := b.hnswIndex(is, td)
	if err != nil {
		return "", err
	}
	if _, err := b.addIndex(td, idx, false); err != nil {
		return "", err
	}
	return "CREATE COLLECTION", nil
}

func intDefElem(name string, v int) *pg_query.Node {
	return &pg_query.Node{Node: &pg_query.Node_DefElem{DefElem: &pg_query.DefElem{
		Defname: name, Arg: &pg_query.Node{Node: &pg_query.Node_Integer{Integer: &pg_query.Integer{Ival: int32(v)}}},
	}}}
}

// dropCollection runs DROP COLLECTION [IF EXISTS] name.
func (b *binder) dropCollection(text string) (string, error) {
	words := strings.Fields(strings.TrimRight(strings.TrimSpace(text), ";"))
	ifExists := len(words) >= 5 && strings.EqualFold(words[2], "IF") && strings.EqualFold(words[3], "EXISTS")
	if (ifExists && len(words) != 5) || (!ifExists && len(words) != 3) {
		return "", pgerr.New(pgerr.SyntaxError, "syntax error: expected DROP COLLECTION [IF EXISTS] name")
	}
	name := identifier(words[len(words)-1])
	td, err := b.txn.Table(name)
	if err != nil {
		return "", err
	}
	if td == nil {
		if ifExists {
			b.sess.notice(pgerr.New(pgerr.SuccessfulCompletion, "collection %q does not exist, skipping", name))
			return "DROP COLLECTION", nil
		}
		return "", pgerr.New(pgerr.UndefinedTable, "collection %q does not exist", name)
	}
	if !td.Collection {
		return "", pgerr.New(pgerr.WrongObjectType, "%q is not a collection", name).WithHint("Use DROP TABLE to remove a table.")
	}
	if _, err := b.dropStmt(&pg_query.DropStmt{
		RemoveType: pg_query.ObjectType_OBJECT_TABLE,
		Objects: []*pg_query.Node{{Node: &pg_query.Node_List{List: &pg_query.List{Items: []*pg_query.Node{
			{Node: &pg_query.Node_String_{String_: &pg_query.String{Sval: name}}},
		}}}}},
	}); err != nil {
		return "", err
	}
	return "DROP COLLECTION", nil
}

// identifier folds an SQL identifier as PostgreSQL does: quoted names
// keep their case.
func identifier(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return strings.ToLower(s)
}

// akidbViews are the relations of the akidb schema.
var akidbViews = map[string]view{
	"snapshots": snapshotsView,
	"collections": {
		cols: viewCols(
			[]string{"name", "dims", "metric", "tier", "pinned", "rows", "bytes_ram", "bytes_disk", "bytes_object_store", "last_access", "accesses"},
			[]types.T{types.Name, types.Int4, types.Text, types.Text, types.Bool, types.Int8, types.Int8, types.Int8, types.Int8, types.TimestampTZ, types.Int8}),
		rows: func(b *binder, _ *executor.Ctx) ([]types.Row, error) {
			tables, err := b.txn.Tables()
			if err != nil {
				return nil, err
			}
			var rows []types.Row
			for _, td := range tables {
				if !td.Collection {
					continue
				}
				var idx *storage.IndexDesc
				for i := range td.Indexes {
					if td.Indexes[i].Method == "hnsw" {
						idx = &td.Indexes[i]
					}
				}
				if idx == nil {
					continue
				}
				metric, _, _ := opClassMetric(idx.OpClass)
				if metric == "ip" {
					metric = "inner_product"
				}
				u := b.sess.eng.db.Usage(td.ID)
				tier, pinned, last, accesses, objBytes := b.sess.collectionTier(td.ID)
				if tier == "COLD" {
					u.Rows, u.RAMBytes = 0, 0
				}
				rows = append(rows, types.Row{
					types.NewString(td.Name), types.NewInt(int64(idx.Dims)), types.NewString(metric), types.NewString(tier),
					types.NewBool(pinned), types.NewInt(u.Rows), types.NewInt(u.RAMBytes), types.NewInt(u.DiskBytes), types.NewInt(objBytes),
					last, types.NewInt(accesses),
				})
			}
			return rows, nil
		},
	},
}
