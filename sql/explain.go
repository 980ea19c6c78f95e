package sql

import (
	"context"
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/akidb/akidb/executor"
	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// explainPlan plans EXPLAIN stmt: one text row per line of the plan tree.
func (b *binder) explainPlan(ex *pg_query.ExplainStmt) (*plan, error) {
	for _, o := range ex.Options {
		if de := o.GetDefElem(); de != nil && strings.EqualFold(de.Defname, "analyze") {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "EXPLAIN ANALYZE is not supported yet")
		}
	}
	inner, err := b.plan(parsedStmt{node: ex.Query})
	if err != nil {
		return nil, err
	}
	var lines []string
	switch {
	case inner.query != nil:
		lines = explainNode(inner.query, 0, nil, b.sess.efSearch())
	case inner.dml != nil:
		lines = explainNode(inner.dml.node, 0, nil, b.sess.efSearch())
	default:
		lines = []string{"Utility Statement"}
	}
	rows := make([]types.Row, len(lines))
	for i, l := range lines {
		rows[i] = types.Row{types.NewString(l)}
	}
	return &plan{
		cols: []Column{{Name: "QUERY PLAN", Type: types.Text}},
		utility: func(context.Context, *Portal) (string, []types.Row, error) {
			return "EXPLAIN", rows, nil
		},
	}, nil
}

// explainNode renders a plan tree the way PostgreSQL indents it.
func explainNode(n executor.Node, depth int, out []string, efSearch int) []string {
	prefix := ""
	if depth > 0 {
		prefix = strings.Repeat("      ", depth-1) + "  ->  "
	}
	detail := strings.Repeat("      ", depth) + "  "
	add := func(s string) { out = append(out, prefix+s) }
	prop := func(s string) { out = append(out, detail+s) }
	switch x := n.(type) {
	case *executor.Scan:
		bounded := len(x.Start) > 0 || len(x.End) > 0
		switch {
		case x.Index != nil:
			add(fmt.Sprintf("Index Scan using %s on %s", x.Index.Name, x.Table.Name))
		case bounded:
			add(fmt.Sprintf("Index Scan using %s_pkey on %s", x.Table.Name, x.Table.Name))
		default:
			add("Seq Scan on " + x.Table.Name)
		}
		if bounded {
			prop("Index Cond: " + spanText(x))
		}
	case *executor.Filter:
		out = explainNode(x.Input, depth, out, efSearch)
		out = append(out, strings.Repeat("      ", depth)+"  Filter: "+x.Cond.String())
	case *executor.Project:
		out = explainNode(x.Input, depth, out, efSearch)
	case *executor.Sort:
		if x.Limit != nil {
			add("Sort (top-N heapsort)")
		} else {
			add("Sort")
		}
		out = explainNode(x.Input, depth+1, out, efSearch)
	case *executor.VectorScan:
		scan := "Index Scan"
		if x.KeyOnly {
			scan = "Index Only Scan" // the rows are not read
		}
		add(fmt.Sprintf("%s using %s on %s (hnsw, %s, ef_search=%d)", scan, x.Index.Name, x.Table.Name, x.Index.OpClass, efSearch))
		prop("Order By: distance to " + x.Query.String())
		if x.Filter != nil {
			prop("Filter: " + x.Filter.String() + " (iterative scan)")
		}
	case *executor.ExactScan:
		add(fmt.Sprintf("Exact Scan on %s (%s)", x.Table.Name, x.Op))
		prop("Order By: distance to " + x.Query.String())
	case *executor.Limit:
		add("Limit")
		out = explainNode(x.Input, depth+1, out, efSearch)
	case *executor.Distinct:
		add("HashAggregate (distinct)")
		out = explainNode(x.Input, depth+1, out, efSearch)
	case *executor.Aggregate:
		if len(x.Groups) > 0 {
			add("HashAggregate")
		} else {
			add("Aggregate")
		}
		out = explainNode(x.Input, depth+1, out, efSearch)
	case *executor.NestedLoop:
		add("Nested Loop")
		out = explainNode(x.Left, depth+1, out, efSearch)
		out = explainNode(x.Right, depth+1, out, efSearch)
	case *executor.SetOp:
		add("Append")
		out = explainNode(x.Left, depth+1, out, efSearch)
		out = explainNode(x.Right, depth+1, out, efSearch)
	case *executor.Values:
		add("Result")
	case *executor.Insert:
		add("Insert on " + x.Table.Name)
		out = explainNode(x.Input, depth+1, out, efSearch)
	case *executor.Update:
		add("Update on " + x.Table.Name)
		out = explainNode(x.Input, depth+1, out, efSearch)
	case *executor.Delete:
		add("Delete on " + x.Table.Name)
		out = explainNode(x.Input, depth+1, out, efSearch)
	default:
		add(fmt.Sprintf("%T", n))
	}
	return out
}

func spanText(s *executor.Scan) string {
	var parts []string
	for i, e := range s.Start {
		op := ">="
		if i < len(s.End) && s.End[i] == e {
			op = "="
		} else if s.StartExclusive && i == len(s.Start)-1 {
			op = ">"
		}
		parts = append(parts, fmt.Sprintf("key%d %s %s", i+1, op, e.String()))
	}
	for i, e := range s.End {
		if i < len(s.Start) && s.Start[i] == e {
			continue
		}
		op := "<="
		if s.EndExclusive && i == len(s.End)-1 {
			op = "<"
		}
		parts = append(parts, fmt.Sprintf("key%d %s %s", i+1, op, e.String()))
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}
