package sql

import (
	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// scopeCol is one column visible to expressions: a column of a FROM item.
type scopeCol struct {
	table    string // the FROM item's name or alias
	name     string
	t        types.T
	tableOID uint32
	attr     int16
	hidden   bool // not expanded by *
}

// scope is the set of columns an expression can name, and the scope of the
// enclosing query for correlated subqueries.
type scope struct {
	cols   []scopeCol
	parent *scope
	// grouping is set while binding expressions evaluated after
	// aggregation (select list, HAVING, ORDER BY of a grouped query).
	grouping *grouping
	// correlated is set when an expression bound in this scope reached
	// into an enclosing one.
	correlated bool
	// what names the clause for "not allowed here" errors.
	what string
}

// grouping maps a grouped query's expressions to the Aggregate's output.
type grouping struct {
	keys  []string // String() of each GROUP BY expression
	types []types.T
	aggs  []*executor.AggSpec
	inAgg bool // binding an aggregate's argument
}

// lookup resolves a (table, name) column reference.
func (s *scope) lookup(table, name string, pos int32) (executor.Expr, error) {
	depth := 0
	for sc := s; sc != nil; sc = sc.parent {
		idx, err := sc.find(table, name, pos)
		if err != nil {
			return nil, err
		}
		if idx >= 0 {
			c := sc.cols[idx]
			if depth == 0 {
				return &executor.ColRef{Idx: idx, T: c.t, Name: c.name}, nil
			}
			for inner := s; inner != sc; inner = inner.parent {
				inner.correlated = true
			}
			return &executor.OuterRef{Depth: depth, Idx: idx, T: c.t}, nil
		}
		depth++
	}
	if table != "" {
		if !s.hasTable(table) {
			return nil, pgerr.New(pgerr.UndefinedTable, "missing FROM-clause entry for table %q", table).WithPosition(pos)
		}
		return nil, pgerr.New(pgerr.UndefinedColumn, "column %s.%s does not exist", table, name).WithPosition(pos)
	}
	return nil, pgerr.New(pgerr.UndefinedColumn, "column %q does not exist", name).WithPosition(pos)
}

func (s *scope) find(table, name string, pos int32) (int, error) {
	found := -1
	for i, c := range s.cols {
		if c.name != name || (table != "" && c.table != table) {
			continue
		}
		if found >= 0 {
			ref := name
			if table != "" {
				ref = table + "." + name
			}
			return -1, pgerr.New(pgerr.AmbiguousColumn, "column reference %q is ambiguous", ref).WithPosition(pos)
		}
		found = i
	}
	return found, nil
}

func (s *scope) hasTable(table string) bool {
	for sc := s; sc != nil; sc = sc.parent {
		for _, c := range sc.cols {
			if c.table == table {
				return true
			}
		}
	}
	return false
}
