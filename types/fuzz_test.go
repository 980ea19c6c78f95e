package types

import (
	"testing"
	"time"
)

var fuzzTypes = []T{Int2, Int4, Int8, Float4, Float8, Numeric, {NumericOID, NumericTypmod(6, 2)}, Bool, Text,
	{VarcharOID, 7}, {BPCharOID, 8}, Bytea, Date, Timestamp, TimestampTZ, JSONB, OIDType,
	Vector, {VectorOID, 3}, Halfvec, Sparsevec, UUID, {Int4ArrayOID, -1}, {TextArrayOID, -1}, {Float8ArrayOID, -1},
	{UUIDArrayOID, -1}, {VectorArrayOID, -1}}

// FuzzParseText checks that whatever ParseText accepts prints as text that
// reads back as the same value and prints identically again.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"0", "-1", " 12 ", "1.5e10", "NaN", "-Infinity", "1e-320", "123.4500", "true", "off",
		`\x00ff`, `a\\b`, "2024-01-02", "2024-01-02 03:04:05.5+05:30", "infinity", `{"b": [1, 2.50], "a": null}`,
		"Jan 2 2024", "0001-01-01 BC", "abc  ", "[1,2,3]", " [ 1.5e-3 , -2 ,0x1p3 ] ", "[1e-45,3.4e38]", "{1:1.5,3:2}/5",
		"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", `{1,NULL,"a b","c\"d"}`, "[0:1]={{1,2},{3,4}}", `{"[1,2]",NULL}`} {
		for i := range fuzzTypes {
			f.Add(uint8(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, ti uint8, s string) {
		typ := fuzzTypes[int(ti)%len(fuzzTypes)]
		loc := time.UTC
		d, err := ParseTextLoc(typ, s, loc)
		if err != nil {
			return
		}
		out := FormatText(d, typ, loc)
		d2, err := ParseTextLoc(typ, out, loc)
		if err != nil {
			t.Fatalf("%s %q -> %q does not read back: %v", typ, s, out, err)
		}
		if CompareT(typ, d, d2) != 0 {
			t.Fatalf("%s %q -> %q reads back as a different value", typ, s, out)
		}
		if out2 := FormatText(d2, typ, loc); out2 != out {
			t.Fatalf("%s %q -> %q -> %q", typ, s, out, out2)
		}
		b, err := AppendBinary(nil, d, typ)
		if err != nil {
			t.Fatalf("%s %q: AppendBinary: %v", typ, s, err)
		}
		d3, err := DecodeBinary(typ, b)
		if err != nil || CompareT(typ, d, d3) != 0 {
			t.Fatalf("%s %q: binary round trip: %v", typ, s, err)
		}
	})
}
