package storage

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

func openTest(t testing.TB, dir string) *DB {
	t.Helper()
	db, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func newTestDB(t testing.TB) *DB {
	t.Helper()
	db := openTest(t, t.TempDir())
	t.Cleanup(func() { db.Close() })
	return db
}

// itemsTable is (id int8 primary key, b text unique, c int8) with an index on c.
func itemsTable() *TableDesc {
	return &TableDesc{
		Name: "items",
		Columns: []ColumnDesc{
			{Name: "id", Type: types.Int8, NotNull: true},
			{Name: "b", Type: types.Text},
			{Name: "c", Type: types.Int8},
		},
		PrimaryKey: []int{0},
		Indexes:    []IndexDesc{{Columns: []int{1}, Unique: true}},
	}
}

func row(id int64, b string, c int64) types.Row {
	bd := types.NewString(b)
	if b == "" {
		bd = types.Null
	}
	return types.Row{types.NewInt(id), bd, types.NewInt(c)}
}

func mustCommit(t testing.TB, tx *Txn) {
	t.Helper()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func createItems(t testing.TB, db *DB) *TableDesc {
	t.Helper()
	tx := db.Begin()
	td := itemsTable()
	if err := tx.CreateTable(td); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.CreateIndex(td.ID, IndexDesc{Columns: []int{2}}); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	defer tx.Rollback()
	td, err := tx.Table("items")
	if err != nil || td == nil {
		t.Fatalf("table after create: %v %v", td, err)
	}
	return td
}

func collect(t testing.TB, it *RowIter) []types.Row {
	t.Helper()
	var rows []types.Row
	for it.Next() {
		rows = append(rows, it.Row())
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func ids(rows []types.Row) []int64 {
	out := []int64{}
	for _, r := range rows {
		out = append(out, r[0].I)
	}
	return out
}

func insertAll(t testing.TB, tx *Txn, td *TableDesc, rows ...types.Row) {
	t.Helper()
	for _, r := range rows {
		if err := tx.Insert(td, r); err != nil {
			t.Fatalf("insert %v: %v", r, err)
		}
	}
}

func TestCreateTableNamesAndIDs(t *testing.T) {
	db := newTestDB(t)
	v0 := db.CatalogVersion()
	td := createItems(t, db)
	if db.CatalogVersion() <= v0 {
		t.Error("catalog version did not grow")
	}
	if td.ID < firstObjectID || td.Indexes[0].Name != "items_b_key" || td.Indexes[1].Name != "items_c_idx" {
		t.Errorf("descriptor: %+v", td)
	}
	if td.Indexes[0].ID == td.Indexes[1].ID || td.Indexes[0].ID == td.ID {
		t.Errorf("IDs not distinct: %+v", td)
	}
	tx := db.Begin()
	defer tx.Rollback()
	for _, name := range []string{"items", "items_pkey", "items_b_key", "items_c_idx"} {
		err := tx.CreateTable(&TableDesc{Name: name, Columns: []ColumnDesc{{Name: "x", Type: types.Int4}}})
		if pgerr.Code(err) != pgerr.DuplicateTable || err.Error() != fmt.Sprintf("relation %q already exists", name) {
			t.Errorf("create %s: %v", name, err)
		}
	}
	if _, err := tx.CreateSequence("items"); pgerr.Code(err) != pgerr.DuplicateTable {
		t.Errorf("sequence named like a table: %v", err)
	}
	if got, _ := tx.TableByID(td.ID); got == nil || got.Name != "items" {
		t.Errorf("TableByID: %v", got)
	}
	if got, err := tx.Table("nope"); got != nil || err != nil {
		t.Errorf("missing table: %v %v", got, err)
	}
	if got, err := tx.Table("items_pkey"); got != nil || err != nil {
		t.Errorf("an index is not a table: %v %v", got, err)
	}
}

func TestInsertGetScanSpans(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	for _, id := range []int64{5, -3, 10, 0, 7, 2} {
		insertAll(t, tx, td, row(id, fmt.Sprint("v", id), id%3))
	}
	mustCommit(t, tx)

	tx = db.Begin()
	defer tx.Rollback()
	r, key, ok, err := tx.Get(td, []types.Datum{types.NewInt(7)})
	if err != nil || !ok || r[1].S != "v7" || len(key) == 0 {
		t.Fatalf("get 7: %v %v %v", r, ok, err)
	}
	if _, _, ok, _ := tx.Get(td, []types.Datum{types.NewInt(8)}); ok {
		t.Error("get 8 found a row")
	}
	i := func(v int64) []types.Datum { return []types.Datum{types.NewInt(v)} }
	for _, c := range []struct {
		span Span
		want []int64
	}{
		{Span{}, []int64{-3, 0, 2, 5, 7, 10}},
		{Span{Start: i(2)}, []int64{2, 5, 7, 10}},
		{Span{Start: i(2), StartExclusive: true}, []int64{5, 7, 10}},
		{Span{End: i(5)}, []int64{-3, 0, 2, 5}},
		{Span{End: i(5), EndExclusive: true}, []int64{-3, 0, 2}},
		{Span{Start: i(0), End: i(7), StartExclusive: true, EndExclusive: true}, []int64{2, 5}},
		{Span{Start: i(5), End: i(5)}, []int64{5}},
		{Span{Start: i(6), End: i(6)}, []int64{}},
	} {
		if got := ids(collect(t, tx.Scan(td, c.span))); !slices.Equal(got, c.want) {
			t.Errorf("span %+v: got %v, want %v", c.span, got, c.want)
		}
	}
	// Index on c = id % 3; entries are ordered by (c, id).
	idx := &td.Indexes[1]
	if got := ids(collect(t, tx.ScanIndex(td, idx, Span{}))); !slices.Equal(got, []int64{-3, 0, 7, 10, 2, 5}) {
		t.Errorf("index scan: %v", got)
	}
	if got := ids(collect(t, tx.ScanIndex(td, idx, Span{Start: i(1), End: i(1)}))); !slices.Equal(got, []int64{7, 10}) {
		t.Errorf("index scan c=1: %v", got)
	}
	s := func(v string) []types.Datum { return []types.Datum{types.NewString(v)} }
	if got := ids(collect(t, tx.ScanIndex(td, &td.Indexes[0], Span{Start: s("v1"), End: s("v5")}))); !slices.Equal(got, []int64{10, 2, 5}) {
		t.Errorf("unique index scan v1..v5: %v", got)
	}
}

func TestUniqueViolations(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	defer tx.Rollback()
	insertAll(t, tx, td, row(1, "a", 0), row(2, "", 0), row(3, "", 0)) // NULLs are distinct
	check := func(err error, msg, detail string) {
		t.Helper()
		var pe *pgerr.Error
		if !errors.As(err, &pe) || pe.Code != pgerr.UniqueViolation || pe.Message != msg || pe.Detail != detail {
			t.Errorf("got %#v, want %q / %q", err, msg, detail)
		}
	}
	check(tx.Insert(td, row(1, "z", 0)), `duplicate key value violates unique constraint "items_pkey"`, "Key (id)=(1) already exists.")
	check(tx.Insert(td, row(4, "a", 0)), `duplicate key value violates unique constraint "items_b_key"`, "Key (b)=(a) already exists.")
	// The failed insert of 4 wrote nothing.
	if _, _, ok, _ := tx.Get(td, []types.Datum{types.NewInt(4)}); ok {
		t.Error("row 4 exists after a failed insert")
	}
	r2, k2, _, _ := tx.Get(td, []types.Datum{types.NewInt(2)})
	check(tx.Update(td, k2, r2, row(2, "a", 0)), `duplicate key value violates unique constraint "items_b_key"`, "Key (b)=(a) already exists.")
	check(tx.Update(td, k2, r2, row(1, "", 0)), `duplicate key value violates unique constraint "items_pkey"`, "Key (id)=(1) already exists.")

	// Composite keys.
	ctd := &TableDesc{
		Name:       "pairs",
		Columns:    []ColumnDesc{{Name: "a", Type: types.Int4}, {Name: "b", Type: types.Text}},
		PrimaryKey: []int{0, 1},
	}
	if err := tx.CreateTable(ctd); err != nil {
		t.Fatal(err)
	}
	insertAll(t, tx, ctd, types.Row{types.NewInt(1), types.NewString("x")})
	check(tx.Insert(ctd, types.Row{types.NewInt(1), types.NewString("x")}),
		`duplicate key value violates unique constraint "pairs_pkey"`, "Key (a, b)=(1, x) already exists.")

	// Backfilling a unique index over duplicates fails.
	if _, err := tx.CreateIndex(td.ID, IndexDesc{Name: "c_uniq", Columns: []int{2}, Unique: true}); pgerr.Code(err) != pgerr.UniqueViolation {
		t.Errorf("unique index over duplicates: %v", err)
	}
	// NOT NULL.
	err := tx.Insert(td, types.Row{types.Null, types.NewString("q"), types.NewInt(1)})
	if pgerr.Code(err) != pgerr.NotNullViolation {
		t.Errorf("not null: %v", err)
	}
}

func TestUpdateMovesPKAndMaintainsIndexes(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 10), row(2, "b", 20))
	mustCommit(t, tx)

	tx = db.Begin()
	old, key, _, _ := tx.Get(td, []types.Datum{types.NewInt(1)})
	if err := tx.Update(td, key, old, row(100, "aa", 30)); err != nil {
		t.Fatal(err)
	}
	old2, key2, _, _ := tx.Get(td, []types.Datum{types.NewInt(2)})
	if err := tx.Update(td, key2, old2, row(2, "b", 40)); err != nil { // only c changes
		t.Fatal(err)
	}
	mustCommit(t, tx)

	tx = db.Begin()
	defer tx.Rollback()
	if got := ids(collect(t, tx.Scan(td, Span{}))); !slices.Equal(got, []int64{2, 100}) {
		t.Errorf("rows after update: %v", got)
	}
	s := func(v string) []types.Datum { return []types.Datum{types.NewString(v)} }
	if got := ids(collect(t, tx.ScanIndex(td, &td.Indexes[0], Span{Start: s("a"), End: s("a")}))); len(got) != 0 {
		t.Errorf("old unique entry still there: %v", got)
	}
	if got := ids(collect(t, tx.ScanIndex(td, &td.Indexes[0], Span{Start: s("aa"), End: s("aa")}))); !slices.Equal(got, []int64{100}) {
		t.Errorf("new unique entry: %v", got)
	}
	if got := collect(t, tx.ScanIndex(td, &td.Indexes[1], Span{})); len(got) != 2 || got[0][2].I != 30 || got[1][2].I != 40 {
		t.Errorf("index on c: %v", got)
	}
	// The old value of b is free again.
	insertAll(t, tx, td, row(3, "a", 0))
}

func TestDelete(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1), row(2, "b", 1))
	mustCommit(t, tx)
	tx = db.Begin()
	old, key, _, _ := tx.Get(td, []types.Datum{types.NewInt(1)})
	if err := tx.Delete(td, key, old); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	defer tx.Rollback()
	if got := ids(collect(t, tx.Scan(td, Span{}))); !slices.Equal(got, []int64{2}) {
		t.Errorf("rows: %v", got)
	}
	for i := range td.Indexes {
		if got := ids(collect(t, tx.ScanIndex(td, &td.Indexes[i], Span{}))); !slices.Equal(got, []int64{2}) {
			t.Errorf("index %s: %v", td.Indexes[i].Name, got)
		}
	}
	insertAll(t, tx, td, row(1, "a", 1)) // key and unique value reusable
}

