package sqllogictest

import (
	"path/filepath"
	"strings"
)

// Style is the dialect of a file: how query results are written in it.
type Style int

const (
	// StyleSQLite is SQLite's format (.test): one value per line, rendered
	// from the query's type string.
	StyleSQLite Style = iota
	// StyleSLT is the sqllogictest-rs format (.slt): one row per line, values
	// separated by spaces, each as the server's text output.
	StyleSLT
)

func (s Style) String() string {
	if s == StyleSLT {
		return "slt"
	}
	return "sqlite"
}

// StyleOf returns the style a file's name implies: .slt files are in the
// sqllogictest-rs style, everything else in SQLite's.
func StyleOf(path string) Style {
	if strings.EqualFold(filepath.Ext(path), ".slt") {
		return StyleSLT
	}
	return StyleSQLite
}

// Kind is what a record asks the runner to do.
type Kind int

const (
	KindStatement     Kind = iota // run SQL, expect success or an error
	KindQuery                     // run SQL, compare its result
	KindHashThreshold             // set the hash threshold for later queries
	KindHalt                      // stop running the file
	KindControl                   // "control sortmode rowsort" and the like
	KindInclude                   // replaced by the records of other files in ParseFile
)

func (k Kind) String() string {
	switch k {
	case KindStatement:
		return "statement"
	case KindQuery:
		return "query"
	case KindHashThreshold:
		return "hash-threshold"
	case KindHalt:
		return "halt"
	case KindControl:
		return "control"
	case KindInclude:
		return "include"
	}
	return "unknown"
}

// SortMode says how a query's result is ordered before it is compared.
type SortMode int

const (
	SortDefault SortMode = iota // not given: the file's default (control sortmode), else nosort
	NoSort
	RowSort
	ValueSort
)

func (m SortMode) String() string {
	switch m {
	case NoSort:
		return "nosort"
	case RowSort:
		return "rowsort"
	case ValueSort:
		return "valuesort"
	}
	return ""
}

func parseSortMode(s string) (SortMode, bool) {
	switch s {
	case "nosort":
		return NoSort, true
	case "rowsort":
		return RowSort, true
	case "valuesort":
		return ValueSort, true
	}
	return SortDefault, false
}

// Condition is a skipif or onlyif line in front of a record.
type Condition struct {
	Skip   bool   // true for skipif, false for onlyif
	Engine string // the engine name it names
}

// Applies reports whether a record guarded by conds runs on an engine
// answering to labels.
func Applies(conds []Condition, labels []string) bool {
	for _, c := range conds {
		match := false
		for _, l := range labels {
			if strings.EqualFold(c.Engine, l) {
				match = true
				break
			}
		}
		if c.Skip == match {
			return false
		}
	}
	return true
}

// Record is one unit of a file. Which fields mean something depends on Kind.
type Record struct {
	Kind       Kind
	File       string // the file the record was read from
	Line       int    // 1-based line of the record's first line (after its conditions)
	Conditions []Condition

	// SQL is the statement or query text, its lines joined by "\n".
	SQL string

	// ExpectError is set by "statement error" and "query error".
	// ErrorPattern is the regular expression given after it (empty: any
	// error); ErrorText, the message lines under a "----" that follows it,
	// which the error must contain.
	ExpectError  bool
	ErrorPattern string
	ErrorText    string

	// Count is the row count "statement count N" expects; -1 when not given.
	Count int64

	// Types is the query's type string ("ITR"), Sort its sort mode and Label
	// its optional label.
	Types string
	Sort  SortMode
	Label string
	// Expected holds the lines under "----", as written.
	Expected []string
	// SepLine is the line of the "----" separator (0 when there is none);
	// the expected lines follow it on lines SepLine+1 .. SepLine+len(Expected).
	SepLine int
	// SQLEnd is the last line of the SQL text.
	SQLEnd int

	// Threshold is the argument of hash-threshold.
	Threshold int
	// Args are the words after "control" or "include".
	Args []string
}
