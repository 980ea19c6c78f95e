package types

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/apd/v3"
)

// JSON values. jsonb Datums hold PostgreSQL's normalized output text; the
// operators parse it back into a jv tree.

// jsonb value types in PostgreSQL's sort order (jbvNull < jbvString <
// jbvNumeric < jbvBool < arrays < objects).
const (
	jNull byte = iota
	jString
	jNumber
	jBool
	jArray
	jObject
)

type jv struct {
	kind byte
	b    bool
	str  string       // string value
	num  *apd.Decimal // number value
	arr  []*jv        // array elements
	keys []string     // object keys, sorted by (length, bytes), unique
	vals []*jv
}

var errJSONSyntax = pgerr.New(pgerr.InvalidTextRepresentation, "invalid input syntax for type json")

type jsonParser struct {
	s     string
	i     int
	depth int
	build bool // build the tree (jsonb) or only validate (json)
}

func (p *jsonParser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) fail(detail string, args ...any) error {
	return errJSONSyntax.WithDetail(detail, args...)
}

// token returns the invalid token at i for error details.
func (p *jsonParser) token() string {
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == ']' || c == '}' || c == ':' {
			break
		}
		j++
	}
	if j == p.i {
		_, n := utf8.DecodeRuneInString(p.s[p.i:])
		j = p.i + n
	}
	return p.s[p.i:j]
}

func (p *jsonParser) value() (*jv, error) {
	p.ws()
	if p.i >= len(p.s) {
		return nil, p.fail("The input string ended unexpectedly.")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jv{kind: jString, str: s}, nil
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if strings.HasPrefix(p.s[p.i:], lit) {
				end := p.i + len(lit)
				if end == len(p.s) || !isJSONWordChar(p.s[end]) {
					p.i = end
					switch lit {
					case "true":
						return &jv{kind: jBool, b: true}, nil
					case "false":
						return &jv{kind: jBool}, nil
					}
					return &jv{kind: jNull}, nil
				}
			}
		}
		return nil, p.fail("Token \"%s\" is invalid.", p.token())
	}
}

func isJSONWordChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

func (p *jsonParser) number() (*jv, error) {
	start := p.i
	s := p.s
	i := p.i
	if s[i] == '-' {
		i++
	}
	bad := func() (*jv, error) {
		p.i = start
		return nil, p.fail("Token \"%s\" is invalid.", p.token())
	}
	if i >= len(s) || !isDigit(s[i]) {
		return bad()
	}
	if s[i] == '0' {
		i++
	} else {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return bad()
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return bad()
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && isJSONWordChar(s[i]) {
		return bad()
	}
	p.i = i
	if !p.build {
		return &jv{kind: jNumber}, nil
	}
	n, err := ParseNumeric(s[start:i])
	if err != nil {
		return nil, err
	}
	return &jv{kind: jNumber, num: n}, nil
}

func (p *jsonParser) str() (string, error) {
	p.i++ // opening quote
	var b strings.Builder
	s := p.s
	start := p.i
	for {
		if p.i >= len(s) {
			return "", p.fail("Token \"%s\" is invalid.", s[start-1:])
		}
		c := s[p.i]
		switch {
		case c == '"':
			if b.Len() == 0 && p.i >= start {
				r := s[start:p.i]
				p.i++
				return r, nil
			}
			p.i++
			return b.String(), nil
		case c < 0x20:
			return "", p.fail("Character with value 0x%02x must be escaped.", c)
		case c == '\\':
			if b.Len() == 0 {
				b.WriteString(s[start:p.i])
				start = len(s) + 1 // builder now authoritative
			}
			p.i++
			if p.i >= len(s) {
				return "", p.fail("The input string ended unexpectedly.")
			}
			e := s[p.i]
			p.i++
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r >= 0xD800 && r <= 0xDBFF {
					if p.i+1 < len(s) && s[p.i] == '\\' && s[p.i+1] == 'u' {
						p.i += 2
						r2, err := p.hex4()
						if err != nil {
							return "", err
						}
						if r2 < 0xDC00 || r2 > 0xDFFF {
							return "", p.fail("Unicode high surrogate must not follow a high surrogate.")
						}
						r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
					} else {
						return "", p.fail("Unicode low surrogate must follow a high surrogate.")
					}
				} else if r >= 0xDC00 && r <= 0xDFFF {
					return "", p.fail("Unicode low surrogate must follow a high surrogate.")
				}
				if r == 0 && p.build {
					return "", pgerr.New(pgerr.UntranslatableCharacter, "unsupported Unicode escape sequence").
						WithDetail("\\u0000 cannot be converted to text.")
				}
				b.WriteRune(rune(r))
			default:
				return "", p.fail("Escape sequence \"\\%c\" is invalid.", e)
			}
		default:
			if start > len(s) {
				b.WriteByte(c)
			}
			p.i++
		}
		if start > len(s) {
			continue
		}
	}
}

