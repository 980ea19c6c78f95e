package storage

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
	"github.com/cockroachdb/pebble/v2"
)

// TableDesc describes a table. Descriptors returned by a Txn may be shared
// with other callers and the catalog cache: treat them as read-only, and
// copy before changing one.
type TableDesc struct {
	ID         uint32
	Name       string // already case-folded by the SQL layer
	Columns    []ColumnDesc
	PrimaryKey []int       // column ordinals; empty => rows get a hidden unique row id
	Indexes    []IndexDesc // secondary indexes, including UNIQUE constraints
	// Collection marks a table made by CREATE COLLECTION: exactly one
	// vector column with an HNSW index, and a tier.
	Collection bool `json:",omitempty"`
	// ForeignKeys are this table's FOREIGN KEY constraints; ReferencedBy
	// names those of other tables (or this one) that reference it.
	ForeignKeys  []ForeignKey `json:",omitempty"`
	ReferencedBy []FKRef      `json:",omitempty"`
}

// ColumnDesc describes a column.
type ColumnDesc struct {
	Name    string
	Type    types.T
	NotNull bool
	Default string // SQL expression text, "" for none; opaque to storage
}

// IndexDesc describes a secondary index.
type IndexDesc struct {
	ID      uint32
	Name    string // e.g. "t_b_key", user-given names for CREATE INDEX
	Columns []int
	Unique  bool

	// Method is "" or "btree" for an ordinary index, "hnsw" for a vector
	// index. The fields below describe vector indexes only.
	Method string
	// OpClass is the operator class, which sets the metric:
	// vector_l2_ops, vector_cosine_ops, vector_ip_ops, vector_l1_ops and
	// their halfvec_* twins.
	OpClass string
	// M and EfConstruction are the hnsw options (0 means the defaults, 16
	// and 64; the stored descriptor has the values used).
	M, EfConstruction int
	// Dims is the number of dimensions of the indexed vectors (from the
	// column's typmod, or from the cast the index was written on). Rows
	// with another dimension are refused.
	Dims int
	// Half marks an index on a vector column cast to halfvec(n)
	// (USING hnsw ((col::halfvec(n)) halfvec_*_ops)): it holds the
	// column's vectors rounded to half precision.
	Half bool `json:",omitempty"`
}

// SequenceDesc describes a sequence.
type SequenceDesc struct {
	ID   uint32
	Name string
}

// PKeyName is the name of the table's primary key constraint (and index).
func (td *TableDesc) PKeyName() string { return td.Name + "_pkey" }

// Index returns the index with the given ID, or nil.
func (td *TableDesc) Index(id uint32) *IndexDesc {
	for i := range td.Indexes {
		if td.Indexes[i].ID == id {
			return &td.Indexes[i]
		}
	}
	return nil
}

func (td *TableDesc) clone() *TableDesc {
	c := *td
	c.Columns = slices.Clone(td.Columns)
	c.PrimaryKey = slices.Clone(td.PrimaryKey)
	c.Indexes = make([]IndexDesc, len(td.Indexes))
	for i, idx := range td.Indexes {
		idx.Columns = slices.Clone(idx.Columns)
		c.Indexes[i] = idx
	}
	c.ForeignKeys = make([]ForeignKey, len(td.ForeignKeys))
	for i, fk := range td.ForeignKeys {
		fk.Columns, fk.RefColumns = slices.Clone(fk.Columns), slices.Clone(fk.RefColumns)
		c.ForeignKeys[i] = fk
	}
	c.ReferencedBy = slices.Clone(td.ReferencedBy)
	return &c
}

// colKind is the Kind of the values of column ord.
func (td *TableDesc) colKind(ord int) types.Kind {
	return types.KindOf(td.Columns[ord].Type.OID)
}

// Relation kinds in the shared namespace.
const (
	relTable    = 1
	relIndex    = 2
	relSequence = 3
	relPKey     = 4 // a primary key index, named <table>_pkey
)

// nsEntry is what a name in the namespace refers to.
type nsEntry struct {
	kind  byte
	id    uint32 // the table, index or sequence ID
	table uint32 // for indexes, the table
}

// Catalog keys:
//
//	/c/n/<name>  -> nsEntry (kind, id, table)
//	/c/t/<id>    -> descFormat | JSON TableDesc
//	/c/q/<id>    -> descFormat | JSON SequenceDesc
const descFormat = 1

