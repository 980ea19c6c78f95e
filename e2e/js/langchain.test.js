// LangChain JS's PGVectorStore (@langchain/community/vectorstores/pgvector)
// over node-postgres. Statements it sends (from its source; T is
// tableName, the column names are the configured ones, quoted as shown):
//
// PGVectorStore.initialize → ensureTableInDatabase, two simple queries:
//   CREATE EXTENSION IF NOT EXISTS vector;
//   CREATE TABLE IF NOT EXISTS T (
//     "id" uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
//     "content" text,
//     "metadata" jsonb,
//     "vector" vector            -- vector(N) when `dimensions: N` is given
//   );
// With collectionTableName C also ensureCollectionTableInDatabase, one
// simple query holding four statements; an error whose message contains
// "already exists" is ignored (the second initialize hits
// `column "collection_id" of relation "T" already exists`):
//   CREATE TABLE IF NOT EXISTS C (
//     uuid uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY,
//     name character varying,
//     cmetadata jsonb
//   );
//   CREATE INDEX IF NOT EXISTS idx_C_name ON C(name);
//   ALTER TABLE T
//     ADD COLUMN collection_id uuid;
//   ALTER TABLE T
//     ADD CONSTRAINT T_collection_id_fkey
//     FOREIGN KEY (collection_id)
//     REFERENCES C(uuid)
//     ON DELETE CASCADE;
//
// Everything else is the extended protocol with untyped (OID 0) text
// parameters:
//   getOrCreateCollection (collection mode, before each add/search/delete):
//     SELECT uuid from C WHERE name = $1;                         [name]
//     INSERT INTO C( uuid, name, cmetadata ) VALUES ( gen_random_uuid(), $1, $2 ) RETURNING uuid;
//                                                                   [name, null]
//   addDocuments / addVectors, up to 500 rows a statement:
//     INSERT INTO T( "content", "vector", "metadata"[, "collection_id"][, "id"] ) VALUES ($1, $2, $3[, $4]), (...)
//     content text; vector as the text '[0.1,0.2,...]' (JS number
//     formatting); metadata as JSON text; "id" only when ids are passed.
//   similaritySearch / similaritySearchWithScore / maxMarginalRelevanceSearch:
//     SELECT *, "vector" <=> $1 as "_distance"
//     FROM T
//     [WHERE <clauses joined by AND>]
//     ORDER BY "_distance" ASC
//     LIMIT $2;
//     $1 = '[...]', $2 = k; the operator is <#> for innerProduct and <->
//     for euclidean; in collection mode the first clause is
//     `collection_id = $3`. Filter clauses, parameters numbered on:
//       { key: value }          metadata->>'key' = $n
//       { key: { in: [..] } }   metadata->>'key' IN ($n,$n+1)
//       { key: { notIn: [..] }} metadata->>'key' NOT IN ($n,...)
//       { key: { arrayContains: [..] } }  metadata->'key' ?| array[$n,...]
//       { key: { gt|gte|lt|lte: number } } (metadata->>'key')::numeric > $n  (>=, <, <=)
//       { key: { neq: v } }     (metadata->>'key' IS NULL OR (metadata->>'key')::text != $n)
//     Rows come back in text format: "_distance" float8, "metadata" jsonb
//     parsed as JSON, "vector" as its text (MMR search JSON.parse()s it).
//   delete({ ids }):
//     DELETE FROM T WHERE [collection_id = $2 AND ]id = ANY($1::uuid[])
//     $1 in node-postgres's array format: {"uuid1","uuid2"}
//   delete({ filter }):
//     DELETE FROM T WHERE [collection_id = $1 AND ]<filter clauses>
//   createHnswIndex({ dimensions: 16[, namespace] }), a simple query whose
//   error is only logged with console.error:
//     CREATE INDEX IF NOT EXISTS [namespace_]vector_embedding_hnsw_idx
//         ON T USING hnsw ((vector::vector(16)) vector_cosine_ops)
//         WITH (
//             m=16,
//             ef_construction=64
//         );
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Embeddings } from '@langchain/core/embeddings';
import { Document } from '@langchain/core/documents';
import { PGVectorStore } from '@langchain/community/vectorstores/pgvector';
import { connectionOptions, cosineDistance, exactTopK, rng, close } from './common.js';

const DIMS = 16;