func (p *jsonParser) hex4() (int, error) {
	if p.i+4 > len(p.s) {
		return 0, p.fail("\"\\u\" must be followed by four hexadecimal digits.")
	}
	v := 0
	for k := 0; k < 4; k++ {
		h, ok := unhex(p.s[p.i+k])
		if !ok {
			return 0, p.fail("\"\\u\" must be followed by four hexadecimal digits.")
		}
		v = v<<4 | int(h)
	}
	p.i += 4
	return v, nil
}

func (p *jsonParser) expectAfterValue(close byte) (more bool, err error) {
	p.ws()
	if p.i >= len(p.s) {
		return false, p.fail("The input string ended unexpectedly.")
	}
	switch p.s[p.i] {
	case ',':
		p.i++
		return true, nil
	case close:
		p.i++
		return false, nil
	}
	return false, p.fail("Expected \",\" or \"%c\", but found \"%s\".", close, p.token())
}

func (p *jsonParser) array() (*jv, error) {
	p.i++
	p.depth++
	if p.depth > 6400 {
		return nil, pgerr.New(pgerr.StatementTooComplex, "stack depth limit exceeded")
	}
	v := &jv{kind: jArray}
	p.ws()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		p.depth--
		return v, nil
	}
	for {
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		if p.build {
			v.arr = append(v.arr, e)
		}
		more, err := p.expectAfterValue(']')
		if err != nil {
			return nil, err
		}
		if !more {
			p.depth--
			return v, nil
		}
	}
}

func (p *jsonParser) object() (*jv, error) {
	p.i++
	p.depth++
	if p.depth > 6400 {
		return nil, pgerr.New(pgerr.StatementTooComplex, "stack depth limit exceeded")
	}
	p.ws()
	var keys []string
	var vals []*jv
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		p.depth--
		return &jv{kind: jObject}, nil
	}
	for {
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("The input string ended unexpectedly.")
		}
		if p.s[p.i] != '"' {
			return nil, p.fail("Expected string, but found \"%s\".", p.token())
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.i >= len(p.s) {
			return nil, p.fail("The input string ended unexpectedly.")
		}
		if p.s[p.i] != ':' {
			return nil, p.fail("Expected \":\", but found \"%s\".", p.token())
		}
		p.i++
		e, err := p.value()
		if err != nil {
			return nil, err
		}
		if p.build {
			keys = append(keys, k)
			vals = append(vals, e)
		}
		more, err := p.expectAfterValue('}')
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	p.depth--
	return newObject(keys, vals), nil
}

func jsonKeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

// newObject sorts keys as jsonb stores them; for duplicates the last wins.
func newObject(keys []string, vals []*jv) *jv {
	idx := make([]int, len(keys))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool { return jsonKeyLess(keys[idx[x]], keys[idx[y]]) })
	o := &jv{kind: jObject}
	for n, i := range idx {
		if n+1 < len(idx) && keys[idx[n+1]] == keys[i] {
			continue // a later duplicate follows (stable sort keeps input order)
		}
		o.keys = append(o.keys, keys[i])
		o.vals = append(o.vals, vals[i])
	}
	return o
}

func parseJSON(s string, build bool) (*jv, error) {
	p := &jsonParser{s: s, build: build}
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.i < len(p.s) {
		return nil, p.fail("Expected end of input, but found \"%s\".", p.token())
	}
	return v, nil
}

// NormalizeJSONB parses JSON text and returns jsonb's output form: object
// keys sorted by length then bytes, the last of duplicate keys kept,
// numbers as numeric prints them, and PostgreSQL's spacing.
func NormalizeJSONB(s string) (string, error) {
	v, err := parseJSON(s, true)
	if err != nil {
		return "", err
	}
	return string(appendJSON(nil, v)), nil
}

