// Drizzle ORM (drizzle-orm/node-postgres over pg) with its pgvector column
// and distance helpers. Drizzle sends every query through the extended
// protocol (unnamed statement unless .prepare(name) is used, untyped text
// parameters; selects ask for rows as arrays). The vector column's
// mapToDriverValue and the helpers' toSql are JSON.stringify, so a vector
// parameter is the text '[1,2,3]'; results are parsed from the text form.
//
// Statements it sends here (recorded with its logger; table "dz_items"):
//   insert into "dz_items" ("id", "content", "embedding") values (default, $1, $2), (default, $3, $4), ... returning "id", "content", "embedding"
//   select "id", "content", "embedding" from "dz_items" order by "dz_items"."embedding" <=> $1 limit $2
//   select "id", "content", "embedding" from "dz_items" order by "dz_items"."embedding" <-> $1 limit $2
//   select "id", "content", "dz_items"."embedding" <-> $1 from "dz_items" order by "dz_items"."embedding" <-> $2 limit $3
//   select "id", "content", 1 - ("dz_items"."embedding" <=> $1) from "dz_items" where 1 - ("dz_items"."embedding" <=> $2) > $3 order by 1 - ("dz_items"."embedding" <=> $4) desc limit $5
//   select "id" from "dz_items" where "dz_items"."content" <> $1 order by "dz_items"."embedding" <=> $2 limit $3
//   (named) select "id", "content" from "dz_items" order by "dz_items"."embedding" <-> $1 limit $2
// (the distance expression's vector is a separate parameter each time it
// appears). The DDL, written as drizzle-kit generates it for this schema:
//   CREATE TABLE "dz_items" ("id" serial PRIMARY KEY NOT NULL, "content" text NOT NULL, "embedding" vector(3));
//   CREATE INDEX "dz_items_embedding_idx" ON "dz_items" USING hnsw ("embedding" vector_cosine_ops);
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { drizzle } from 'drizzle-orm/node-postgres';
import { pgTable, serial, text, vector, index } from 'drizzle-orm/pg-core';
import { cosineDistance, l2Distance, sql, desc, gt, ne } from 'drizzle-orm';
import { connectionOptions, exactTopK, l2Distance as l2, cosineDistance as cos, rng, close, sameF32 } from './common.js';

const items = pgTable('dz_items', {
  id: serial('id').primaryKey(),
  content: text('content').notNull(),
  embedding: vector('embedding', { dimensions: 3 }),
}, (table) => [
  index('dz_items_embedding_idx').using('hnsw', table.embedding.op('vector_cosine_ops')),
]);

const logged = [];
let pool;
let db;

before(async () => {
  pool = new pg.Pool({ ...connectionOptions(), max: 1 });
  db = drizzle({ client: pool, logger: { logQuery: (query, params) => logged.push({ query, params }) } });
  await db.execute(sql`CREATE EXTENSION IF NOT EXISTS vector`);
  await db.execute(sql.raw('CREATE TABLE "dz_items" ("id" serial PRIMARY KEY NOT NULL, "content" text NOT NULL, "embedding" vector(3));'));
});

after(async () => {
  if (process.env.AKIDB_DRIZZLE_LOG) {
    for (const l of logged) console.log(l.query);
  }
  await pool?.end();
});

const rand = rng(7);
const data = Array.from({ length: 60 }, (_, i) => ({
  content: `item ${i}`,
  embedding: [rand() * 2 - 1, rand() * 2 - 1, rand() * 2 - 1],
}));
const byId = new Map();
const contentOf = new Map();


test('insert returning', async () => {
  const rows = await db.insert(items).values(data).returning();
  assert.equal(rows.length, data.length);
  rows.forEach((r, i) => {
    assert.equal(typeof r.id, 'number');
    assert.equal(r.content, data[i].content);
    assert.ok(sameF32(r.embedding, data[i].embedding), `embedding ${r.embedding}, want ${data[i].embedding}`);
    byId.set(r.id, data[i].embedding);
    contentOf.set(r.id, r.content);
  });
  assert.match(logged.at(-1).query, /^insert into "dz_items" \("id", "content", "embedding"\) values \(default, \$1, \$2\)/);
});