func catNameKey(name string) []byte { return append([]byte{spaceCatalog, 'n'}, name...) }
func catTableKey(id uint32) []byte  { return appendUint32([]byte{spaceCatalog, 't'}, id) }
func catSeqKey(id uint32) []byte    { return appendUint32([]byte{spaceCatalog, 'q'}, id) }

func encodeNS(e nsEntry) []byte {
	b := []byte{e.kind}
	b = appendUint32(b, e.id)
	return appendUint32(b, e.table)
}

func decodeNS(v []byte) (nsEntry, error) {
	if len(v) != 9 {
		return nsEntry{}, pgerr.New(pgerr.DataCorrupted, "storage: corrupt catalog name entry")
	}
	return nsEntry{kind: v[0], id: binary.BigEndian.Uint32(v[1:]), table: binary.BigEndian.Uint32(v[5:])}, nil
}

func encodeDesc(v any) ([]byte, error) {
	j, err := json.Marshal(v)
	if err != nil {
		return nil, wrapf(err, "encode descriptor")
	}
	return append([]byte{descFormat}, j...), nil
}

func decodeDesc(b []byte, v any) error {
	if len(b) == 0 || b[0] != descFormat {
		return pgerr.New(pgerr.DataCorrupted, "storage: unsupported descriptor format")
	}
	if err := json.Unmarshal(b[1:], v); err != nil {
		return pgerr.Wrap(err, pgerr.DataCorrupted, "storage: decode descriptor")
	}
	return nil
}

// catReader reads the catalog: either the committed cache or, once a
// transaction has changed the catalog, through its batch.
type catReader interface {
	lookup(name string) (nsEntry, bool, error)
	table(id uint32) (*TableDesc, error) // nil when absent
	sequence(id uint32) (*SequenceDesc, error)
	tables() ([]*TableDesc, error)
	sequences() ([]*SequenceDesc, error)
}

// catalog is an immutable in-memory copy of the committed catalog.
type catalog struct {
	names     map[string]nsEntry
	byID      map[uint32]*TableDesc
	seqs      map[uint32]*SequenceDesc
	sorted    []*TableDesc
	seqSorted []*SequenceDesc
}

func loadCatalog(r pebble.Reader) (*catalog, error) {
	c := &catalog{
		names: make(map[string]nsEntry),
		byID:  make(map[uint32]*TableDesc),
		seqs:  make(map[uint32]*SequenceDesc),
	}
	tds, seqs, err := scanCatalog(r, c.names)
	if err != nil {
		return nil, err
	}
	for _, td := range tds {
		c.byID[td.ID] = td
	}
	for _, sd := range seqs {
		c.seqs[sd.ID] = sd
	}
	c.sorted, c.seqSorted = tds, seqs
	return c, nil
}

// scanCatalog reads every descriptor (sorted by name) and, when names is
// not nil, every name entry.
func scanCatalog(r pebble.Reader, names map[string]nsEntry) ([]*TableDesc, []*SequenceDesc, error) {
	it, err := r.NewIter(&pebble.IterOptions{LowerBound: []byte{spaceCatalog}, UpperBound: []byte{spaceCatalog + 1}})
	if err != nil {
		return nil, nil, wrapf(err, "read catalog")
	}
	defer it.Close()
	var tds []*TableDesc
	var seqs []*SequenceDesc
	for ok := it.First(); ok; ok = it.Next() {
		k := it.Key()
		v, err := it.ValueAndErr()
		if err != nil {
			return nil, nil, wrapf(err, "read catalog")
		}
		if len(k) < 2 {
			continue
		}
		switch k[1] {
		case 'n':
			if names == nil {
				continue
			}
			e, err := decodeNS(v)
			if err != nil {
				return nil, nil, err
			}
			names[string(k[2:])] = e
		case 't':
			td := new(TableDesc)
			if err := decodeDesc(v, td); err != nil {
				return nil, nil, err
			}
			tds = append(tds, td)
		case 'q':
			sd := new(SequenceDesc)
			if err := decodeDesc(v, sd); err != nil {
				return nil, nil, err
			}
			seqs = append(seqs, sd)
		}
	}
	if err := it.Error(); err != nil {
		return nil, nil, wrapf(err, "read catalog")
	}
	sort.Slice(tds, func(i, j int) bool { return tds[i].Name < tds[j].Name })
	sort.Slice(seqs, func(i, j int) bool { return seqs[i].Name < seqs[j].Name })
	return tds, seqs, nil
}

