package sqllogictest

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// hashLine matches the hashed form of a result: "30 values hashing to <md5>".
var hashLine = regexp.MustCompile(`^\s*(\d+) values hashing to ([0-9a-f]{32})\s*$`)

// Hash returns the MD5 (lower-case hex) of values, each followed by a newline.
func Hash(values []string) string {
	h := md5.New()
	for _, v := range values {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// renderSQLite renders one value the way SQLite's runner prints a column of
// type letter: I as an integer, R with three decimals, T as text with
// control characters as '@'. NULL stays "NULL", and an empty string becomes
// "(empty)".
func renderSQLite(letter byte, v string) string {
	if v == "NULL" {
		return v
	}
	switch letter {
	case 'I':
		return renderInt(v)
	case 'R':
		return renderReal(v)
	}
	return renderText(v)
}

func renderInt(v string) string {
	if _, err := strconv.ParseInt(v, 10, 64); err == nil {
		return v
	}
	switch v {
	case "t", "true":
		return "1"
	case "f", "false":
		return "0"
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) {
		// SQLite reads text that is not a number as 0.
		return "0"
	}
	if f >= math.MaxInt64 {
		return strconv.FormatInt(math.MaxInt64, 10)
	}
	if f <= math.MinInt64 {
		return strconv.FormatInt(math.MinInt64, 10)
	}
	return strconv.FormatInt(int64(f), 10) // truncates toward zero, as a C cast does
}

func renderReal(v string) string {
	switch v {
	case "t", "true":
		v = "1"
	case "f", "false":
		v = "0"
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		f = 0
	}
	return strconv.FormatFloat(f, 'f', 3, 64)
}

func renderText(v string) string {
	if v == "" {
		return "(empty)"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '@'
		}
		return r
	}, v)
}

// renderSLT renders a value for the sqllogictest-rs style: the server's
// text, with the empty string as "(empty)".
func renderSLT(v string) string {
	if v == "" {
		return "(empty)"
	}
	return v
}

// normalize renders every value of rows for style. In the SQLite style the
// record's type letters choose the rendering; columns beyond them use the
// letter the harness reported.
func normalize(style Style, wantTypes, gotTypes string, rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, row := range rows {
		r := make([]string, len(row))
		for j, v := range row {
			if style == StyleSLT {
				r[j] = renderSLT(v)
				continue
			}
			letter := byte('T')
			switch {
			case j < len(wantTypes):
				letter = wantTypes[j]
			case j < len(gotTypes):
				letter = gotTypes[j]
			}
			r[j] = renderSQLite(letter, v)
		}
		out[i] = r
	}
	return out
}

// sortRows orders rows for mode: rowsort compares rows column by column as
// byte strings (strcmp), valuesort sorts all values and returns them one per
// row. nosort leaves rows alone.
func sortRows(mode SortMode, rows [][]string) [][]string {
	switch mode {
	case RowSort:
		rows = slices.Clone(rows)
		slices.SortStableFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
	case ValueSort:
		var vals []string
		for _, r := range rows {
			vals = append(vals, r...)
		}
		slices.Sort(vals)
		rows = make([][]string, len(vals))
		for i, v := range vals {
			rows[i] = []string{v}
		}
	}
	return rows
}

func flatten(rows [][]string) []string {
	var vals []string
	for _, r := range rows {
		vals = append(vals, r...)
	}
	return vals
}

// resultLines renders a sorted, normalized result as the lines a file
// would list under "----": one value per line (SQLite style) or one row per
// line (sqllogictest-rs style); the hashed form when there are more values
// than a positive threshold.
func resultLines(style Style, threshold int, rows [][]string) []string {
	vals := flatten(rows)
	if threshold > 0 && len(vals) > threshold {
		return []string{fmt.Sprintf("%d values hashing to %s", len(vals), Hash(vals))}
	}
	if style == StyleSQLite {
		return vals
	}
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = strings.Join(r, " ")
	}
	return lines
}

// collapse trims s and turns every run of white space into one space: the
// sqllogictest-rs style compares rows this way.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// compareResult checks a query's result against the expected lines of rec.
// rows must already be normalized and sorted. It returns "" when they
// match, else the reason they do not, and the lines the result would be
// written as (for the report and for rewriting).
func compareResult(style Style, threshold int, expected []string, rows [][]string) (reason string, actual []string) {
	vals := flatten(rows)
	actual = resultLines(style, threshold, rows)

	// A hashed expectation: the count, then the hash.
	if len(expected) == 1 {
		if m := hashLine.FindStringSubmatch(expected[0]); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n != len(vals) {
				return fmt.Sprintf("expected %d values, got %d", n, len(vals)), actual
			}
			if got := Hash(vals); got != m[2] {
				if len(actual) == 1 { // show the values, not only another hash
					actual = plainLines(style, rows)
				}
				return fmt.Sprintf("%d values hashing to %s, expected hash %s", n, got, m[2]), actual
			}
			return "", actual
		}
	}

	plain := plainLines(style, rows)
	if style == StyleSQLite {
		if len(expected) != len(vals) {
			return fmt.Sprintf("expected %d values, got %d", len(expected), len(vals)), plain
		}
		for i := range expected {
			if expected[i] != vals[i] {
				return fmt.Sprintf("value %d differs: expected %q, got %q", i+1, expected[i], vals[i]), plain
			}
		}
		return "", actual
	}
	if len(expected) != len(plain) {
		return fmt.Sprintf("expected %d rows, got %d", len(expected), len(plain)), plain
	}
	for i := range expected {
		if collapse(expected[i]) != collapse(plain[i]) {
			return fmt.Sprintf("row %d differs: expected %q, got %q", i+1, collapse(expected[i]), collapse(plain[i])), plain
		}
	}
	return "", actual
}

func plainLines(style Style, rows [][]string) []string { return resultLines(style, 0, rows) }
