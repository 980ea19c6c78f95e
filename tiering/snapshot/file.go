package snapshot

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/types"
)

// FileInfo describes a written data file.
type FileInfo struct {
	Rows   int64
	Bytes  int64
	CRC32C string // lowercase hex, as a manifest's Object holds it
}

// Row group limits: a row group is closed at whichever comes first. They
// bound the writer's memory (a row group's rows and pages are held until
// it is written out, and a few are encoded at once) and are the units
// that are encoded and decoded in parallel. A row group reaches the
// writer's io.Writer only once it is complete, so small ones let an
// upload start early (Write streams to the object store); at 4 MiB the
// file of 10k x 512 rows is 0.1% larger than at 32 MiB, and a 100k x 512
// file reads 2.7x faster (its column chunks' buffers are reused rather
// than allocated afresh).
const (
	maxGroupRows  = 64 << 10
	maxGroupBytes = 4 << 20
)

// pageBufferSize is the size of the writer's pages before compression.
// Smaller pages make the file of 512-d embeddings larger (3% at 256 KiB,
// 6% at 32 KiB: BenchmarkWrite100kx512's size/raw).
const pageBufferSize = 1 << 20

// compressionLevel is the zstd level of every column but the vector
// columns, which are stored uncompressed unless they are BYTE_STREAM_SPLIT.
var compressionLevel = zstd.SpeedFastest

func ioErr(err error, format string, args ...any) error {
	return pgerr.Wrap(err, pgerr.IOError, format, args...)
}

// WriteFile writes the rows next returns to a new Parquet file at path
// (replacing any file there), zstd-compressed; it does not fsync it (the file is scratch on its way to the object store). Each row
// holds one datum per column of cols, in order; next returns ok=false
// after the last row. The row slice and what its values point to may be
// reused by next once it is called again. An error from next stops the
// write and is returned as it is; on any error the file is removed.
//
// Column layouts (all columns are optional unless NotNull; vector columns are stored
// uncompressed, as zstd gains nothing on embeddings):
//
//	bool                          BOOLEAN
//	int2, int4                    INT32 (INT(16), INT(32))
//	int8, oid, regtype            INT64 (INT(64))
//	float4, float8                FLOAT, DOUBLE
//	text, varchar, bpchar, name   BYTE_ARRAY (STRING)
//	bytea                         BYTE_ARRAY
//	numeric                       BYTE_ARRAY (STRING): the exact text, NaN and ±Infinity included
//	date                          INT32: AkiDB's day number, days since 2000-01-01;
//	                              -infinity/infinity are MinInt32/MaxInt32
//	timestamp, timestamptz        INT64: microseconds since 2000-01-01 00:00 (UTC for
//	                              timestamptz); -infinity/infinity are MinInt64/MaxInt64
//	json, jsonb                   BYTE_ARRAY (JSON)
//	uuid                          FIXED_LEN_BYTE_ARRAY(16) (UUID)
//	vector(n)                     FIXED_LEN_BYTE_ARRAY(4n): little-endian float32s
//	halfvec(n)                    FIXED_LEN_BYTE_ARRAY(2n): little-endian IEEE binary16s
//	vector, halfvec (no n)        BYTE_ARRAY of the same little-endian elements
//	anything else (sparsevec,     BYTE_ARRAY (STRING): types.AppendText, read back
//	arrays, ...)                  with types.ParseText
//
// Dates and timestamps are not annotated DATE/TIMESTAMP because their
// epoch is AkiDB's (and PostgreSQL's), 2000-01-01, not 1970-01-01; the
// file's key-value metadata records the epoch and the columns' SQL types.
// Integers use DELTA_BINARY_PACKED, strings DELTA_LENGTH_BYTE_ARRAY,
// float4/float8 BYTE_STREAM_SPLIT, vectors PLAIN (see vectorEncodingBSS).
// Row groups hold at most 64Ki rows or 4 MiB and are encoded and
// compressed on several goroutines; memory stays within a few row groups.
func WriteFile(path string, cols []Column, next func() ([]types.Datum, bool, error)) (info FileInfo, err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return info, ioErr(err, "snapshot")
	}
	out := newSink(f)
	defer func() {
		if err != nil {
			out.close()
			f.Close()
			os.Remove(path)
		}
	}()
	rows, err := write(out, cols, next)
	if err != nil {
		return info, writeErr(err, "snapshot: write %s", path)
	}
	if err := out.close(); err != nil {
		return info, ioErr(err, "snapshot: write %s", path)
	}
	// No fsync, as the doc says: a local file is scratch; the object
	// store's copy is the durable one.
	if err := f.Close(); err != nil {
		return info, ioErr(err, "snapshot: write %s", path)
	}
	return FileInfo{Rows: rows, Bytes: out.n, CRC32C: out.sum()}, nil
}