func (c *catalog) lookup(name string) (nsEntry, bool, error) {
	e, ok := c.names[name]
	return e, ok, nil
}
func (c *catalog) table(id uint32) (*TableDesc, error)       { return c.byID[id], nil }
func (c *catalog) sequence(id uint32) (*SequenceDesc, error) { return c.seqs[id], nil }
func (c *catalog) tables() ([]*TableDesc, error)             { return slices.Clone(c.sorted), nil }
func (c *catalog) sequences() ([]*SequenceDesc, error)       { return slices.Clone(c.seqSorted), nil }

// batchCatalog reads the catalog through a transaction's batch.
type batchCatalog struct{ b *pebble.Batch }

func getValue(r pebble.Reader, key []byte) ([]byte, bool, error) {
	v, closer, err := r.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrapf(err, "get")
	}
	v = slices.Clone(v)
	closer.Close()
	return v, true, nil
}

func (c batchCatalog) lookup(name string) (nsEntry, bool, error) {
	v, ok, err := getValue(c.b, catNameKey(name))
	if err != nil || !ok {
		return nsEntry{}, false, err
	}
	e, err := decodeNS(v)
	return e, err == nil, err
}

func (c batchCatalog) table(id uint32) (*TableDesc, error) {
	v, ok, err := getValue(c.b, catTableKey(id))
	if err != nil || !ok {
		return nil, err
	}
	td := new(TableDesc)
	if err := decodeDesc(v, td); err != nil {
		return nil, err
	}
	return td, nil
}

func (c batchCatalog) sequence(id uint32) (*SequenceDesc, error) {
	v, ok, err := getValue(c.b, catSeqKey(id))
	if err != nil || !ok {
		return nil, err
	}
	sd := new(SequenceDesc)
	if err := decodeDesc(v, sd); err != nil {
		return nil, err
	}
	return sd, nil
}

func (c batchCatalog) tables() ([]*TableDesc, error) {
	tds, _, err := scanCatalog(c.b, nil)
	return tds, err
}

func (c batchCatalog) sequences() ([]*SequenceDesc, error) {
	_, seqs, err := scanCatalog(c.b, nil)
	return seqs, err
}

// cat returns the catalog as this transaction sees it.
func (t *Txn) cat() catReader {
	if t.ddl {
		return batchCatalog{t.b}
	}
	return t.db.cat.Load()
}

// Table returns the table called name, or nil, nil when there is none.
func (t *Txn) Table(name string) (*TableDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	c := t.cat()
	e, ok, err := c.lookup(name)
	if err != nil || !ok || e.kind != relTable {
		return nil, err
	}
	return c.table(e.id)
}

// TableByID returns the table with the given ID, or nil, nil.
func (t *Txn) TableByID(id uint32) (*TableDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.cat().table(id)
}

// Tables returns every table, sorted by name.
func (t *Txn) Tables() ([]*TableDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.cat().tables()
}

// Sequences returns every sequence, sorted by name.
func (t *Txn) Sequences() ([]*SequenceDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	return t.cat().sequences()
}

// Sequence returns the sequence called name, or nil, nil.
func (t *Txn) Sequence(name string) (*SequenceDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	c := t.cat()
	e, ok, err := c.lookup(name)
	if err != nil || !ok || e.kind != relSequence {
		return nil, err
	}
	return c.sequence(e.id)
}

// IndexByName returns the table and index called name (a secondary index),
// or nil, nil, nil.
func (t *Txn) IndexByName(name string) (*TableDesc, *IndexDesc, error) {
	if err := t.check(); err != nil {
		return nil, nil, err
	}
	c := t.cat()
	e, ok, err := c.lookup(name)
	if err != nil || !ok || e.kind != relIndex {
		return nil, nil, err
	}
	td, err := c.table(e.table)
	if err != nil || td == nil {
		return nil, nil, err
	}
	return td, td.Index(e.id), nil
}

// nameFree returns 42P07 when name is taken by any relation.
func (t *Txn) nameFree(name string) error {
	_, ok, err := t.cat().lookup(name)
	if err != nil {
		return err
	}
	if ok {
		return errRelationExists(name)
	}
	return nil
}