// ValidateJSON checks JSON text for the json type (stored verbatim).
func ValidateJSON(s string) error {
	_, err := parseJSON(s, false)
	return err
}

func mustParseJSONB(s string) *jv {
	v, err := parseJSON(s, true)
	if err != nil {
		// Datums hold normalized, valid text; fall back to a string.
		return &jv{kind: jString, str: s}
	}
	return v
}

func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			buf = append(buf, '\\', '"')
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\b':
			buf = append(buf, '\\', 'b')
		case '\f':
			buf = append(buf, '\\', 'f')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		case '\t':
			buf = append(buf, '\\', 't')
		default:
			if c < 0x20 {
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			} else {
				buf = append(buf, c)
			}
		}
	}
	return append(buf, '"')
}

func appendJSON(buf []byte, v *jv) []byte {
	switch v.kind {
	case jNull:
		return append(buf, "null"...)
	case jBool:
		if v.b {
			return append(buf, "true"...)
		}
		return append(buf, "false"...)
	case jNumber:
		return AppendNumeric(buf, v.num)
	case jString:
		return appendJSONString(buf, v.str)
	case jArray:
		buf = append(buf, '[')
		for i, e := range v.arr {
			if i > 0 {
				buf = append(buf, ", "...)
			}
			buf = appendJSON(buf, e)
		}
		return append(buf, ']')
	}
	buf = append(buf, '{')
	for i, k := range v.keys {
		if i > 0 {
			buf = append(buf, ", "...)
		}
		buf = appendJSONString(buf, k)
		buf = append(buf, ": "...)
		buf = appendJSON(buf, v.vals[i])
	}
	return append(buf, '}')
}

func jsonbDatum(v *jv) Datum { return NewJSON(string(appendJSON(nil, v))) }

// CompareJSONB orders two jsonb values (normalized text) as PostgreSQL's
// jsonb btree operators do.
func CompareJSONB(a, b string) int {
	if a == b {
		return 0
	}
	return compareJV(mustParseJSONB(a), mustParseJSONB(b), true)
}

func compareJV(a, b *jv, top bool) int {
	// At the top level a scalar is a one-element "raw scalar" array: it
	// sorts before a real array of the same length.
	if top {
		aRaw, bRaw := a.kind < jArray, b.kind < jArray
		if aRaw != bRaw && (a.kind == jArray || b.kind == jArray) {
			na, nb := 1, 1
			if !aRaw {
				na = len(a.arr)
			}
			if !bRaw {
				nb = len(b.arr)
			}
			if na != nb {
				return cmpInt(int64(na), int64(nb))
			}
			if aRaw {
				return -1
			}
			return 1
		}
	}
	if a.kind != b.kind {
		return cmpInt(int64(a.kind), int64(b.kind))
	}
	switch a.kind {
	case jNull:
		return 0
	case jBool:
		switch {
		case a.b == b.b:
			return 0
		case b.b:
			return -1
		}
		return 1
	case jNumber:
		return CompareNumeric(a.num, b.num)
	case jString:
		return strings.Compare(a.str, b.str)
	case jArray:
		if len(a.arr) != len(b.arr) {
			return cmpInt(int64(len(a.arr)), int64(len(b.arr)))
		}
		for i := range a.arr {
			if c := compareJV(a.arr[i], b.arr[i], false); c != 0 {
				return c
			}
		}
		return 0
	}
	if len(a.keys) != len(b.keys) {
		return cmpInt(int64(len(a.keys)), int64(len(b.keys)))
	}
	for i := range a.keys {
		if c := strings.Compare(a.keys[i], b.keys[i]); c != 0 {
			return c
		}
		if c := compareJV(a.vals[i], b.vals[i], false); c != 0 {
			return c
		}
	}
	return 0
}

func jsonKindName(v *jv) string {
	switch v.kind {
	case jNull:
		return "null"
	case jString:
		return "string"
	case jNumber:
		return "numeric"
	case jBool:
		return "boolean"
	case jArray:
		return "array"
	}
	return "object"
}