func TestNoPrimaryKeyRowIDs(t *testing.T) {
	db := newTestDB(t)
	tx := db.Begin()
	td := &TableDesc{Name: "log", Columns: []ColumnDesc{{Name: "msg", Type: types.Text}}}
	if err := tx.CreateTable(td); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{"c", "a", "b", "a"} {
		insertAll(t, tx, td, types.Row{types.NewString(m)})
	}
	mustCommit(t, tx)
	tx = db.Begin()
	defer tx.Rollback()
	var got []string
	it := tx.Scan(td, Span{})
	for it.Next() {
		got = append(got, it.Row()[0].S)
		r, ok, err := tx.GetByKey(td, it.Key())
		if !ok || err != nil || r[0].S != it.Row()[0].S {
			t.Errorf("GetByKey: %v %v %v", r, ok, err)
		}
	}
	if err := it.Close(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{"c", "a", "b", "a"}) {
		t.Errorf("insertion order not kept: %v", got)
	}
}

func TestRollbackDiscards(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1))
	if err := tx.CreateTable(&TableDesc{Name: "tmp", Columns: []ColumnDesc{{Name: "x", Type: types.Int4}}}); err != nil {
		t.Fatal(err)
	}
	v := db.CatalogVersion()
	tx.Rollback()
	tx.Rollback() // idempotent
	if err := tx.Commit(); !errors.Is(err, ErrTxnDone) {
		t.Errorf("commit after rollback: %v", err)
	}
	if db.CatalogVersion() != v {
		t.Error("rollback changed the catalog version")
	}
	tx = db.Begin()
	defer tx.Rollback()
	if got := collect(t, tx.Scan(td, Span{})); len(got) != 0 {
		t.Errorf("rows after rollback: %v", got)
	}
	if got, _ := tx.Table("tmp"); got != nil {
		t.Error("table after rollback")
	}
}

