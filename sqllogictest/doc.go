// Package sqllogictest runs sqllogictest files against a SQL engine.
//
// Two dialects of the format are understood:
//
//   - the SQLite style (files ending in .test): query results are listed one
//     value per line, rendered from the query's type string (I as an integer,
//     R with three decimals, T as text with control characters shown as '@'),
//     NULL as "NULL" and the empty string as "(empty)"; above the hash
//     threshold a result is written as "N values hashing to <md5>".
//   - the sqllogictest-rs style (files ending in .slt): one row per line, the
//     values separated by spaces, each value as the server's own text output
//     (NULL as "NULL", the empty string as "(empty)"). It also has
//     "statement error <regex>", "query error <regex>", "statement count N",
//     "control sortmode ..." and "include <glob>".
//
// The pieces, in the order a file flows through them:
//
//	Parse / ParseFile   text -> []Record, an explicit line state machine
//	Runner              walks the records: conditions, halt, hash-threshold
//	Harness             the engine seam: Exec, and Query returning the column
//	                    type letters and every value already rendered as text
//	compare             count, normalize, sort, then MD5 or a row-by-row diff
//	FileResult          passed/failed counts and the first mismatches
//
// PGX is the Harness over a real PostgreSQL wire connection (AkiDB or
// PostgreSQL itself), using the simple query protocol by default or the
// extended protocol with text results.
package sqllogictest
