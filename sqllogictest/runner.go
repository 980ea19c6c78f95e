package sqllogictest

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// DefaultLabels are the engine names this runner answers to in skipif and
// onlyif lines.
var DefaultLabels = []string{"akidb", "postgresql"}

// Runner runs parsed records against a Harness.
type Runner struct {
	Harness Harness
	// Labels are the engine names for skipif/onlyif; nil means DefaultLabels.
	Labels []string
	// MaxMismatches is how many mismatches a FileResult keeps in detail
	// (all are counted); 0 means 10.
	MaxMismatches int
	// Timeout bounds each record; 0 means no limit beyond the caller's context.
	Timeout time.Duration
	// KeepOutcomes makes RunRecords keep every record's outcome (for
	// rewriting expected results).
	KeepOutcomes bool
}

// Mismatch is one failed record.
type Mismatch struct {
	File     string
	Line     int
	SQL      string
	Reason   string
	Expected []string // expected result lines, when the record is a query
	Actual   []string // actual result lines, when there is a result
}

// maxShownLines bounds how many result lines a Mismatch prints.
const maxShownLines = 20

func (m Mismatch) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: %s\n", m.File, m.Line, m.Reason)
	for _, l := range strings.Split(m.SQL, "\n") {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	if m.Expected != nil || m.Actual != nil {
		writeLines(&b, "expected", m.Expected)
		writeLines(&b, "actual", m.Actual)
	}
	return b.String()
}

func writeLines(b *strings.Builder, title string, lines []string) {
	fmt.Fprintf(b, "  %s (%d lines):\n", title, len(lines))
	for i, l := range lines {
		if i == maxShownLines {
			fmt.Fprintf(b, "    ... %d more\n", len(lines)-i)
			break
		}
		fmt.Fprintf(b, "    %s\n", l)
	}
}

// Status is what happened to one record.
type Status int

const (
	Skipped Status = iota
	Passed
	Failed
)

// Outcome is the result of one record, kept when Runner.KeepOutcomes is set.
type Outcome struct {
	Record *Record
	Status Status
	// Actual is the result as the lines a file would list under "----"
	// (queries that ran without error only).
	Actual []string
}

// FileResult sums up one file.
type FileResult struct {
	File                    string
	Passed, Failed, Skipped int
	Halted                  bool
	Mismatches              []Mismatch // the first Runner.MaxMismatches failures
	Outcomes                []Outcome  // when Runner.KeepOutcomes
}

// OK reports whether no record failed.
func (r *FileResult) OK() bool { return r.Failed == 0 }

func (r *FileResult) String() string {
	return fmt.Sprintf("%s: %d passed, %d failed", r.File, r.Passed, r.Failed)
}

// RunFile parses the file at path and runs it. The error is for a file that
// cannot be read or parsed; failing records are counted in the result.
func (r *Runner) RunFile(ctx context.Context, path string) (*FileResult, error) {
	recs, err := ParseFile(path)
	if err != nil {
		return nil, err
	}
	return r.RunRecords(ctx, path, StyleOf(path), recs), nil
}

// runState is what carries over from record to record within a file.
type runState struct {
	threshold int
	sortMode  SortMode
}