func TestIsolation(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	a, b := db.Begin(), db.Begin()
	insertAll(t, a, td, row(1, "a", 1))
	if got := collect(t, a.Scan(td, Span{})); len(got) != 1 {
		t.Errorf("txn does not see its own insert: %v", got)
	}
	if got := collect(t, b.Scan(td, Span{})); len(got) != 0 {
		t.Errorf("other txn sees an uncommitted insert: %v", got)
	}
	// DDL: own at once, others after commit.
	if err := a.CreateTable(&TableDesc{Name: "t2", Columns: []ColumnDesc{{Name: "x", Type: types.Int4}}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.Table("t2"); got == nil {
		t.Error("txn does not see its own table")
	}
	if got, _ := b.Table("t2"); got != nil {
		t.Error("other txn sees an uncommitted table")
	}
	if tds, _ := a.Tables(); len(tds) != 2 || tds[0].Name != "items" || tds[1].Name != "t2" {
		t.Errorf("Tables: %v", tds)
	}
	// An open iterator keeps its view while the txn writes.
	it := a.Scan(td, Span{})
	insertAll(t, a, td, row(2, "b", 1))
	if got := collect(t, it); len(got) != 1 {
		t.Errorf("iterator saw a later write: %v", got)
	}
	mustCommit(t, a)
	if got := collect(t, b.Scan(td, Span{})); len(got) != 2 {
		t.Errorf("read committed: %v", got)
	}
	if got, _ := b.Table("t2"); got == nil {
		t.Error("committed table not visible")
	}
	b.Rollback()
}

func TestWriteWriteConflict(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1))
	mustCommit(t, tx)

	a, b := db.Begin(), db.Begin()
	for _, tx := range []*Txn{a, b} {
		old, key, _, _ := tx.Get(td, []types.Datum{types.NewInt(1)})
		if err := tx.Update(td, key, old, row(1, "a", old[2].I+1)); err != nil {
			t.Fatal(err)
		}
	}
	mustCommit(t, a)
	err := b.Commit()
	if pgerr.Code(err) != pgerr.SerializationFailure || err.Error() != "could not serialize access due to concurrent update" {
		t.Fatalf("second commit: %v", err)
	}
	tx = db.Begin()
	defer tx.Rollback()
	if r, _, _, _ := tx.Get(td, []types.Datum{types.NewInt(1)}); r[2].I != 2 {
		t.Errorf("lost update: c = %d", r[2].I)
	}
	// Concurrent inserts of one unique value conflict too.
	c, d := db.Begin(), db.Begin()
	insertAll(t, c, td, row(10, "dup", 0))
	insertAll(t, d, td, row(11, "dup", 0))
	mustCommit(t, c)
	if err := d.Commit(); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Errorf("unique race: %v", err)
	}
	// Disjoint writes do not conflict.
	e, f := db.Begin(), db.Begin()
	insertAll(t, e, td, row(20, "e", 0))
	insertAll(t, f, td, row(21, "f", 0))
	mustCommit(t, e)
	mustCommit(t, f)
	// A txn that began after a commit does not conflict with it.
	g := db.Begin()
	old, key, _, _ := g.Get(td, []types.Datum{types.NewInt(20)})
	if err := g.Delete(td, key, old); err != nil {
		t.Fatal(err)
	}
	mustCommit(t, g)
}