func castFromJSONB(s string, to T) (Datum, error) {
	v := mustParseJSONB(s)
	bad := func() (Datum, error) {
		return Null, pgerr.New(pgerr.InvalidParameterValue, "cannot cast jsonb %s to type %s", jsonKindName(v), to.String())
	}
	switch to.OID {
	case BoolOID:
		if v.kind != jBool {
			return bad()
		}
		return NewBool(v.b), nil
	case NumericOID, Int2OID, Int4OID, Int8OID, Float4OID, Float8OID:
		if v.kind != jNumber {
			return bad()
		}
		return castValue(NewNumeric(v.num), Numeric, T{OID: to.OID, Mod: -1}, nil)
	}
	return Null, errCannotCast(JSONB, to)
}

func (v *jv) field(k string) *jv {
	if v.kind != jObject {
		return nil
	}
	i := sort.Search(len(v.keys), func(i int) bool { return !jsonKeyLess(v.keys[i], k) })
	if i < len(v.keys) && v.keys[i] == k {
		return v.vals[i]
	}
	return nil
}

func (v *jv) index(i int64) *jv {
	if v.kind != jArray {
		return nil
	}
	if i < 0 {
		i += int64(len(v.arr))
	}
	if i < 0 || i >= int64(len(v.arr)) {
		return nil
	}
	return v.arr[i]
}

// jsonText is ->>'s text of a value: strings unquoted, null as SQL NULL.
func jsonText(v *jv) Datum {
	switch v.kind {
	case jNull:
		return Null
	case jString:
		return NewString(v.str)
	}
	return NewString(string(appendJSON(nil, v)))
}

// JSONBField returns j -> key (NULL when absent or j is not an object).
func JSONBField(j Datum, key string) Datum {
	if r := mustParseJSONB(j.S).field(key); r != nil {
		return jsonbDatum(r)
	}
	return Null
}

// JSONBFieldText returns j ->> key.
func JSONBFieldText(j Datum, key string) Datum {
	if r := mustParseJSONB(j.S).field(key); r != nil {
		return jsonText(r)
	}
	return Null
}

// JSONBIndex returns j -> i (negative i counts from the end).
func JSONBIndex(j Datum, i int64) Datum {
	if r := mustParseJSONB(j.S).index(i); r != nil {
		return jsonbDatum(r)
	}
	return Null
}

// JSONBIndexText returns j ->> i.
func JSONBIndexText(j Datum, i int64) Datum {
	if r := mustParseJSONB(j.S).index(i); r != nil {
		return jsonText(r)
	}
	return Null
}

