package types

import (
	"github.com/akidb/akidb/pgerr"
)

// errSyntax is PostgreSQL's 22P02 "invalid input syntax for type X".
func errSyntax(typ, s string) error {
	return pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, s)
}

// errValueRange is the 22003 error integer input functions raise.
func errValueRange(s, typ string) error {
	return pgerr.New(pgerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, typ)
}

var (
	errInt2Range  = pgerr.New(pgerr.NumericValueOutOfRange, "smallint out of range")
	errInt4Range  = pgerr.New(pgerr.NumericValueOutOfRange, "integer out of range")
	errInt8Range  = pgerr.New(pgerr.NumericValueOutOfRange, "bigint out of range")
	errOIDRange   = pgerr.New(pgerr.NumericValueOutOfRange, "OID out of range")
	errDivZero    = pgerr.New(pgerr.DivisionByZero, "division by zero")
	errFloatOver  = pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: overflow")
	errFloatUnder = pgerr.New(pgerr.NumericValueOutOfRange, "value out of range: underflow")
)

// intRangeErr returns the "<type> out of range" error for an integer type.
func intRangeErr(oid OID) error {
	switch oid {
	case Int2OID:
		return errInt2Range
	case Int8OID:
		return errInt8Range
	case OIDOID:
		return errOIDRange
	}
	return errInt4Range
}