// HashEmbeddings is a deterministic bag-of-words embedding: each word adds
// a pseudo-random vector seeded by its FNV-1a hash, so texts that share
// words are near each other.
class HashEmbeddings extends Embeddings {
  constructor() {
    super({});
  }

  vec(text) {
    const v = new Array(DIMS).fill(0);
    for (const w of text.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean)) {
      let h = 2166136261;
      for (let i = 0; i < w.length; i++) {
        h ^= w.charCodeAt(i);
        h = Math.imul(h, 16777619);
      }
      const r = rng(h);
      for (let i = 0; i < DIMS; i++) v[i] += r() * 2 - 1;
    }
    if (v.every((x) => x === 0)) v[0] = 1;
    return v;
  }

  async embedDocuments(texts) {
    return texts.map((t) => this.vec(t));
  }

  async embedQuery(text) {
    return this.vec(text);
  }
}

const embeddings = new HashEmbeddings();
const topics = ['cats', 'dogs', 'fish', 'birds'];
const words = ['red', 'green', 'blue', 'small', 'large', 'fast', 'slow', 'quiet'];
const docs = Array.from({ length: 20 }, (_, i) => new Document({
  pageContent: `note ${i} about ${words[i % words.length]} ${topics[i % topics.length]} ${words[(i * 3 + 1) % words.length]}`,
  metadata: { n: i, parity: i % 2 === 0 ? 'even' : 'odd', topic: topics[i % topics.length] },
}));
const ids = docs.map(() => randomUUID());

let raw; // a plain pg client for checks

before(async () => {
  raw = new pg.Client(connectionOptions());
  await raw.connect();
});

after(async () => {
  await raw?.end();
});

function config(tableName, extra = {}) {
  return {
    postgresConnectionOptions: connectionOptions(),
    tableName,
    columns: {
      idColumnName: 'id',
      vectorColumnName: 'vector',
      contentColumnName: 'content',
      metadataColumnName: 'metadata',
    },
    distanceStrategy: 'cosine',
    ...extra,
  };
}

// expected returns the exact top k of the live documents passing pred.
function expected(live, query, k, pred = () => true) {
  const q = embeddings.vec(query);
  return exactTopK(live.filter((i) => pred(docs[i].metadata)), (i) => embeddings.vec(docs[i].pageContent), q, k, cosineDistance);
}

function assertResults(label, got, want) {
  assert.deepEqual(got.map(([d]) => d.pageContent), want.map((w) => docs[w.item].pageContent), label);
  got.forEach(([d, score], i) => {
    const idx = want[i].item;
    assert.deepEqual(d.metadata, docs[idx].metadata, `${label}: metadata`);
    if (idx < 16) assert.equal(d.id, ids[idx], `${label}: id`);
    assert.ok(close(score, want[i].dist, 1e-4), `${label}: score ${score}, want ${want[i].dist}`);
  });
}

