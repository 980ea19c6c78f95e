package types

import (
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
)

type textCase struct {
	names  []string
	mods   []int32
	in     string
	out    string // expected output when code is ""
	code   string
	errMsg string
}

// TestTextPG checks input and output functions against PostgreSQL 15
// results (pg_text_cases_test.go).
func TestTextPG(t *testing.T) {
	for _, c := range pgTextCases {
		typ, err := ParseTypeName(c.names, c.mods)
		if err != nil {
			t.Errorf("%v%v: %v", c.names, c.mods, err)
			continue
		}
		var d Datum
		if typ.CharLength() >= 0 {
			// The PostgreSQL query was an explicit cast, which truncates.
			d, err = Cast(NewString(c.in), Unknown, typ, time.UTC, true)
		} else {
			d, err = ParseTextLoc(typ, c.in, time.UTC)
		}
		if c.code != "" {
			if err == nil {
				t.Errorf("%s %q: got %q, want error %s %s", typ, c.in, FormatText(d, typ, time.UTC), c.code, c.errMsg)
			} else if pgerr.Code(err) != c.code || err.Error() != c.errMsg {
				t.Errorf("%s %q: got error %s %q, want %s %q", typ, c.in, pgerr.Code(err), err.Error(), c.code, c.errMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: unexpected error %v, want %q", typ, c.in, err, c.out)
			continue
		}
		got := FormatText(d, typ, time.UTC)
		if got != c.out {
			t.Errorf("%s %q: got %q, want %q", typ, c.in, got, c.out)
			continue
		}
		// The output must read back as the same value.
		d2, err := ParseTextLoc(typ, got, time.UTC)
		if err != nil {
			t.Errorf("%s %q: output %q does not read back: %v", typ, c.in, got, err)
		} else if CompareT(typ, d, d2) != 0 {
			t.Errorf("%s %q: output %q reads back as a different value", typ, c.in, got)
		}
	}
}

// TestCharTypmodInput checks varchar(n)/char(n) input and assignment, which
// raise 22001 where an explicit cast truncates (PostgreSQL 15: INSERT into
// a varchar(3) column).
func TestCharTypmodInput(t *testing.T) {
	vc3 := T{VarcharOID, 7}
	c3 := T{BPCharOID, 7}
	for _, c := range []struct {
		t       T
		in, out string
		msg     string
	}{
		{vc3, "abcd", "", "value too long for type character varying(3)"},
		{vc3, "abc   ", "abc", ""},
		{vc3, "ab", "ab", ""},
		{vc3, "é€xy", "", "value too long for type character varying(3)"},
		{c3, "abcd", "", "value too long for type character(3)"},
		{c3, "a", "a  ", ""},
		{c3, "abc  ", "abc", ""},
	} {
		d, err := ParseText(c.t, c.in)
		if c.msg != "" {
			if err == nil || err.Error() != c.msg || pgerr.Code(err) != pgerr.StringDataRightTruncation {
				t.Errorf("%s %q: got %v, want %s", c.t, c.in, err, c.msg)
			}
			d2, err := Cast(NewString(c.in), Text, c.t, nil, false)
			if err == nil || err.Error() != c.msg {
				t.Errorf("assignment cast %s %q: got %v %v, want %s", c.t, c.in, d2, err, c.msg)
			}
			continue
		}
		if err != nil || d.S != c.out {
			t.Errorf("%s %q: got %q %v, want %q", c.t, c.in, d.S, err, c.out)
		}
	}
}
