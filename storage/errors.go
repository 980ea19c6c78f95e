package storage

import (
	"errors"
	"fmt"
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// Sentinel errors. Callers test them with errors.Is.
var (
	// ErrClosed is returned by a DB used after Close.
	ErrClosed = errors.New("storage: closed")
	// ErrTxnDone is returned by a Txn used after Commit or Rollback.
	ErrTxnDone = errors.New("storage: transaction already committed or rolled back")

	errCorruptKey = pgerr.New(pgerr.DataCorrupted, "storage: corrupt key encoding")
	errCorruptRow = pgerr.New(pgerr.DataCorrupted, "storage: corrupt row encoding")
)

// errSerialization is what a commit that lost a write-write race returns.
func errSerialization() error {
	return pgerr.New(pgerr.SerializationFailure, "could not serialize access due to concurrent update")
}

// errUniqueViolation builds PostgreSQL's 23505 error for constraint name
// over columns cols of td, whose values in the row are vals.
func errUniqueViolation(constraint string, td *TableDesc, cols []int, vals []types.Datum) error {
	return pgerr.New(pgerr.UniqueViolation,
		"duplicate key value violates unique constraint %q", constraint).
		WithDetail("Key (%s)=(%s) already exists.", strings.Join(colNames(td, cols), ", "), formatColumns(td, cols, vals))
}

func errRelationExists(name string) error {
	return pgerr.New(pgerr.DuplicateTable, "relation %q already exists", name)
}

func wrapf(err error, format string, args ...any) error {
	return fmt.Errorf("storage: "+format+": %w", append(args, err)...)
}
