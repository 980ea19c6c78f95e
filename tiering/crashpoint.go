package tiering

import (
	"os"
	"syscall"
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
//	mid_restore       restore: some rows written back, tier not yet recorded
//	mid_cycle         worker: after the first transition of a cycle
var crashPointName = os.Getenv("AKIDB_CRASHPOINT")

func crashPoint(name string) {
	if crashPointName != "" && crashPointName == name {
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way
	}
}
