package types

import (
	"math"
	"strconv"
	"strings"

	"github.com/akidb/akidb/pgerr"
)

var (
	nanF       = math.NaN()
	posInf     = math.Inf(1)
	negInf     = math.Inf(-1)
	maxFloat64 = math.MaxFloat64
)

// intTypeName is the SQL name used in integer input errors.
func intTypeName(oid OID) string {
	switch oid {
	case Int2OID:
		return "smallint"
	case Int8OID:
		return "bigint"
	case OIDOID:
		return "oid"
	}
	return "integer"
}

func checkIntRange(v int64, oid OID) error {
	switch oid {
	case Int2OID:
		if v < math.MinInt16 || v > math.MaxInt16 {
			return errInt2Range
		}
	case Int4OID:
		if v < math.MinInt32 || v > math.MaxInt32 {
			return errInt4Range
		}
	}
	return nil
}

// parseInt parses integer input as PostgreSQL's pg_strtoint16/32/64 do.
func parseInt(s string, oid OID) (int64, error) {
	i, n := 0, len(s)
	for i < n && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < n && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var acc uint64
	overflow := false
	for i < n && s[i] >= '0' && s[i] <= '9' {
		if acc > (math.MaxUint64-9)/10 {
			overflow = true
		} else {
			acc = acc*10 + uint64(s[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, errSyntax(intTypeName(oid), s)
	}
	for i < n && isSpace(s[i]) {
		i++
	}
	if i != n {
		return 0, errSyntax(intTypeName(oid), s)
	}
	var lim uint64
	switch oid {
	case Int2OID:
		lim = 1 << 15
	case Int4OID:
		lim = 1 << 31
	default:
		lim = 1 << 63
	}
	if overflow || (!neg && acc > lim-1) || (neg && acc > lim) {
		return 0, errValueRange(s, intTypeName(oid))
	}
	if neg {
		return -int64(acc), nil
	}
	return int64(acc), nil
}

// parseOID parses oid input (oidin): an unsigned 32-bit number, negative
// values wrap as in PostgreSQL.
func parseOID(s string) (int64, error) {
	t := trimSpace(s)
	if t == "" {
		return 0, errSyntax("oid", s)
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, errValueRange(s, "oid")
		}
		return 0, errSyntax("oid", s)
	}
	if v > math.MaxUint32 || v < math.MinInt32 {
		return 0, errValueRange(s, "oid")
	}
	return int64(uint32(v)), nil
}

// parseFloat parses float4/float8 input as float4in/float8in do.
func parseFloat(s string, bits int) (float64, error) {
	typ := "double precision"
	if bits == 32 {
		typ = "real"
	}
	t := trimSpace(s)
	if t == "" {
		return 0, errSyntax(typ, s)
	}
	switch {
	case equalFoldASCII(t, "nan"), equalFoldASCII(t, "+nan"), equalFoldASCII(t, "-nan"):
		return nanF, nil
	case equalFoldASCII(t, "infinity"), equalFoldASCII(t, "+infinity"), equalFoldASCII(t, "inf"), equalFoldASCII(t, "+inf"):
		return posInf, nil
	case equalFoldASCII(t, "-infinity"), equalFoldASCII(t, "-inf"):
		return negInf, nil
	}
	if strings.IndexByte(t, '_') >= 0 {
		return 0, errSyntax(typ, s)
	}
	body := t
	if body[0] == '+' || body[0] == '-' {
		body = body[1:]
	}
	hex := len(body) > 1 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')
	if hex && !strings.ContainsAny(body, "pP") {
		t += "p0"
	}
	if !hex {
		for i := 0; i < len(body); i++ {
			c := body[i]
			if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
				return 0, errSyntax(typ, s)
			}
		}
	}
	f, err := strconv.ParseFloat(t, bits)
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if ok && ne.Err == strconv.ErrRange {
			return 0, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", s, typ)
		}
		return 0, errSyntax(typ, s)
	}
	if f == 0 && mantissaNonZero(body, hex) {
		return 0, pgerr.New(pgerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", s, typ)
	}
	return f, nil
}

func mantissaNonZero(body string, hex bool) bool {
	if hex {
		body = body[2:]
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		if !hex && (c == 'e' || c == 'E') || hex && (c == 'p' || c == 'P') {
			break
		}
		if c >= '1' && c <= '9' || hex && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return true
		}
	}
	return false
}

// AppendFloat appends float8out's (bits 64) or float4out's (bits 32) text:
// the shortest exact representation, in exponent form outside 1e-4..1e15
// (1e6 for real), and NaN/Infinity/-Infinity.
func AppendFloat(buf []byte, f float64, bits int) []byte {
	switch {
	case f != f:
		return append(buf, "NaN"...)
	case math.IsInf(f, 1):
		return append(buf, "Infinity"...)
	case math.IsInf(f, -1):
		return append(buf, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(buf, "-0"...)
		}
		return append(buf, '0')
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits)
	// e is [-]d[.ddd]e±XX
	k := len(e) - 1
	for e[k] != 'e' {
		k--
	}
	exp := 0
	for _, c := range e[k+2:] {
		exp = exp*10 + int(c-'0')
	}
	if e[k+1] == '-' {
		exp = -exp
	}
	limit := 15
	if bits == 32 {
		limit = 6
	}
	if exp < -4 || exp >= limit {
		return append(buf, e...)
	}
	m := e[:k]
	if m[0] == '-' {
		buf = append(buf, '-')
		m = m[1:]
	}
	var dg [20]byte
	digits := append(dg[:0], m[0])
	if len(m) > 2 {
		digits = append(digits, m[2:]...)
	}
	if exp < 0 {
		buf = append(buf, '0', '.')
		for i := 0; i < -exp-1; i++ {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	if len(digits) <= exp+1 {
		buf = append(buf, digits...)
		for i := len(digits); i < exp+1; i++ {
			buf = append(buf, '0')
		}
		return buf
	}
	buf = append(buf, digits[:exp+1]...)
	buf = append(buf, '.')
	return append(buf, digits[exp+1:]...)
}

// parseBool parses boolean input as boolin does.
func parseBool(s string) (bool, error) {
	t := trimSpace(s)
	if len(t) > 0 {
		lt := strings.ToLower(t)
		switch lt[0] {
		case 't':
			if strings.HasPrefix("true", lt) {
				return true, nil
			}
		case 'f':
			if strings.HasPrefix("false", lt) {
				return false, nil
			}
		case 'y':
			if strings.HasPrefix("yes", lt) {
				return true, nil
			}
		case 'n':
			if strings.HasPrefix("no", lt) {
				return false, nil
			}
		case 'o':
			if len(lt) >= 2 {
				if strings.HasPrefix("on", lt) {
					return true, nil
				}
				if strings.HasPrefix("off", lt) {
					return false, nil
				}
			}
		case '1':
			if lt == "1" {
				return true, nil
			}
		case '0':
			if lt == "0" {
				return false, nil
			}
		}
	}
	return false, errSyntax("boolean", s)
}
