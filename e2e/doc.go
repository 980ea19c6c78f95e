// Package e2e holds AkiDB's end-to-end tests: real clients (pgx, raw
// pgproto3 frontends, the psql binary) against a server started in the
// test process with server.StartEmbedded, or against the akidb binary
// where a test needs a process of its own (durability across SIGKILL,
// signal handling).
//
// The psql test compares psql's output with golden files in
// testdata/psql, produced by running the same scripts against PostgreSQL
// 15; `go test ./e2e -run TestPsql -update` rewrites them from AkiDB's
// own output.
package e2e