// Write writes the rows next returns to w as a Parquet file laid out as
// WriteFile's, and returns the number of rows. An error from next stops
// the write and is returned as it is; other errors carry SQLSTATE 58030.
// w sees the file's bytes in order, in writes of up to a row group's
// pages at a time.
func Write(w io.Writer, cols []Column, next func() ([]types.Datum, bool, error)) (rows int64, err error) {
	rows, err = write(w, cols, next)
	if err != nil {
		return rows, writeErr(err, "snapshot: write")
	}
	return rows, nil
}

// nextError marks an error of write's next callback, which is returned
// to the caller as it is.
type nextError struct{ err error }

func (e *nextError) Error() string { return e.err.Error() }

// writeErr is the error write's caller returns: next's own as it is,
// any other marked as an I/O error.
func writeErr(err error, format string, args ...any) error {
	var ne *nextError
	if errors.As(err, &ne) {
		return ne.err
	}
	return ioErr(err, format, args...)
}

func write(out io.Writer, cols []Column, next func() ([]types.Datum, bool, error)) (rows int64, err error) {
	fs, err := newFileSchema(cols)
	if err != nil {
		return 0, err
	}
	opts := []parquet.WriterOption{
		fs.schema,
		parquet.Compression(&zstd.Codec{Level: compressionLevel}),
		parquet.PageBufferSize(pageBufferSize),
		parquet.WriteBufferSize(0), // out buffers
		parquet.KeyValueMetadata(metaFormat, formatValue),
		parquet.KeyValueMetadata(metaEpoch, epochValue),
		parquet.KeyValueMetadata(metaColumns, fs.meta),
	}
	for _, cc := range fs.codecs {
		if cc.isVector() {
			opts = append(opts, parquet.SkipPageBounds(cc.col.Name))
		}
	}
	w := parquet.NewGenericWriter[any](out, opts...)
	pw := newParallelWriter(w, len(fs.codecs))
	defer pw.abort()

	var (
		e          encoder
		b          = pw.batch()
		groupRows  int64
		groupBytes int64
	)
	for {
		datums, ok, err := next()
		if err != nil {
			return rows, &nextError{err}
		}
		if !ok {
			break
		}
		if len(datums) != len(fs.codecs) {
			return rows, fmt.Errorf("row %d has %d values, expected %d", rows+1, len(datums), len(fs.codecs))
		}
		row := b.next()
		e.scratch = b.arena
		for leaf, ci := range fs.order {
			v, err := e.value(&fs.codecs[ci], datums[ci])
			if err != nil {
				return rows, fmt.Errorf("row %d: %w", rows+1, err)
			}
			row[leaf] = v
			groupBytes += valueSize(v)
		}
		b.arena = e.scratch
		rows++
		groupRows++
		endGroup := groupRows >= maxGroupRows || groupBytes >= maxGroupBytes
		if b.full() || endGroup {
			if err := pw.send(b, endGroup); err != nil {
				return rows, err
			}
			b = pw.batch()
		}
		if endGroup {
			groupRows, groupBytes = 0, 0
		}
	}
	if b.n > 0 {
		if err := pw.send(b, true); err != nil {
			return rows, err
		}
	}
	if err := pw.finish(); err != nil {
		return rows, err
	}
	if err := w.Close(); err != nil {
		return rows, err
	}
	return rows, nil
}

