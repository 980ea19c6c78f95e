package snapshot

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/parquet-go/parquet-go"

	"github.com/akidb/akidb/types"
)

// Column is one column of a snapshot's rows.
type Column struct {
	Name    string
	Type    types.T
	NotNull bool
}

// enc is how a column's values are laid out in Parquet.
type enc uint8

const (
	encBool       enc = iota + 1 // BOOLEAN
	encInt32                     // INT32 (int2, int4)
	encInt64                     // INT64 (int8, oid, regtype)
	encFloat                     // FLOAT (float4)
	encDouble                    // DOUBLE (float8)
	encString                    // BYTE_ARRAY String (text, varchar, bpchar, name, "char")
	encBytes                     // BYTE_ARRAY (bytea)
	encNumeric                   // BYTE_ARRAY String: the numeric's exact text
	encDate                      // INT32 days since 2000-01-01; MinInt32/MaxInt32 are -infinity/infinity
	encTimestamp                 // INT64 microseconds since 2000-01-01 00:00; MinInt64/MaxInt64 are -infinity/infinity
	encJSON                      // BYTE_ARRAY JSON
	encUUID                      // FIXED_LEN_BYTE_ARRAY(16) UUID
	encVector                    // FIXED_LEN_BYTE_ARRAY(4n), little-endian float32
	encHalfvec                   // FIXED_LEN_BYTE_ARRAY(2n), little-endian IEEE 754 binary16
	encVectorVar                 // BYTE_ARRAY, little-endian float32 (vector without dimensions)
	encHalfvecVar                // BYTE_ARRAY, little-endian binary16 (halfvec without dimensions)
	encText                      // BYTE_ARRAY String: types.AppendText, read back with types.ParseText
)

// colCodec maps one Column to its Parquet leaf.
type colCodec struct {
	col  Column
	enc  enc
	kind types.Kind // the Kind of the column's non-NULL datums
	dims int        // elements of a fixed-width vector
	leaf int        // the leaf column's index in the Parquet schema
}

// vectorEncodingBSS says whether fixed-width vector columns use the
// BYTE_STREAM_SPLIT encoding instead of PLAIN. parquet-go supports it for
// FIXED_LEN_BYTE_ARRAY (one stream per byte of the 4n-byte value), and
// with zstd it makes the file of 10k clustered 512-d embeddings about 6%
// smaller (TestSizeAgainstJSON), but it costs 3-4x the CPU to write and
// read (BenchmarkWrite100kx512, BenchmarkRead100kx512): the transposition
// is a byte loop, and zstd then works on compressible literals instead of
// storing raw blocks. Both layouts are standard; readers take either.
var vectorEncodingBSS = false

func codecOf(c Column) (colCodec, error) {
	cc := colCodec{col: c, kind: types.KindOf(c.Type.OID)}
	if c.Name == "" {
		return cc, fmt.Errorf("column without a name")
	}
	if types.TypName(c.Type.OID) == "" || cc.kind == types.KNull {
		return cc, fmt.Errorf("column %q: unsupported type oid %d", c.Name, c.Type.OID)
	}
	switch c.Type.OID {
	case types.BoolOID:
		cc.enc = encBool
	case types.Int2OID, types.Int4OID:
		cc.enc = encInt32
	case types.Int8OID, types.OIDOID, types.RegTypeOID:
		cc.enc = encInt64
	case types.Float4OID:
		cc.enc = encFloat
	case types.Float8OID:
		cc.enc = encDouble
	case types.TextOID, types.VarcharOID, types.BPCharOID, types.NameOID, types.CharOID:
		cc.enc = encString
	case types.ByteaOID:
		cc.enc = encBytes
	case types.NumericOID:
		cc.enc = encNumeric
	case types.DateOID:
		cc.enc = encDate
	case types.TimestampOID, types.TimestampTZOID:
		cc.enc = encTimestamp
	case types.JSONBOID, types.JSONOID:
		cc.enc = encJSON
	case types.UUIDOID:
		cc.enc = encUUID
	case types.VectorOID:
		cc.enc = encVectorVar
		if c.Type.Mod > 0 {
			cc.enc, cc.dims = encVector, int(c.Type.Mod)
		}
	case types.HalfvecOID:
		cc.enc = encHalfvecVar
		if c.Type.Mod > 0 {
			cc.enc, cc.dims = encHalfvec, int(c.Type.Mod)
		}
	default:
		cc.enc = encText
	}
	return cc, nil
}

