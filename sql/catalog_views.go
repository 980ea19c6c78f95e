package sql

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/types"
)

// OIDs of the schemas clients see.
const (
	pgCatalogNamespace = 11
	publicNamespace    = 2200
	akidbNamespace     = 16000
)

// view is a read-only relation computed from the catalog.
type view struct {
	cols []scopeCol
	rows func(b *binder, c *executor.Ctx) ([]types.Row, error)
}

func viewCols(names []string, ts []types.T) []scopeCol {
	cols := make([]scopeCol, len(names))
	for i := range names {
		cols[i] = scopeCol{name: names[i], t: ts[i]}
	}
	return cols
}

var charT = types.T{OID: types.CharOID, Mod: -1}

// catalogViews are the pg_catalog relations answered from the type and
// table registries (enough for drivers' type discovery).
var catalogViews = map[string]view{
	"pg_type": {
		cols: viewCols(
			[]string{"oid", "typname", "typnamespace", "typowner", "typlen", "typbyval", "typtype", "typcategory",
				"typispreferred", "typisdefined", "typdelim", "typrelid", "typelem", "typarray", "typbasetype",
				"typtypmod", "typnotnull", "typndims", "typcollation"},
			[]types.T{types.OIDType, types.Name, types.OIDType, types.OIDType, types.Int2, types.Bool, charT, charT,
				types.Bool, types.Bool, charT, types.OIDType, types.OIDType, types.OIDType, types.OIDType,
				types.Int4, types.Bool, types.Int4, types.OIDType}),
		rows: func(b *binder, c *executor.Ctx) ([]types.Row, error) {
			var rows []types.Row
			for _, ti := range types.AllTypes() {
				ns := int64(pgCatalogNamespace)
				if types.Category(ti.OID) == 'U' && ti.OID >= 8000 && ti.OID < 9000 {
					ns = publicNamespace
				}
				typtype := "b"
				if ti.Category == 'P' {
					typtype = "p"
				}
				byval := ti.Len > 0 && ti.Len <= 8
				rows = append(rows, types.Row{
					types.NewInt(int64(ti.OID)), types.NewString(ti.Name), types.NewInt(ns), types.NewInt(10),
					types.NewInt(int64(ti.Len)), types.NewBool(byval), types.NewString(typtype), types.NewString(string(ti.Category)),
					types.NewBool(types.IsPreferred(ti.OID)), types.NewBool(true), types.NewString(","), types.NewInt(0),
					types.NewInt(int64(ti.Elem)), types.NewInt(int64(ti.Array)), types.NewInt(0),
					types.NewInt(-1), types.NewBool(false), types.NewInt(0), types.NewInt(0),
				})
			}
			return rows, nil
		},
	},
	"pg_namespace": {
		cols: viewCols([]string{"oid", "nspname", "nspowner"}, []types.T{types.OIDType, types.Name, types.OIDType}),
		rows: func(*binder, *executor.Ctx) ([]types.Row, error) {
			return []types.Row{
				{types.NewInt(pgCatalogNamespace), types.NewString("pg_catalog"), types.NewInt(10)},
				{types.NewInt(publicNamespace), types.NewString("public"), types.NewInt(10)},
				{types.NewInt(akidbNamespace), types.NewString("akidb"), types.NewInt(10)},
			}, nil
		},
	},
	"pg_extension": {
		cols: viewCols([]string{"oid", "extname", "extowner", "extnamespace", "extrelocatable", "extversion"},
			[]types.T{types.OIDType, types.Name, types.OIDType, types.OIDType, types.Bool, types.Text}),
		rows: func(*binder, *executor.Ctx) ([]types.Row, error) {
			return []types.Row{
				{types.NewInt(13000), types.NewString("plpgsql"), types.NewInt(10), types.NewInt(pgCatalogNamespace), types.NewBool(false), types.NewString("1.0")},
				{types.NewInt(13001), types.NewString("vector"), types.NewInt(10), types.NewInt(publicNamespace), types.NewBool(true), types.NewString(pgvectorVersion)},
			}, nil
		},
	},
}

// pgvectorVersion is the pgvector release whose SQL surface AkiDB offers.
const pgvectorVersion = "0.8.0"

// catalogView finds a pg_catalog relation for a FROM item.
func (b *binder) catalogView(rv *pg_query.RangeVar) (executor.Node, []scopeCol, bool) {
	var v view
	var ok bool
	switch rv.Schemaname {
	case "", "pg_catalog":
		v, ok = catalogViews[rv.Relname]
	case "akidb":
		v, ok = akidbViews[rv.Relname]
	}
	if !ok {
		return nil, nil, false
	}
	name := rv.Relname
	if rv.Alias != nil {
		name = rv.Alias.Aliasname
	}
	cols := make([]scopeCol, len(v.cols))
	for i, c := range v.cols {
		c.table = name
		cols[i] = c
	}
	rows, sess := v.rows, b.sess
	return &executor.Rows{N: len(cols), Fn: func(c *executor.Ctx) ([]types.Row, error) {
		// The view reads the catalog through the executing transaction.
		return rows(&binder{sess: sess, txn: c.Txn}, c)
	}}, cols, true
}
