package storage

import "github.com/cockroachdb/pebble/v2"

// bigBatch is the size from which a transaction's batch is left to the
// garbage collector instead of being closed. Closing an indexed batch puts
// it in Pebble's pool with its skiplist arena, so one bulk load or CREATE
// INDEX would keep megabytes alive for good in a pool that small
// transactions never grow back into.
const bigBatch = 1 << 20

// releaseBatch ends the use of a transaction's batch once Pebble is done
// with it (after the commit's SyncWait, or without a commit). size is the
// batch's length before its commit: Pebble empties a large batch it keeps
// to flush whole.
func releaseBatch(b *pebble.Batch, size int) {
	if size >= bigBatch {
		return
	}
	b.Close()
}
