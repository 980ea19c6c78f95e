// Package pgerr carries PostgreSQL SQLSTATE codes on Go errors.
//
// Every layer marks the errors a user can see with a code from this package;
// the wire server turns them into ErrorResponse and NoticeResponse messages.
// An error without a code is reported as XX000 (internal_error). When errors
// are wrapped, the outermost *Error found by errors.As wins.
package pgerr
