package executor

import (
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// VectorScan yields the rows of Table in increasing distance from Query,
// through the HNSW index Index: at most Limit rows, each passing Filter
// (the search goes on past ef_search until enough rows pass, like
// pgvector's iterative scan).
type VectorScan struct {
	Table   *storage.TableDesc
	Index   *storage.IndexDesc
	Query   Expr // row-independent
	Limit   Expr // LIMIT + OFFSET
	Filter  Expr // may be nil
	WithKey bool
	// QueryLeft: the query is the distance operator's left operand (for
	// the dimension mismatch error).
	QueryLeft bool
	// KeyOnly: the plan reads only the primary-key columns, which the scan
	// decodes from the row keys instead of reading the rows (the other
	// columns are NULL). Only without a Filter, and only when
	// storage.KeyOnly(Table) holds.
	KeyOnly bool
}

func (n *VectorScan) Width() int {
	if n.WithKey {
		return len(n.Table.Columns) + 1
	}
	return len(n.Table.Columns)
}

// evalTopK evaluates the query vector and the limit of a nearest-rows
// scan, both row-independent.
func evalTopK(c *Ctx, query, limit Expr) (q, lim types.Datum, err error) {
	if q, err = query.Eval(c, nil); err != nil {
		return q, lim, err
	}
	lim, err = limit.Eval(c, nil)
	return q, lim, err
}

// DefaultEfSearch is hnsw.ef_search's default, as in pgvector.
const DefaultEfSearch = 40

func (n *VectorScan) Open(c *Ctx) (RowIter, error) {
	q, lim, err := evalTopK(c, n.Query, n.Limit)
	if err != nil {
		return nil, err
	}
	if q.IsNull() || lim.IsNull() || lim.I <= 0 {
		return NewSliceIter(nil), nil
	}
	if q.K != types.KVector {
		return nil, pgerr.New(pgerr.DatatypeMismatch, "vector index scan needs a vector")
	}
	vec := q.P.([]float32)
	if n.Index.Dims > 0 && len(vec) != n.Index.Dims {
		// The distance operator's error, as a scan without the index gives.
		typ := "vector"
		if strings.HasPrefix(n.Index.OpClass, "halfvec_") {
			typ = "halfvec"
		}
		a, b := n.Index.Dims, len(vec)
		if n.QueryLeft {
			a, b = b, a
		}
		return nil, pgerr.New(pgerr.DataException, "different %s dimensions %d and %d", typ, a, b)
	}
	ef := c.EfSearch
	if ef <= 0 {
		ef = DefaultEfSearch
	}
	k := int(lim.I)
	var accept func(types.Row) (bool, error)
	if n.Filter != nil {
		accept = func(row types.Row) (bool, error) {
			if err := c.checkCancel(); err != nil {
				return false, err
			}
			return EvalBool(c, n.Filter, row)
		}
	}
	var hits []storage.VectorHit
	if n.KeyOnly && accept == nil {
		hits, err = c.Txn.VectorSearchKeys(n.Table, n.Index, vec, k, ef)
	} else {
		hits, err = c.Txn.VectorSearch(n.Table, n.Index, vec, k, ef, accept)
	}
	if err != nil {
		return nil, err
	}
	rows := make([]types.Row, len(hits))
	for i, h := range hits {
		row := h.Row
		if n.WithKey {
			row = append(row, types.Datum{K: types.KBytes, S: string(h.Key)})
		}
		rows[i] = row
	}
	return NewSliceIter(rows), nil
}