func TestCreateIndexConflictsWithConcurrentWrites(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	a, b := db.Begin(), db.Begin()
	if _, err := a.CreateIndex(td.ID, IndexDesc{Name: "by_b_c", Columns: []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	insertAll(t, b, td, row(1, "x", 1))
	mustCommit(t, b)
	if err := a.Commit(); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Errorf("create index after a concurrent insert: %v", err)
	}
	// And the other way round: a writer with a stale schema loses.
	c, d := db.Begin(), db.Begin()
	if _, err := c.CreateIndex(td.ID, IndexDesc{Name: "by_b_c", Columns: []int{1, 2}}); err != nil {
		t.Fatal(err)
	}
	insertAll(t, d, td, row(2, "y", 1))
	mustCommit(t, c)
	if err := d.Commit(); pgerr.Code(err) != pgerr.SerializationFailure {
		t.Errorf("insert with a stale schema: %v", err)
	}
}

func TestHistoryIsPruned(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	long := db.Begin()
	for i := range 50 {
		tx := db.Begin()
		insertAll(t, tx, td, row(int64(i), fmt.Sprint(i), 0))
		mustCommit(t, tx)
	}
	db.mu.Lock()
	n := len(db.history.last)
	db.mu.Unlock()
	if n == 0 {
		t.Error("history empty while a txn is open")
	}
	long.Rollback()
	tx := db.Begin()
	insertAll(t, tx, td, row(1000, "k", 0))
	mustCommit(t, tx)
	db.mu.Lock()
	n, m := len(db.history.last), len(db.history.log)
	db.mu.Unlock()
	if n != 0 || m != 0 {
		t.Errorf("history not pruned: %d keys, %d commits", n, m)
	}
}

func TestDropTableRemovesData(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1), row(2, "b", 2))
	mustCommit(t, tx)
	tx = db.Begin()
	if err := tx.DropTable(td.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := tx.Table("items"); got != nil {
		t.Error("txn sees its dropped table")
	}
	mustCommit(t, tx)

	it, err := db.pdb.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := tablePrefix(td.ID)
	for ok := it.SeekGE(p); ok && len(it.Key()) >= len(p) && string(it.Key()[:len(p)]) == string(p); ok = it.Next() {
		t.Errorf("key left after drop: %x", it.Key())
	}
	it.Close()

	tx = db.Begin()
	defer tx.Rollback()
	for _, name := range []string{"items", "items_pkey", "items_b_key", "items_c_idx"} {
		if err := tx.nameFree(name); err != nil {
			t.Errorf("name %s still taken: %v", name, err)
		}
	}
	if err := tx.DropTable(td.ID); pgerr.Code(err) != pgerr.UndefinedTable {
		t.Errorf("drop twice: %v", err)
	}
	// A writer still holding the old descriptor cannot resurrect rows.
	insertAll(t, tx, td, row(3, "c", 3))
	if err := tx.Commit(); err == nil {
		t.Error("insert into a dropped table committed")
	}
}

