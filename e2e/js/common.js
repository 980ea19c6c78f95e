// Shared helpers for the client-library tests: where the server is, and an
// optional log of every statement the libraries send through `pg`.
import { appendFileSync } from 'node:fs';
import pg from 'pg';

// AKIDB_ADDR is host:port of the server under test (user and database
// "akidb").
export function connectionOptions() {
  const addr = process.env.AKIDB_ADDR;
  if (!addr) {
    throw new Error('AKIDB_ADDR (host:port) is not set');
  }
  const i = addr.lastIndexOf(':');
  return {
    host: addr.slice(0, i),
    port: Number(addr.slice(i + 1)),
    user: 'akidb',
    database: 'akidb',
    connectionTimeoutMillis: 10000,
  };
}

// With AKIDB_SQL_LOG=<file>, every query a pg.Client sends (its text, the
// parameter values as the library passed them, and whether it goes out as a
// simple query or as Parse/Bind/Execute) is appended to the file as one
// JSON line. node-postgres uses the simple query protocol for a query
// without parameters and the extended protocol (unnamed statement unless a
// name is given, every parameter as text of unknown type OID 0, text
// results) otherwise.
if (process.env.AKIDB_SQL_LOG) {
  const file = process.env.AKIDB_SQL_LOG;
  const origQuery = pg.Client.prototype.query;
  pg.Client.prototype.query = function (config, values, callback) {
    try {
      const text = typeof config === 'string' ? config : config?.text;
      const params = Array.isArray(values) ? values : config?.values;
      if (text !== undefined) {
        const extended = (Array.isArray(params) && params.length > 0) || !!config?.name;
        appendFileSync(file, JSON.stringify({
          test: process.argv[1]?.split('/').pop(),
          protocol: extended ? 'extended' : 'simple',
          name: config?.name,
          text,
          params,
        }) + '\n');
      }
    } catch {
      // logging must never change what the test does
    }
    return origQuery.call(this, config, values, callback);
  };
}

// Exact distances in float64 over the float32 values the server stores.
const f32 = (v) => Array.from(Float32Array.from(v));

export function l2Distance(a, b) {
  a = f32(a); b = f32(b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

export function cosineDistance(a, b) {
  a = f32(a); b = f32(b);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return 1 - Math.max(-1, Math.min(1, ab / Math.sqrt(aa * bb)));
}

export function innerProduct(a, b) {
  a = f32(a); b = f32(b);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

// exactTopK returns the k items nearest to q, as [{item, dist}], by dist.
export function exactTopK(items, vectorOf, q, k, dist) {
  return items
    .map((item) => ({ item, dist: dist(vectorOf(item), q) }))
    .sort((x, y) => x.dist - y.dist)
    .slice(0, k);
}

// A small deterministic PRNG (mulberry32) for reproducible data.
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// assertClose fails unless |a-b| <= eps * max(1, |b|).
export function close(a, b, eps = 1e-5) {
  return Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));
}

// Equal as float32 to within one unit in the last place: the text form
// PostgreSQL + pgvector prints reads back as the same float32 (some builds'
// strtof may round the last bit differently).
export const sameF32 = (a, b) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= 2 ** -22 * Math.max(Math.abs(x), Math.abs(b[i])));
