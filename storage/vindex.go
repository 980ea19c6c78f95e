package storage

import (
	"encoding/binary"
	"math"
	"sync"
	"sync/atomic"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/storage/hnsw"
	"github.com/akidb/akidb/types"
)

// Index methods.
const (
	MethodBTree = "btree"
	MethodHNSW  = "hnsw"
)

// Defaults of the hnsw options, as pgvector's.
const (
	DefaultHNSWM              = 16
	DefaultHNSWEfConstruction = 64
)

// Vector index key spaces under a table (see doc.go). They sit beside the
// row and index spaces of keys.go, so dropping a table removes them too.
const (
	tableVecLabels  = 'v' // /t/<tableID>/v/<indexID>/<label>   -> RowKey
	tableVecRowKeys = 'w' // /t/<tableID>/w/<indexID>/<RowKey>  -> label
)

// IsVector reports whether idx is a vector (hnsw) index, which has no
// entries in the ordinary index key space.
func (idx *IndexDesc) IsVector() bool { return idx.Method == MethodHNSW }

// vecPrefix returns /t/<tableID>/<sub>/<indexID>/ for sub in l, v, w.
func vecPrefix(tableID uint32, sub byte, indexID uint32) []byte {
	b := make([]byte, 0, 24)
	b = append(b, spaceTable)
	b = appendUint32(b, tableID)
	b = append(b, sub)
	return appendUint32(b, indexID)
}

// labelKey returns /t/<tableID>/v/<indexID>/<label>.
func labelKey(tableID, indexID uint32, label uint64) []byte {
	return binary.BigEndian.AppendUint64(vecPrefix(tableID, tableVecLabels, indexID), label)
}

// rowLabelKey returns /t/<tableID>/w/<indexID>/<RowKey>.
func rowLabelKey(tableID, indexID uint32, key RowKey) []byte {
	return append(vecPrefix(tableID, tableVecRowKeys, indexID), key...)
}

// ilogKey returns /t/<tableID>/l/<indexID>/<seq>.
func ilogKey(tableID, indexID uint32, seq uint64) []byte {
	return binary.BigEndian.AppendUint64(vecPrefix(tableID, tableILog, indexID), seq)
}

func encodeLabel(label uint64) []byte { return appendLabel(nil, label) }

// appendLabel appends the encoding of a label entry's value to dst.
func appendLabel(dst []byte, label uint64) []byte { return binary.BigEndian.AppendUint64(dst, label) }

func decodeLabel(v []byte) (uint64, error) {
	if len(v) != 8 {
		return 0, pgerr.New(pgerr.DataCorrupted, "storage: corrupt vector label entry")
	}
	return binary.BigEndian.Uint64(v), nil
}

// opClassMetric maps an hnsw operator class to its metric.
func opClassMetric(opclass string) (hnsw.Metric, bool) {
	switch opclass {
	case "vector_l2_ops", "halfvec_l2_ops":
		return hnsw.L2, true
	case "vector_cosine_ops", "halfvec_cosine_ops":
		return hnsw.Cosine, true
	case "vector_ip_ops", "halfvec_ip_ops":
		return hnsw.InnerProduct, true
	case "vector_l1_ops", "halfvec_l1_ops":
		return hnsw.L1, true
	}
	return 0, false
}

