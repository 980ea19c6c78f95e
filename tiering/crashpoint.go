package tiering

import (
	"context"
	"io"
	"os"
	"strings"
	"syscall"

	"github.com/akidb/akidb/tiering/snapshot"
)

// Crash points let tests kill the server at a named step of a transition:
// with AKIDB_CRASHPOINT=after_upload in its environment the process sends
// itself SIGKILL when it reaches crashPoint("after_upload"). Names:
//
//	before_upload     snapshot files written locally, nothing uploaded
//	mid_upload        data objects uploaded, manifest not yet
//	after_upload      manifest uploaded, local data still there
//	mid_demote        HOT -> WARM: graph file written, index still in RAM
//	after_drop_local  COLD: local rows deleted, tier not yet recorded
//	before_ingest     restore: the rows' sstables built, not yet ingested
//	mid_restore       restore: rows and graph imported, tier not yet recorded
//	mid_cycle         worker: after the first transition of a cycle
//
// The upload points are reached by CREATE SNAPSHOT and by moves to COLD.
var crashPointName = os.Getenv("AKIDB_CRASHPOINT")

// CrashPoint is crashPoint for the storage engine's own steps of a
// transition (before_ingest).
func CrashPoint(name string) { crashPoint(name) }

func crashPoint(name string) {
	if crashPointName != "" && crashPointName == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}

// uploadStore is the store a snapshot upload writes to: s itself, or,
// with the mid_upload crash point set, s behind a wrapper that reaches
// the point when the manifest's Put starts (snapshot.Upload puts it
// after every data object is up).
func uploadStore(s ObjectStore) ObjectStore {
	if crashPointName != "mid_upload" {
		return s
	}
	return midUploadStore{s}
}

type midUploadStore struct{ ObjectStore }

func (s midUploadStore) Put(ctx context.Context, key string, r io.ReaderAt, size int64) error {
	if strings.HasSuffix(key, "/"+snapshot.ManifestObject) {
		crashPoint("mid_upload")
	}
	return s.ObjectStore.Put(ctx, key, r, size)
}
