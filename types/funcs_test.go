package types

import (
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
)

type funcCase struct {
	name         string
	types, vals  []string
	resType, out string
	code, errMsg string
}

// TestFunctionsPG checks built-in functions against PostgreSQL 15
// (pg_func_cases_test.go).
func TestFunctionsPG(t *testing.T) {
	for _, c := range pgFuncCases {
		if c.code == pgerr.SyntaxError {
			continue // e.g. position(a, b) is only reachable through POSITION(a IN b)
		}
		var oids []OID
		var args []Datum
		for i, tn := range c.types {
			typ, _ := TypeByName(tn)
			d, err := ParseText(typ, c.vals[i])
			if err != nil {
				t.Fatalf("%s %v: %v", c.name, c.vals, err)
			}
			oids = append(oids, typ.OID)
			args = append(args, d)
		}
		f := LookupFunc(c.name, oids...)
		if f == nil {
			t.Errorf("%s%v: no function", c.name, c.types)
			continue
		}
		r, err := f.Fn(args)
		name := c.name + "(" + joinStrings(c.vals) + ")"
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
		rt := T{OID: f.Result, Mod: -1}
		if rt.String() != c.resType {
			t.Errorf("%s: result type %s, want %s", name, rt, c.resType)
		}
		got := ""
		if !r.IsNull() {
			got = FormatText(r, rt, time.UTC)
		}
		if got != c.out {
			t.Errorf("%s: got %q, want %q", name, got, c.out)
		}
	}
}

func joinStrings(s []string) string {
	r := ""
	for i, x := range s {
		if i > 0 {
			r += ", "
		}
		r += x
	}
	return r
}

func TestConcat(t *testing.T) {
	f := Functions("concat")[0]
	// PostgreSQL 15: select concat('a', NULL, 1, true, 1.5::float4) => a1t1.5
	// (the binder casts each argument to text first).
	args := []Datum{NewString("a"), Null, NewString("1"), NewString("t"), NewString("1.5")}
	r, err := f.Fn(args)
	if err != nil || r.S != "a1t1.5" {
		t.Fatalf("concat = %v %v", r, err)
	}
	f = Functions("concat_ws")[0]
	r, _ = f.Fn([]Datum{NewString(","), NewString("a"), Null, NewString("b")})
	if r.S != "a,b" {
		t.Fatalf("concat_ws = %v", r)
	}
}
