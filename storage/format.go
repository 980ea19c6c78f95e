package storage

import (
	"strings"

	"github.com/akidb/akidb/types"
)

// formatDatum renders d, a value of type t, as PostgreSQL's text output
// does (timestamptz in UTC), for the Detail of constraint errors; NULL is
// "null".
func formatDatum(d types.Datum, t types.T) string {
	if d.K == types.KNull {
		return "null"
	}
	return types.FormatText(d, t, nil)
}

// formatColumns renders the values of columns cols of td held in vals.
func formatColumns(td *TableDesc, cols []int, vals []types.Datum) string {
	s := make([]string, len(vals))
	for i, v := range vals {
		s[i] = formatDatum(v, td.Columns[cols[i]].Type)
	}
	return strings.Join(s, ", ")
}
