// Package hnsw is AkiDB's vector index: a Hierarchical Navigable Small
// World graph (Malkov and Yashunin) over float32 vectors, kept in half
// precision, searched by pgvector's four distances.
//
// # Graph
//
//   - Levels are drawn with mL = 1/ln(M). A node links to at most M nodes
//     on levels above 0 and 2*M on level 0. An insert searches each of its
//     levels with EfConstruction candidates and keeps M of them chosen by
//     the paper's heuristic (Algorithm 4 with keepPrunedConnections); a
//     neighbour whose list is full re-selects it with the same heuristic.
//   - A full level-0 list keeps the heuristic's verdicts (which members
//     it prunes) in heur0 and stays ordered by distance, so adding one
//     more node costs a few distances rather than one per pair of
//     members; the result is the full re-selection's.
//   - Reachability: each node counts its incoming level-0 links (in0). A
//     list re-selection never drops a node's last incoming link: such a
//     node takes the place of one that has another, and a new node that
//     every neighbour pruned is linked from the nearest node that can
//     take it. A group of close nodes can still end up linked only among
//     themselves; AddBatch ends with a walk from the entry point that
//     links in any node it missed. (With the inner product, not a
//     metric, a rare node of small norm inserted by Add can stay
//     unreached; a search that runs out of graph scans those.)
//   - Storage is flat. Slot i's vector is scales[i] times the IEEE
//     halves vecs[i*Dim:(i+1)*Dim], one arena (vec.EncodeScaled: the scale
//     is the vector's largest magnitude, so nothing overflows and each
//     element is within 2^-11 of it); distances are between a float32
//     query and scaled halves (vec.DotMixed and kin), and between two
//     stored vectors after decoding one. Slot i's level-0 list is
//     links0[i*(2M+1):], a count and 2M ids; a node of level L>0 owns L
//     lists of count + M ids in the upper array, from upperOff[i]. Arrays
//     grow by a quarter of their size (or what AddBatch and Reserve ask
//     for), under the exclusive lock.
//   - Memory: the arrays live in anonymous mappings off the Go heap
//     (package offheap; the Go heap elsewhere). A growing array's mapping
//     is moved (mremap on Linux) or copied and unmapped, under the
//     exclusive lock, so no search still reads the old one; Close unmaps
//     them, and a WARM index's file mapping.
//     Only memory the index mapped itself is freed that way. A cleanup
//     frees the arrays of an index that is dropped without Close.
//   - Slots are uint32 and internal; labels are the caller's uint64 row
//     identifiers, mapped both ways (labels[slot], byLabel[label]).
//   - Cosine vectors are stored normalised (one dot product per
//     candidate). An all-zero vector has no cosine distance: Add remembers
//     its label (Len and Contains count it) but does not index it, as
//     pgvector skips it.
//
// # Labels
//
// A label is live from the Add that returns until a Delete or another Add
// of the same label. Add of a live label replaces it: the old slot is
// tombstoned, then the new vector is inserted. Search never returns a
// label whose Delete (or replacing Add) returned before the Search began.
//
// # Tombstones and slot reuse
//
// Delete sets a tombstone; the node still routes searches, whose bounds
// count live nodes only. A repair (see repair.go) reconnects the
// neighbours of tombstoned nodes and frees their slots when tombstones
// pass Config.RepairFraction of the graph, in the background, or when
// Repair is called. Add takes freed slots before growing the arena.
//
// # Concurrency
//
// Every method is safe for concurrent use. Search, Add, AddBatch, Delete
// and Repair run at the same time; WriteTo runs with searches but holds
// off mutations.
//
//   - mu (RWMutex) guards the array headers: Search, Add and Delete hold
//     it shared; growing the arrays and freeing repaired slots hold it
//     exclusively, which waits for running searches.
//   - Neighbour-list words are read and written with sync/atomic. Writers
//     of one list serialise on a striped mutex (slot % 4096) and hold only
//     one at a time; readers take no lock and may see a list between
//     writes, which is harmless: every id in it names an initialised node.
//   - A slot is published by links written after its vector, label and
//     level, and it stays tombstoned until then, so a reader that reaches
//     it through an atomic load of a link (or a tombstone check) sees its
//     data.
//   - An insert chooses its neighbours on every level top-down, then
//     writes its lists and the reverse links bottom-up: its list on a
//     level is written before anyone can link to it there, and it is
//     reachable on a level only once its lists below are written.
//   - The entry point is an atomic word; an insert that raises the top
//     level holds epMu for its whole insertion, as hnswlib does.
//   - metaMu guards the label maps, free list, counters and the level RNG.
//   - writeMu is held shared by mutations and exclusively by WriteTo, so a
//     checkpoint is a consistent view while searches go on.
//
// AddBatch inserts on several goroutines with the same algorithm; the
// graph differs from a serial build only in insertion order.
//
// # File format
//
// WriteTo writes, and Read reads, one flat file (file.go has the byte
// layout): a 96-byte header (magic "AKIHNSW\0", version, config, slot
// count, entry point, counts, the caller's sequence number) with its own
// CRC32C, then nine sections, each a byte length, the payload and its
// CRC32C: the vector arena (as float32s, each half times its scale), labels, levels, slot states (live, tombstone,
// free), level-0 lists, upper offsets, upper lists, cosine zero labels and
// the free list. Read checks every checksum and that every link, level and
// label is consistent, and wraps ErrCorrupt on any failure, so a loaded
// index can never index out of range.
package hnsw
