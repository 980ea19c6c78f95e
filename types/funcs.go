package types

import (
	"crypto/md5"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/apd/v3"
)

// Func is one native row of pg_proc. Strict functions return NULL for any
// NULL argument without calling Fn. A Variadic function's last Args entry
// is the type of every extra argument. An AnyOID parameter takes a value of
// any type; the binder casts such arguments to text (explicit cast) before
// the call, so Fn sees text (other Kinds are formatted with defaults).
type Func struct {
	Name     string
	Args     []OID
	Variadic bool
	Result   OID
	Fn       func(args []Datum) (Datum, error)
	Strict   bool
	// Volatile functions (gen_random_uuid) give a new value at every call:
	// never evaluate them once for several rows.
	Volatile bool
}

var functions = map[string][]*Func{}

func addFunc(name string, args []OID, result OID, fn func(args []Datum) (Datum, error)) *Func {
	f := &Func{Name: name, Args: args, Result: result, Fn: fn, Strict: true}
	functions[name] = append(functions[name], f)
	return f
}

// Functions returns the built-in functions named name (all overloads).
func Functions(name string) []*Func { return functions[name] }

// LookupFunc returns the overload with exactly these argument types, or nil.
func LookupFunc(name string, args ...OID) *Func {
	for _, f := range functions[name] {
		if len(f.Args) == len(args) && !f.Variadic {
			ok := true
			for i := range args {
				if f.Args[i] != args[i] {
					ok = false
				}
			}
			if ok {
				return f
			}
		}
	}
	return nil
}

var (
	errNegSubstr = pgerr.New("22011", "negative substring length not allowed")
	errTooLong   = pgerr.New(pgerr.ProgramLimitExceeded, "requested length too large")
)

// substrChars is text_substring: characters start..start+length-1 (1-based),
// clipped to the string; length < 0 means to the end.
func substrChars(s string, start, length int64, hasLen bool, bytewise bool) (string, error) {
	if hasLen && length < 0 {
		return "", errNegSubstr
	}
	s1 := max(start, 1)
	var e int64
	if hasLen {
		e = start + length
		if length > 0 && e < start { // overflow
			e = math.MaxInt64
		}
		if e <= s1 {
			return "", nil
		}
	} else {
		e = math.MaxInt64
	}
	if bytewise {
		n := int64(len(s))
		if s1 > n {
			return "", nil
		}
		return s[s1-1 : min(e-1, n)], nil
	}
	i, c := 0, int64(1)
	for c < s1 && i < len(s) {
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
		c++
	}
	if i >= len(s) {
		return "", nil
	}
	j := i
	for c < e && j < len(s) {
		_, w := utf8.DecodeRuneInString(s[j:])
		j += w
		c++
	}
	return s[i:j], nil
}

func charLen(s string) int64 { return int64(utf8.RuneCountInString(s)) }

func trimSet(s, set string, left, right bool) string {
	if left {
		s = strings.TrimLeft(s, set)
	}
	if right {
		s = strings.TrimRight(s, set)
	}
	return s
}

func textArg(d Datum) string {
	switch d.K {
	case KString, KJSON:
		return d.S
	case KFloat:
		return string(AppendFloat(nil, d.F, 64))
	case KTimestamp:
		return FormatText(d, Timestamp, nil)
	case KDate:
		return FormatText(d, Date, nil)
	case KInt:
		return strconv.FormatInt(d.I, 10)
	case KBool:
		return FormatText(d, Bool, nil)
	case KNumeric:
		return FormatText(d, Numeric, nil)
	case KBytes:
		return FormatText(d, Bytea, nil)
	}
	return ""
}

func strF(fn func(s string) string) func([]Datum) (Datum, error) {
	return func(a []Datum) (Datum, error) { return NewString(fn(a[0].S)), nil }
}

func numF(fn func(*apd.Decimal) (*apd.Decimal, error)) func([]Datum) (Datum, error) {
	return func(a []Datum) (Datum, error) {
		r, err := fn(a[0].Numeric())
		if err != nil {
			return Null, err
		}
		return NewNumeric(r), nil
	}
}

func floatF(fn func(float64) (float64, error)) func([]Datum) (Datum, error) {
	return func(a []Datum) (Datum, error) {
		r, err := fn(a[0].F)
		if err != nil {
			return Null, err
		}
		return NewFloat(r), nil
	}
}

