// Package clients holds AkiDB's client-library compatibility tests: real
// PostgreSQL + pgvector client libraries, used exactly as their
// documentation shows, against an embedded AkiDB.
//
//   - pgvector-go with pgx/v5: type registration through to_regtype,
//     binary vector/halfvec/sparsevec parameters and results, nearest
//     neighbour queries with and without an HNSW index, binary COPY.
//   - pgx with untyped (OID 0) text parameters that the server must type
//     from their context: vector, jsonb, uuid, uuid[], numeric.
//   - Node.js libraries (pg + pgvector-node, LangChain JS's PGVectorStore,
//     Drizzle ORM) in ../js, run with `node --test` by TestNodeClients; the
//     packages are installed with `npm ci` into ../js/node_modules the first
//     time.
//
// Set AKIDB_E2E_POSTGRES=host:port to run the same tests against a
// PostgreSQL with pgvector (it needs a superuser "akidb" and a database
// "akidb") to check the tests' expectations.
package clients
