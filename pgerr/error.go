package pgerr

import (
	"errors"
	"fmt"
)

// Severity levels as they appear on the wire.
const (
	SeverityError   = "ERROR"
	SeverityFatal   = "FATAL"
	SeverityNotice  = "NOTICE"
	SeverityWarning = "WARNING"
)

// Error is an error a client can see: a SQLSTATE code, a message, and the
// optional fields of PostgreSQL's ErrorResponse.
type Error struct {
	Severity string // "" means ERROR
	Code     string
	Message  string
	Detail   string
	Hint     string
	// Position is the 1-based character offset in the statement text the
	// error points at; 0 means none.
	Position int32
	// Where is the context of the error (PostgreSQL's CONTEXT), such as
	// the line of a COPY it happened on.
	Where string
	// Cause, when set, is the underlying error (kept for errors.Is/As and logs).
	Cause error
}

func (e *Error) Error() string {
	if e.Cause != nil && e.Message == "" {
		return e.Cause.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Cause }

// New returns an error with code and a formatted message.
func New(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap marks err with code; the message is err's own unless format is set,
// in which case it is format's text followed by ": " and err's message.
// Wrap(nil, ...) returns nil.
func Wrap(err error, code, format string, args ...any) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	if format != "" {
		msg = fmt.Sprintf(format, args...) + ": " + msg
	}
	return &Error{Code: code, Message: msg, Cause: err}
}

// WithDetail returns a copy of e with the detail set.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// WithHint returns a copy of e with the hint set.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// WithWhere returns a copy of e with the context set.
func (e *Error) WithWhere(format string, args ...any) *Error {
	c := *e
	c.Where = fmt.Sprintf(format, args...)
	return &c
}

// WithPosition returns a copy of e pointing at the 1-based character pos.
func (e *Error) WithPosition(pos int32) *Error {
	c := *e
	c.Position = pos
	return &c
}

// Code returns the SQLSTATE of err: the code of the outermost *Error in its
// chain, or InternalError when there is none. Code(nil) is "".
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return InternalError
}

// Convert returns err as an *Error: the outermost one in its chain, or a new
// XX000 error carrying err's message.
func Convert(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		if e.Code == "" {
			c := *e
			c.Code = InternalError
			return &c
		}
		return e
	}
	return &Error{Code: InternalError, Message: err.Error(), Cause: err}
}

// Is reports whether err carries the SQLSTATE code.
func Is(err error, code string) bool { return err != nil && Code(err) == code }