func opFunc(name string, l, r OID) func([]Datum) (Datum, error) {
	op := LookupOp(name, l, r)
	return func(a []Datum) (Datum, error) {
		if l == 0 {
			return op.Fn(Null, a[0])
		}
		return op.Fn(a[0], a[1])
	}
}

// NumericFloor is floor() for numeric (scale 0).
func NumericFloor(a *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite {
		return a, nil
	}
	t := truncNumeric(a, 0)
	if a.Negative && t.Cmp(a) != 0 {
		return NumericSub(t, apd.New(1, 0))
	}
	return t, nil
}

// NumericCeil is ceil() for numeric (scale 0).
func NumericCeil(a *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite {
		return a, nil
	}
	t := truncNumeric(a, 0)
	if !a.Negative && t.Cmp(a) != 0 {
		return NumericAdd(t, apd.New(1, 0))
	}
	return t, nil
}

func numericScaleArg(s int64) int {
	return int(max(min(s, 2000), -2000))
}

func registerFuncs() {
	T, I4, I8, I2 := TextOID, Int4OID, Int8OID, Int2OID
	F8, F4, N, BP, BY := Float8OID, Float4OID, NumericOID, BPCharOID, ByteaOID
	lenF := func(a []Datum) (Datum, error) { return NewInt(charLen(a[0].S)), nil }
	for _, name := range []string{"length", "char_length", "character_length"} {
		addFunc(name, []OID{T}, I4, lenF)
		addFunc(name, []OID{BP}, I4, func(a []Datum) (Datum, error) { return NewInt(charLen(BPCharTrim(a[0].S))), nil })
	}
	addFunc("length", []OID{BY}, I4, func(a []Datum) (Datum, error) { return NewInt(int64(len(a[0].S))), nil })
	for _, t := range []OID{T, BP, BY} {
		addFunc("octet_length", []OID{t}, I4, func(a []Datum) (Datum, error) { return NewInt(int64(len(a[0].S))), nil })
	}
	addFunc("lower", []OID{T}, T, strF(strings.ToLower))
	addFunc("upper", []OID{T}, T, strF(strings.ToUpper))
	addFunc("initcap", []OID{T}, T, strF(initcap))
	for _, name := range []string{"substr", "substring"} {
		addFunc(name, []OID{T, I4}, T, func(a []Datum) (Datum, error) {
			s, err := substrChars(a[0].S, a[1].I, 0, false, false)
			return NewString(s), err
		})
		addFunc(name, []OID{T, I4, I4}, T, func(a []Datum) (Datum, error) {
			s, err := substrChars(a[0].S, a[1].I, a[2].I, true, false)
			return NewString(s), err
		})
		addFunc(name, []OID{BY, I4}, BY, func(a []Datum) (Datum, error) {
			s, err := substrChars(a[0].S, a[1].I, 0, false, true)
			return Datum{K: KBytes, S: s}, err
		})
		addFunc(name, []OID{BY, I4, I4}, BY, func(a []Datum) (Datum, error) {
			s, err := substrChars(a[0].S, a[1].I, a[2].I, true, true)
			return Datum{K: KBytes, S: s}, err
		})
	}
	for _, tr := range []struct {
		name        string
		left, right bool
	}{{"btrim", true, true}, {"trim", true, true}, {"ltrim", true, false}, {"rtrim", false, true}} {
		tr := tr
		addFunc(tr.name, []OID{T}, T, func(a []Datum) (Datum, error) { return NewString(trimSet(a[0].S, " ", tr.left, tr.right)), nil })
		addFunc(tr.name, []OID{T, T}, T, func(a []Datum) (Datum, error) {
			return NewString(trimSet(a[0].S, a[1].S, tr.left, tr.right)), nil
		})
	}
	addFunc("replace", []OID{T, T, T}, T, func(a []Datum) (Datum, error) {
		if a[1].S == "" {
			return a[0], nil
		}
		return NewString(strings.ReplaceAll(a[0].S, a[1].S, a[2].S)), nil
	})
	strpos := func(a []Datum) (Datum, error) {
		i := strings.Index(a[0].S, a[1].S)
		if i < 0 {
			return NewInt(0), nil
		}
		return NewInt(charLen(a[0].S[:i]) + 1), nil
	}
	addFunc("strpos", []OID{T, T}, I4, strpos)
	addFunc("position", []OID{T, T}, I4, strpos)
	addFunc("starts_with", []OID{T, T}, BoolOID, func(a []Datum) (Datum, error) { return NewBool(strings.HasPrefix(a[0].S, a[1].S)), nil })
	addFunc("left", []OID{T, I4}, T, func(a []Datum) (Datum, error) {
		n := a[1].I
		if n < 0 {
			n = max(charLen(a[0].S)+n, 0)
		}
		s, _ := substrChars(a[0].S, 1, n, true, false)
		return NewString(s), nil
	})
	addFunc("right", []OID{T, I4}, T, func(a []Datum) (Datum, error) {
		l := charLen(a[0].S)
		n := a[1].I
		var start int64
		if n < 0 {
			start = -n + 1
		} else {
			start = l - n + 1
		}
		s, _ := substrChars(a[0].S, max(start, 1), 0, false, false)
		return NewString(s), nil
	})
	addFunc("repeat", []OID{T, I4}, T, func(a []Datum) (Datum, error) {
		if a[1].I <= 0 || a[0].S == "" {
			return NewString(""), nil
		}
		if int64(len(a[0].S))*a[1].I >= 1<<30 {
			return Null, errTooLong
		}
		return NewString(strings.Repeat(a[0].S, int(a[1].I))), nil
	})
	addFunc("reverse", []OID{T}, T, strF(func(s string) string {
		r := []rune(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}))
	pad := func(left bool) func([]Datum) (Datum, error) {
		return func(a []Datum) (Datum, error) {
			s, n := a[0].S, a[1].I
			fill := " "
			if len(a) > 2 {
				fill = a[2].S
			}
			if n <= 0 {
				return NewString(""), nil
			}
			if n >= 1<<28 {
				return Null, errTooLong
			}
			l := charLen(s)
			if l >= n || fill == "" {
				p, _ := substrChars(s, 1, n, true, false)
				return NewString(p), nil
			}
			fr := []rune(fill)
			var b strings.Builder
			if !left {
				b.WriteString(s)
			}
			for i := int64(0); i < n-l; i++ {
				b.WriteRune(fr[i%int64(len(fr))])
			}
			if left {
				b.WriteString(s)
			}
			return NewString(b.String()), nil
		}
	}
	addFunc("lpad", []OID{T, I4}, T, pad(true))
	addFunc("lpad", []OID{T, I4, T}, T, pad(true))
	addFunc("rpad", []OID{T, I4}, T, pad(false))
	addFunc("rpad", []OID{T, I4, T}, T, pad(false))
	addFunc("split_part", []OID{T, T, I4}, T, func(a []Datum) (Datum, error) {
		n := a[2].I
		if n == 0 {
			return Null, pgerr.New(pgerr.InvalidParameterValue, "field position must not be zero")
		}
		var parts []string
		if a[1].S == "" {
			parts = []string{a[0].S}
			if a[0].S == "" {
				parts = nil
			}
		} else {
			parts = strings.Split(a[0].S, a[1].S)
		}
		if n < 0 {
			n += int64(len(parts)) + 1
		}
		if n < 1 || n > int64(len(parts)) {
			return NewString(""), nil
		}
		return NewString(parts[n-1]), nil
	})
	addFunc("ascii", []OID{T}, I4, func(a []Datum) (Datum, error) {
		if a[0].S == "" {
			return NewInt(0), nil
		}
		r, _ := utf8.DecodeRuneInString(a[0].S)
		return NewInt(int64(r)), nil
	})
	addFunc("chr", []OID{I4}, T, func(a []Datum) (Datum, error) {
		c := a[0].I
		if c == 0 {
			return Null, pgerr.New("54000", "null character not permitted")
		}
		if c < 0 || c > 0x10FFFF || c >= 0xD800 && c <= 0xDFFF {
			return Null, pgerr.New(pgerr.ProgramLimitExceeded, "requested character too large for encoding: %d", c)
		}
		return NewString(string(rune(c))), nil
	})
	concat := &Func{Name: "concat", Args: []OID{AnyOID}, Variadic: true, Result: T, Fn: func(a []Datum) (Datum, error) {
		var b strings.Builder
		for _, d := range a {
			if !d.IsNull() {
				b.WriteString(textArg(d))
			}
		}
		return NewString(b.String()), nil
	}}
	functions["concat"] = append(functions["concat"], concat)
	concatWS := &Func{Name: "concat_ws", Args: []OID{T, AnyOID}, Variadic: true, Result: T, Fn: func(a []Datum) (Datum, error) {
		if a[0].IsNull() {
			return Null, nil
		}
		var parts []string
		for _, d := range a[1:] {
			if !d.IsNull() {
				parts = append(parts, textArg(d))
			}
		}
		return NewString(strings.Join(parts, a[0].S)), nil
	}}
	functions["concat_ws"] = append(functions["concat_ws"], concatWS)
	addFunc("md5", []OID{T}, T, func(a []Datum) (Datum, error) {
		h := md5.Sum([]byte(a[0].S))
		return NewString(hex.EncodeToString(h[:])), nil
	})
	addFunc("md5", []OID{BY}, T, func(a []Datum) (Datum, error) {
		h := md5.Sum([]byte(a[0].S))
		return NewString(hex.EncodeToString(h[:])), nil
	})
	addFunc("to_hex", []OID{I4}, T, func(a []Datum) (Datum, error) {
		return NewString(strconv.FormatUint(uint64(uint32(a[0].I)), 16)), nil
	})
	addFunc("to_hex", []OID{I8}, T, func(a []Datum) (Datum, error) {
		return NewString(strconv.FormatUint(uint64(a[0].I), 16)), nil
	})

	// Math.
	for _, t := range []OID{I2, I4, I8, F4, F8, N} {
		addFunc("abs", []OID{t}, t, opFunc("@", 0, t))
	}
	for _, t := range []OID{I2, I4, I8, N} {
		addFunc("mod", []OID{t, t}, t, opFunc("%", t, t))
	}
	addFunc("round", []OID{F8}, F8, floatF(func(f float64) (float64, error) { return math.RoundToEven(f), nil }))
	addFunc("trunc", []OID{F8}, F8, floatF(func(f float64) (float64, error) { return math.Trunc(f), nil }))
	addFunc("floor", []OID{F8}, F8, floatF(func(f float64) (float64, error) { return math.Floor(f), nil }))
	for _, name := range []string{"ceil", "ceiling"} {
		addFunc(name, []OID{F8}, F8, floatF(func(f float64) (float64, error) { return math.Ceil(f), nil }))
		addFunc(name, []OID{N}, N, numF(NumericCeil))
	}
	addFunc("sign", []OID{F8}, F8, floatF(func(f float64) (float64, error) {
		switch {
		case f > 0:
			return 1, nil
		case f < 0:
			return -1, nil
		}
		return 0, nil
	}))
	addFunc("sqrt", []OID{F8}, F8, floatF(FloatSqrt))
	addFunc("cbrt", []OID{F8}, F8, floatF(func(f float64) (float64, error) { return Cbrt(f), nil }))
	for _, name := range []string{"power", "pow"} {
		addFunc(name, []OID{F8, F8}, F8, opFunc("^", F8, F8))
		addFunc(name, []OID{N, N}, N, opFunc("^", N, N))
	}
	addFunc("round", []OID{N}, N, numF(func(d *apd.Decimal) (*apd.Decimal, error) { return roundNumeric(d, 0), nil }))
	addFunc("round", []OID{N, I4}, N, func(a []Datum) (Datum, error) {
		return NewNumeric(roundNumeric(a[0].Numeric(), numericScaleArg(a[1].I))), nil
	})
	addFunc("trunc", []OID{N}, N, numF(func(d *apd.Decimal) (*apd.Decimal, error) { return truncNumeric(d, 0), nil }))
	addFunc("trunc", []OID{N, I4}, N, func(a []Datum) (Datum, error) {
		return NewNumeric(truncNumeric(a[0].Numeric(), numericScaleArg(a[1].I))), nil
	})
	addFunc("floor", []OID{N}, N, numF(NumericFloor))
	addFunc("sign", []OID{N}, N, numF(func(d *apd.Decimal) (*apd.Decimal, error) {
		if isNaN(d) {
			return d, nil
		}
		return apd.New(int64(d.Sign()), 0), nil
	}))
	addFunc("sqrt", []OID{N}, N, numF(NumericSqrt))
	addFunc("div", []OID{N, N}, N, func(a []Datum) (Datum, error) {
		r, err := NumericDivTrunc(a[0].Numeric(), a[1].Numeric())
		if err != nil {
			return Null, err
		}
		return NewNumeric(r), nil
	})
	addFunc("pi", []OID{}, F8, func([]Datum) (Datum, error) { return NewFloat(math.Pi), nil })
}

// initcap upper-cases the first letter of each alphanumeric run.
func initcap(s string) string {
	var b strings.Builder
	wasAlnum := false
	for _, r := range s {
		if wasAlnum {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
		wasAlnum = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}