// validateIndexMethod checks an index's method and, for hnsw, fills in the
// defaults of its options and its dimensions (from the column's typmod
// when the SQL layer gave none), with pgvector's errors.
func validateIndexMethod(td *TableDesc, idx *IndexDesc) error {
	switch idx.Method {
	case "", MethodBTree:
		return nil
	case MethodHNSW:
	default:
		return pgerr.New(pgerr.UndefinedObject, "access method %q does not exist", idx.Method)
	}
	if idx.Unique {
		return pgerr.New(pgerr.FeatureNotSupported, "access method \"hnsw\" does not support unique indexes")
	}
	if len(idx.Columns) != 1 {
		return pgerr.New(pgerr.FeatureNotSupported, "access method \"hnsw\" does not support multicolumn indexes")
	}
	if o := idx.Columns[0]; o < 0 || o >= len(td.Columns) {
		return pgerr.New(pgerr.InvalidTableDefinition, "index %s refers to column %d of a table with %d columns", idx.Name, o, len(td.Columns))
	}
	if _, ok := opClassMetric(idx.OpClass); !ok {
		return pgerr.New(pgerr.UndefinedObject, "operator class %q does not exist for access method \"hnsw\"", idx.OpClass)
	}
	if idx.M == 0 {
		idx.M = DefaultHNSWM
	}
	if idx.EfConstruction == 0 {
		idx.EfConstruction = DefaultHNSWEfConstruction
	}
	if idx.M < 2 || idx.M > 100 {
		return pgerr.New(pgerr.InvalidParameterValue, "value %d out of bounds for option \"m\"", idx.M).
			WithDetail("Valid values are between \"2\" and \"100\".")
	}
	if idx.EfConstruction < 4 || idx.EfConstruction > 1000 {
		return pgerr.New(pgerr.InvalidParameterValue, "value %d out of bounds for option \"ef_construction\"", idx.EfConstruction).
			WithDetail("Valid values are between \"4\" and \"1000\".")
	}
	if idx.EfConstruction < 2*idx.M {
		return pgerr.New(pgerr.InvalidParameterValue, "ef_construction must be greater than or equal to 2 * m")
	}
	if idx.Dims == 0 {
		if mod := td.Columns[idx.Columns[0]].Type.Mod; mod > 0 {
			idx.Dims = int(mod)
		}
	}
	if idx.Dims <= 0 {
		return pgerr.New(pgerr.InvalidParameterValue, "column does not have dimensions")
	}
	if idx.Dims > 16000 {
		return pgerr.New(pgerr.InvalidParameterValue, "column cannot have more than 16000 dimensions for hnsw index")
	}
	return nil
}

// datumVector returns the float32 values of a vector or halfvec datum.
func datumVector(d types.Datum) ([]float32, bool) {
	switch p := d.P.(type) {
	case []float32:
		return p, true
	case []uint16: // half-precision bits
		v := make([]float32, len(p))
		for i, h := range p {
			v[i] = types.HalfToFloat(h)
		}
		return v, true
	}
	return nil, false
}

// indexedVector returns the vector row holds for idx, and whether the row
// belongs in the graph: NULLs do not, nor zero vectors under cosine (as in
// pgvector; exact scans still see them). A vector of another dimension is
// an error.
func indexedVector(td *TableDesc, idx *IndexDesc, row types.Row) ([]float32, bool, error) {
	d := row[idx.Columns[0]]
	if d.K == types.KNull {
		return nil, false, nil
	}
	v, ok := datumVector(d)
	if !ok {
		return nil, false, pgerr.New(pgerr.DatatypeMismatch, "storage: column %q of table %q holds no vector for index %q",
			td.Columns[idx.Columns[0]].Name, td.Name, idx.Name)
	}
	if len(v) != idx.Dims {
		return nil, false, pgerr.New(pgerr.DataException, "expected %d dimensions, not %d", idx.Dims, len(v))
	}
	if idx.Half {
		h, err := types.RoundHalfvec(v)
		if err != nil {
			return nil, false, err
		}
		v = h
	}
	if m, _ := opClassMetric(idx.OpClass); m == hnsw.Cosine {
		zero := true
		for _, x := range v {
			if x != 0 {
				zero = false
				break
			}
		}
		if zero {
			return nil, false, nil
		}
	}
	return v, true, nil
}

func equalVectors(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// exactDistance is the distance SQL reports between a and b by metric m
// (pgvector's <->, <=>, <#>, <+>). It serves the few rows a transaction
// has pending; the graph computes its own.
func exactDistance(m hnsw.Metric, a, b []float32) float32 {
	switch m {
	case hnsw.L2:
		var s float64
		for i := range a {
			d := float64(a[i]) - float64(b[i])
			s += d * d
		}
		return float32(math.Sqrt(s))
	case hnsw.Cosine:
		var dot, na, nb float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
			na += float64(a[i]) * float64(a[i])
			nb += float64(b[i]) * float64(b[i])
		}
		sim := dot / math.Sqrt(na*nb)
		sim = max(-1, min(1, sim))
		return float32(1 - sim)
	case hnsw.InnerProduct:
		var dot float64
		for i := range a {
			dot += float64(a[i]) * float64(b[i])
		}
		return float32(-dot)
	case hnsw.L1:
		var s float64
		for i := range a {
			s += math.Abs(float64(a[i]) - float64(b[i]))
		}
		return float32(s)
	}
	return float32(math.NaN())
}

