package types

import (
	"bytes"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestBinaryAgainstPgtype checks that AppendBinary produces the bytes
// pgx's pgtype codecs produce for the same value, and that DecodeBinary
// reads them back.
func TestBinaryAgainstPgtype(t *testing.T) {
	m := pgtype.NewMap()
	num := func(s string) any {
		var n pgtype.Numeric
		if err := n.Scan(s); err != nil {
			t.Fatalf("pgtype numeric %s: %v", s, err)
		}
		return n
	}
	ts := func(s string) time.Time {
		v, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cases := []struct {
		t    T
		text string
		go_  any
	}{
		{Bool, "t", true},
		{Bool, "f", false},
		{Int2, "-32768", int16(-32768)},
		{Int2, "12", int16(12)},
		{Int4, "-2147483648", int32(math.MinInt32)},
		{Int4, "123456", int32(123456)},
		{Int8, "9223372036854775807", int64(math.MaxInt64)},
		{Int8, "-1", int64(-1)},
		{OIDType, "4294967295", uint32(4294967295)},
		{Float4, "1.5", float32(1.5)},
		{Float4, "-Infinity", float32(math.Inf(-1))},
		{Float8, "0.1", 0.1},
		{Float8, "-1e+300", -1e300},
		{Numeric, "0", num("0")}, // pgtype sends weight -1 here; PostgreSQL sends 0 (see below)
		{Numeric, "1.50", num("1.50")},
		{Numeric, "-123456789.000123", num("-123456789.000123")},
		{Numeric, "100000000", num("100000000")},
		{Numeric, "0.00001", num("0.00001")},
		{Numeric, "12345678901234567890123456789", num("12345678901234567890123456789")},
		{Numeric, "NaN", num("NaN")},
		{Numeric, "Infinity", num("Infinity")},
		{Numeric, "-Infinity", num("-Infinity")},
		{Numeric, "0.0000", num("0.0000")},
		{Text, "héllo", "héllo"},
		{Varchar, "", ""},
		{Bytea, `\x00ff10`, []byte{0, 0xff, 0x10}},
		{Date, "2024-01-02", pgtype.Date{Time: time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), Valid: true}},
		{Date, "1999-12-31", pgtype.Date{Time: time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), Valid: true}},
		{Date, "infinity", pgtype.Date{InfinityModifier: pgtype.Infinity, Valid: true}},
		{Date, "-infinity", pgtype.Date{InfinityModifier: pgtype.NegativeInfinity, Valid: true}},
		{Timestamp, "2024-01-02 03:04:05.123456", pgtype.Timestamp{Time: ts("2024-01-02 03:04:05.123456"), Valid: true}},
		{Timestamp, "1970-01-01 00:00:00", pgtype.Timestamp{Time: ts("1970-01-01 00:00:00"), Valid: true}},
		{Timestamp, "infinity", pgtype.Timestamp{InfinityModifier: pgtype.Infinity, Valid: true}},
		{TimestampTZ, "2024-01-02 03:04:05.5+00", pgtype.Timestamptz{Time: ts("2024-01-02 03:04:05.5"), Valid: true}},
		{TimestampTZ, "-infinity", pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}},
		{JSONB, `{"a": 1, "b": [true, null]}`, json.RawMessage(`{"a": 1, "b": [true, null]}`)},
	}
	for _, c := range cases {
		d, err := ParseText(c.t, c.text)
		if err != nil {
			t.Errorf("%s %q: %v", c.t, c.text, err)
			continue
		}
		got, err := AppendBinary(nil, d, c.t)
		if err != nil {
			t.Errorf("%s %q: AppendBinary: %v", c.t, c.text, err)
			continue
		}
		want, err := m.Encode(c.t.OID, pgtype.BinaryFormatCode, c.go_, nil)
		if err != nil {
			t.Errorf("%s %q: pgtype encode: %v", c.t, c.text, err)
			continue
		}
		if pg, ok := pgNumericSend[c.text]; ok && c.t.OID == NumericOID {
			// PostgreSQL strips leading zero digits; pgtype does not.
			if !bytes.Equal(got, pg) {
				t.Errorf("numeric %q: binary %x, PostgreSQL %x", c.text, got, pg)
			}
		} else if !bytes.Equal(got, want) {
			t.Errorf("%s %q: binary %x, pgtype %x", c.t, c.text, got, want)
		}
		back, err := DecodeBinary(c.t, want)
		if err != nil {
			t.Errorf("%s %q: DecodeBinary: %v", c.t, c.text, err)
			continue
		}
		if Compare(back, d) != 0 || FormatText(back, c.t, time.UTC) != FormatText(d, c.t, time.UTC) {
			t.Errorf("%s %q: decoded as %q", c.t, c.text, FormatText(back, c.t, time.UTC))
		}
	}
}

// pgNumericSend holds numeric_send() results from PostgreSQL 15.
var pgNumericSend = map[string][]byte{
	"0":       {0, 0, 0, 0, 0, 0, 0, 0},
	"0.00001": {0, 1, 0xff, 0xfe, 0, 0, 0, 5, 0x03, 0xe8},
	"0.0000":  {0, 0, 0, 0, 0, 0, 0, 4},
	"1.50":    {0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88},
}

func TestDecodeBinaryErrors(t *testing.T) {
	for _, c := range []struct {
		t T
		b []byte
	}{
		{Int4, []byte{1, 2, 3}},
		{Int8, []byte{1}},
		{Float8, nil},
		{Bool, []byte{}},
		{Numeric, []byte{0, 1, 0, 0, 0, 0, 0}},
		{Numeric, []byte{0, 1, 0, 0, 0x12, 0x34, 0, 0, 0, 1}},
		{Numeric, []byte{0, 1, 0, 0, 0, 0, 0, 0, 0x27, 0x10}},
		{Date, []byte{0, 0}},
		{JSONB, []byte{2, '1'}},
	} {
		if _, err := DecodeBinary(c.t, c.b); pgerr.Code(err) != pgerr.InvalidBinaryRepresentation {
			t.Errorf("%s %x: got %v, want 22P03", c.t, c.b, err)
		}
	}
}
