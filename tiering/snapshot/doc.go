// Package snapshot writes and reads the COLD-tier snapshots of collections.
//
// A snapshot of a collection (a table with one vector column and an HNSW
// index) is three objects under one directory of an object store:
//
//	<prefix>collections/<collection-id>/snapshots/<snapshot-id>/data.parquet
//	<prefix>collections/<collection-id>/snapshots/<snapshot-id>/graph.hnsw
//	<prefix>collections/<collection-id>/snapshots/<snapshot-id>/manifest.json
//
// data.parquet holds the rows (WriteFile, ReadFile), graph.hnsw the index
// graph as the storage layer checkpoints it (opaque bytes here), and
// manifest.json the schema, counts, sizes and CRC-32C checksums (Manifest;
// see checksum.go).
//
// Invariants:
//
//   - A snapshot exists if and only if its manifest exists. Upload (from
//     local files) and Writer (objects streamed to the store as they are
//     produced) put the data objects first, check their sizes with Stat, and
//     put the manifest last; Delete removes the manifest first and the data objects after.
//     A crash at any point therefore leaves either a whole snapshot or
//     objects without a manifest, which List ignores and GarbageKeys returns
//     for deletion; never a manifest that names missing data.
//   - Every object a manifest names is verified on Download against the
//     manifest's size and checksum; a mismatch is an error naming the object.
//   - Snapshot ids sort by creation time (NewID), so newest first is reverse
//     lexical order.
//   - Values survive a round trip exactly: every column type has a lossless
//     Parquet representation (see WriteFile), NULLs included.
//
// The store functions take any tiering.ObjectStore (S3 or a local
// directory) through the generic Store interface, which has the same
// methods; the package does not import tiering, which imports it.
//
// Errors returned by this package carry SQLSTATE 58030 (io_error), or the
// code the object store gave its error (58P01 for a missing object, 57014
// for a cancelled context); errors of the caller's own callbacks are
// returned as they are. Errors for missing objects wrap the store's
// tiering.ErrNotFound.
package snapshot
