// Package tiercrash holds crash-safety tests of tiering: each one runs the
// akidb binary against a real MinIO, kills it with SIGKILL at one of the
// named crash points of a tier transition (AKIDB_CRASHPOINT, see
// tiering/crashpoint.go), starts it again on the same data directory and
// bucket, and checks that every committed row is there, that the
// collection is in one consistent tier, and that no half snapshot,
// orphaned object, open intent or temporary file is left behind.
//
// The tests need the MinIO server binary; the first run installs it into
// the repository's bin/ (about ten minutes), and -short skips them when
// it is missing.
package tiercrash