func (t *Txn) putDesc(key []byte, desc any) error {
	v, err := encodeDesc(desc)
	if err != nil {
		return err
	}
	return t.b.Set(key, v, nil)
}

// CreateTable adds a table. It assigns td.ID and the IDs of td.Indexes (and
// names to unnamed ones, PostgreSQL style: <table>_<cols>_key). A name that
// any table, index or sequence already has gives 42P07.
func (t *Txn) CreateTable(td *TableDesc) error {
	if err := t.check(); err != nil {
		return err
	}
	if td.Name == "" {
		return pgerr.New(pgerr.InvalidName, "zero-length delimited identifier")
	}
	if err := validateColumns(td); err != nil {
		return err
	}
	if err := t.nameFree(td.Name); err != nil {
		return err
	}
	for i := range td.Indexes {
		if err := validateIndexMethod(td, &td.Indexes[i]); err != nil {
			return err
		}
	}
	used := map[string]bool{td.Name: true}
	if len(td.PrimaryKey) > 0 {
		if err := t.nameFree(td.PKeyName()); err != nil {
			return err
		}
		used[td.PKeyName()] = true
	}
	for i := range td.Indexes {
		idx := &td.Indexes[i]
		if idx.Name == "" {
			n, err := t.chooseIndexName(td, idx.Columns, "key", used)
			if err != nil {
				return err
			}
			idx.Name = n
		}
		if used[idx.Name] {
			return errRelationExists(idx.Name)
		}
		if err := t.nameFree(idx.Name); err != nil {
			return err
		}
		used[idx.Name] = true
	}

	id, err := t.db.allocID()
	if err != nil {
		return err
	}
	td.ID = id
	for i := range td.Indexes {
		if td.Indexes[i].ID, err = t.db.allocID(); err != nil {
			return err
		}
		if td.Indexes[i].IsVector() {
			if err := t.createEmptyVectorIndex(td, &td.Indexes[i]); err != nil {
				return err
			}
		}
	}
	if err := t.putDesc(catTableKey(td.ID), td); err != nil {
		return err
	}
	if err := t.b.Set(catNameKey(td.Name), encodeNS(nsEntry{kind: relTable, id: td.ID}), nil); err != nil {
		return wrapf(err, "create table")
	}
	if len(td.PrimaryKey) > 0 {
		if err := t.b.Set(catNameKey(td.PKeyName()), encodeNS(nsEntry{kind: relPKey, id: td.ID, table: td.ID}), nil); err != nil {
			return wrapf(err, "create table")
		}
	}
	for _, idx := range td.Indexes {
		if err := t.b.Set(catNameKey(idx.Name), encodeNS(nsEntry{kind: relIndex, id: idx.ID, table: td.ID}), nil); err != nil {
			return wrapf(err, "create table")
		}
	}
	t.ddl = true
	return nil
}

func validateColumns(td *TableDesc) error {
	if len(td.Columns) > 1600 {
		return pgerr.New(pgerr.TooManyColumns, "tables can have at most 1600 columns")
	}
	seen := make(map[string]bool, len(td.Columns))
	for _, c := range td.Columns {
		if seen[c.Name] {
			return pgerr.New(pgerr.DuplicateColumn, "column %q specified more than once", c.Name)
		}
		seen[c.Name] = true
	}
	check := func(what string, cols []int) error {
		for _, o := range cols {
			if o < 0 || o >= len(td.Columns) {
				return pgerr.New(pgerr.InvalidTableDefinition, "%s refers to column %d of a table with %d columns", what, o, len(td.Columns))
			}
		}
		return nil
	}
	if err := check("primary key", td.PrimaryKey); err != nil {
		return err
	}
	for _, idx := range td.Indexes {
		if len(idx.Columns) == 0 {
			return pgerr.New(pgerr.InvalidTableDefinition, "index %q has no columns", idx.Name)
		}
		if err := check("index "+idx.Name, idx.Columns); err != nil {
			return err
		}
	}
	return nil
}

