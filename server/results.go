package server

import (
	"encoding/binary"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/akidb/akidb/pgerr"
	"github.com/akidb/akidb/sql"
	"github.com/akidb/akidb/types"
)

// Result rows on the wire: RowDescription from a statement's columns and
// DataRows encoded straight into the output buffer, each value in the
// format its column asked for (0 text, 1 binary).

const (
	formatText   int16 = 0
	formatBinary int16 = 1
)

// rowDescription describes cols with one format code per column.
func rowDescription(cols []sql.Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:                 []byte(col.Name),
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.Attr),
			DataTypeOID:          col.Type.OID,
			DataTypeSize:         typeLen(col.Type.OID),
			TypeModifier:         col.Type.Mod,
			Format:               formatAt(formats, i),
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// formatAt is the format of column i: formats has one code per column, or
// none (all text).
func formatAt(formats []int16, i int) int16 {
	if i < len(formats) {
		return formats[i]
	}
	return formatText
}

// typeLen is pg_type.typlen: the size of fixed-width types, -1 otherwise.
func typeLen(oid types.OID) int16 {
	switch oid {
	case types.BoolOID, types.CharOID:
		return 1
	case types.Int2OID:
		return 2
	case types.Int4OID, types.OIDOID, types.Float4OID, types.DateOID, types.RegTypeOID:
		return 4
	case types.Int8OID, types.Float8OID, types.TimestampOID, types.TimestampTZOID:
		return 8
	case types.NameOID:
		return 64
	case types.VoidOID:
		return 4
	}
	return -1
}

// resultWriter appends DataRows for one result set.
type resultWriter struct {
	c       *conn
	cols    []sql.Column
	formats []int16 // per column; empty means text
}

// row is the emit callback of Portal.Execute.
func (w *resultWriter) row(r types.Row) error {
	c := w.c
	b := c.wbuf
	start := len(b)
	b = append(b, 'D', 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
	for i, d := range r {
		if d.IsNull() {
			b = binary.BigEndian.AppendUint32(b, 0xffffffff)
			continue
		}
		t := types.Text
		if i < len(w.cols) {
			t = w.cols[i].Type
		}
		at := len(b)
		b = append(b, 0, 0, 0, 0)
		if formatAt(w.formats, i) == formatBinary {
			var err error
			if b, err = appendBinary(b, d, t); err != nil {
				c.wbuf = b[:start]
				return err
			}
		} else {
			b = appendText(b, d, t, c.sess.Location())
		}
		binary.BigEndian.PutUint32(b[at:], uint32(len(b)-at-4))
	}
	binary.BigEndian.PutUint32(b[start+1:], uint32(len(b)-start-1))
	c.wbuf = b
	if len(c.wbuf) >= flushAt {
		return c.flush()
	}
	return nil
}

// checkFormats validates Bind's result format codes against the number of
// columns and returns one code per column (nil for all text).
func checkFormats(codes []int16, ncols int) ([]int16, error) {
	for _, f := range codes {
		if f != formatText && f != formatBinary {
			return nil, pgerr.New(pgerr.InvalidParameterValue, "unsupported format code: %d", f)
		}
	}
	switch {
	case len(codes) == 0 || ncols == 0:
		return nil, nil
	case len(codes) == 1:
		out := make([]int16, ncols)
		for i := range out {
			out[i] = codes[0]
		}
		return out, nil
	case len(codes) == ncols:
		return codes, nil
	}
	return nil, pgerr.New(pgerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", len(codes), ncols)
}
