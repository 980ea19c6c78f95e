package clients

// pgvector-go (github.com/pgvector/pgvector-go) with pgx/v5, used as its
// README shows. What goes over the wire:
//
//   - pgxvec.RegisterTypes, run in the pool's AfterConnect:
//     SELECT to_regtype('vector')::oid, to_regtype('_vector')::oid, to_regtype('halfvec')::oid, to_regtype('_halfvec')::oid, to_regtype('sparsevec')::oid, to_regtype('_sparsevec')::oid
//     (a NULL vector OID fails registration; NULL halfvec/sparsevec OIDs
//     silently leave those types unregistered, so this test checks all six).
//   - Every other statement goes through pgx's default statement cache:
//     Parse (no parameter types) + Describe, then Bind with each parameter
//     in the format its registered codec prefers (binary for vector, halfvec
//     and sparsevec) and binary result formats for those columns. So the
//     ParameterDescription and RowDescription must carry the real OIDs.
//   - pgx CopyFrom describes `select "id", "embedding", ... from "copy_items"`
//     for the column OIDs, then sends
//     copy "copy_items" ( "id", "embedding", ... ) from stdin binary;
//     and a PGCOPY binary stream with the values in their binary formats.

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pgvector/pgvector-go"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
)

// pgvector's binary formats, for reference:
//   vector:    int16 dim, int16 unused (0), dim x float4, big-endian
//   halfvec:   int16 dim, int16 unused (0), dim x IEEE 754 half, big-endian
//   sparsevec: int32 dim, int32 nnz, int32 unused (0), nnz x int32 index
//              (0-based), nnz x float4 value

// gridVec returns a vector of n components k/8 with k in [-32, 32], not all
// zero. Such values are exact in float16, so halfvec round-trips them and
// the expected distances are the same for vector and halfvec.
func gridVec(r *rand.Rand, n int) []float32 {
	for {
		v := make([]float32, n)
		nz := false
		for i := range v {
			v[i] = float32(r.IntN(65)-32) / 8
			nz = nz || v[i] != 0
		}
		if nz {
			return v
		}
	}
}

// sparseGridVec is like gridVec with about half of the components zero.
func sparseGridVec(r *rand.Rand, n int) []float32 {
	for {
		v := make([]float32, n)
		nz := false
		for i := range v {
			if r.IntN(2) == 0 {
				v[i] = float32(r.IntN(65)-32) / 8
				nz = nz || v[i] != 0
			}
		}
		if nz {
			return v
		}
	}
}

