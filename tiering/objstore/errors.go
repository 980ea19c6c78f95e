package objstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/tiering"
)

// OpError describes a failed object store operation. Stores return it
// wrapped in a *pgerr.Error; use errors.As to reach it.
type OpError struct {
	Store string // "s3" or "local"
	Op    string // "put", "get", "stat", "list", "delete"
	Key   string // the key (or, for list, the prefix) as the caller gave it
	// StatusCode is the HTTP status of the last response (S3 only);
	// 0 when no response arrived.
	StatusCode int
	// Code is the S3 error code of the last response, such as
	// "AccessDenied" or "SlowDown"; empty when there was none.
	Code string
	// Attempts is how many times the request was sent (S3 only).
	Attempts int
	// Err is the underlying error.
	Err error
}

func (e *OpError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %q", e.Store, e.Op, e.Key)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": status %d", e.StatusCode)
		if e.Code != "" {
			b.WriteString(" " + e.Code)
		}
	} else if e.Code != "" {
		b.WriteString(": " + e.Code)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return b.String()
}

func (e *OpError) Unwrap() error { return e.Err }

// NotFound reports whether the operation failed because the object does
// not exist.
func (e *OpError) NotFound() bool { return errors.Is(e.Err, tiering.ErrNotFound) }

// wrapOp turns an *OpError into the error callers see: a *pgerr.Error with
// SQLSTATE 58P01 (undefined_file) for a missing object, 57014
// (query_canceled) when the context ended, and 58030 (io_error) for
// everything else. The cause chain keeps the context's error visible to
// errors.Is.
func wrapOp(e *OpError) error {
	code := pgerr.IOError
	switch {
	case e.NotFound():
		code = pgerr.UndefinedFile
	case errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded):
		code = pgerr.QueryCanceled
	}
	return &pgerr.Error{Code: code, Message: e.Error(), Cause: e}
}

// notFound is the error an *OpError carries for a missing object.
func notFound(detail string) error {
	if detail == "" {
		return tiering.ErrNotFound
	}
	return fmt.Errorf("%w: %s", tiering.ErrNotFound, detail)
}

// errBadKey is wrapped by errors for keys that are not valid object keys.
var errBadKey = errors.New("invalid object key")

// checkKey reports whether key is a valid object key: a non-empty,
// slash-separated relative path whose segments are neither empty, "."
// nor "..", without NUL bytes or backslashes.
func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty", errBadKey)
	}
	if strings.ContainsAny(key, "\x00\\") {
		return fmt.Errorf("%w: contains a NUL byte or a backslash", errBadKey)
	}
	if strings.HasPrefix(key, "/") {
		return fmt.Errorf("%w: absolute path", errBadKey)
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: empty path segment", errBadKey)
		case ".", "..":
			return fmt.Errorf("%w: %q path segment", errBadKey, seg)
		}
	}
	return nil
}

// checkPrefix reports whether prefix is a valid List prefix: empty, or a
// string that could begin a valid key.
func checkPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if strings.ContainsAny(prefix, "\x00\\") {
		return fmt.Errorf("%w: prefix contains a NUL byte or a backslash", errBadKey)
	}
	if strings.HasPrefix(prefix, "/") {
		return fmt.Errorf("%w: absolute prefix", errBadKey)
	}
	segs := strings.Split(prefix, "/")
	// The last segment may be any beginning of a name, including "." or
	// ".." (".." could begin "..x"); the complete ones must be valid.
	for _, seg := range segs[:len(segs)-1] {
		switch seg {
		case "":
			return fmt.Errorf("%w: empty path segment in prefix", errBadKey)
		case ".", "..":
			return fmt.Errorf("%w: %q path segment in prefix", errBadKey, seg)
		}
	}
	return nil
}
