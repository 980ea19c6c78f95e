package types

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/akidb/akidb/pgerr"
)

// arrayTypes pairs element types with their array types (pg_type.typarray).
var arrayTypes = []struct{ elem, arr OID }{
	{BoolOID, BoolArrayOID}, {ByteaOID, ByteaArrayOID}, {CharOID, CharArrayOID}, {NameOID, NameArrayOID},
	{Int2OID, Int2ArrayOID}, {Int4OID, Int4ArrayOID}, {TextOID, TextArrayOID}, {BPCharOID, BPCharArrayOID},
	{VarcharOID, VarcharArrayOID}, {Int8OID, Int8ArrayOID}, {Float4OID, Float4ArrayOID},
	{Float8OID, Float8ArrayOID}, {OIDOID, OIDArrayOID}, {TimestampOID, TimestampArrayOID},
	{DateOID, DateArrayOID}, {TimestampTZOID, TimestampTZArrayOID}, {NumericOID, NumericArrayOID},
	{JSONBOID, JSONBArrayOID}, {JSONOID, JSONArrayOID}, {RegTypeOID, RegTypeArrayOID},
	{UUIDOID, UUIDArrayOID}, {VectorOID, VectorArrayOID}, {HalfvecOID, HalfvecArrayOID},
	{SparsevecOID, SparsevecArrayOID},
}

var (
	arrayOfElem = map[OID]OID{}
	elemOfArray = map[OID]OID{}
)

func init() {
	for _, p := range arrayTypes {
		arrayOfElem[p.elem] = p.arr
		elemOfArray[p.arr] = p.elem
	}
}

// ArrayOf returns the array type whose elements are of type elem.
func ArrayOf(elem OID) (OID, bool) {
	a, ok := arrayOfElem[elem]
	return a, ok
}

// ElemOf returns the element type of the array type arr.
func ElemOf(arr OID) (OID, bool) {
	e, ok := elemOfArray[arr]
	return e, ok
}

// IsArray reports whether oid is an array type.
func IsArray(oid OID) bool {
	_, ok := elemOfArray[oid]
	return ok
}

// maxArrayDims is PostgreSQL's MAXDIM.
const maxArrayDims = 6

// NDims returns the number of dimensions (0 for an empty array).
func (a *Array) NDims() int {
	if a.Dims != nil {
		return len(a.Dims)
	}
	if len(a.Elems) == 0 {
		return 0
	}
	return 1
}

// DimLens returns the length of every dimension.
func (a *Array) DimLens() []int32 {
	if a.Dims != nil {
		return a.Dims
	}
	if len(a.Elems) == 0 {
		return nil
	}
	return []int32{int32(len(a.Elems))}
}

// LowerBound returns the lower bound of dimension i (0-based).
func (a *Array) LowerBound(i int) int32 {
	if a.Lower != nil && i < len(a.Lower) {
		return a.Lower[i]
	}
	return 1
}

// HasNull reports whether an element is NULL.
func (a *Array) HasNull() bool {
	for _, e := range a.Elems {
		if e.K == KNull {
			return true
		}
	}
	return false
}

// normalize drops the redundant one-dimension Dims and all-1 Lower.
func (a *Array) normalize() *Array {
	if len(a.Elems) == 0 {
		a.Dims, a.Lower = nil, nil
		return a
	}
	allOne := true
	for _, l := range a.Lower {
		if l != 1 {
			allOne = false
		}
	}
	if allOne {
		a.Lower = nil
	}
	if len(a.Dims) == 1 && a.Lower == nil {
		a.Dims = nil
	}
	return a
}

// --- text input ---

func errMalformedArray(s, detail string) error {
	e := pgerr.New(pgerr.InvalidTextRepresentation, "malformed array literal: \"%s\"", s)
	if detail != "" {
		e = e.WithDetail("%s", detail)
	}
	return e
}

func arrayIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// parseArray reads PostgreSQL's array text format for an array of elem
// (with the element typmod elemMod), as array_in does.
func parseArray(s string, elem OID, elemMod int32, loc *time.Location) (Datum, error) {
	p := 0
	for p < len(s) && arrayIsSpace(s[p]) {
		p++
	}
	var explicitDims, explicitLower []int32
	if p < len(s) && s[p] == '[' {
		// Dimension decoration: [lo:hi][lo:hi]...=
		for p < len(s) && s[p] == '[' {
			p++
			q := p
			for q < len(s) && s[q] != ']' {
				q++
			}
			if q >= len(s) {
				return Null, errMalformedArray(s, "Missing \"]\" after array dimensions.")
			}
			part := s[p:q]
			lo, hi := int64(1), int64(0)
			var err error
			if i := strings.IndexByte(part, ':'); i >= 0 {
				if lo, err = strconv.ParseInt(strings.TrimSpace(part[:i]), 10, 32); err != nil {
					return Null, errMalformedArray(s, "\"[\" must introduce explicitly-specified array dimensions.")
				}
				part = part[i+1:]
			}
			if hi, err = strconv.ParseInt(strings.TrimSpace(part), 10, 32); err != nil {
				return Null, errMalformedArray(s, "Missing array dimension value.")
			}
			if hi < lo {
				return Null, pgerr.New(pgerr.ArraySubscriptError, "upper bound cannot be less than lower bound")
			}
			explicitDims = append(explicitDims, int32(hi-lo+1))
			explicitLower = append(explicitLower, int32(lo))
			if len(explicitDims) > maxArrayDims {
				return Null, pgerr.New(pgerr.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", len(explicitDims), maxArrayDims)
			}
			p = q + 1
			for p < len(s) && arrayIsSpace(s[p]) {
				p++
			}
		}
		if p >= len(s) || s[p] != '=' {
			return Null, errMalformedArray(s, "Missing \"=\" after array dimensions.")
		}
		p++
		for p < len(s) && arrayIsSpace(s[p]) {
			p++
		}
	}
	if p >= len(s) || s[p] != '{' {
		return Null, errMalformedArray(s, "Array value must start with \"{\" or dimension information.")
	}
	ap := &arrayParser{s: s, pos: p}
	if err := ap.parse(); err != nil {
		return Null, err
	}
	for ap.pos < len(s) && arrayIsSpace(s[ap.pos]) {
		ap.pos++
	}
	if ap.pos != len(s) {
		return Null, errMalformedArray(s, "Junk after closing right brace.")
	}
	arr := &Array{Elem: elem}
	if len(ap.items) > 0 {
		arr.Elems = make([]Datum, len(ap.items))
		et := T{OID: elem, Mod: elemMod}
		for i, it := range ap.items {
			if it.null {
				continue
			}
			d, err := ParseTextLoc(et, it.text, loc)
			if err != nil {
				return Null, err
			}
			arr.Elems[i] = d
		}
		arr.Dims = ap.dims
	}
	if explicitDims != nil {
		if len(explicitDims) != len(ap.dims) {
			return Null, errMalformedArray(s, "Specified array dimensions do not match array contents.")
		}
		for i := range ap.dims {
			if ap.dims[i] != explicitDims[i] {
				return Null, errMalformedArray(s, "Specified array dimensions do not match array contents.")
			}
		}
		arr.Lower = explicitLower
	}
	return NewArray(arr.normalize()), nil
}

type arrayItem struct {
	text string
	null bool
}

type arrayParser struct {
	s         string
	pos       int
	items     []arrayItem
	dims      []int32 // length of each dimension, set by the first sub-array seen at each depth
	leafDepth int     // depth of the elements, once one is seen
}

func (ap *arrayParser) skipSpace() {
	for ap.pos < len(ap.s) && arrayIsSpace(ap.s[ap.pos]) {
		ap.pos++
	}
}

// parse reads the outermost {...} at ap.pos.
func (ap *arrayParser) parse() error {
	ap.pos++ // '{'
	ap.skipSpace()
	if ap.pos < len(ap.s) && ap.s[ap.pos] == '}' {
		ap.pos++
		return nil // {}
	}
	return ap.level(1)
}

// level reads the elements of a {...} at depth (its '{' consumed) up to and
// including its '}'.
func (ap *arrayParser) level(depth int) error {
	s := ap.s
	if depth > maxArrayDims {
		return pgerr.New(pgerr.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", depth, maxArrayDims)
	}
	var n int32
	for {
		ap.skipSpace()
		if ap.pos >= len(s) {
			return errMalformedArray(s, "Unexpected end of input.")
		}
		switch c := s[ap.pos]; c {
		case '{':
			if ap.leafDepth != 0 && depth >= ap.leafDepth {
				return errMalformedArray(s, "Unexpected \"{\" character.")
			}
			ap.pos++
			if err := ap.level(depth + 1); err != nil {
				return err
			}
		case '}':
			return errMalformedArray(s, "Unexpected \"}\" character.")
		case ',':
			return errMalformedArray(s, "Unexpected \",\" character.")
		default:
			if ap.leafDepth == 0 {
				ap.leafDepth = depth
			} else if ap.leafDepth != depth {
				return errMalformedArray(s, "Unexpected array element.")
			}
			it, err := ap.scalar()
			if err != nil {
				return err
			}
			ap.items = append(ap.items, it)
		}
		n++
		ap.skipSpace()
		if ap.pos >= len(s) {
			return errMalformedArray(s, "Unexpected end of input.")
		}
		switch s[ap.pos] {
		case ',':
			ap.pos++
			continue
		case '}':
			ap.pos++
		default:
			return errMalformedArray(s, "Unexpected array element.")
		}
		break
	}
	for len(ap.dims) < depth {
		ap.dims = append(ap.dims, -1)
	}
	if ap.dims[depth-1] == -1 {
		ap.dims[depth-1] = n
	} else if ap.dims[depth-1] != n {
		return errMalformedArray(s, "Multidimensional arrays must have sub-arrays with matching dimensions.")
	}
	return nil
}

// scalar reads one element: quoted or not, with backslash escapes. An
// unquoted NULL (any case) is the null element.
func (ap *arrayParser) scalar() (arrayItem, error) {
	s := ap.s
	var b strings.Builder
	quoted := false
	inQuotes := false
	hasEscape := false
	lastNonSpace := 0 // length of b up to the last character that was not trailing unquoted space
	for {
		if ap.pos >= len(s) {
			return arrayItem{}, errMalformedArray(s, "Unexpected end of input.")
		}
		c := s[ap.pos]
		if inQuotes {
			switch c {
			case '\\':
				ap.pos++
				if ap.pos >= len(s) {
					return arrayItem{}, errMalformedArray(s, "Unexpected end of input.")
				}
				b.WriteByte(s[ap.pos])
			case '"':
				inQuotes = false
			default:
				b.WriteByte(c)
			}
			ap.pos++
			lastNonSpace = b.Len()
			continue
		}
		switch {
		case c == '"':
			if quoted || b.Len() > 0 {
				return arrayItem{}, errMalformedArray(s, "Unexpected array element.")
			}
			quoted, inQuotes = true, true
			ap.pos++
		case c == '\\':
			if quoted {
				return arrayItem{}, errMalformedArray(s, "Unexpected array element.")
			}
			ap.pos++
			if ap.pos >= len(s) {
				return arrayItem{}, errMalformedArray(s, "Unexpected end of input.")
			}
			b.WriteByte(s[ap.pos])
			hasEscape = true
			ap.pos++
			lastNonSpace = b.Len()
		case c == ',' || c == '}':
			text := b.String()[:lastNonSpace]
			if !quoted && !hasEscape && len(text) == 4 && strings.EqualFold(text, "NULL") {
				return arrayItem{null: true}, nil
			}
			return arrayItem{text: text}, nil
		case c == '{':
			return arrayItem{}, errMalformedArray(s, "Unexpected \"{\" character.")
		case arrayIsSpace(c):
			if !quoted {
				b.WriteByte(c)
			}
			ap.pos++
		default:
			if quoted {
				return arrayItem{}, errMalformedArray(s, "Unexpected array element.")
			}
			b.WriteByte(c)
			ap.pos++
			lastNonSpace = b.Len()
		}
	}
}

// --- text output ---

// appendArrayText appends array_out's text of a.
func appendArrayText(buf []byte, a *Array, elemMod int32, loc *time.Location) []byte {
	nd := a.NDims()
	if nd == 0 {
		return append(buf, "{}"...)
	}
	dims := a.DimLens()
	if a.Lower != nil {
		for i := 0; i < nd; i++ {
			lo := a.LowerBound(i)
			buf = append(buf, '[')
			buf = strconv.AppendInt(buf, int64(lo), 10)
			buf = append(buf, ':')
			buf = strconv.AppendInt(buf, int64(lo)+int64(dims[i])-1, 10)
			buf = append(buf, ']')
		}
		buf = append(buf, '=')
	}
	et := T{OID: a.Elem, Mod: elemMod}
	idx := 0
	var rec func(level int)
	rec = func(level int) {
		buf = append(buf, '{')
		for i := int32(0); i < dims[level]; i++ {
			if i > 0 {
				buf = append(buf, ',')
			}
			if level+1 < nd {
				rec(level + 1)
				continue
			}
			buf = appendArrayElem(buf, a.Elems[idx], et, loc)
			idx++
		}
		buf = append(buf, '}')
	}
	rec(0)
	return buf
}

func appendArrayElem(buf []byte, d Datum, et T, loc *time.Location) []byte {
	if d.K == KNull {
		return append(buf, "NULL"...)
	}
	start := len(buf)
	buf = AppendText(buf, d, et, loc)
	v := buf[start:]
	needQuote := len(v) == 0 || (len(v) == 4 && strings.EqualFold(string(v), "NULL"))
	for _, c := range v {
		if c == '"' || c == '\\' || c == '{' || c == '}' || c == ',' || arrayIsSpace(c) {
			needQuote = true
			break
		}
	}
	if !needQuote {
		return buf
	}
	tmp := append([]byte(nil), v...)
	buf = append(buf[:start], '"')
	for _, c := range tmp {
		if c == '"' || c == '\\' {
			buf = append(buf, '\\')
		}
		buf = append(buf, c)
	}
	return append(buf, '"')
}

// --- binary ---

func decodeArrayBinary(t T, b []byte) (Datum, error) {
	elem, _ := ElemOf(t.OID)
	if len(b) < 12 {
		return Null, errBinaryFormat
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	flags := int32(binary.BigEndian.Uint32(b[4:]))
	eoid := binary.BigEndian.Uint32(b[8:])
	b = b[12:]
	if ndim < 0 {
		return Null, errBinary("invalid number of dimensions: %d", ndim)
	}
	if ndim > maxArrayDims {
		return Null, pgerr.New(pgerr.ProgramLimitExceeded, "number of array dimensions (%d) exceeds the maximum allowed (%d)", ndim, maxArrayDims)
	}
	if flags != 0 && flags != 1 {
		return Null, errBinary("invalid array flags")
	}
	if eoid != elem {
		return Null, pgerr.New(pgerr.DatatypeMismatch, "binary data has array element type %d (%s) instead of expected %d (%s)",
			eoid, TypName(eoid), elem, TypName(elem))
	}
	if len(b) < int(ndim)*8 {
		return Null, errBinaryFormat
	}
	arr := &Array{Elem: elem}
	n := int64(1)
	dims := make([]int32, ndim)
	lower := make([]int32, ndim)
	for i := range dims {
		dims[i] = int32(binary.BigEndian.Uint32(b))
		lower[i] = int32(binary.BigEndian.Uint32(b[4:]))
		b = b[8:]
		if dims[i] < 0 {
			return Null, errBinaryFormat
		}
		n *= int64(dims[i])
		if n > 1<<27 {
			return Null, pgerr.New(pgerr.ProgramLimitExceeded, "array size exceeds the maximum allowed (%d)", 134217727)
		}
	}
	if ndim == 0 || n == 0 {
		if len(b) != 0 {
			return Null, errBinaryFormat
		}
		return NewArray(arr), nil
	}
	et := T{OID: elem, Mod: t.Mod}
	arr.Elems = make([]Datum, n)
	for i := range arr.Elems {
		if len(b) < 4 {
			return Null, errBinaryFormat
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if l == -1 {
			continue
		}
		if l < 0 || int(l) > len(b) {
			return Null, errBinary("insufficient data left in message")
		}
		d, err := DecodeBinary(et, b[:l])
		if err != nil {
			return Null, err
		}
		arr.Elems[i] = d
		b = b[l:]
	}
	if len(b) != 0 {
		return Null, errBinaryFormat
	}
	arr.Dims, arr.Lower = dims, lower
	return NewArray(arr.normalize()), nil
}

func appendArrayBinary(buf []byte, a *Array, elemMod int32) ([]byte, error) {
	nd := a.NDims()
	buf = binary.BigEndian.AppendUint32(buf, uint32(nd))
	flags := uint32(0)
	if a.HasNull() {
		flags = 1
	}
	buf = binary.BigEndian.AppendUint32(buf, flags)
	buf = binary.BigEndian.AppendUint32(buf, a.Elem)
	for i, d := range a.DimLens() {
		buf = binary.BigEndian.AppendUint32(buf, uint32(d))
		buf = binary.BigEndian.AppendUint32(buf, uint32(a.LowerBound(i)))
	}
	et := T{OID: a.Elem, Mod: elemMod}
	for _, e := range a.Elems {
		if e.K == KNull {
			buf = binary.BigEndian.AppendUint32(buf, 0xFFFFFFFF)
			continue
		}
		at := len(buf)
		buf = append(buf, 0, 0, 0, 0)
		var err error
		if buf, err = AppendBinary(buf, e, et); err != nil {
			return buf, err
		}
		binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
	}
	return buf, nil
}

// --- comparison ---

// CompareArrays orders arrays as PostgreSQL's btree array_cmp does:
// element by element (NULL after every value, NULLs equal), then the
// shorter array first, then by number of dimensions, dimension lengths and
// lower bounds.
func CompareArrays(a, b *Array) int {
	et := T{OID: a.Elem, Mod: -1}
	n := min(len(a.Elems), len(b.Elems))
	for i := 0; i < n; i++ {
		x, y := a.Elems[i], b.Elems[i]
		xn, yn := x.K == KNull, y.K == KNull
		switch {
		case xn && yn:
			continue
		case xn:
			return 1
		case yn:
			return -1
		}
		if c := CompareT(et, x, y); c != 0 {
			return c
		}
	}
	if c := cmpInt(int64(len(a.Elems)), int64(len(b.Elems))); c != 0 {
		return c
	}
	if c := cmpInt(int64(a.NDims()), int64(b.NDims())); c != 0 {
		return c
	}
	ad, bd := a.DimLens(), b.DimLens()
	for i := range ad {
		if c := cmpInt(int64(ad[i]), int64(bd[i])); c != 0 {
			return c
		}
		if c := cmpInt(int64(a.LowerBound(i)), int64(b.LowerBound(i))); c != 0 {
			return c
		}
	}
	return 0
}

// arrayEqual is array_eq: false when the shapes differ; an element pair
// with a NULL is unequal (unlike array_cmp).
func arrayEqual(a, b *Array) bool {
	if a.NDims() != b.NDims() || len(a.Elems) != len(b.Elems) {
		return false
	}
	ad, bd := a.DimLens(), b.DimLens()
	for i := range ad {
		if ad[i] != bd[i] || a.LowerBound(i) != b.LowerBound(i) {
			return false
		}
	}
	et := T{OID: a.Elem, Mod: -1}
	for i := range a.Elems {
		x, y := a.Elems[i], b.Elems[i]
		if x.K == KNull || y.K == KNull {
			if x.K == KNull && y.K == KNull {
				continue // array_eq treats NULLs as equal
			}
			return false
		}
		if CompareT(et, x, y) != 0 {
			return false
		}
	}
	return true
}

// arrayContains is array_contain_compare: every non-NULL element of b has
// an equal element in a; a NULL in b matches nothing.
func arrayContains(a, b *Array) bool {
	et := T{OID: a.Elem, Mod: -1}
	for _, y := range b.Elems {
		if y.K == KNull {
			return false
		}
		found := false
		for _, x := range a.Elems {
			if x.K != KNull && CompareT(et, x, y) == 0 {
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

func arrayOverlaps(a, b *Array) bool {
	et := T{OID: a.Elem, Mod: -1}
	for _, y := range b.Elems {
		if y.K == KNull {
			continue
		}
		for _, x := range a.Elems {
			if x.K != KNull && CompareT(et, x, y) == 0 {
				return true
			}
		}
	}
	return false
}

// --- operators and functions ---

// ArrayConcat is array || array for one-dimensional arrays (an empty side
// gives the other).
func ArrayConcat(a, b *Array) (*Array, error) {
	if len(a.Elems) == 0 {
		return b, nil
	}
	if len(b.Elems) == 0 {
		return a, nil
	}
	if a.NDims() != 1 || b.NDims() != 1 {
		return nil, pgerr.New(pgerr.FeatureNotSupported, "concatenation of multidimensional arrays is not supported")
	}
	out := &Array{Elem: a.Elem, Elems: make([]Datum, 0, len(a.Elems)+len(b.Elems))}
	out.Elems = append(append(out.Elems, a.Elems...), b.Elems...)
	if lo := a.LowerBound(0); lo != 1 {
		out.Lower = []int32{lo}
		out.Dims = []int32{int32(len(out.Elems))}
	}
	return out, nil
}

func arrayAppend(a *Array, e Datum) (*Array, error) {
	if a.NDims() > 1 {
		return nil, pgerr.New(pgerr.DataException, "argument must be empty or one-dimensional array")
	}
	out := &Array{Elem: a.Elem, Elems: make([]Datum, 0, len(a.Elems)+1)}
	out.Elems = append(append(out.Elems, a.Elems...), e)
	if lo := a.LowerBound(0); a.Lower != nil && lo != 1 {
		out.Lower = []int32{lo}
		out.Dims = []int32{int32(len(out.Elems))}
	}
	return out, nil
}

func arrayPrepend(e Datum, a *Array) (*Array, error) {
	if a.NDims() > 1 {
		return nil, pgerr.New(pgerr.DataException, "argument must be empty or one-dimensional array")
	}
	out := &Array{Elem: a.Elem, Elems: make([]Datum, 0, len(a.Elems)+1)}
	out.Elems = append(append(out.Elems, e), a.Elems...)
	if lo := a.LowerBound(0); a.Lower != nil && lo != 1 {
		out.Lower = []int32{lo}
		out.Dims = []int32{int32(len(out.Elems))}
	}
	return out, nil
}

// ArrayToString is array_to_string(a, delim, nullText); hasNull false
// skips NULL elements.
func ArrayToString(a *Array, delim, nullText string, hasNull bool) string {
	var b []byte
	first := true
	et := T{OID: a.Elem, Mod: -1}
	for _, e := range a.Elems {
		if e.K == KNull && !hasNull {
			continue
		}
		if !first {
			b = append(b, delim...)
		}
		first = false
		if e.K == KNull {
			b = append(b, nullText...)
			continue
		}
		b = AppendText(b, e, et, nil)
	}
	return string(b)
}

func registerArrayOps() {
	for _, p := range arrayTypes {
		arr, el := p.arr, p.elem
		addOp("=", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(arrayEqual(a.Array(), b.Array())), nil })
		addOp("<>", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(!arrayEqual(a.Array(), b.Array())), nil })
		cmp := func(a, b Datum) int { return CompareArrays(a.Array(), b.Array()) }
		addOp("<", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) < 0), nil })
		addOp("<=", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) <= 0), nil })
		addOp(">", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) > 0), nil })
		addOp(">=", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(cmp(a, b) >= 0), nil })
		addOp("@>", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(arrayContains(a.Array(), b.Array())), nil })
		addOp("<@", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(arrayContains(b.Array(), a.Array())), nil })
		addOp("&&", arr, arr, BoolOID, func(a, b Datum) (Datum, error) { return NewBool(arrayOverlaps(a.Array(), b.Array())), nil })
		addOp("||", arr, arr, arr, func(a, b Datum) (Datum, error) {
			r, err := ArrayConcat(a.Array(), b.Array())
			if err != nil {
				return Null, err
			}
			return NewArray(r), nil
		})
		addOp("||", arr, el, arr, func(a, b Datum) (Datum, error) {
			r, err := arrayAppend(a.Array(), b)
			if err != nil {
				return Null, err
			}
			return NewArray(r), nil
		})
		addOp("||", el, arr, arr, func(a, b Datum) (Datum, error) {
			r, err := arrayPrepend(a, b.Array())
			if err != nil {
				return Null, err
			}
			return NewArray(r), nil
		})

		addFunc("array_length", []OID{arr, Int4OID}, Int4OID, func(a []Datum) (Datum, error) {
			x := a[0].Array()
			d := a[1].I
			if d < 1 || d > int64(x.NDims()) {
				return Null, nil
			}
			return NewInt(int64(x.DimLens()[d-1])), nil
		})
		addFunc("array_lower", []OID{arr, Int4OID}, Int4OID, func(a []Datum) (Datum, error) {
			x := a[0].Array()
			d := a[1].I
			if d < 1 || d > int64(x.NDims()) {
				return Null, nil
			}
			return NewInt(int64(x.LowerBound(int(d - 1)))), nil
		})
		addFunc("array_upper", []OID{arr, Int4OID}, Int4OID, func(a []Datum) (Datum, error) {
			x := a[0].Array()
			d := a[1].I
			if d < 1 || d > int64(x.NDims()) {
				return Null, nil
			}
			return NewInt(int64(x.LowerBound(int(d-1))) + int64(x.DimLens()[d-1]) - 1), nil
		})
		addFunc("array_ndims", []OID{arr}, Int4OID, func(a []Datum) (Datum, error) {
			x := a[0].Array()
			if x.NDims() == 0 {
				return Null, nil
			}
			return NewInt(int64(x.NDims())), nil
		})
		addFunc("cardinality", []OID{arr}, Int4OID, func(a []Datum) (Datum, error) {
			return NewInt(int64(len(a[0].Array().Elems))), nil
		})
		addFunc("array_to_string", []OID{arr, TextOID}, TextOID, func(a []Datum) (Datum, error) {
			return NewString(ArrayToString(a[0].Array(), a[1].S, "", false)), nil
		})
		f := addFunc("array_to_string", []OID{arr, TextOID, TextOID}, TextOID, func(a []Datum) (Datum, error) {
			if a[0].K == KNull || a[1].K == KNull {
				return Null, nil
			}
			return NewString(ArrayToString(a[0].Array(), a[1].S, a[2].S, a[2].K != KNull)), nil
		})
		f.Strict = false
		addFunc("array_append", []OID{arr, el}, arr, func(a []Datum) (Datum, error) {
			x := &Array{Elem: el}
			if a[0].K != KNull {
				x = a[0].Array()
			}
			r, err := arrayAppend(x, a[1])
			if err != nil {
				return Null, err
			}
			return NewArray(r), nil
		}).Strict = false
		addFunc("array_prepend", []OID{el, arr}, arr, func(a []Datum) (Datum, error) {
			x := &Array{Elem: el}
			if a[1].K != KNull {
				x = a[1].Array()
			}
			r, err := arrayPrepend(a[0], x)
			if err != nil {
				return Null, err
			}
			return NewArray(r), nil
		}).Strict = false
	}
}