// newPool opens a pgx pool that registers pgvector's types on every new
// connection, as pgvector-go's README shows.
func newPool(t *testing.T, addr string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(connString(addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.AfterConnect = pgxvec.RegisterTypes
	// One connection, so that a SET made through the pool holds for the
	// statements after it.
	cfg.MaxConns = 1
	pool, err := pgxpool.NewWithConfig(ctxT(t), cfg)
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctxT(t)); err != nil {
		t.Fatalf("pool connect (RegisterTypes in AfterConnect): %v", err)
	}
	return pool
}

func TestPgvectorGoRegisterTypes(t *testing.T) {
	addr := testAddr(t)
	conn := connect(t, addr)
	mustExec(t, conn, "CREATE EXTENSION IF NOT EXISTS vector", "CREATE EXTENSION IF NOT EXISTS vector")

	// The discovery query itself: every OID must be there.
	var oids [6]*uint32
	err := conn.QueryRow(ctxT(t), "SELECT to_regtype('vector')::oid, to_regtype('_vector')::oid, to_regtype('halfvec')::oid, to_regtype('_halfvec')::oid, to_regtype('sparsevec')::oid, to_regtype('_sparsevec')::oid").
		Scan(&oids[0], &oids[1], &oids[2], &oids[3], &oids[4], &oids[5])
	if err != nil {
		t.Fatalf("to_regtype query: %v", err)
	}
	names := []string{"vector", "_vector", "halfvec", "_halfvec", "sparsevec", "_sparsevec"}
	seen := map[uint32]string{}
	for i, o := range oids {
		if o == nil || *o == 0 {
			t.Errorf("to_regtype('%s')::oid = NULL, want an OID", names[i])
			continue
		}
		if prev, dup := seen[*o]; dup {
			t.Errorf("%s and %s share OID %d", prev, names[i], *o)
		}
		seen[*o] = names[i]
	}
	if t.Failed() {
		t.FailNow()
	}

	// pg_type agrees with to_regtype (pgvector-node and psycopg look there).
	for i, n := range names {
		var oid, typarray uint32
		if err := conn.QueryRow(ctxT(t), "SELECT oid, typarray FROM pg_type WHERE typname = $1", n).Scan(&oid, &typarray); err != nil {
			t.Errorf("pg_type row for %s: %v", n, err)
			continue
		}
		if oid != *oids[i] {
			t.Errorf("pg_type oid of %s = %d, to_regtype says %d", n, oid, *oids[i])
		}
		if i%2 == 0 && typarray != *oids[i+1] {
			t.Errorf("pg_type typarray of %s = %d, want %d (_%s)", n, typarray, *oids[i+1], n)
		}
	}

	if err := pgxvec.RegisterTypes(ctxT(t), conn); err != nil {
		t.Fatalf("RegisterTypes: %v", err)
	}
	for i, n := range names {
		typ, ok := conn.TypeMap().TypeForName(n)
		if !ok {
			t.Errorf("type %s not registered", n)
			continue
		}
		if typ.OID != *oids[i] {
			t.Errorf("registered %s with OID %d, want %d", n, typ.OID, *oids[i])
		}
	}
}

func TestPgvectorGo(t *testing.T) {
	addr := testAddr(t)
	setup := connect(t, addr)
	dropTables(t, setup, "items")
	mustExec(t, setup, "CREATE EXTENSION IF NOT EXISTS vector")
	pool := newPool(t, addr)
	ctx := ctxT(t)

	if _, err := pool.Exec(ctx, "CREATE TABLE items (id bigserial PRIMARY KEY, embedding vector(3), half_embedding halfvec(3), sparse_embedding sparsevec(5))"); err != nil {
		t.Fatalf("create table: %v", err)
	}

	r := rand.New(rand.NewPCG(1, 2))
	vecs := map[int64][]float32{}
	halves := map[int64][]float32{}
	sparses := map[int64][]float32{}
	insert := func(n int) {
		t.Helper()
		for range n {
			v, h, s := gridVec(r, 3), gridVec(r, 3), sparseGridVec(r, 5)
			var id int64
			err := pool.QueryRow(ctx, "INSERT INTO items (embedding, half_embedding, sparse_embedding) VALUES ($1, $2, $3) RETURNING id",
				pgvector.NewVector(v), pgvector.NewHalfVector(h), pgvector.NewSparseVector(s)).Scan(&id)
			if err != nil {
				t.Fatalf("insert: %v", err)
			}
			if _, dup := vecs[id]; dup {
				t.Fatalf("bigserial returned id %d twice", id)
			}
			vecs[id], halves[id], sparses[id] = v, h, s
		}
	}
	insert(300)

	t.Run("OIDs in descriptions", func(t *testing.T) {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		tm := c.Conn().TypeMap()
		sd, err := c.Conn().Prepare(ctx, "", "SELECT id, embedding, half_embedding, sparse_embedding FROM items WHERE embedding = $1 OR half_embedding = $2 OR sparse_embedding = $3")
		if err != nil {
			t.Fatalf("prepare: %v", err)
		}
		want := []string{"vector", "halfvec", "sparsevec"}
		if len(sd.ParamOIDs) != 3 {
			t.Fatalf("ParameterDescription has %d parameters, want 3", len(sd.ParamOIDs))
		}
		for i, n := range want {
			typ, _ := tm.TypeForName(n)
			if typ == nil || sd.ParamOIDs[i] != typ.OID {
				t.Errorf("parameter $%d has OID %d, want %s", i+1, sd.ParamOIDs[i], n)
			}
			if f := sd.Fields[i+1]; typ == nil || f.DataTypeOID != typ.OID {
				t.Errorf("column %s has OID %d, want %s", f.Name, f.DataTypeOID, n)
			}
		}
	})

	t.Run("binary round trip", func(t *testing.T) {
		for id := range int64(5) {
			id++
			var v pgvector.Vector
			var h pgvector.HalfVector
			var s pgvector.SparseVector
			if err := pool.QueryRow(ctx, "SELECT embedding, half_embedding, sparse_embedding FROM items WHERE id = $1", id).Scan(&v, &h, &s); err != nil {
				t.Fatalf("select id %d: %v", id, err)
			}
			if !reflect.DeepEqual(v.Slice(), vecs[id]) || !reflect.DeepEqual(h.Slice(), halves[id]) || !reflect.DeepEqual(s.Slice(), sparses[id]) {
				t.Errorf("id %d: got %v %v %v, want %v %v %v", id, v.Slice(), h.Slice(), s.Slice(), vecs[id], halves[id], sparses[id])
			}
			if s.Dimensions() != 5 {
				t.Errorf("sparsevec dimensions %d, want 5", s.Dimensions())
			}
		}
	})

	t.Run("text results", func(t *testing.T) {
		var v pgvector.Vector
		var h pgvector.HalfVector
		var s pgvector.SparseVector
		err := pool.QueryRow(ctx, "SELECT embedding, half_embedding, sparse_embedding FROM items WHERE id = $1",
			pgx.QueryResultFormats{pgx.TextFormatCode, pgx.TextFormatCode, pgx.TextFormatCode}, int64(1)).Scan(&v, &h, &s)
		if err != nil {
			t.Fatalf("select: %v", err)
		}
		if !reflect.DeepEqual(v.Slice(), vecs[1]) || !reflect.DeepEqual(h.Slice(), halves[1]) || !reflect.DeepEqual(s.Slice(), sparses[1]) {
			t.Errorf("got %v %v %v, want %v %v %v", v.Slice(), h.Slice(), s.Slice(), vecs[1], halves[1], sparses[1])
		}
	})

	t.Run("vector arrays", func(t *testing.T) {
		in := []pgvector.Vector{pgvector.NewVector([]float32{1, 2, 3}), pgvector.NewVector([]float32{4, 5, 6})}
		var out []pgvector.Vector
		if err := pool.QueryRow(ctx, "SELECT $1::vector[]", in).Scan(&out); err != nil {
			t.Fatalf("vector[] round trip: %v", err)
		}
		if !reflect.DeepEqual(out, in) {
			t.Errorf("got %v, want %v", out, in)
		}
		var arr []pgvector.Vector
		if err := pool.QueryRow(ctx, "SELECT ARRAY[embedding, embedding] FROM items WHERE id = 1").Scan(&arr); err != nil {
			t.Fatalf("ARRAY[embedding, embedding]: %v", err)
		}
		if len(arr) != 2 || !reflect.DeepEqual(arr[1].Slice(), vecs[1]) {
			t.Errorf("got %v, want two of %v", arr, vecs[1])
		}
	})

	type search struct {
		name, sql string
		rows      map[int64][]float32
		dist      func(a, b []float32) float64
		param     func(q []float32) any
		query     func(r *rand.Rand) []float32
	}
	searches := []search{
		{"vector <->", "SELECT id, embedding <-> $1 FROM items ORDER BY embedding <-> $1 LIMIT 5", vecs, l2,
			func(q []float32) any { return pgvector.NewVector(q) }, func(r *rand.Rand) []float32 { return gridVec(r, 3) }},
		{"halfvec <=>", "SELECT id, half_embedding <=> $1 FROM items ORDER BY half_embedding <=> $1 LIMIT 5", halves, cosineDist,
			func(q []float32) any { return pgvector.NewHalfVector(q) }, func(r *rand.Rand) []float32 { return gridVec(r, 3) }},
		{"sparsevec <#>", "SELECT id, sparse_embedding <#> $1 FROM items ORDER BY sparse_embedding <#> $1 LIMIT 5", sparses,
			func(a, b []float32) float64 { return -dot(a, b) },
			func(q []float32) any { return pgvector.NewSparseVector(q) }, func(r *rand.Rand) []float32 { return sparseGridVec(r, 5) }},
	}
	runSearches := func(t *testing.T, ss []search) {
		qr := rand.New(rand.NewPCG(3, 4))
		for _, s := range ss {
			for qi := range 10 {
				q := s.query(qr)
				rows, err := pool.Query(ctx, s.sql, s.param(q))
				if err != nil {
					t.Fatalf("%s: %v", s.sql, err)
				}
				got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (scored, error) {
					var sc scored
					err := row.Scan(&sc.id, &sc.dist)
					return sc, err
				})
				if err != nil {
					t.Fatalf("%s: %v", s.sql, err)
				}
				want := exactTopK(s.rows, q, 5, s.dist)
				checkTopK(t, fmt.Sprintf("%s query %d", s.name, qi), got, want, s.rows, q, s.dist)
			}
		}
	}

	t.Run("nearest without index", func(t *testing.T) { runSearches(t, searches) })

	if _, err := pool.Exec(ctx, "CREATE INDEX ON items USING hnsw (embedding vector_l2_ops)"); err != nil {
		t.Fatalf("create hnsw index: %v", err)
	}
	if _, err := pool.Exec(ctx, "CREATE INDEX ON items USING hnsw (half_embedding halfvec_cosine_ops) WITH (m = 16, ef_construction = 64)"); err != nil {
		t.Fatalf("create halfvec hnsw index: %v", err)
	}
	if _, err := pool.Exec(ctx, "SET hnsw.ef_search = 100"); err != nil {
		t.Fatalf("SET hnsw.ef_search: %v", err)
	}
	t.Run("nearest with hnsw index", func(t *testing.T) { runSearches(t, searches[:2]) })

	// Rows inserted after the index was built are found through it.
	insert(100)
	t.Run("nearest after more inserts", func(t *testing.T) { runSearches(t, searches[:2]) })
}

