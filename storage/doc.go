// Package storage keeps AkiDB's tables in Pebble: the catalog, the row and
// index encodings, sequences and transactions. The SQL executor is its only
// client; it resolves names through a Txn and reads and writes rows with the
// TableDesc it got back.
//
// # Key layout
//
// Every key starts with a one-byte space; IDs are 4-byte big-endian.
//
//	/m/f                                  store format version
//	/g/<name>                             tiering records (tier state, intents; tier.go)
//	/c/n/<name>                           namespace: table, index, sequence or <table>_pkey
//	/c/t/<tableID>                        TableDesc (format byte + JSON)
//	/c/q/<seqID>                          SequenceDesc (format byte + JSON)
//	/s/<seqID>                            sequence high-water mark (not transactional)
//	/t/<tableID>/r/<pk>                   row value (see rowcodec.go)
//	/t/<tableID>/i/<indexID>/<cols>[<pk>] index entry; its value is <pk>
//	/t/<tableID>/l/<indexID>/<seq>        vector index log entry (see below)
//	/t/<tableID>/v/<indexID>/<label>      vector label -> RowKey
//	/t/<tableID>/w/<indexID>/<pk>         RowKey -> vector label
//
// <pk> is the order-preserving encoding of the primary key columns, or of a
// hidden int row id for tables without a primary key; it is the row's
// RowKey. <cols> encodes the index columns the same way. An entry of a
// UNIQUE index whose columns are all non-NULL is keyed by <cols> alone, so
// duplicates collide; other entries append <pk>, so NULLs never collide.
//
// The key encoding (keys.go) is self-delimiting and order-preserving per
// value: a tag byte per kind (NULL smallest, so NULL sorts first), ints
// sign-flipped big-endian, floats bit-flipped with -0 == 0 and NaN greatest,
// numerics as sign, exponent and packed digits (NaN greatest), strings and
// bytes with 0x00 escaped and a 0x00 0x01 terminator, so byte order is C
// collation order and a prefix sorts first.
//
// # Transactions
//
// A Txn is an indexed Pebble batch. Reads go through the batch, so a
// transaction sees its own writes merged with the latest committed data;
// each call (each iterator) reads one point-in-time view, which gives READ
// COMMITTED per statement. Commit applies the batch with sync: one atomic,
// durable write.
//
// Write-write conflicts are detected at commit (first committer wins): the
// DB remembers, for the keys written by recent commits, the commit sequence
// of their last write. If a key the committing transaction writes was
// written by a commit after the transaction began, or the schema of a table
// it writes changed since, Commit fails with SQLSTATE 40001 and writes
// nothing. Creating or dropping an index likewise fails if the table was
// written concurrently. The history is pruned to commits newer than the
// oldest open transaction.
//
// # Catalog
//
// The catalog is transactional: a transaction sees its own DDL at once (it
// then reads the catalog through its batch), others after commit (they
// read an in-memory copy rebuilt after each DDL commit). CatalogVersion
// grows with every DDL commit. Object IDs for tables, indexes and sequences
// come from a non-transactional counter starting at 16384 and are never
// reused.
//
// # Vector indexes
//
// An hnsw index (IndexDesc.Method "hnsw") has no entries in /t/<t>/i/.
// Its graph (package hnsw) lives in memory, holds committed rows only and
// knows rows by a uint64 label. Labels come from a store-wide counter and
// are never reused; a label names one row's one vector: an update that
// changes the vector deletes the old label and takes a new one, an update
// that moves the row to a new key only rewrites the label's entries. NULL
// vectors, and zero vectors under cosine, get no label (exact scans still
// see them). The label entries /v and /w are written in the same batch as
// the row, so they are as transactional as the row itself.
//
// At commit, the graph changes a transaction made to an index (inserts and
// deletes of labels, in order) become one index log entry
// /t/<t>/l/<indexID>/<seq> in the commit's batch: a format byte, then per
// change an operation byte (1 insert, 2 delete) and the 8-byte label. seq
// is a store-wide sequence taken under the commit lock, so it follows
// commit order. Once the batch is durable, the commit applies its changes
// to the graph; commits to one index apply in commit order (each takes a
// ticket). A search reads each label's entry and row through the
// transaction (skipping rows deleted by a committed write or by the
// transaction), and merges the rows the transaction itself inserted,
// which are not in the graph, by an exact scan of them. A search that
// needs only the primary key, by a transaction that has written nothing,
// skips Pebble when no commit to the table is under way or unapplied to
// the graph before and after it (the table's data version and the
// graph's count of pending commits say so): the graph then holds exactly
// the labels with entries, and a cache of their row keys, built from the
// entries and kept by the commits' changes, answers (vkeys.go).
//
// Each index has a checkpoint file <dir>/vindex/<indexID>.hnsw (the graph
// as hnsw writes it, checksummed, with the log sequence it covers),
// written atomically in the background after enough changes, after a
// build and on Close; the log entries it covers are then deleted. Open
// loads the checkpoint and replays the log after it: every label a later
// entry names is set to what the rows say now (present with its row's
// vector if its /v entry exists, absent otherwise), which makes replay
// idempotent. Without a usable checkpoint (missing, or corrupt: a warning
// is logged) the graph is rebuilt from the /w entries and their rows.
// DropIndex and DropTable delete the log and label entries in their batch
// and the graph and its file after commit; files of indexes that no longer
// exist are removed by Open.
//
// # Exact vector scans
//
// Txn.ExactSearch answers ORDER BY <vector column> <op> <query> LIMIT k
// without an index (flatscan.go). It reads a flat cache of the column
// (flatcache.go), built from the committed rows on first use: every vector
// divided by its norm in half precision and in 8-bit codes, off the Go
// heap, and the norms. A two-goroutine scan of the codes with one
// dot-product kernel scores every row; an error bound on those scores
// leaves a few rows, which are scored in half precision, and the rows a
// bound on those scores cannot rule out are read through the transaction
// and ranked by their exact distances. (When the 8-bit bound is too
// loose, the scan reads the half-precision vectors instead.)
// A cache belongs to one data version of its table: every commit that
// writes under /t/<tableID>/ moves the version (to odd before its batch is
// applied, to even once it is visible), and a search uses the cache only
// when the version is even and unchanged from before it read the cache to
// after it read the rows; the commit also frees the table's caches. A
// transaction that wrote to the table itself scans the table instead.
//
// # Invariants
//
//   - Rows are the truth: every index entry points at a row of the same
//     commit, and every row has its entries in every index of its table.
//     Every label entry points at a row whose vector is the label's, and
//     the graph, once the commits before have applied, holds exactly the
//     labels with entries.
//   - Descriptors handed out are shared and read-only.
//   - Sequences never hand out a value twice, even after a crash.
package storage