// node returns the Parquet node of the column.
func (cc *colCodec) node() parquet.Node {
	var n parquet.Node
	switch cc.enc {
	case encBool:
		n = parquet.Leaf(parquet.BooleanType)
	case encInt32:
		bits := 32
		if cc.col.Type.OID == types.Int2OID {
			bits = 16
		}
		n = parquet.Encoded(parquet.Int(bits), &parquet.DeltaBinaryPacked)
	case encInt64:
		n = parquet.Encoded(parquet.Int(64), &parquet.DeltaBinaryPacked)
	case encFloat:
		n = parquet.Encoded(parquet.Leaf(parquet.FloatType), &parquet.ByteStreamSplit)
	case encDouble:
		n = parquet.Encoded(parquet.Leaf(parquet.DoubleType), &parquet.ByteStreamSplit)
	case encString, encNumeric, encText:
		n = parquet.Encoded(parquet.String(), &parquet.DeltaLengthByteArray)
	case encBytes, encVectorVar, encHalfvecVar:
		n = parquet.Encoded(parquet.Leaf(parquet.ByteArrayType), &parquet.DeltaLengthByteArray)
	case encDate:
		// Not annotated DATE: the epoch is AkiDB's (2000-01-01), not 1970's.
		n = parquet.Encoded(parquet.Leaf(parquet.Int32Type), &parquet.DeltaBinaryPacked)
	case encTimestamp:
		// Not annotated TIMESTAMP, for the same reason.
		n = parquet.Encoded(parquet.Leaf(parquet.Int64Type), &parquet.DeltaBinaryPacked)
	case encJSON:
		n = parquet.Encoded(parquet.JSON(), &parquet.DeltaLengthByteArray)
	case encUUID:
		n = parquet.UUID()
	case encVector, encHalfvec:
		width := 4
		if cc.enc == encHalfvec {
			width = 2
		}
		n = parquet.Leaf(parquet.FixedLenByteArrayType(width * cc.dims))
		if vectorEncodingBSS {
			n = parquet.Encoded(n, &parquet.ByteStreamSplit)
		} else {
			// Embeddings are close to random bytes: zstd saves about
			// nothing on them (TestSizeAgainstJSON) and costs time both
			// ways, so their pages are stored as they are.
			n = parquet.Compressed(n, &parquet.Uncompressed)
		}
	}
	if !cc.col.NotNull {
		n = parquet.Optional(n)
	}
	return n
}

// isVector reports whether the column holds vectors (whose page bounds
// are not worth computing).
func (cc *colCodec) isVector() bool {
	switch cc.enc {
	case encVector, encHalfvec, encVectorVar, encHalfvecVar:
		return true
	}
	return false
}

// fileColumn is a column as recorded in the Parquet file's key-value
// metadata (and the manifest): enough to tell int4 from date, or
// vector(3) from vector(4), which the physical schema alone cannot.
type fileColumn struct {
	Name    string `json:"name"`
	OID     uint32 `json:"type_oid"`
	Typmod  int32  `json:"typmod"`
	Type    string `json:"type"`
	NotNull bool   `json:"not_null,omitempty"`
}

func fileColumnsOf(cols []Column) []fileColumn {
	fc := make([]fileColumn, len(cols))
	for i, c := range cols {
		fc[i] = fileColumn{Name: c.Name, OID: c.Type.OID, Typmod: c.Type.Mod, Type: c.Type.String(), NotNull: c.NotNull}
	}
	return fc
}

// Key-value metadata of the Parquet file.
const (
	metaColumns = "akidb.columns" // JSON []fileColumn, in the caller's column order
	metaFormat  = "akidb.format"  // "1"
	metaEpoch   = "akidb.epoch"   // "2000-01-01": the epoch of date and timestamp columns
	formatValue = "1"
	epochValue  = "2000-01-01"
)

// fileSchema is the Parquet schema and the per-column codecs of cols.
type fileSchema struct {
	schema *parquet.Schema
	codecs []colCodec // in the caller's column order
	order  []int      // codec indices in leaf order
	meta   string     // metaColumns value
}