// jsonbContains is PostgreSQL's JsonbDeepContains.
func jsonbContains(a, b *jv, top bool) bool {
	if top {
		aRaw, bRaw := a.kind < jArray, b.kind < jArray
		if aRaw && bRaw {
			return compareJV(a, b, false) == 0
		}
		if aRaw && !bRaw {
			return false
		}
		if !aRaw && bRaw {
			if a.kind != jArray {
				return false
			}
			b = &jv{kind: jArray, arr: []*jv{b}}
		}
	}
	if a.kind != b.kind {
		return false
	}
	switch a.kind {
	case jObject:
		for i, k := range b.keys {
			av := a.field(k)
			if av == nil {
				return false
			}
			bv := b.vals[i]
			if av.kind != bv.kind {
				return false
			}
			if bv.kind < jArray {
				if compareJV(av, bv, false) != 0 {
					return false
				}
			} else if !jsonbContains(av, bv, false) {
				return false
			}
		}
		return true
	case jArray:
		for _, be := range b.arr {
			found := false
			for _, ae := range a.arr {
				if be.kind < jArray {
					if ae.kind == be.kind && compareJV(ae, be, false) == 0 {
						found = true
						break
					}
				} else if ae.kind == be.kind && jsonbContains(ae, be, false) {
					found = true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	}
	return compareJV(a, b, false) == 0
}

func jsonbExists(v *jv, key string) bool {
	switch v.kind {
	case jObject:
		return v.field(key) != nil
	case jArray:
		for _, e := range v.arr {
			if e.kind == jString && e.str == key {
				return true
			}
		}
		return false
	case jString:
		return v.str == key
	}
	return false
}

func jsonbConcat(a, b *jv) *jv {
	if a.kind == jObject && b.kind == jObject {
		keys := append(append([]string{}, a.keys...), b.keys...)
		vals := append(append([]*jv{}, a.vals...), b.vals...)
		return newObject(keys, vals)
	}
	elems := func(v *jv) []*jv {
		if v.kind == jArray {
			return v.arr
		}
		return []*jv{v}
	}
	return &jv{kind: jArray, arr: append(append([]*jv{}, elems(a)...), elems(b)...)}
}

func registerJSONOps() {
	addOp("->", JSONBOID, TextOID, JSONBOID, func(a, b Datum) (Datum, error) { return JSONBField(a, b.S), nil })
	addOp("->>", JSONBOID, TextOID, TextOID, func(a, b Datum) (Datum, error) { return JSONBFieldText(a, b.S), nil })
	addOp("->", JSONBOID, Int4OID, JSONBOID, func(a, b Datum) (Datum, error) { return JSONBIndex(a, b.I), nil })
	addOp("->>", JSONBOID, Int4OID, TextOID, func(a, b Datum) (Datum, error) { return JSONBIndexText(a, b.I), nil })
	addOp("@>", JSONBOID, JSONBOID, BoolOID, func(a, b Datum) (Datum, error) {
		return NewBool(jsonbContains(mustParseJSONB(a.S), mustParseJSONB(b.S), true)), nil
	})
	addOp("<@", JSONBOID, JSONBOID, BoolOID, func(a, b Datum) (Datum, error) {
		return NewBool(jsonbContains(mustParseJSONB(b.S), mustParseJSONB(a.S), true)), nil
	})
	addOp("?", JSONBOID, TextOID, BoolOID, func(a, b Datum) (Datum, error) {
		return NewBool(jsonbExists(mustParseJSONB(a.S), b.S)), nil
	})
	// ?| and ?&: any or all of the text array's (non-NULL) elements are keys.
	existsArr := func(all bool) func(a, b Datum) (Datum, error) {
		return func(a, b Datum) (Datum, error) {
			v := mustParseJSONB(a.S)
			for _, el := range b.Array().Elems {
				if el.IsNull() {
					continue
				}
				if jsonbExists(v, el.S) != all {
					return NewBool(!all), nil
				}
			}
			return NewBool(all), nil
		}
	}
	addOp("?|", JSONBOID, TextArrayOID, BoolOID, existsArr(false))
	addOp("?&", JSONBOID, TextArrayOID, BoolOID, existsArr(true))
	addOp("||", JSONBOID, JSONBOID, JSONBOID, func(a, b Datum) (Datum, error) {
		return jsonbDatum(jsonbConcat(mustParseJSONB(a.S), mustParseJSONB(b.S))), nil
	})
	addOp("-", JSONBOID, TextOID, JSONBOID, func(a, b Datum) (Datum, error) {
		v := mustParseJSONB(a.S)
		switch v.kind {
		case jObject:
			var keys []string
			var vals []*jv
			for i, k := range v.keys {
				if k != b.S {
					keys = append(keys, k)
					vals = append(vals, v.vals[i])
				}
			}
			return jsonbDatum(&jv{kind: jObject, keys: keys, vals: vals}), nil
		case jArray:
			r := &jv{kind: jArray, arr: []*jv{}}
			for _, e := range v.arr {
				if !(e.kind == jString && e.str == b.S) {
					r.arr = append(r.arr, e)
				}
			}
			return jsonbDatum(r), nil
		}
		return Null, pgerr.New(pgerr.InvalidParameterValue, "cannot delete from scalar")
	})
	addOp("-", JSONBOID, Int4OID, JSONBOID, func(a, b Datum) (Datum, error) {
		v := mustParseJSONB(a.S)
		switch v.kind {
		case jArray:
			i := b.I
			if i < 0 {
				i += int64(len(v.arr))
			}
			if i < 0 || i >= int64(len(v.arr)) {
				return a, nil
			}
			r := &jv{kind: jArray, arr: append(append([]*jv{}, v.arr[:i]...), v.arr[i+1:]...)}
			return jsonbDatum(r), nil
		case jObject:
			return Null, pgerr.New(pgerr.InvalidParameterValue, "cannot delete from object using integer index")
		}
		return Null, pgerr.New(pgerr.InvalidParameterValue, "cannot delete from scalar")
	})
}
