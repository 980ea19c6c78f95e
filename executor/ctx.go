package executor

import (
	"context"
	"errors"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// Ctx is what a running statement needs besides its plan.
type Ctx struct {
	Context context.Context
	DB      *storage.DB
	Txn     *storage.Txn
	Params  []types.Datum
	// Session facts for builtins such as current_user and timestamptz output.
	User     string
	Database string
	Location *time.Location
	// StatementTime is now() for the statement's transaction.
	StatementTime time.Time
	// EfSearch is the session's hnsw.ef_search (0: the default).
	EfSearch int

	// outer holds the rows of enclosing queries while a correlated
	// subquery runs: outer[len-1] is the innermost enclosing row.
	outer []types.Row
	// subCache holds results of uncorrelated subqueries for this execution.
	subCache map[*Subquery]subResult
	ticks    int
}

// checkCancel returns 57014 once the statement's context is done. It looks
// at the context only every 256 calls: it sits in per-row loops.
func (c *Ctx) checkCancel() error {
	c.ticks++
	if c.ticks&255 != 0 {
		return nil
	}
	return c.Canceled()
}

// Canceled reports a cancelled or timed-out statement as SQLSTATE 57014.
func (c *Ctx) Canceled() error {
	if c.Context == nil {
		return nil
	}
	if err := c.Context.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
		}
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	}
	return nil
}
