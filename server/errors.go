package server

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
)

// Errors and notices on the wire. Every error a client sees goes through
// toPG, which finds the *pgerr.Error in the chain (or makes an XX000 one),
// and becomes an ErrorResponse with PostgreSQL's fields: severity (localized
// and not), SQLSTATE, message, detail, hint, position and context.

// toPG converts err for the wire. A bare context cancellation is the
// statement being cancelled (57014), as PostgreSQL reports it.
func toPG(err error) *pgerr.Error {
	var pe *pgerr.Error
	if !errors.As(err, &pe) && errors.Is(err, context.Canceled) {
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to user request")
	}
	if !errors.As(err, &pe) && errors.Is(err, context.DeadlineExceeded) {
		return pgerr.New(pgerr.QueryCanceled, "canceling statement due to statement timeout")
	}
	return pgerr.Convert(err)
}

func severity(e *pgerr.Error, def string) string {
	if e.Severity != "" {
		return e.Severity
	}
	return def
}

func errorResponse(e *pgerr.Error) *pgproto3.ErrorResponse {
	sev := severity(e, pgerr.SeverityError)
	msg := e.Message
	if msg == "" {
		msg = e.Error()
	}
	return &pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                e.Code,
		Message:             msg,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
		Where:               e.Where,
	}
}

func noticeResponse(e *pgerr.Error) *pgproto3.NoticeResponse {
	r := errorResponse(e)
	if e.Severity == "" {
		r.Severity, r.SeverityUnlocalized = pgerr.SeverityNotice, pgerr.SeverityNotice
	}
	if r.Code == "" {
		r.Code = pgerr.SuccessfulCompletion
	}
	return (*pgproto3.NoticeResponse)(r)
}

// fatal marks e as ending the connection.
func fatal(e *pgerr.Error) *pgerr.Error {
	c := *e
	c.Severity = pgerr.SeverityFatal
	return &c
}

// sendError queues an ErrorResponse for err and logs internal errors. It
// returns the converted error.
func (c *conn) sendError(err error) *pgerr.Error {
	e := toPG(err)
	if e.Code == pgerr.InternalError {
		c.log.Error("internal error", "err", err)
	}
	c.send(errorResponse(e))
	if e.Severity == pgerr.SeverityFatal || e.Severity == "PANIC" {
		// The session asked to end the connection.
		c.closing = true
	}
	return e
}

// sendFatal sends a FATAL ErrorResponse and flushes; the caller then closes
// the connection.
func (c *conn) sendFatal(err error) {
	e := fatal(toPG(err))
	c.log.Info("closing connection", "code", e.Code, "reason", e.Message)
	c.send(errorResponse(e))
	c.flush()
}
