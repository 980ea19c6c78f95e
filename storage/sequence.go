package storage

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/pebble/v2"
)

// Sequences are not transactional. Each keeps, at /s/<id>, a high-water
// mark: no value at or above it has been handed out. NextVal hands out
// values from a block reserved in memory and writes (with sync) a new mark
// before using a new block, so a crash loses at most the rest of a block and
// never repeats a value.
//
// Internal counters use the same machinery under IDs below firstObjectID.
const (
	seqObjectIDs  = 1 // IDs of tables, indexes and sequences
	seqRowIDs     = 2 // hidden row ids of tables without a primary key
	seqVecLabels  = 3 // labels of rows in vector indexes
	firstObjectID = 16384
)

const (
	minSeqBlock = 32
	maxSeqBlock = 1 << 16
)

type seqState struct {
	mu     sync.Mutex
	next   int64 // the next value to hand out
	limit  int64 // the persisted high-water mark
	block  int64 // size of the next reservation
	filled time.Time
}

func seqKey(id uint32) []byte { return appendUint32([]byte{spaceSequence}, id) }

func (db *DB) initCounters() error {
	for _, c := range []struct {
		id    uint32
		start int64
	}{{seqObjectIDs, firstObjectID}, {seqRowIDs, 1}, {seqVecLabels, 1}} {
		_, closer, err := db.pdb.Get(seqKey(c.id))
		if err == nil {
			closer.Close()
			continue
		}
		if !errors.Is(err, pebble.ErrNotFound) {
			return wrapf(err, "read counter")
		}
		if err := db.initSequence(c.id, c.start); err != nil {
			return err
		}
	}
	return nil
}

// initSequence persists a new sequence whose first value is start.
func (db *DB) initSequence(id uint32, start int64) error {
	if err := db.pdb.Set(seqKey(id), binary.BigEndian.AppendUint64(nil, uint64(start)), pebble.Sync); err != nil {
		return wrapf(err, "create sequence")
	}
	return nil
}

// state returns the in-memory state of a sequence, loading it on first use.
func (db *DB) seqState(id uint32) (*seqState, error) {
	db.seqMu.Lock()
	defer db.seqMu.Unlock()
	if st := db.seqs[id]; st != nil {
		return st, nil
	}
	v, closer, err := db.pdb.Get(seqKey(id))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, pgerr.New(pgerr.UndefinedTable, "sequence with OID %d does not exist", id)
	}
	if err != nil {
		return nil, wrapf(err, "read sequence")
	}
	defer closer.Close()
	if len(v) != 8 {
		return nil, pgerr.New(pgerr.DataCorrupted, "storage: corrupt sequence %d", id)
	}
	hw := int64(binary.BigEndian.Uint64(v))
	st := &seqState{next: hw, limit: hw, block: minSeqBlock}
	if id == seqRowIDs || id == seqVecLabels {
		st.block = maxSeqBlock
	}
	db.seqs[id] = st
	return st, nil
}

// NextVal returns the next value of a sequence: 1, 2, 3, ... unless SetVal
// moved it. Values are never handed out twice, even across crashes; values
// reserved but unused before a crash or Close are skipped.
func (db *DB) NextVal(seqID uint32) (int64, error) {
	st, err := db.seqState(seqID)
	if err != nil {
		return 0, err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.next == math.MaxInt64 {
		return 0, pgerr.New("2200H", "nextval: reached maximum value of sequence with OID %d (%d)", seqID, int64(math.MaxInt64))
	}
	if st.next >= st.limit {
		// Grow the block while blocks run out quickly, so bulk loads sync
		// rarely; shrink it back when the sequence is used slowly.
		now := time.Now()
		switch {
		case !st.filled.IsZero() && now.Sub(st.filled) < time.Second && st.block < maxSeqBlock:
			st.block *= 2
		case now.Sub(st.filled) > time.Minute && st.block > minSeqBlock && seqID >= firstObjectID:
			st.block = minSeqBlock
		}
		limit := st.next + st.block
		if limit < st.next { // overflow
			limit = math.MaxInt64
		}
		if err := db.pdb.Set(seqKey(seqID), binary.BigEndian.AppendUint64(nil, uint64(limit)), pebble.Sync); err != nil {
			return 0, wrapf(err, "reserve sequence values")
		}
		st.limit = limit
		st.filled = now
	}
	v := st.next
	st.next++
	return v, nil
}

// SetVal makes the next NextVal return v+1, as PostgreSQL's setval(seq, v).
func (db *DB) SetVal(seqID uint32, v int64) error {
	st, err := db.seqState(seqID)
	if err != nil {
		return err
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if v == math.MaxInt64 {
		return pgerr.New(pgerr.NumericValueOutOfRange, "setval: value %d is out of bounds for sequence with OID %d", v, seqID)
	}
	if err := db.pdb.Set(seqKey(seqID), binary.BigEndian.AppendUint64(nil, uint64(v+1)), pebble.Sync); err != nil {
		return wrapf(err, "set sequence")
	}
	st.next, st.limit = v+1, v+1
	return nil
}

// dropSequenceState forgets a dropped sequence.
func (db *DB) dropSequenceState(id uint32) {
	db.seqMu.Lock()
	delete(db.seqs, id)
	db.seqMu.Unlock()
	if err := db.pdb.Delete(seqKey(id), nil); err != nil {
		db.log.Warn("storage: delete sequence state", "id", id, "err", err)
	}
}

func (db *DB) allocID() (uint32, error) {
	v, err := db.NextVal(seqObjectIDs)
	if err != nil {
		return 0, err
	}
	if v > math.MaxUint32 {
		return 0, pgerr.New(pgerr.ProgramLimitExceeded, "out of object IDs")
	}
	return uint32(v), nil
}

func (db *DB) nextRowID() (int64, error) { return db.NextVal(seqRowIDs) }
