package types

// Op is one native row of pg_operator. Left is 0 for a prefix operator.
// Fn receives non-NULL arguments (operators are strict); for a prefix
// operator the operand is b. Fn may return NULL (jsonb -> on a missing key).
type Op struct {
	Name                string
	Left, Right, Result OID
	Fn                  func(a, b Datum) (Datum, error)
}

var operators = map[string][]*Op{}

func addOp(name string, left, right, result OID, fn func(a, b Datum) (Datum, error)) {
	operators[name] = append(operators[name], &Op{Name: name, Left: left, Right: right, Result: result, Fn: fn})
}

// Operators returns the operators named name (all argument types), in no
// particular order. The slice must not be modified.
func Operators(name string) []*Op {
	return operators[name]
}

// LookupOp returns the operator with exactly these argument types, or nil.
func LookupOp(name string, left, right OID) *Op {
	for _, o := range operators[name] {
		if o.Left == left && o.Right == right {
			return o
		}
	}
	return nil
}

// addCmpOps registers = <> < <= > >= for a pair of types given a three-way
// comparison.
func addCmpOps(left, right OID, cmp func(a, b Datum) int) {
	addOp("=", left, right, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) == 0), nil })
	addOp("<>", left, right, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) != 0), nil })
	addOp("<", left, right, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) < 0), nil })
	addOp("<=", left, right, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) <= 0), nil })
	addOp(">", left, right, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) > 0), nil })
	addOp(">=", left, right, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) >= 0), nil })
}

func init() {
	registerNumericOps()
	registerCmpOps()
	registerStringOps()
	registerDatetimeOps()
	registerJSONOps()
	registerFuncs()
	registerVectorOps()
	registerSparseOps()
	registerUUIDOps()
	registerArrayOps()
}

func registerCmpOps() {
	ints := []OID{Int2OID, Int4OID, Int8OID}
	for _, l := range ints {
		for _, r := range ints {
			addCmpOps(l, r, Compare)
		}
	}
	addCmpOps(Float4OID, Float4OID, Compare)
	addCmpOps(Float8OID, Float8OID, Compare)
	addCmpOps(Float4OID, Float8OID, Compare)
	addCmpOps(Float8OID, Float4OID, Compare)
	addCmpOps(NumericOID, NumericOID, Compare)
	addCmpOps(OIDOID, OIDOID, func(a, b Datum) int { return cmpInt(int64(uint32(a.I)), int64(uint32(b.I))) })
	addCmpOps(BoolOID, BoolOID, Compare)
	addCmpOps(TextOID, TextOID, Compare)
	addCmpOps(NameOID, NameOID, Compare)
	addCmpOps(NameOID, TextOID, Compare)
	addCmpOps(TextOID, NameOID, Compare)
	addCmpOps(BPCharOID, BPCharOID, func(a, b Datum) int { return CompareT(BPChar, a, b) })
	addCmpOps(ByteaOID, ByteaOID, Compare)
	addCmpOps(DateOID, DateOID, Compare)
	addCmpOps(TimestampOID, TimestampOID, Compare)
	addCmpOps(TimestampTZOID, TimestampTZOID, Compare)
	addCmpOps(JSONBOID, JSONBOID, Compare)
}
