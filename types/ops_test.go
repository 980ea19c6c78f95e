package types

import (
	"testing"
	"time"

	"github.com/akidb/akidb/pgerr"
)

type opCase struct {
	op             string
	t1, v1, t2, v2 string
	resType, out   string
	code, errMsg   string
}

// TestOperatorsPG checks operator results, result types and errors against
// PostgreSQL 15 (pg_op_cases_test.go).
func TestOperatorsPG(t *testing.T) {
	for _, c := range pgOpCases {
		var left OID
		var a Datum
		name := c.op + " " + c.t1 + " " + c.v1 + " " + c.t2 + " " + c.v2
		if c.t1 != "" {
			lt, _ := TypeByName(c.t1)
			left = lt.OID
			var err error
			if a, err = ParseText(lt, c.v1); err != nil {
				t.Errorf("%s: left input: %v", name, err)
				continue
			}
		}
		rt, _ := TypeByName(c.t2)
		b, err := ParseText(rt, c.v2)
		if err != nil {
			t.Errorf("%s: right input: %v", name, err)
			continue
		}
		op := LookupOp(c.op, left, rt.OID)
		if op == nil {
			t.Errorf("%s: no operator", name)
			continue
		}
		r, err := op.Fn(a, b)
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
		resT := T{OID: op.Result, Mod: -1}
		if resT.String() != c.resType {
			t.Errorf("%s: result type %s, want %s", name, resT, c.resType)
		}
		got := ""
		if !r.IsNull() {
			got = FormatText(r, resT, time.UTC)
		}
		if got != c.out {
			t.Errorf("%s: got %q, want %q", name, got, c.out)
		}
	}
}
