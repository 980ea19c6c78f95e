package sqllogictest

import (
	"fmt"
	"os"
	"strings"
)

// Rewrite writes the file at path again with the expected results of its
// queries replaced by the actual ones in outcomes (from a Runner with
// KeepOutcomes). Statements, errors and queries that did not run are left
// as they are. It is how a new file gets its expectations from a reference
// engine; review the diff before trusting it.
func Rewrite(path string, outcomes []Outcome) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("sqllogictest: %w", err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")

	// drop marks old expected lines (1-based); insertAfter[n] is what
	// follows line n.
	drop := map[int]bool{}
	insertAfter := map[int][]string{}
	for _, o := range outcomes {
		rec := o.Record
		if rec.File != path || rec.Kind != KindQuery || rec.ExpectError ||
			o.Status == Skipped || o.Status == Failed && o.Actual == nil {
			continue
		}
		if rec.SepLine == 0 {
			if len(o.Actual) > 0 {
				insertAfter[rec.SQLEnd] = append([]string{"----"}, o.Actual...)
			}
			continue
		}
		for i := range rec.Expected {
			drop[rec.SepLine+1+i] = true
		}
		insertAfter[rec.SepLine] = o.Actual
	}
	var out []string
	for i, l := range lines {
		n := i + 1
		if !drop[n] {
			out = append(out, l)
		}
		out = append(out, insertAfter[n]...)
	}
	return os.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o644)
}
