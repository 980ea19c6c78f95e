// Package server speaks the PostgreSQL frontend/backend protocol 3.0 and
// hands statements to a sql.Session.
//
// # Layers
//
// A Server accepts connections (server.go) and runs each in its own
// goroutine (conn.go). Bytes become messages in reader.go: a frame reader
// of its own that checks every declared length against
// Config.MaxMessageSize and grows its buffer only as bytes arrive, then
// pgproto3's decoders for the bodies. Answers are pgproto3 messages (and
// DataRows written straight into the output buffer, results.go), buffered
// and written at ReadyForQuery, on Flush, or every 32 KiB. Values cross the
// wire through the types package's text and binary codecs (values.go).
// Errors become ErrorResponse in errors.go; a *pgerr.Error anywhere in the
// chain gives the SQLSTATE, message, detail, hint and position.
//
// # Lifecycle of a connection
//
//  1. startup.go: SSLRequest and GSSENCRequest are answered 'N' (no
//     encryption yet) and the client continues in plain text; a
//     CancelRequest cancels the matching backend's running statement
//     (cancel.go) and closes; a StartupMessage (protocol 3.0; 3.x is
//     negotiated down) opens a sql.Session with user, database,
//     application_name and the other parameters, the settings in
//     "options" ("-c name=value", "--name=value") expanded into them.
//     Authentication is trust: AuthenticationOk, the ParameterStatus
//     values PostgreSQL 15 reports, BackendKeyData (a per-connection pid
//     and random secret) and ReadyForQuery.
//  2. The message loop: Query (simple.go) or the extended protocol
//     (extended.go), until Terminate, EOF, a protocol violation or
//     shutdown.
//  3. The session is closed (rolling back an open transaction) and the
//     socket with it.
//
// # Flows
//
// Simple query: the whole string is parsed first; each statement is bound
// and executed in turn with RowDescription, DataRows and CommandComplete;
// the first error ends the string; ReadyForQuery carries the session's
// transaction status (I, T or E).
//
// Extended query: Parse, Bind, Describe, Execute, Close, Sync and Flush on
// named and unnamed statements and portals. Execute with a row limit stops
// with PortalSuspended and the next Execute continues. After an error,
// messages are discarded until Sync, as in
// https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-EXT-QUERY.
// Portals end with their transaction.
//
// Cancel: every Query, Bind and Execute runs under a context that a
// matching CancelRequest cancels; the statement fails with 57014.
//
// Protocol violations (an unknown message type, a bad length, a message
// over the cap, a malformed body) end only that connection, with a FATAL
// 08P01 ErrorResponse.
//
// Shutdown stops the listeners, closes idle connections with FATAL 57P01,
// lets running statements finish up to Config.ShutdownTimeout, then
// cancels them and closes what is left.
package server
