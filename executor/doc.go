// Package executor runs the plans the sql package builds.
//
// A plan is a tree of Node values; Open turns a node into a RowIter that
// yields rows until io.EOF. Expressions (Expr) are typed when they are built
// and evaluate against one input row; they never look names up. DML nodes
// write through the storage.Txn in the Ctx and only after their input has
// been read to the end, so a statement never sees its own writes while it
// scans (no Halloween problem).
//
// Invariants:
//   - Rows a RowIter returns may be kept by the caller: iterators hand out
//     fresh slices.
//   - Every long loop checks Ctx.Context so a cancel stops the statement
//     with SQLSTATE 57014.
//   - Operators and functions are strict unless they say otherwise: a NULL
//     argument gives NULL without calling them.
package executor