func TestPgvectorGoCopyFrom(t *testing.T) {
	addr := testAddr(t)
	setup := connect(t, addr)
	dropTables(t, setup, "copy_items")
	mustExec(t, setup, "CREATE EXTENSION IF NOT EXISTS vector",
		"CREATE TABLE copy_items (id bigint PRIMARY KEY, embedding vector(8), half_embedding halfvec(3), sparse_embedding sparsevec(5))")
	pool := newPool(t, addr)
	ctx := ctxT(t)

	const n = 1000
	r := rand.New(rand.NewPCG(5, 6))
	vecs := map[int64][]float32{}
	src := make([][]any, 0, n)
	for i := range n {
		id := int64(i + 1)
		v := make([]float32, 8)
		for j := range v {
			v[j] = r.Float32()*2 - 1
		}
		h, s := gridVec(r, 3), sparseGridVec(r, 5)
		vecs[id] = v
		src = append(src, []any{id, pgvector.NewVector(v), pgvector.NewHalfVector(h), pgvector.NewSparseVector(s)})
	}
	cnt, err := pool.CopyFrom(ctx, pgx.Identifier{"copy_items"}, []string{"id", "embedding", "half_embedding", "sparse_embedding"}, pgx.CopyFromRows(src))
	if err != nil {
		t.Fatalf("CopyFrom: %v", err)
	}
	if cnt != n {
		t.Errorf("CopyFrom copied %d rows, want %d", cnt, n)
	}
	var count int64
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM copy_items").Scan(&count); err != nil {
		t.Fatal(err)
	}
	if count != n {
		t.Fatalf("count(*) = %d after COPY, want %d", count, n)
	}
	for _, i := range []int{0, 1, 499, 998, 999} {
		id := src[i][0].(int64)
		var v pgvector.Vector
		var h pgvector.HalfVector
		var s pgvector.SparseVector
		if err := pool.QueryRow(ctx, "SELECT embedding, half_embedding, sparse_embedding FROM copy_items WHERE id = $1", id).Scan(&v, &h, &s); err != nil {
			t.Fatalf("select id %d: %v", id, err)
		}
		if !reflect.DeepEqual(v.Slice(), src[i][1].(pgvector.Vector).Slice()) ||
			!reflect.DeepEqual(h.Slice(), src[i][2].(pgvector.HalfVector).Slice()) ||
			!reflect.DeepEqual(s.Slice(), src[i][3].(pgvector.SparseVector).Slice()) {
			t.Errorf("id %d: got %v %v %v, want %v", id, v.Slice(), h.Slice(), s.Slice(), src[i][1:])
		}
	}

	// Exact cosine top-10 over the copied rows, then the same through an index.
	check := func(what string) {
		qr := rand.New(rand.NewPCG(7, 8))
		for range 5 {
			q := make([]float32, 8)
			for j := range q {
				q[j] = qr.Float32()*2 - 1
			}
			rows, err := pool.Query(ctx, "SELECT id, embedding <=> $1 FROM copy_items ORDER BY embedding <=> $1 LIMIT 10", pgvector.NewVector(q))
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			got, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (scored, error) {
				var sc scored
				err := row.Scan(&sc.id, &sc.dist)
				return sc, err
			})
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			checkTopK(t, what, got, exactTopK(vecs, q, 10, cosineDist), vecs, q, cosineDist)
		}
	}
	check("exact scan after COPY")
	if _, err := pool.Exec(ctx, "CREATE INDEX copy_items_embedding_idx ON copy_items USING hnsw (embedding vector_cosine_ops) WITH (m = 16, ef_construction = 64)"); err != nil {
		t.Fatalf("create index: %v", err)
	}
	if _, err := pool.Exec(ctx, "SET hnsw.ef_search = 200"); err != nil {
		t.Fatalf("SET hnsw.ef_search: %v", err)
	}
	check("hnsw after COPY")
}
