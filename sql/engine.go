package sql

import (
	"context"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage"
	"github.com/akidb/akidb/types"
)

// Options configure an Engine.
type Options struct{}

// Engine runs SQL sessions over one storage.DB. It is safe for concurrent use.
type Engine struct {
	db   *storage.DB
	opts Options
}

// NewEngine returns an engine over db.
func NewEngine(db *storage.DB, opts Options) *Engine { return &Engine{db: db, opts: opts} }

// SessionParams are the startup parameters of a connection and the
// callbacks through which a session talks back to its client.
type SessionParams struct {
	User            string
	Database        string
	ApplicationName string
	// Options holds every other startup parameter (including "options").
	Options map[string]string
	// Notice sends a NoticeResponse to the client. It is only called from
	// within a Session method, on the connection's goroutine.
	Notice func(*pgerr.Error)
	// ParameterStatus reports a changed GUC_REPORT setting (application_name,
	// TimeZone, DateStyle, ...) so the server sends ParameterStatus. Called
	// only from within a Session method.
	ParameterStatus func(name, value string)
}

// NewSession starts the state of one client connection.
func (e *Engine) NewSession(ctx context.Context, p SessionParams) (*Session, error) {
	return &Session{eng: e, params: p}, nil
}

// Session is one connection's SQL state: transaction, settings, prepared
// statements' plans. Its methods are called from the connection's goroutine
// only, one at a time.
type Session struct {
	eng    *Engine
	params SessionParams
}

// Parse splits a simple-query string into its statements, parsing all of
// them first (a syntax error anywhere means none runs). An empty or
// comment-only string gives zero statements.
func (s *Session) Parse(query string) ([]*Statement, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "not yet implemented")
}

// Prepare parses and plans one statement for the extended protocol.
// paramTypes are the OIDs the client gave (0 = unspecified); the
// statement's ParamTypes have every parameter's type resolved. An empty
// query gives a Statement whose Empty is true.
func (s *Session) Prepare(query string, paramTypes []uint32) (*Statement, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "not yet implemented")
}

// Bind makes a portal of a statement with decoded parameter values
// (len(params) == len(st.ParamTypes())). A statement from Parse is planned
// here, once the ones before it have run.
func (s *Session) Bind(ctx context.Context, st *Statement, params []types.Datum) (*Portal, error) {
	return nil, pgerr.New(pgerr.FeatureNotSupported, "not yet implemented")
}

// TxStatus is 'I' (idle), 'T' (in a transaction block) or 'E' (in a failed
// transaction block), for ReadyForQuery.
func (s *Session) TxStatus() byte { return 'I' }

// Location is the session's TimeZone, used to format timestamptz.
func (s *Session) Location() *time.Location { return time.UTC }

// Close ends the session, rolling back an open transaction.
func (s *Session) Close() {}

// Statement is a parsed (and, once prepared, planned) statement.
type Statement struct{}

// Empty reports an empty query (EmptyQueryResponse).
func (st *Statement) Empty() bool { return false }

// ParamTypes are the resolved parameter types (extended protocol).
func (st *Statement) ParamTypes() []types.T { return nil }

// Columns describes the result rows; nil when the statement returns none.
func (st *Statement) Columns() []Column { return nil }

// Column is one field of a RowDescription.
type Column struct {
	Name     string
	Type     types.T
	TableOID uint32
	Attr     int16
}

// Portal is a bound statement ready to run.
type Portal struct{}

// Columns describes the result rows; nil when none.
func (p *Portal) Columns() []Column { return nil }

// Execute runs or resumes the portal, calling emit for each row, at most
// maxRows rows when maxRows > 0. It returns done=false when it stopped at
// maxRows with rows left (PortalSuspended), else done=true and the command
// tag ("SELECT 3", "INSERT 0 1", "CREATE TABLE"). Cancelling ctx stops it
// with SQLSTATE 57014. A row passed to emit is only valid during the call.
func (p *Portal) Execute(ctx context.Context, maxRows int, emit func(types.Row) error) (done bool, tag string, err error) {
	return true, "", pgerr.New(pgerr.FeatureNotSupported, "not yet implemented")
}

// Close releases the portal's resources.
func (p *Portal) Close() {}