// chooseIndexName picks PostgreSQL's default name <table>_<cols>_<suffix>,
// adding a number when that is taken.
func (t *Txn) chooseIndexName(td *TableDesc, cols []int, suffix string, used map[string]bool) (string, error) {
	parts := []string{td.Name}
	for _, o := range cols {
		if o >= 0 && o < len(td.Columns) {
			parts = append(parts, td.Columns[o].Name)
		}
	}
	base := strings.Join(parts, "_")
	for n := 0; ; n++ {
		name := base + "_" + suffix
		if n > 0 {
			name = fmt.Sprintf("%s%d", name, n)
		}
		if used[name] {
			continue
		}
		_, taken, err := t.cat().lookup(name)
		if err != nil {
			return "", err
		}
		if !taken {
			return name, nil
		}
	}
}

// DropTable removes a table, its names, its rows and its index entries.
func (t *Txn) DropTable(id uint32) error {
	if err := t.check(); err != nil {
		return err
	}
	td, err := t.cat().table(id)
	if err != nil {
		return err
	}
	if td == nil {
		return pgerr.New(pgerr.UndefinedTable, "table with OID %d does not exist", id)
	}
	for _, r := range td.ReferencedBy {
		if r.Table != id {
			child, err := t.cat().table(r.Table)
			if err != nil {
				return err
			}
			name := ""
			if child != nil {
				name = child.Name
			}
			return pgerr.New(pgerr.DependentObjectsStillExist, "cannot drop table %s because other objects depend on it", td.Name).
				WithDetail("constraint %s on table %s depends on table %s", r.Name, name, td.Name).
				WithHint("Use DROP ... CASCADE to drop the dependent objects too.")
		}
	}
	for _, fk := range td.ForeignKeys {
		if fk.RefTable != id {
			if err := t.DropForeignKey(id, fk.Name); err != nil {
				return err
			}
		}
	}
	del := func(k []byte) error {
		if err := t.b.Delete(k, nil); err != nil {
			return wrapf(err, "drop table")
		}
		return nil
	}
	if err := del(catNameKey(td.Name)); err != nil {
		return err
	}
	if len(td.PrimaryKey) > 0 {
		if err := del(catNameKey(td.PKeyName())); err != nil {
			return err
		}
	}
	for _, idx := range td.Indexes {
		if err := del(catNameKey(idx.Name)); err != nil {
			return err
		}
		if idx.IsVector() {
			t.vecForget(idx.ID)
		}
	}
	if err := del(catTableKey(id)); err != nil {
		return err
	}
	p := tablePrefix(id)
	if err := t.b.DeleteRange(p, prefixEnd(p), nil); err != nil {
		return wrapf(err, "drop table")
	}
	t.ddl = true
	t.droppedTables = append(t.droppedTables, id)
	return nil
}

// CreateIndex adds a secondary index to a table and fills it from the rows
// the transaction sees. An unnamed index is called <table>_<cols>_idx (or
// _key when unique). Duplicate values in a unique index give 23505.
func (t *Txn) CreateIndex(tableID uint32, idx IndexDesc) (*IndexDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	cur, err := t.cat().table(tableID)
	if err != nil {
		return nil, err
	}
	if cur == nil {
		return nil, pgerr.New(pgerr.UndefinedTable, "table with OID %d does not exist", tableID)
	}
	td := cur.clone()
	idx.Columns = slices.Clone(idx.Columns)
	if err := validateIndexMethod(td, &idx); err != nil {
		return nil, err
	}
	if idx.Name == "" {
		suffix := "idx"
		if idx.Unique {
			suffix = "key"
		}
		if idx.Name, err = t.chooseIndexName(td, idx.Columns, suffix, nil); err != nil {
			return nil, err
		}
	}
	if err := t.nameFree(idx.Name); err != nil {
		return nil, err
	}
	td.Indexes = append(td.Indexes, idx)
	if err := validateColumns(td); err != nil {
		return nil, err
	}
	newIdx := &td.Indexes[len(td.Indexes)-1]
	if newIdx.ID, err = t.db.allocID(); err != nil {
		return nil, err
	}
	if newIdx.IsVector() {
		err = t.buildVectorIndex(td, newIdx)
	} else {
		err = t.backfill(td, newIdx)
	}
	if err != nil {
		return nil, err
	}
	if err := t.putDesc(catTableKey(td.ID), td); err != nil {
		return nil, err
	}
	if err := t.b.Set(catNameKey(newIdx.Name), encodeNS(nsEntry{kind: relIndex, id: newIdx.ID, table: td.ID}), nil); err != nil {
		return nil, wrapf(err, "create index")
	}
	t.ddl = true
	t.schemaTables = append(t.schemaTables, td.ID)
	return newIdx, nil
}