// vindex is the in-memory graph of one committed hnsw index.
//
// Changes reach the graph in commit order: each commit that changes the
// index takes a ticket (under DB.mu, in commit order) and applies its
// changes when every earlier ticket has been applied. Searches do not take
// these locks; the graph has its own.
type vindex struct {
	id, tableID uint32
	metric      hnsw.Metric
	dims        int
	g           *hnsw.Index

	issued uint64 // the last ticket handed out; guarded by DB.mu

	mu      sync.Mutex // serialises changes to g and the fields below
	cond    sync.Cond  // signalled when done grows
	done    uint64     // the last ticket applied
	changes int        // graph changes since the last checkpoint
	dropped bool       // the index was dropped: no more changes or checkpoints

	applied atomic.Uint64 // ilog sequence of the last change in g
	ckptSeq atomic.Uint64 // ilog sequence covered by the checkpoint file
	hasCkpt atomic.Bool   // the checkpoint file exists
	queued  atomic.Bool   // a background checkpoint is queued

	// pend counts the commits that change the index whose changes have
	// not reached g yet, from before their batch is applied (vkeys.go).
	pend atomic.Int64
	keys labelKeys // row keys of g's labels, for searches (vkeys.go)

	fileMu sync.Mutex // one checkpoint write or file removal at a time

	// refs counts the graph's holders: one for being installed (as a
	// committed index, or as the graph a transaction built), one per
	// search under way. The last release closes the graph, freeing its
	// memory, so a dropped index goes away only when no search can read
	// it. published is set (under DB.mu) when a commit installs a built
	// graph; retired makes retire idempotent.
	refs      atomic.Int64
	published bool
	retired   atomic.Bool
}

// acquire takes a reference for a search; it fails once the graph is
// retired and has no other holder (it may be closed).
func (v *vindex) acquire() bool {
	for {
		n := v.refs.Load()
		if n <= 0 {
			return false
		}
		if v.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// release drops a reference; the last one closes the graph.
func (v *vindex) release() {
	if v.refs.Add(-1) == 0 {
		v.g.Close()
	}
}

// retire drops the installed reference: the graph is closed now, or when
// the last search holding it ends. Retiring twice does nothing.
func (v *vindex) retire() {
	if v.retired.CompareAndSwap(false, true) {
		v.release()
	}
}

func newVindex(tableID uint32, idx *IndexDesc) (*vindex, error) {
	m, ok := opClassMetric(idx.OpClass)
	if !ok {
		return nil, pgerr.New(pgerr.UndefinedObject, "operator class %q does not exist for access method \"hnsw\"", idx.OpClass)
	}
	g, err := hnsw.New(hnsw.Config{
		Dim:            idx.Dims,
		Metric:         m,
		M:              idx.M,
		EfConstruction: idx.EfConstruction,
		Seed:           int64(idx.ID),
	})
	if err != nil {
		return nil, wrapf(err, "create hnsw index %q", idx.Name)
	}
	return wrapVindex(tableID, idx, m, g), nil
}

func wrapVindex(tableID uint32, idx *IndexDesc, m hnsw.Metric, g *hnsw.Index) *vindex {
	v := &vindex{id: idx.ID, tableID: tableID, metric: m, dims: idx.Dims, g: g}
	v.cond.L = &v.mu
	v.refs.Store(1)
	return v
}

// VectorStats describes the state of a vector index.
type VectorStats struct {
	Count         int    // vectors in the graph
	MemoryBytes   int64  // memory held by the graph
	CheckpointSeq uint64 // index log sequence covered by the checkpoint file
	LogSeq        uint64 // index log sequence of the last change in the graph
}

// VectorIndexStats returns the state of the committed vector index with the
// given ID, or false when there is none.
func (db *DB) VectorIndexStats(indexID uint32) (VectorStats, bool) {
	v := db.vindexes()[indexID]
	if v == nil {
		return VectorStats{}, false
	}
	return VectorStats{
		Count:         v.g.Len(),
		MemoryBytes:   v.g.MemoryBytes(),
		CheckpointSeq: v.ckptSeq.Load(),
		LogSeq:        v.applied.Load(),
	}, true
}

// vindexes returns the committed vector indexes by ID (read-only).
func (db *DB) vindexes() map[uint32]*vindex {
	if m := db.vidx.Load(); m != nil {
		return *m
	}
	return nil
}
