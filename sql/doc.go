// Package sql turns statement text into plans and runs them for a session.
//
// Text is parsed by pg_query_go (PostgreSQL's own grammar) or, for AkiDB's
// own statements (COLLECTION, SNAPSHOT, TIER), by a small hand-written
// parser. The binder resolves names against the catalog in storage and types
// every expression with PostgreSQL's rules; the planner builds executor plan
// nodes. A Session holds the connection's transaction and settings and
// caches the plan of every prepared statement: Execute never parses or
// plans again unless the catalog changed underneath it.
package sql