// backfill writes the entries of idx for every row of td.
func (t *Txn) backfill(td *TableDesc, idx *IndexDesc) error {
	it := t.Scan(td, Span{})
	defer it.Close()
	var buf []byte
	for it.Next() {
		ent, uniq, err := indexEntryKey(buf[:0], td, idx, it.Row(), it.Key())
		if err != nil {
			return err
		}
		buf = ent
		if err := t.checkUnique(td, idx, it.Row(), ent, uniq); err != nil {
			return err
		}
		if err := t.b.Set(ent, it.Key(), nil); err != nil {
			return wrapf(err, "create index")
		}
	}
	return it.Err()
}

// DropIndex removes the secondary index called name and its entries.
func (t *Txn) DropIndex(name string) error {
	if err := t.check(); err != nil {
		return err
	}
	c := t.cat()
	e, ok, err := c.lookup(name)
	if err != nil {
		return err
	}
	if !ok {
		return pgerr.New(pgerr.UndefinedObject, "index %q does not exist", name)
	}
	switch e.kind {
	case relIndex:
	case relPKey:
		td, err := c.table(e.table)
		if err != nil {
			return err
		}
		tname := ""
		if td != nil {
			tname = td.Name
		}
		return pgerr.New(pgerr.DependentObjectsStillExist,
			"cannot drop index %s because constraint %s on table %s requires it", name, name, tname).
			WithHint("You can drop constraint %s on table %s instead.", name, tname)
	default:
		return pgerr.New(pgerr.WrongObjectType, "%q is not an index", name)
	}
	cur, err := c.table(e.table)
	if err != nil {
		return err
	}
	if cur == nil {
		return pgerr.New(pgerr.DataCorrupted, "storage: index %q names a missing table", name)
	}
	td := cur.clone()
	if idx := td.Index(e.id); idx != nil && idx.IsVector() {
		if err := t.vecDropIndex(td.ID, idx.ID); err != nil {
			return err
		}
	}
	td.Indexes = slices.DeleteFunc(td.Indexes, func(x IndexDesc) bool { return x.ID == e.id })
	if err := t.putDesc(catTableKey(td.ID), td); err != nil {
		return err
	}
	if err := t.b.Delete(catNameKey(name), nil); err != nil {
		return wrapf(err, "drop index")
	}
	p := indexPrefix(td.ID, e.id)
	if err := t.b.DeleteRange(p, prefixEnd(p), nil); err != nil {
		return wrapf(err, "drop index")
	}
	t.ddl = true
	t.schemaTables = append(t.schemaTables, td.ID)
	return nil
}

// CreateSequence adds a sequence starting at 1. The sequence can be used
// with NextVal at once, even before the transaction commits.
func (t *Txn) CreateSequence(name string) (*SequenceDesc, error) {
	if err := t.check(); err != nil {
		return nil, err
	}
	if err := t.nameFree(name); err != nil {
		return nil, err
	}
	id, err := t.db.allocID()
	if err != nil {
		return nil, err
	}
	if err := t.db.initSequence(id, 1); err != nil {
		return nil, err
	}
	sd := &SequenceDesc{ID: id, Name: name}
	if err := t.putDesc(catSeqKey(id), sd); err != nil {
		return nil, err
	}
	if err := t.b.Set(catNameKey(name), encodeNS(nsEntry{kind: relSequence, id: id}), nil); err != nil {
		return nil, wrapf(err, "create sequence")
	}
	t.ddl = true
	return sd, nil
}

// DropSequence removes the sequence called name.
func (t *Txn) DropSequence(name string) error {
	if err := t.check(); err != nil {
		return err
	}
	e, ok, err := t.cat().lookup(name)
	if err != nil {
		return err
	}
	if !ok || e.kind != relSequence {
		return pgerr.New(pgerr.UndefinedTable, "sequence %q does not exist", name)
	}
	if err := t.b.Delete(catNameKey(name), nil); err != nil {
		return wrapf(err, "drop sequence")
	}
	if err := t.b.Delete(catSeqKey(e.id), nil); err != nil {
		return wrapf(err, "drop sequence")
	}
	t.ddl = true
	t.droppedSeqs = append(t.droppedSeqs, e.id)
	return nil
}
