// Package tiering holds AkiDB's tiering integration tests: an embedded
// server whose cold tier is a real MinIO bucket (optionally behind a
// fault-injecting proxy), a manual clock so that hours and days pass at
// once, and pgx clients that load clustered vectors with binary COPY and
// search them while collections move HOT -> WARM -> COLD and back.
//
// The background worker runs with a long interval; the tests run its
// cycles themselves with Manager.RunCycle so that every move happens at a
// known point. MinIO is installed into the repository's bin/ the first
// time (about ten minutes); with -short the tests skip when it is
// missing, and the 100k-vector part of TestConcurrentDemotion is skipped
// under -short or when AKIDB_SKIP_LARGE is set.
package tiering
