// pgvector-node (npm "pgvector") with node-postgres ("pg"), used as its
// README shows.
//
// Statements the library itself sends:
//   pgvector.registerTypes(client) — extended protocol, both parameters
//   text of unknown type (OID 0), values ['vector', 'halfvec', 'sparsevec']:
//     SELECT typname, oid FROM pg_type WHERE typname IN ($1, $2, $3)
//   It then installs text-format result parsers for the returned OIDs
//   ("vector type not found in the database" if there is no vector row);
//   typname comes back as name (19) text and oid as oid (26) text.
//   pgvector.toSql([1,2,3]) is the string '[1,2,3]' (JSON.stringify) and a
//   SparseVector's is '{1:1,3:2}/5', sent as untyped text parameters the
//   server must type from context. Results are read in text format only.
//
// Statements this test sends (as an application using the library would):
//   CREATE EXTENSION IF NOT EXISTS vector
//   CREATE TABLE pgn_items (id bigserial PRIMARY KEY, embedding vector(3), half_embedding halfvec(3), sparse_embedding sparsevec(3))
//   INSERT INTO pgn_items (embedding, half_embedding, sparse_embedding) VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)
//   SELECT * FROM pgn_items ORDER BY embedding <-> $1 LIMIT 5
//   SELECT id, embedding <=> $1 AS distance FROM pgn_items ORDER BY embedding <=> $1 LIMIT 5  (and with <#>, <+>, halfvec, sparsevec)
//   CREATE INDEX ON pgn_random USING hnsw (embedding vector_l2_ops)   (and vector_cosine_ops)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import pgvector from 'pgvector/pg';
import { SparseVector } from 'pgvector';
import { connectionOptions, exactTopK, l2Distance, cosineDistance, innerProduct, rng, close, sameF32 } from './common.js';

let client;

before(async () => {
  client = new pg.Client(connectionOptions());
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS vector');
  await pgvector.registerTypes(client);
});

after(async () => {
  await client?.end();
});

test('registerTypes finds vector, halfvec and sparsevec in pg_type', async () => {
  const { rows } = await client.query('SELECT typname, oid FROM pg_type WHERE typname IN ($1, $2, $3)', ['vector', 'halfvec', 'sparsevec']);
  assert.deepEqual(rows.map((r) => r.typname).sort(), ['halfvec', 'sparsevec', 'vector']);
  for (const r of rows) {
    assert.equal(typeof r.oid, 'number', `oid of ${r.typname} parsed as a number`);
    assert.ok(r.oid > 0);
  }
});

test('insert with toSql, order by <->, read back as arrays', async () => {
  await client.query('CREATE TABLE pgn_items (id bigserial PRIMARY KEY, embedding vector(3), half_embedding halfvec(3), sparse_embedding sparsevec(3))');
  const vecs = [[1, 1, 1], [2, 2, 2], [1, 1, 2]];
  const params = [];
  for (const v of vecs) {
    params.push(pgvector.toSql(v), pgvector.toSql(v), pgvector.toSql(new SparseVector(v)));
  }
  assert.equal(params[2], '{1:1,2:1,3:1}/3');
  await client.query('INSERT INTO pgn_items (embedding, half_embedding, sparse_embedding) VALUES ($1, $2, $3), ($4, $5, $6), ($7, $8, $9)', params);

  const { rows } = await client.query('SELECT * FROM pgn_items ORDER BY embedding <-> $1 LIMIT 5', [pgvector.toSql([1, 1, 1])]);
  // bigint comes back as a string from node-postgres.
  assert.deepEqual(rows.map((r) => r.id), ['1', '3', '2']);
  assert.deepEqual(rows[1].embedding, [1, 1, 2]);
  assert.deepEqual(rows[1].half_embedding, [1, 1, 2]);
  assert.ok(rows[1].sparse_embedding instanceof SparseVector, 'sparsevec parsed into a SparseVector');
  assert.deepEqual(rows[1].sparse_embedding.toArray(), [1, 1, 2]);
  assert.equal(rows[1].sparse_embedding.dimensions, 3);

  const byCos = await client.query('SELECT id, embedding <=> $1 AS distance FROM pgn_items ORDER BY embedding <=> $1 LIMIT 5', [pgvector.toSql([1, 1, 1])]);
  // [1,1,1] and [2,2,2] are both at cosine distance 0 from the query.
  assert.deepEqual(byCos.rows.map((r) => r.id).slice(0, 2).sort(), ['1', '2']);
  assert.equal(byCos.rows[2].id, '3');
  assert.ok(close(byCos.rows[0].distance, 0));
  assert.ok(close(byCos.rows[2].distance, cosineDistance([1, 1, 2], [1, 1, 1])));

  const byIp = await client.query('SELECT id, embedding <#> $1 AS distance FROM pgn_items ORDER BY embedding <#> $1 LIMIT 5', [pgvector.toSql([1, 1, 1])]);
  assert.deepEqual(byIp.rows.map((r) => r.id), ['2', '3', '1']);
  assert.deepEqual(byIp.rows.map((r) => r.distance), [-6, -4, -3]);

  const byL1 = await client.query('SELECT id, embedding <+> $1 AS distance FROM pgn_items ORDER BY embedding <+> $1 LIMIT 5', [pgvector.toSql([1, 1, 1])]);
  assert.deepEqual(byL1.rows.map((r) => r.id), ['1', '3', '2']);
  assert.deepEqual(byL1.rows.map((r) => r.distance), [0, 1, 3]);

  const byHalf = await client.query('SELECT id FROM pgn_items ORDER BY half_embedding <-> $1 LIMIT 5', [pgvector.toSql([1, 1, 1])]);
  assert.deepEqual(byHalf.rows.map((r) => r.id), ['1', '3', '2']);
  const bySparse = await client.query('SELECT id FROM pgn_items ORDER BY sparse_embedding <-> $1 LIMIT 5', [pgvector.toSql(new SparseVector([1, 1, 1]))]);
  assert.deepEqual(bySparse.rows.map((r) => r.id), ['1', '3', '2']);

  // Functions pgvector provides, over untyped parameters.
  const fn = await client.query('SELECT vector_dims($1::vector) AS dims, l2_distance(embedding, $1) AS l2, cosine_distance(embedding, $1) AS cos FROM pgn_items WHERE id = 3', [pgvector.toSql([1, 1, 1])]);
  assert.equal(fn.rows[0].dims, 3);
  assert.ok(close(fn.rows[0].l2, 1));
  assert.ok(close(fn.rows[0].cos, cosineDistance([1, 1, 2], [1, 1, 1])));
});

