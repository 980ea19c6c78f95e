// Package types holds AkiDB's SQL values and types: the Datum every layer
// passes around, PostgreSQL type OIDs and typmods, text and binary wire
// formats, casts, comparison and the operator table the binder resolves
// against.
//
// It is a leaf package: it imports nothing else from AkiDB but pgerr, so
// storage, executor, sql and server can all use it.
//
// Invariants:
//   - A Datum's Kind says which field holds its value; Kind KNull is SQL NULL
//     whatever the other fields hold.
//   - The static type of a value (T) travels beside it in plans and row
//     descriptions, not inside the Datum: int2/int4/int8 are all KInt,
//     float4/float8 are both KFloat (a float4 value is already rounded to
//     float32), text/varchar/bpchar/name are KString.
//   - Dates are days and timestamps microseconds since 2000-01-01 (UTC for
//     timestamptz), PostgreSQL's own epoch, so the binary formats are copies.
package types
