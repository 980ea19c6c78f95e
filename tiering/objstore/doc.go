// Package objstore holds the two implementations of tiering.ObjectStore:
// Local, a directory on the local file system (the default when no S3
// endpoint is configured), and S3, any S3-compatible service (AWS, MinIO,
// ...) reached through aws-sdk-go-v2.
//
// Invariants both stores keep:
//
//   - An object is visible under its key only once Put has returned nil,
//     and then it is complete: a crash, a cancelled context or a failed
//     upload never leaves part of an object under the key. Putting a key
//     again replaces the object atomically; readers see the old or the new
//     object, never a mix of both.
//   - Keys are slash-separated, relative paths: no leading slash, no empty,
//     "." or ".." segments, no NUL bytes. Other keys are rejected before
//     any I/O.
//   - List returns the objects whose keys start with a prefix (a plain
//     string prefix, not a directory), sorted by key in byte order.
//   - No key may also be a "directory" of another key ("a/b" and
//     "a/b/c"): a Local store cannot hold both, and MinIO stores both
//     but lists only one. Callers lay out their keys so this never
//     happens.
//   - Get and Stat of a missing object return an error that wraps
//     tiering.ErrNotFound; Delete of a missing object returns nil.
//   - Every error a caller sees is a *pgerr.Error (SQLSTATE 58030; 58P01
//     for a missing object; 57014 when the caller's context was cancelled
//     or timed out) whose message names the store, the operation and the
//     key, and for S3 the HTTP status and S3 error code, e.g.
//     `s3 put "a/b": status 403 AccessDenied: Access Denied.`. Its cause
//     is an *OpError that callers can inspect. Credentials never appear
//     in errors or logs.
//   - S3 retries transient failures itself (HTTP 5xx, 429, throttling,
//     dropped or reset connections, truncated bodies, timeouts) with
//     exponential backoff and full jitter, a bounded number of times, and
//     fails at once on permanent ones (403, 404, 400 and the other 4xx).
//     The SDK's own retryer is switched off so that one policy, in this
//     package, governs every request. Backoff waits end when the context
//     is cancelled.
//   - Every method of both stores is safe for concurrent use.
package objstore