// RunRecords runs records read from the file name, in style.
func (r *Runner) RunRecords(ctx context.Context, name string, style Style, recs []Record) *FileResult {
	res := &FileResult{File: name}
	labels := r.Labels
	if labels == nil {
		labels = DefaultLabels
	}
	maxMis := r.MaxMismatches
	if maxMis == 0 {
		maxMis = 10
	}
	st := runState{sortMode: NoSort}
	for i := range recs {
		rec := &recs[i]
		if !Applies(rec.Conditions, labels) {
			if rec.Kind == KindStatement || rec.Kind == KindQuery {
				res.Skipped++
				r.keep(res, rec, Skipped, nil)
			}
			continue
		}
		var mis *Mismatch
		var actual []string
		switch rec.Kind {
		case KindHalt:
			res.Halted = true
			return res
		case KindHashThreshold:
			st.threshold = rec.Threshold
			continue
		case KindControl:
			mis = st.control(rec)
			if mis == nil {
				continue
			}
		case KindStatement:
			mis = r.statement(ctx, rec)
		case KindQuery:
			mis, actual = r.query(ctx, style, &st, rec)
		default:
			mis = &Mismatch{Reason: fmt.Sprintf("cannot run a %s record", rec.Kind)}
		}
		if mis == nil {
			res.Passed++
			r.keep(res, rec, Passed, actual)
			continue
		}
		res.Failed++
		r.keep(res, rec, Failed, actual)
		if len(res.Mismatches) < maxMis {
			mis.File, mis.Line, mis.SQL = rec.File, rec.Line, rec.SQL
			res.Mismatches = append(res.Mismatches, *mis)
		}
	}
	return res
}

func (r *Runner) keep(res *FileResult, rec *Record, s Status, actual []string) {
	if r.KeepOutcomes {
		res.Outcomes = append(res.Outcomes, Outcome{Record: rec, Status: s, Actual: actual})
	}
}

func (st *runState) control(rec *Record) *Mismatch {
	if len(rec.Args) == 2 && rec.Args[0] == "sortmode" {
		st.sortMode, _ = parseSortMode(rec.Args[1])
		return nil
	}
	return &Mismatch{Reason: fmt.Sprintf("unsupported control %q", strings.Join(rec.Args, " "))}
}

func (r *Runner) recordContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if r.Timeout > 0 {
		return context.WithTimeout(ctx, r.Timeout)
	}
	return context.WithCancel(ctx)
}

func (r *Runner) statement(ctx context.Context, rec *Record) *Mismatch {
	ctx, cancel := r.recordContext(ctx)
	defer cancel()
	n, err := r.Harness.Exec(ctx, rec.SQL)
	if rec.ExpectError {
		return checkError(rec, err)
	}
	if err != nil {
		return &Mismatch{Reason: "statement failed: " + err.Error()}
	}
	if rec.Count >= 0 && n != rec.Count {
		return &Mismatch{Reason: fmt.Sprintf("statement affected %d rows, expected %d", n, rec.Count)}
	}
	return nil
}

// checkError checks the error of a record that expects one.
func checkError(rec *Record, err error) *Mismatch {
	if err == nil {
		return &Mismatch{Reason: "expected an error, but it succeeded"}
	}
	msg := err.Error()
	if rec.ErrorPattern != "" {
		re, cerr := regexp.Compile(rec.ErrorPattern)
		if cerr != nil {
			return &Mismatch{Reason: fmt.Sprintf("bad error pattern %q: %v", rec.ErrorPattern, cerr)}
		}
		if !re.MatchString(msg) {
			return &Mismatch{Reason: fmt.Sprintf("error %q does not match %q", msg, rec.ErrorPattern)}
		}
	}
	if rec.ErrorText != "" && !strings.Contains(msg, rec.ErrorText) {
		return &Mismatch{Reason: fmt.Sprintf("error %q does not contain %q", msg, rec.ErrorText)}
	}
	return nil
}

func (r *Runner) query(ctx context.Context, style Style, st *runState, rec *Record) (*Mismatch, []string) {
	ctx, cancel := r.recordContext(ctx)
	defer cancel()
	types, rows, err := r.Harness.Query(ctx, rec.SQL)
	if rec.ExpectError {
		return checkError(rec, err), nil
	}
	if err != nil {
		return &Mismatch{Reason: "query failed: " + err.Error(), Expected: rec.Expected}, nil
	}
	mode := rec.Sort
	if mode == SortDefault {
		mode = st.sortMode
	}
	rows = sortRows(mode, normalize(style, rec.Types, types, rows))
	reason, actual := compareResult(style, st.threshold, rec.Expected, rows)
	if reason != "" {
		return &Mismatch{Reason: reason, Expected: orEmpty(rec.Expected), Actual: orEmpty(actual)}, actual
	}
	return nil, actual
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