func TestDropIndex(t *testing.T) {
	db := newTestDB(t)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1))
	if err := tx.DropIndex("items_c_idx"); err != nil {
		t.Fatal(err)
	}
	if err := tx.DropIndex("items_c_idx"); pgerr.Code(err) != pgerr.UndefinedObject || err.Error() != `index "items_c_idx" does not exist` {
		t.Errorf("drop missing index: %v", err)
	}
	if err := tx.DropIndex("items_pkey"); pgerr.Code(err) != pgerr.DependentObjectsStillExist {
		t.Errorf("drop pkey: %v", err)
	}
	if err := tx.DropIndex("items"); pgerr.Code(err) != pgerr.WrongObjectType {
		t.Errorf("drop a table as an index: %v", err)
	}
	mustCommit(t, tx)
	tx = db.Begin()
	defer tx.Rollback()
	td2, _ := tx.Table("items")
	if len(td2.Indexes) != 1 || td2.Indexes[0].Name != "items_b_key" {
		t.Errorf("indexes after drop: %+v", td2.Indexes)
	}
	if _, idx, _ := tx.IndexByName("items_b_key"); idx == nil {
		t.Error("IndexByName")
	}
}

func TestReopen(t *testing.T) {
	dir := t.TempDir()
	db := openTest(t, dir)
	td := createItems(t, db)
	tx := db.Begin()
	insertAll(t, tx, td, row(1, "a", 1), row(2, "b", 2))
	sd, err := tx.CreateSequence("s")
	if err != nil {
		t.Fatal(err)
	}
	mustCommit(t, tx)
	var seen []int64
	for range 3 {
		v, err := db.NextVal(sd.ID)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, v)
	}
	if !slices.Equal(seen, []int64{1, 2, 3}) {
		t.Errorf("nextval: %v", seen)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openTest(t, dir)
	defer db.Close()
	tx = db.Begin()
	defer tx.Rollback()
	td2, err := tx.Table("items")
	if err != nil || td2 == nil || len(td2.Indexes) != 2 || td2.ID != td.ID {
		t.Fatalf("table after reopen: %+v %v", td2, err)
	}
	if got := ids(collect(t, tx.ScanIndex(td2, &td2.Indexes[1], Span{}))); !slices.Equal(got, []int64{1, 2}) {
		t.Errorf("rows after reopen: %v", got)
	}
	sd2, _ := tx.Sequence("s")
	if sd2 == nil || sd2.ID != sd.ID {
		t.Fatalf("sequence after reopen: %v", sd2)
	}
	v, err := db.NextVal(sd.ID)
	if err != nil || v <= 3 {
		t.Errorf("nextval after reopen: %d %v", v, err)
	}
	// New objects get new IDs.
	nt := &TableDesc{Name: "n", Columns: []ColumnDesc{{Name: "x", Type: types.Int4}}}
	if err := tx.CreateTable(nt); err != nil {
		t.Fatal(err)
	}
	if nt.ID <= td.Indexes[1].ID || nt.ID == sd.ID {
		t.Errorf("ID reused: %d", nt.ID)
	}
}