test('nearest neighbours equal the exact answer, with and without an HNSW index', async () => {
  await client.query('CREATE TABLE pgn_random (id bigserial PRIMARY KEY, embedding vector(8))');
  const rand = rng(42);
  const items = [];
  for (let i = 0; i < 300; i++) {
    items.push(Array.from({ length: 8 }, () => rand() * 2 - 1));
  }
  // One INSERT with 300 parameters, as applications batch them.
  const placeholders = items.map((_, i) => `($${i + 1})`).join(', ');
  const ins = await client.query(`INSERT INTO pgn_random (embedding) VALUES ${placeholders} RETURNING id`, items.map((v) => pgvector.toSql(v)));
  const byId = new Map(ins.rows.map((r, i) => [r.id, items[i]]));
  const all = [...byId.keys()];

  const queries = Array.from({ length: 10 }, () => Array.from({ length: 8 }, () => rand() * 2 - 1));
  const check = async (label) => {
    for (const [op, dist] of [['<->', l2Distance], ['<=>', cosineDistance]]) {
      for (const q of queries) {
        const { rows } = await client.query(`SELECT id, embedding, embedding ${op} $1 AS distance FROM pgn_random ORDER BY embedding ${op} $1 LIMIT 5`, [pgvector.toSql(q)]);
        const want = exactTopK(all, (id) => byId.get(id), q, 5, dist);
        assert.deepEqual(rows.map((r) => r.id), want.map((w) => w.item), `${label} ${op}`);
        rows.forEach((r, i) => {
          assert.ok(close(r.distance, want[i].dist), `${label} ${op}: distance ${r.distance}, want ${want[i].dist}`);
          // The text form is the shortest decimal that reads back as the
          // same float32.
          assert.ok(sameF32(r.embedding, byId.get(r.id)), `embedding text round trip: ${r.embedding}`);
        });
      }
    }
  };
  await check('exact scan');
  await client.query('CREATE INDEX ON pgn_random USING hnsw (embedding vector_l2_ops)');
  await client.query('CREATE INDEX ON pgn_random USING hnsw (embedding vector_cosine_ops)');
  await client.query('SET hnsw.ef_search = 100');
  await check('hnsw');
});

test('wrong dimensions is an error that leaves the connection usable', async () => {
  await assert.rejects(
    client.query('INSERT INTO pgn_items (embedding) VALUES ($1)', [pgvector.toSql([1, 2])]),
    (err) => err.code === '22000' && /expected 3 dimensions, not 2/.test(err.message),
  );
  const { rows } = await client.query('SELECT count(*)::int AS n FROM pgn_items');
  assert.equal(rows[0].n, 3);
});