const queries = [[0.5, -0.2, 0.9], [-1, 0.3, 0.1], [0.05, 0.9, -0.4]];

async function nearestChecks(label) {
  const all = [...byId.keys()];
  for (const q of queries) {
    const byCos = await db.select().from(items).orderBy(cosineDistance(items.embedding, q)).limit(5);
    assert.deepEqual(byCos.map((r) => r.id), exactTopK(all, (id) => byId.get(id), q, 5, cos).map((w) => w.item), `${label}: cosineDistance`);
    assert.ok(sameF32(byCos[0].embedding, byId.get(byCos[0].id)));

    const byL2 = await db.select().from(items).orderBy(l2Distance(items.embedding, q)).limit(5);
    assert.deepEqual(byL2.map((r) => r.id), exactTopK(all, (id) => byId.get(id), q, 5, l2).map((w) => w.item), `${label}: l2Distance`);

    // The distance in the select list too: the vector is sent once per
    // occurrence, as separate parameters.
    const withDist = await db.select({ id: items.id, content: items.content, distance: l2Distance(items.embedding, q) })
      .from(items).orderBy(l2Distance(items.embedding, q)).limit(4);
    const want = exactTopK(all, (id) => byId.get(id), q, 4, l2);
    assert.deepEqual(withDist.map((r) => r.id), want.map((w) => w.item), `${label}: distance in select list`);
    withDist.forEach((r, i) => assert.ok(close(Number(r.distance), want[i].dist), `${label}: distance ${r.distance}, want ${want[i].dist}`));

    // Drizzle's documented similarity search: 1 - cosine distance, a WHERE
    // on it, ordered by it descending.
    const similarity = sql`1 - (${cosineDistance(items.embedding, q)})`;
    const similar = await db.select({ id: items.id, content: items.content, similarity })
      .from(items).where(gt(similarity, 0.5)).orderBy((t) => desc(t.similarity)).limit(4);
    const wantSim = exactTopK(all, (id) => byId.get(id), q, 4, cos).filter((w) => 1 - w.dist > 0.5);
    assert.deepEqual(similar.map((r) => r.id), wantSim.map((w) => w.item), `${label}: similarity`);
    similar.forEach((r, i) => assert.ok(close(Number(r.similarity), 1 - wantSim[i].dist), `${label}: similarity ${r.similarity}`));

    // A filter with the vector ordering.
    const filtered = await db.select({ id: items.id }).from(items).where(ne(items.content, 'item 0')).orderBy(cosineDistance(items.embedding, q)).limit(3);
    const wantF = exactTopK(all.filter((id) => contentOf.get(id) !== 'item 0'), (id) => byId.get(id), q, 3, cos);
    assert.deepEqual(filtered.map((r) => r.id), wantF.map((w) => w.item), `${label}: filtered`);
  }
}

test('nearest neighbours with cosineDistance / l2Distance (exact scan)', async () => {
  await nearestChecks('exact scan');
});

test('nearest neighbours with an HNSW index', async () => {
  await db.execute(sql.raw('CREATE INDEX "dz_items_embedding_idx" ON "dz_items" USING hnsw ("embedding" vector_cosine_ops);'));
  await nearestChecks('hnsw');
});

test('named prepared statement', async () => {
  const prepared = db.select({ id: items.id, content: items.content }).from(items)
    .orderBy(l2Distance(items.embedding, sql.placeholder('q'))).limit(sql.placeholder('k')).prepare('dz_nearest');
  const all = [...byId.keys()];
  for (const q of queries) {
    // A placeholder's value goes to pg as is, so it is given in pgvector's
    // text form.
    const rows = await prepared.execute({ q: JSON.stringify(q), k: 3 });
    assert.deepEqual(rows.map((r) => r.id), exactTopK(all, (id) => byId.get(id), q, 3, l2).map((w) => w.item));
  }
});