func newFileSchema(cols []Column) (*fileSchema, error) {
	if len(cols) == 0 {
		return nil, fmt.Errorf("no columns")
	}
	fs := &fileSchema{codecs: make([]colCodec, len(cols))}
	group := parquet.Group{}
	for i, c := range cols {
		cc, err := codecOf(c)
		if err != nil {
			return nil, err
		}
		if _, dup := group[c.Name]; dup {
			return nil, fmt.Errorf("duplicate column %q", c.Name)
		}
		group[c.Name] = cc.node()
		fs.codecs[i] = cc
	}
	fs.schema = parquet.NewSchema("akidb_snapshot", group)
	fs.order = make([]int, len(cols))
	for i := range fs.codecs {
		leaf, ok := fs.schema.Lookup(fs.codecs[i].col.Name)
		if !ok {
			return nil, fmt.Errorf("column %q missing from the Parquet schema", fs.codecs[i].col.Name)
		}
		fs.codecs[i].leaf = leaf.ColumnIndex
		fs.order[leaf.ColumnIndex] = i
	}
	b, err := json.Marshal(fileColumnsOf(cols))
	if err != nil {
		return nil, err
	}
	fs.meta = string(b)
	return fs, nil
}

// describeNode prints a leaf node for schema mismatch messages.
func describeNode(n parquet.Node) string {
	var b strings.Builder
	switch {
	case n.Optional():
		b.WriteString("optional ")
	case n.Repeated():
		b.WriteString("repeated ")
	default:
		b.WriteString("required ")
	}
	if !n.Leaf() {
		b.WriteString("group")
		return b.String()
	}
	t := n.Type()
	b.WriteString(t.Kind().String())
	if t.Kind() == parquet.FixedLenByteArray {
		fmt.Fprintf(&b, "(%d)", t.Length())
	}
	if lt := t.LogicalType(); lt != nil {
		fmt.Fprintf(&b, " %s", lt)
	}
	return b.String()
}

func sameLeaf(a, b parquet.Node) bool {
	if a.Leaf() != b.Leaf() || a.Optional() != b.Optional() || a.Repeated() != b.Repeated() {
		return false
	}
	if !a.Leaf() {
		return false
	}
	return parquet.EqualTypes(a.Type(), b.Type())
}

// check returns an error describing the first difference between the
// schema of a file (and its column metadata) and fs.
func (fs *fileSchema) check(f *parquet.File) error {
	got := map[string]parquet.Node{}
	for _, fld := range f.Schema().Fields() {
		got[fld.Name()] = fld
	}
	for _, cc := range fs.codecs {
		n, ok := got[cc.col.Name]
		if !ok {
			return fmt.Errorf("column %q (%s) is not in the file", cc.col.Name, cc.col.Type)
		}
		wn := cc.node()
		if !sameLeaf(n, wn) {
			return fmt.Errorf("column %q (%s): the file has %s, expected %s", cc.col.Name, cc.col.Type, describeNode(n), describeNode(wn))
		}
		delete(got, cc.col.Name)
	}
	for name := range got {
		return fmt.Errorf("the file has column %q that is not expected", name)
	}
	if meta, ok := f.Lookup(metaColumns); ok && meta != fs.meta {
		var have []fileColumn
		if err := json.Unmarshal([]byte(meta), &have); err != nil {
			return fmt.Errorf("bad %s metadata: %v", metaColumns, err)
		}
		byName := map[string]fileColumn{}
		for _, h := range have {
			byName[h.Name] = h
		}
		for _, cc := range fs.codecs {
			h, ok := byName[cc.col.Name]
			if !ok {
				return fmt.Errorf("column %q is not in the file's column list", cc.col.Name)
			}
			if h.OID != cc.col.Type.OID || h.Typmod != cc.col.Type.Mod || h.NotNull != cc.col.NotNull {
				return fmt.Errorf("column %q: the file has %s%s, expected %s%s", cc.col.Name,
					h.Type, notNullText(h.NotNull), cc.col.Type, notNullText(cc.col.NotNull))
			}
		}
		if len(have) != len(fs.codecs) {
			return fmt.Errorf("the file has %d columns, expected %d", len(have), len(fs.codecs))
		}
	}
	if v, ok := f.Lookup(metaFormat); ok && v != formatValue {
		return fmt.Errorf("unsupported snapshot file format %q", v)
	}
	if v, ok := f.Lookup(metaEpoch); ok && v != epochValue {
		return fmt.Errorf("unsupported date epoch %q", v)
	}
	return nil
}

func notNullText(nn bool) string {
	if nn {
		return " not null"
	}
	return ""
}

// Date bounds: AkiDB's day numbers of finite dates fit in int32 with room
// for the two infinities at its ends, as in PostgreSQL.
const (
	dateNegInf = math.MinInt32
	datePosInf = math.MaxInt32
)