test('PGVectorStore: add, search, filter, index, delete', async (t) => {
  const store = await PGVectorStore.initialize(embeddings, config('lc_docs'));
  t.after(() => store.end());
  // A second initialize on the same table is harmless.
  const again = await PGVectorStore.initialize(embeddings, config('lc_docs'));
  await again.end();

  await store.addDocuments(docs.slice(0, 16), { ids: ids.slice(0, 16) });
  await store.addDocuments(docs.slice(16)); // ids from the gen_random_uuid() default
  const { rows } = await raw.query('SELECT id, content FROM lc_docs ORDER BY content');
  assert.equal(rows.length, 20);
  for (const r of rows) {
    assert.match(r.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  }
  let live = docs.map((_, i) => i);

  const searches = async (label) => {
    // The text of a stored document finds that document first, at distance 0.
    const self = await store.similaritySearchWithScore(docs[3].pageContent, 4);
    assert.equal(self[0][0].pageContent, docs[3].pageContent, `${label}: self match`);
    assert.ok(close(self[0][1], 0, 1e-4));
    assertResults(`${label}: plain`, self, expected(live, docs[3].pageContent, 4));

    const q = 'large blue fish';
    const plain = await store.similaritySearch(q, 5);
    assert.deepEqual(plain.map((d) => d.pageContent), expected(live, q, 5).map((w) => docs[w.item].pageContent), `${label}: similaritySearch`);

    const filters = [
      [{ parity: 'even' }, (m) => m.parity === 'even'],
      [{ topic: 'cats' }, (m) => m.topic === 'cats'],
      [{ n: { gte: 10 } }, (m) => m.n >= 10],
      [{ n: { gt: 4, lte: 12 }, topic: { in: ['cats', 'dogs'] } }, (m) => m.n > 4 && m.n <= 12 && ['cats', 'dogs'].includes(m.topic)],
      [{ n: { lt: 6 } }, (m) => m.n < 6],
      [{ topic: { notIn: ['fish', 'birds'] } }, (m) => !['fish', 'birds'].includes(m.topic)],
      [{ topic: { neq: 'cats' } }, (m) => m.topic !== 'cats'],
    ];
    for (const [filter, pred] of filters) {
      const got = await store.similaritySearchWithScore(q, 3, filter);
      assertResults(`${label}: filter ${JSON.stringify(filter)}`, got, expected(live, q, 3, pred));
    }
  };

  await searches('exact scan');

  // MMR reads the stored vectors back (JSON.parse of their text form); its
  // first pick is always the nearest document.
  const mmr = await store.maxMarginalRelevanceSearch('small red cats', { k: 3, fetchK: 10 });
  assert.equal(mmr.length, 3);
  assert.equal(mmr[0].pageContent, docs[expected(live, 'small red cats', 1)[0].item].pageContent);

  // createHnswIndex only logs a failure, so catch the log.
  const errors = [];
  const origError = console.error;
  console.error = (...args) => errors.push(args.join(' '));
  try {
    await store.createHnswIndex({ dimensions: DIMS, namespace: 'lc_docs' });
  } finally {
    console.error = origError;
  }
  assert.deepEqual(errors, [], 'createHnswIndex failed');
  await searches('after createHnswIndex');

  await store.delete({ ids: [ids[3], ids[5]] });
  live = live.filter((i) => i !== 3 && i !== 5);
  const afterIds = await raw.query('SELECT count(*)::int AS n FROM lc_docs');
  assert.equal(afterIds.rows[0].n, 18);
  const gone = await store.similaritySearch(docs[3].pageContent, 18);
  assert.ok(!gone.some((d) => d.id === ids[3] || d.id === ids[5]), 'deleted ids still found');
  assert.equal(gone.length, 18);

  await store.delete({ filter: { parity: 'odd' } });
  live = live.filter((i) => docs[i].metadata.parity === 'even');
  const afterFilter = await raw.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE metadata->>'parity' = 'odd')::int AS odd FROM lc_docs`);
  assert.deepEqual(afterFilter.rows[0], { n: live.length, odd: 0 });
  const rest = await store.similaritySearchWithScore('large blue fish', 4);
  assertResults('after deletes', rest, expected(live, 'large blue fish', 4));
});

test('PGVectorStore with a collection table (several DDL statements in one query)', async (t) => {
  const base = config('lc_coll_docs', { collectionTableName: 'lc_collections', dimensions: DIMS });
  const alpha = await PGVectorStore.initialize(embeddings, { ...base, collectionName: 'alpha' });
  t.after(() => alpha.end());
  // The second initialize repeats the ALTER TABLE ... ADD COLUMN and must
  // fail with PostgreSQL's "already exists" wording, which it ignores.
  const beta = await PGVectorStore.initialize(embeddings, { ...base, collectionName: 'beta' });
  t.after(() => beta.end());

  const alphaIds = ids.slice(0, 10);
  await alpha.addDocuments(docs.slice(0, 10), { ids: alphaIds });
  await beta.addDocuments(docs.slice(10, 20));

  const cols = await raw.query('SELECT name FROM lc_collections ORDER BY name');
  assert.deepEqual(cols.rows.map((r) => r.name), ['alpha', 'beta']);

  const q = 'quiet green dogs';
  const a = await alpha.similaritySearchWithScore(q, 4);
  assertResults('alpha', a, expected([...Array(10).keys()], q, 4));
  const b = await beta.similaritySearch(q, 4, { parity: 'odd' });
  assert.deepEqual(b.map((d) => d.pageContent),
    expected([...Array(10).keys()].map((i) => i + 10), q, 4, (m) => m.parity === 'odd').map((w) => docs[w.item].pageContent));

  await alpha.delete({ ids: alphaIds.slice(0, 5) });
  await beta.delete({ ids: alphaIds.slice(5) }); // other collection: deletes nothing
  const left = await raw.query('SELECT count(*)::int AS n FROM lc_coll_docs');
  assert.equal(left.rows[0].n, 15);
});