// ReadFile calls fn for every row of the Parquet file at path, in order,
// and returns the number of rows read. The file's schema must be the one
// WriteFile writes for cols (same names, types, typmods and nullability;
// the file's column order does not matter); otherwise ReadFile fails
// before reading any row with an error naming the first difference.
//
// fn gets one datum per column of cols. The slice is reused for the next
// row; the values in it (strings, vectors, ...) may be kept. An error from
// fn stops the read and is returned as is.
func ReadFile(path string, cols []Column, fn func(row []types.Datum) error) (rows int64, err error) {
	fs, err := newFileSchema(cols)
	if err != nil {
		return 0, ioErr(err, "snapshot: read %s", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, ioErr(err, "snapshot")
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, ioErr(err, "snapshot")
	}
	return readParquet(f, st.Size(), path, fs, false, fn)
}

// ScanReader is ReadFile over the size bytes of r (such as a Stream still
// downloading; name is the file's name in errors), for a caller that
// copies what it keeps of a row: the row's strings and vectors are valid
// only until fn returns, and their memory is reused for the next row
// rather than allocated afresh.
func ScanReader(r io.ReaderAt, size int64, name string, cols []Column, fn func(row []types.Datum) error) (rows int64, err error) {
	fs, err := newFileSchema(cols)
	if err != nil {
		return 0, ioErr(err, "snapshot: read %s", name)
	}
	return readParquet(r, size, name, fs, true, fn)
}

// readParquet reads the Parquet file in the size bytes of r, whose
// schema must be fs's.
func readParquet(r io.ReaderAt, size int64, path string, fs *fileSchema, transient bool, fn func(row []types.Datum) error) (rows int64, err error) {
	pf, err := parquet.OpenFile(r, size,
		parquet.SkipPageIndex(true),
		parquet.SkipBloomFilters(true),
		parquet.FileReadMode(parquet.ReadModeAsync),
	)
	if err != nil {
		return 0, ioErr(err, "snapshot: read %s", path)
	}
	if err := fs.check(pf); err != nil {
		return 0, ioErr(err, "snapshot: %s does not match the expected schema", path)
	}
	// leafs[i] is the file's leaf column of codec i.
	leafs := make([]int, len(fs.codecs))
	for i, cc := range fs.codecs {
		lc, ok := pf.Schema().Lookup(cc.col.Name)
		if !ok {
			return 0, ioErr(fmt.Errorf("column %q is not in the file", cc.col.Name), "snapshot: read %s", path)
		}
		leafs[i] = lc.ColumnIndex
	}

	var (
		dec     decoder
		row     = make([]types.Datum, len(fs.codecs))
		cursors = make([]cursor, len(fs.codecs))
	)
	defer func() {
		for i := range cursors {
			cursors[i].close()
		}
	}()
	for _, rg := range pf.RowGroups() {
		chunks := rg.ColumnChunks()
		for i := range cursors {
			cursors[i].close()
			cursors[i].reset(chunks[leafs[i]].Pages())
		}
		n := rg.NumRows()
		for r := int64(0); r < n; r++ {
			if transient {
				dec.reuse()
			}
			for i := range cursors {
				v, err := cursors[i].next()
				if err != nil {
					if err == io.EOF {
						err = fmt.Errorf("column %q ends before row %d of %d", fs.codecs[i].col.Name, r+1, n)
					}
					return rows, ioErr(err, "snapshot: read %s", path)
				}
				d, err := dec.datum(&fs.codecs[i], v)
				if err != nil {
					return rows, ioErr(err, "snapshot: read %s: row %d", path, rows+1)
				}
				row[i] = d
			}
			if err := fn(row); err != nil {
				return rows, err
			}
			rows++
		}
	}
	if rows != pf.NumRows() {
		return rows, ioErr(fmt.Errorf("read %d rows, the file says %d", rows, pf.NumRows()), "snapshot: read %s", path)
	}
	return rows, nil
}

// cursor reads the values of one column chunk, page by page.
type cursor struct {
	pages parquet.Pages
	page  parquet.Page
	vr    parquet.ValueReader
	buf   []parquet.Value
	i, n  int
}

func (c *cursor) reset(p parquet.Pages) {
	c.pages = p
	if c.buf == nil {
		c.buf = make([]parquet.Value, 256)
	}
	c.i, c.n = 0, 0
}

func (c *cursor) next() (parquet.Value, error) {
	for c.i == c.n {
		if c.vr != nil {
			n, err := c.vr.ReadValues(c.buf)
			c.i, c.n = 0, n
			if n > 0 {
				break
			}
			if err != nil && !errors.Is(err, io.EOF) {
				return parquet.Value{}, err
			}
			c.vr = nil
		}
		if c.page != nil {
			parquet.Release(c.page)
			c.page = nil
		}
		if c.pages == nil {
			return parquet.Value{}, io.EOF
		}
		p, err := c.pages.ReadPage()
		if err != nil {
			return parquet.Value{}, err
		}
		c.page, c.vr = p, p.Values()
	}
	v := c.buf[c.i]
	c.i++
	return v, nil
}

func (c *cursor) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.vr = nil
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
}
