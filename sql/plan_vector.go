package sql

import (
	"math"
	"slices"
	"strconv"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// distanceMetric maps pgvector's distance operators to their metric.
var distanceMetric = map[string]string{"<->": "l2", "<=>": "cosine", "<#>": "ip", "<+>": "l1"}

// opClassMetric returns the metric of an HNSW operator class and the type
// it indexes.
func opClassMetric(opclass string) (metric string, typ types.OID, ok bool) {
	for _, prefix := range []struct {
		p string
		t types.OID
	}{{"vector_", types.VectorOID}, {"halfvec_", types.HalfvecOID}} {
		if rest, found := strings.CutPrefix(opclass, prefix.p); found {
			m, found := strings.CutSuffix(rest, "_ops")
			if !found {
				return "", 0, false
			}
			switch m {
			case "l2", "cosine", "ip", "l1":
				return m, prefix.t, true
			}
		}
	}
	return "", 0, false
}

// vectorOperand strips the casts around a column reference: the column
// an ORDER BY distance is computed from.
func vectorColumn(e executor.Expr) (*executor.ColRef, bool) {
	switch x := e.(type) {
	case *executor.ColRef:
		return x, true
	case *executor.Cast:
		return vectorColumn(x.X)
	case *executor.Relabel:
		return vectorColumn(x.X)
	}
	return nil, false
}

// vectorScan turns ORDER BY <distance to a constant> LIMIT k over one
// table into a scan of a matching HNSW index, when there is one and no
// selective key predicate makes an exact scan of few rows the better plan.
func (b *binder) vectorScan(base executor.Node, where executor.Expr, key executor.Expr, limit executor.Expr) *executor.VectorScan {
	scan, ok := base.(*executor.Scan)
	if !ok || len(scan.Start) > 0 || len(scan.End) > 0 || limit == nil {
		return nil
	}
	bo, ok := key.(*executor.BinOp)
	if !ok {
		return nil
	}
	metric, ok := distanceMetric[bo.Op.Name]
	if !ok {
		return nil
	}
	col, query := bo.L, bo.R
	ref, ok := vectorColumn(col)
	queryLeft := false
	if !ok || !rowIndependent(query) {
		col, query, queryLeft = bo.R, bo.L, true
		if ref, ok = vectorColumn(col); !ok || !rowIndependent(query) {
			return nil
		}
	}
	var idx *storage.IndexDesc
	for i := range scan.Table.Indexes {
		ix := &scan.Table.Indexes[i]
		if ix.Method != "hnsw" || len(ix.Columns) != 1 || ix.Columns[0] != ref.Idx {
			continue
		}
		m, typ, ok := opClassMetric(ix.OpClass)
		if ok && m == metric && typ == bo.Op.Left {
			idx = ix
			break
		}
	}
	if idx == nil {
		return nil
	}
	if where != nil {
		// A key predicate that narrows the rows makes an exact scan of
		// those rows the better plan.
		if f, ok := b.accessPath(scan, where).(*executor.Filter); ok {
			if s, ok := f.Input.(*executor.Scan); ok && (len(s.Start) > 0 || len(s.End) > 0) {
				return nil
			}
		}
	}
	return &executor.VectorScan{Table: scan.Table, Index: idx, Query: query, Limit: limit, Filter: where, WithKey: scan.WithKey, QueryLeft: queryLeft}
}

// exactScan turns ORDER BY <vector column> <op> <constant> LIMIT k over
// one whole table, without a WHERE clause, into an exact scan: storage's
// search of a flat cache of the column, for the vector distance operators
// but l1 (which falls back to the scan of every row, as the exact scan
// does whenever its cache cannot answer). The column must be a plain
// vector column, not a cast of one, so the scan meets no row the distance
// expression would fail on that the generic plan reads.
func exactScan(base executor.Node, key executor.Expr, limit executor.Expr) *executor.ExactScan {
	scan, ok := base.(*executor.Scan)
	if !ok || scan.Index != nil || len(scan.Start) > 0 || len(scan.End) > 0 || scan.WithKey || limit == nil {
		return nil
	}
	bo, ok := key.(*executor.BinOp)
	if !ok || bo.Op.Left != types.VectorOID || bo.Op.Right != types.VectorOID {
		return nil
	}
	switch bo.Op.Name {
	case "<->", "<=>", "<#>":
	default:
		return nil
	}
	ref, query := bo.L, bo.R
	col, ok := ref.(*executor.ColRef)
	if !ok || !rowIndependent(query) {
		// The operators are symmetric: the column may be on the right.
		ref, query = bo.R, bo.L
		if col, ok = ref.(*executor.ColRef); !ok || !rowIndependent(query) {
			return nil
		}
	}
	if col.Idx < 0 || col.Idx >= len(scan.Table.Columns) || scan.Table.Columns[col.Idx].Type.OID != types.VectorOID {
		return nil
	}
	return &executor.ExactScan{Table: scan.Table, Col: col.Idx, Op: bo.Op.Name, Query: query, Limit: limit, Fallback: scan}
}

// onlyKeyColumns reports expressions that read no column of td but its
// primary-key columns: each a reference to one, or row-independent.
func onlyKeyColumns(exprs []executor.Expr, td *storage.TableDesc) bool {
	for _, e := range exprs {
		if rowIndependent(e) {
			continue
		}
		ref, ok := e.(*executor.ColRef)
		if !ok || !slices.Contains(td.PrimaryKey, ref.Idx) {
			return false
		}
	}
	return true
}

// limitTotal is LIMIT + OFFSET: how many rows a top-k must keep.
func limitTotal(count, offset executor.Expr) executor.Expr {
	if count == nil || offset == nil {
		return count
	}
	return &executor.BinOp{Op: executor.FindOp("+", types.Int8OID, types.Int8OID), L: count, R: offset}
}

// hnswIndex plans CREATE INDEX ... USING hnsw (col opclass) WITH (...),
// checking in PostgreSQL's order: the access method's limits, the options,
// the column and operator class, then pgvector's build checks.
func (b *binder) hnswIndex(is *pg_query.IndexStmt, td *storage.TableDesc) (storage.IndexDesc, error) {
	idx := storage.IndexDesc{Name: is.Idxname, Method: "hnsw", M: 16, EfConstruction: 64}
	if len(is.IndexParams) != 1 {
		return idx, pgerr.New(pgerr.FeatureNotSupported, "access method \"hnsw\" does not support multicolumn indexes")
	}
	if is.Unique {
		return idx, pgerr.New(pgerr.FeatureNotSupported, "access method \"hnsw\" does not support unique indexes")
	}
	seen := map[string]bool{}
	for _, o := range is.Options {
		de := o.GetDefElem()
		name := strings.ToLower(de.Defname)
		if name != "m" && name != "ef_construction" {
			return idx, pgerr.New(pgerr.InvalidParameterValue, "unrecognized parameter %q", de.Defname)
		}
		if seen[name] {
			return idx, pgerr.New(pgerr.InvalidParameterValue, "parameter %q specified more than once", name)
		}
		seen[name] = true
		v, err := defElemInt(de)
		if err != nil {
			return idx, err
		}
		switch name {
		case "m":
			if v < 2 || v > 100 {
				return idx, pgerr.New(pgerr.InvalidParameterValue, "value %d out of bounds for option \"m\"", v).WithDetail("Valid values are between \"2\" and \"100\".")
			}
			idx.M = v
		case "ef_construction":
			if v < 4 || v > 1000 {
				return idx, pgerr.New(pgerr.InvalidParameterValue, "value %d out of bounds for option \"ef_construction\"", v).WithDetail("Valid values are between \"4\" and \"1000\".")
			}
			idx.EfConstruction = v
		}
	}
	el := is.IndexParams[0].GetIndexElem()
	colName := el.Name
	var castT *types.T
	if el.Expr != nil {
		tc := el.Expr.GetTypeCast()
		var cr *pg_query.ColumnRef
		if tc != nil {
			cr = tc.Arg.GetColumnRef()
		}
		if cr == nil || len(cr.Fields) != 1 {
			return idx, pgerr.New(pgerr.FeatureNotSupported, "hnsw indexes on expressions other than a cast of a column are not supported")
		}
		colName = strVal(cr.Fields[0])
		t, err := b.typeName(tc.TypeName)
		if err != nil {
			return idx, err
		}
		castT = &t
	}
	col := columnIndex(td, colName)
	if col < 0 {
		return idx, pgerr.New(pgerr.UndefinedColumn, "column %q does not exist", colName)
	}
	t := td.Columns[col].Type
	opclass := ""
	if len(el.Opclass) > 0 {
		names := nameList(el.Opclass)
		opclass = names[len(names)-1]
	}
	typ := t
	if castT != nil {
		typ = *castT
	}
	// pgvector has no default operator class for hnsw.
	if opclass == "" {
		return idx, pgerr.New(pgerr.UndefinedObject, "data type %s has no default operator class for access method \"hnsw\"", regtypeName(typ.OID)).
			WithHint("You must specify an operator class for the index or define a default operator class for the data type.")
	}
	if strings.HasPrefix(opclass, "sparsevec_") || opclass == "bit_hamming_ops" || opclass == "bit_jaccard_ops" {
		return idx, pgerr.New(pgerr.FeatureNotSupported, "hnsw indexes with operator class %q are not supported yet", opclass)
	}
	_, opType, ok := opClassMetric(opclass)
	if !ok {
		return idx, pgerr.New(pgerr.UndefinedObject, "operator class %q does not exist for access method \"hnsw\"", opclass)
	}
	if opType != typ.OID {
		return idx, pgerr.New(pgerr.DatatypeMismatch, "operator class %q does not accept data type %s", opclass, regtypeName(typ.OID))
	}
	// (CREATE COLLECTION builds its index element without these fields.)
	if (el.Ordering != pg_query.SortByDir_SORTBY_DEFAULT && el.Ordering != pg_query.SortByDir_SORT_BY_DIR_UNDEFINED) ||
		(el.NullsOrdering != pg_query.SortByNulls_SORTBY_NULLS_DEFAULT && el.NullsOrdering != pg_query.SortByNulls_SORT_BY_NULLS_UNDEFINED) {
		return idx, pgerr.New(pgerr.FeatureNotSupported, "access method \"hnsw\" does not support ASC/DESC options")
	}
	if castT != nil {
		switch {
		case castT.OID == t.OID:
		case t.OID == types.VectorOID && castT.OID == types.HalfvecOID:
			// pgvector's way to index at half the memory: the index holds
			// the vectors rounded as the cast rounds them.
			idx.Half = true
		default:
			return idx, pgerr.New(pgerr.FeatureNotSupported, "an hnsw index on a cast to another type (%s to %s) is not supported", t.String(), castT.String())
		}
		t = *castT
	}
	if t.Mod <= 0 {
		return idx, pgerr.New(pgerr.InvalidParameterValue, "column does not have dimensions")
	}
	maxDims := 2000
	if t.OID == types.HalfvecOID {
		maxDims = 4000
	}
	if int(t.Mod) > maxDims {
		return idx, pgerr.New(pgerr.ProgramLimitExceeded, "column cannot have more than %d dimensions for hnsw index", maxDims)
	}
	if idx.EfConstruction < 2*idx.M {
		return idx, pgerr.New(pgerr.InvalidParameterValue, "ef_construction must be greater than or equal to 2 * m")
	}
	// An unnamed index is named by storage, as PostgreSQL does:
	// <table>_<column>_idx, then _idx1, _idx2 ... when that is taken.
	idx.Columns, idx.OpClass, idx.Dims = []int{col}, opclass, int(t.Mod)
	return idx, nil
}

// defElemInt reads an integer index option as PostgreSQL's parse_int
// does: surrounding spaces allowed, a fraction rounded, no value meaning
// "true".
func defElemInt(de *pg_query.DefElem) (int, error) {
	text := "true"
	if de.Arg != nil {
		switch {
		case de.Arg.GetInteger() != nil:
			return int(de.Arg.GetInteger().Ival), nil
		case de.Arg.GetFloat() != nil:
			text = de.Arg.GetFloat().Fval
		case de.Arg.GetString_() != nil:
			text = de.Arg.GetString_().Sval
		case de.Arg.GetTypeName() != nil:
			names := nameList(de.Arg.GetTypeName().Names)
			text = names[len(names)-1]
		}
	}
	bad := pgerr.New(pgerr.InvalidParameterValue, "invalid value for integer option %q: %s", de.Defname, text)
	t := strings.TrimSpace(text)
	if v, err := strconv.ParseInt(t, 0, 32); err == nil {
		return int(v), nil
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, bad
	}
	f = math.RoundToEven(f)
	if f < math.MinInt32 || f > math.MaxInt32 {
		return 0, bad
	}
	return int(f), nil
}
