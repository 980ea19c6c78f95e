package types

import (
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
)

type castCase struct {
	from, in, to string
	mods         []int32
	out          string
	code, errMsg string
}

// TestCastPG checks explicit casts against PostgreSQL 15
// (pg_cast_cases_test.go; the input is first read as the source type).
func TestCastPG(t *testing.T) {
	for _, c := range pgCastCases {
		from, ok := TypeByName(c.from)
		if !ok {
			t.Fatalf("no type %s", c.from)
		}
		to, err := ParseTypeName([]string{c.to}, c.mods)
		if err != nil {
			t.Fatalf("type %s: %v", c.to, err)
		}
		name := c.from + " " + c.in + " -> " + to.String()
		d, err := ParseText(from, c.in)
		if err != nil {
			if c.code == "" || pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%s: input error %v", name, err)
			}
			continue
		}
		var r Datum
		if FindCast(from.OID, to.OID) == CastNone {
			err = errCannotCast(from, to)
		} else {
			r, err = Cast(d, from, to, time.UTC, true)
		}
		if c.code != "" {
			if err == nil || pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%s: got %v %v, want error %s %s", name, r, err, c.code, c.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: unexpected error %v", name, err)
			continue
		}
		if got := FormatText(r, to, time.UTC); got != c.out {
			t.Errorf("%s: got %q, want %q", name, got, c.out)
		}
	}
}

func TestFindCast(t *testing.T) {
	for _, c := range []struct {
		from, to OID
		want     CastContext
	}{
		{Int4OID, Int8OID, CastImplicit},
		{Int8OID, Int4OID, CastAssignment},
		{Int4OID, BoolOID, CastExplicit},
		{BoolOID, Int4OID, CastExplicit},
		{Int8OID, BoolOID, CastNone},
		{Int4OID, TextOID, CastAssignment}, // I/O conversion to a string type
		{TextOID, Int4OID, CastExplicit},   // I/O conversion from a string type
		{BoolOID, TextOID, CastAssignment},
		{VarcharOID, TextOID, CastImplicit},
		{TextOID, VarcharOID, CastImplicit},
		{Float8OID, NumericOID, CastAssignment},
		{NumericOID, Float8OID, CastImplicit},
		{Int4OID, NumericOID, CastImplicit},
		{DateOID, TimestampTZOID, CastImplicit},
		{TimestampTZOID, DateOID, CastAssignment},
		{JSONBOID, Int4OID, CastExplicit},
		{JSONOID, JSONBOID, CastAssignment},
		{UnknownOID, DateOID, CastImplicit},
		{NumericOID, NumericOID, CastImplicit},
		{DateOID, Int4OID, CastNone},
		{ByteaOID, TextOID, CastAssignment},
	} {
		if got := FindCast(c.from, c.to); got != c.want {
			t.Errorf("FindCast(%d, %d) = %v, want %v", c.from, c.to, got, c.want)
		}
	}
}
