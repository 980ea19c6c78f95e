package sqllogictest

import "context"

// Harness is the seam between the runner and an engine. Implementations need
// not be safe for concurrent use: a runner uses one harness from one
// goroutine, one record at a time.
type Harness interface {
	// Exec runs a statement and returns the number of rows it affected (as
	// its command tag says; 0 when it says nothing).
	Exec(ctx context.Context, sql string) (rowsAffected int64, err error)
	// Query runs a query and returns one type letter per result column (I
	// for integers, R for floating point and numeric, T for everything
	// else) and its rows, each value already rendered as text: the server's
	// text output, NULL as "NULL". Further rendering (the SQLite style's
	// integers, three decimals, "(empty)") is the runner's.
	Query(ctx context.Context, sql string) (types string, rows [][]string, err error)
}
