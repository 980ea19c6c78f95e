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

// A bulk load (COPY, INSERT ... SELECT) writes its transaction's batch far
// past the sizes at which Pebble grows a batch by doubling and copying it:
// a 200 MB load wrote about 470 MB of fresh memory and copied 240 MB, in
// memmoves too long for a starting garbage collection to preempt (the
// collector then signals the copying thread until the copy ends). Once a
// batch passes batchLeap, the transaction moves its writes into a batch
// with room for batchRoom: one copy, and pages only as the load writes
// them (the room is not touched until used). Tests lower both.
var (
	batchLeap = 16 << 20
	batchRoom = 256 << 20
)

// leapBatch moves the transaction's writes into a batch with batchRoom of
// room when its own has passed batchLeap, once. It does nothing while an
// iterator of the transaction reads the batch; if the move fails the
// transaction keeps its batch.
func (t *Txn) leapBatch() {
	n := t.b.Len()
	if t.leapt || n < batchLeap || len(t.iters) > 0 {
		return
	}
	t.leapt = true
	nb := t.db.pdb.NewIndexedBatchWithSize(batchRoom)
	if err := nb.Apply(t.b, nil); err != nil {
		nb.Close()
		return
	}
	releaseBatch(t.b, n)
	t.b = nb
}
