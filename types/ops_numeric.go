package types

import (
	"math"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/apd/v3"
)

const codeInvalidArgumentForPower = "2201F"

// Integer arithmetic: every combination of int2/int4/int8 PostgreSQL has
// (int24pl, int48mi, ...); the result is the wider type.

func wider(l, r OID) OID {
	if l == Int8OID || r == Int8OID {
		return Int8OID
	}
	if l == Int4OID || r == Int4OID {
		return Int4OID
	}
	return Int2OID
}

// IntAdd returns a+b checked for the integer type res.
func IntAdd(a, b int64, res OID) (int64, error) {
	r := a + b
	if res == Int8OID {
		if (a^r)&(b^r) < 0 {
			return 0, errInt8Range
		}
		return r, nil
	}
	return r, checkIntRange(r, res)
}

// IntSub returns a-b checked for the integer type res.
func IntSub(a, b int64, res OID) (int64, error) {
	r := a - b
	if res == Int8OID {
		if (a^b)&(a^r) < 0 {
			return 0, errInt8Range
		}
		return r, nil
	}
	return r, checkIntRange(r, res)
}

// IntMul returns a*b checked for the integer type res.
func IntMul(a, b int64, res OID) (int64, error) {
	if res == Int8OID {
		if a == 0 || b == 0 {
			return 0, nil
		}
		r := a * b
		if r/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
			return 0, errInt8Range
		}
		return r, nil
	}
	r := a * b
	return r, checkIntRange(r, res)
}

// IntDiv returns a/b truncated toward zero.
func IntDiv(a, b int64, res OID) (int64, error) {
	if b == 0 {
		return 0, errDivZero
	}
	if b == -1 {
		return IntSub(0, a, res)
	}
	return a / b, nil
}

// IntMod returns a%b with the sign of a.
func IntMod(a, b int64) (int64, error) {
	if b == 0 {
		return 0, errDivZero
	}
	if b == -1 {
		return 0, nil
	}
	return a % b, nil
}

func intShift(a int64, n int64, res OID, left bool) int64 {
	switch res {
	case Int8OID:
		if left {
			return a << (uint64(n) & 63)
		}
		return a >> (uint64(n) & 63)
	case Int4OID:
		if left {
			return int64(int32(a) << (uint32(n) & 31))
		}
		return int64(int32(a) >> (uint32(n) & 31))
	}
	if left {
		return int64(int16(int32(a) << (uint32(n) & 31)))
	}
	return int64(int16(int32(a) >> (uint32(n) & 31)))
}

// Float arithmetic with PostgreSQL's overflow/underflow checks.

func floatCheck(r float64, infOK bool, zeroOK bool, bits int) (float64, error) {
	if math.IsInf(r, 0) && !infOK {
		return 0, errFloatOver
	}
	if r == 0 && !zeroOK {
		return 0, errFloatUnder
	}
	if bits == 32 {
		return float64(float32(r)), nil
	}
	return r, nil
}

func fop(op byte, a, b float64, bits int) (float64, error) {
	infIn := math.IsInf(a, 0) || math.IsInf(b, 0)
	var r float64
	switch op {
	case '+':
		if bits == 32 {
			r = float64(float32(a) + float32(b))
		} else {
			r = a + b
		}
		return floatCheck(r, infIn, true, bits)
	case '-':
		if bits == 32 {
			r = float64(float32(a) - float32(b))
		} else {
			r = a - b
		}
		return floatCheck(r, infIn, true, bits)
	case '*':
		if bits == 32 {
			r = float64(float32(a) * float32(b))
		} else {
			r = a * b
		}
		return floatCheck(r, infIn, a == 0 || b == 0, bits)
	case '/':
		if b == 0 && a == a {
			return 0, errDivZero
		}
		if bits == 32 {
			r = float64(float32(a) / float32(b))
		} else {
			r = a / b
		}
		return floatCheck(r, math.IsInf(a, 0), a == 0 || math.IsInf(b, 0), bits)
	}
	return 0, nil
}

// FloatPow is PostgreSQL's dpow (float8 ^ float8).
func FloatPow(a, b float64) (float64, error) {
	if a != a {
		if b == 0 {
			return 1, nil
		}
		return nanF, nil
	}
	if b != b {
		if a == 1 {
			return 1, nil
		}
		return nanF, nil
	}
	if a == 0 && b < 0 {
		return 0, pgerr.New(codeInvalidArgumentForPower, "zero raised to a negative power is undefined")
	}
	if a < 0 && math.Floor(b) != b {
		return 0, pgerr.New(codeInvalidArgumentForPower, "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(a, b)
	if math.IsInf(r, 0) && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return 0, errFloatOver
	}
	if r == 0 && a != 0 && !math.IsInf(a, 0) && !math.IsInf(b, 0) {
		return 0, errFloatUnder
	}
	return r, nil
}

// FloatSqrt is PostgreSQL's dsqrt.
func FloatSqrt(a float64) (float64, error) {
	if a < 0 {
		return 0, pgerr.New("2201F", "cannot take square root of a negative number")
	}
	return math.Sqrt(a), nil
}

// NumericPow is numeric ^ numeric (PostgreSQL's power_var result scale).
func NumericPow(base, exp *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(base) {
		if exp.Form == apd.Finite && exp.Sign() == 0 {
			return apd.New(1, 0), nil
		}
		return numNaN(), nil
	}
	if isNaN(exp) {
		if base.Form == apd.Finite && base.Cmp(apd.New(1, 0)) == 0 {
			return apd.New(1, 0), nil
		}
		return numNaN(), nil
	}
	if base.Form == apd.Finite && exp.Form == apd.Finite {
		if base.Sign() == 0 && exp.Sign() < 0 {
			return nil, pgerr.New(codeInvalidArgumentForPower, "zero raised to a negative power is undefined")
		}
		expInt := truncNumeric(exp, 0).Cmp(exp) == 0
		if base.Sign() < 0 && !expInt {
			return nil, pgerr.New(codeInvalidArgumentForPower, "a negative number raised to a non-integer power yields a complex result")
		}
	}
	if base.Form != apd.Finite || exp.Form != apd.Finite {
		f1, _ := NumericToFloat64(base)
		f2, _ := NumericToFloat64(exp)
		r := math.Pow(f1, f2)
		if math.IsInf(r, 0) {
			return numInf(r < 0), nil
		}
		if r == 0 {
			return new(apd.Decimal), nil
		}
		return apd.New(int64(r), 0), nil
	}
	if exp.Sign() == 0 {
		return roundNumeric(apd.New(1, 0), max(numericMinSigDigits, int(-base.Exponent))), nil
	}
	if base.Sign() == 0 {
		return roundNumeric(new(apd.Decimal), max(numericMinSigDigits, int(-base.Exponent), int(-exp.Exponent))), nil
	}
	// Estimate the decimal weight of the result: exp * log10(|base|).
	bf, _ := NumericToFloat64(NumericAbs(base))
	var lg float64
	if bf == 0 || math.IsInf(bf, 0) {
		lg = float64(numDigits(&base.Coeff)+int(base.Exponent)) - 1
	} else {
		lg = math.Log10(bf)
	}
	ef, _ := NumericToFloat64(exp)
	val := ef * lg
	if val > float64(numericMaxResultScale)*3.01/2.302585 && val > 131072 {
		return nil, errNumericOverflow
	}
	if val > 131072 {
		return nil, errNumericOverflow
	}
	var rscale int
	expInt := truncNumeric(exp, 0).Cmp(exp) == 0
	if expInt && math.Abs(ef) <= math.MaxInt32 {
		rscale = max(numericMinSigDigits, int(-base.Exponent))
	} else {
		rscale = numericMinSigDigits - int(val)
		rscale = max(rscale, int(-base.Exponent), int(-exp.Exponent), 0)
	}
	rscale = min(rscale, numericMaxResultScale)
	if val < -float64(rscale)-2 {
		return roundNumeric(new(apd.Decimal), rscale), nil
	}
	prec := uint32(max(int(val), 0) + rscale + 20)
	ctx := apd.BaseContext.WithPrecision(prec)
	ctx.MaxExponent = apd.MaxExponent
	ctx.MinExponent = apd.MinExponent
	r := new(apd.Decimal)
	if _, err := ctx.Pow(r, base, exp); err != nil {
		return nil, errNumericOverflow
	}
	return roundNumeric(canonNumeric(r), rscale), nil
}

// NumericSqrt is PostgreSQL's numeric sqrt (result scale from the weight).
func NumericSqrt(a *apd.Decimal) (*apd.Decimal, error) {
	if isNaN(a) {
		return a, nil
	}
	if a.Sign() < 0 {
		return nil, pgerr.New(codeInvalidArgumentForPower, "cannot take square root of a negative number")
	}
	if isInf(a) {
		return a, nil
	}
	// sweight = (arg.weight + 1) * DEC_DIGITS / 2 - 1 (decimal digits)
	w := 0
	if a.Coeff.Sign() != 0 {
		w, _ = nbaseWeight(a)
	}
	sweight := (w+1)*4/2 - 1
	rscale := numericMinSigDigits - sweight
	rscale = max(rscale, int(-a.Exponent), 0)
	rscale = min(rscale, numericMaxResultScale)
	ctx := apd.BaseContext.WithPrecision(uint32(rscale + max(sweight, 0) + 20))
	r := new(apd.Decimal)
	if _, err := ctx.Sqrt(r, a); err != nil {
		return nil, errNumericOverflow
	}
	return roundNumeric(canonNumeric(r), rscale), nil
}

func registerNumericOps() {
	ints := []OID{Int2OID, Int4OID, Int8OID}
	for _, l := range ints {
		for _, r := range ints {
			res := wider(l, r)
			addOp("+", l, r, res, func(a, b Datum) (Datum, error) {
				v, err := IntAdd(a.I, b.I, res)
				return NewInt(v), err
			})
			addOp("-", l, r, res, func(a, b Datum) (Datum, error) {
				v, err := IntSub(a.I, b.I, res)
				return NewInt(v), err
			})
			addOp("*", l, r, res, func(a, b Datum) (Datum, error) {
				v, err := IntMul(a.I, b.I, res)
				return NewInt(v), err
			})
			addOp("/", l, r, res, func(a, b Datum) (Datum, error) {
				v, err := IntDiv(a.I, b.I, res)
				return NewInt(v), err
			})
		}
		t := l
		addOp("%", t, t, t, func(a, b Datum) (Datum, error) {
			v, err := IntMod(a.I, b.I)
			return NewInt(v), err
		})
		addOp("-", 0, t, t, func(_, b Datum) (Datum, error) {
			v, err := IntSub(0, b.I, t)
			return NewInt(v), err
		})
		addOp("+", 0, t, t, func(_, b Datum) (Datum, error) { return b, nil })
		addOp("@", 0, t, t, func(_, b Datum) (Datum, error) {
			if b.I >= 0 {
				return b, nil
			}
			v, err := IntSub(0, b.I, t)
			return NewInt(v), err
		})
		addOp("&", t, t, t, func(a, b Datum) (Datum, error) { return NewInt(a.I & b.I), nil })
		addOp("|", t, t, t, func(a, b Datum) (Datum, error) { return NewInt(a.I | b.I), nil })
		addOp("#", t, t, t, func(a, b Datum) (Datum, error) { return NewInt(a.I ^ b.I), nil })
		addOp("~", 0, t, t, func(_, b Datum) (Datum, error) { return NewInt(^b.I), nil })
		addOp("<<", t, Int4OID, t, func(a, b Datum) (Datum, error) { return NewInt(intShift(a.I, b.I, t, true)), nil })
		addOp(">>", t, Int4OID, t, func(a, b Datum) (Datum, error) { return NewInt(intShift(a.I, b.I, t, false)), nil })
	}

	floats := [][3]OID{{Float4OID, Float4OID, Float4OID}, {Float8OID, Float8OID, Float8OID}, {Float4OID, Float8OID, Float8OID}, {Float8OID, Float4OID, Float8OID}}
	for _, f := range floats {
		bits := 64
		if f[2] == Float4OID {
			bits = 32
		}
		for _, op := range []byte{'+', '-', '*', '/'} {
			op := op
			addOp(string(op), f[0], f[1], f[2], func(a, b Datum) (Datum, error) {
				v, err := fop(op, a.F, b.F, bits)
				return NewFloat(v), err
			})
		}
	}
	for _, t := range []OID{Float4OID, Float8OID} {
		addOp("-", 0, t, t, func(_, b Datum) (Datum, error) { return NewFloat(-b.F), nil })
		addOp("+", 0, t, t, func(_, b Datum) (Datum, error) { return b, nil })
		addOp("@", 0, t, t, func(_, b Datum) (Datum, error) { return NewFloat(math.Abs(b.F)), nil })
	}
	addOp("^", Float8OID, Float8OID, Float8OID, func(a, b Datum) (Datum, error) {
		v, err := FloatPow(a.F, b.F)
		return NewFloat(v), err
	})
	addOp("|/", 0, Float8OID, Float8OID, func(_, b Datum) (Datum, error) {
		v, err := FloatSqrt(b.F)
		return NewFloat(v), err
	})
	addOp("||/", 0, Float8OID, Float8OID, func(_, b Datum) (Datum, error) { return NewFloat(Cbrt(b.F)), nil })

	n := NumericOID
	numOp := func(name string, fn func(a, b *apd.Decimal) (*apd.Decimal, error)) {
		addOp(name, n, n, n, func(a, b Datum) (Datum, error) {
			r, err := fn(a.Numeric(), b.Numeric())
			if err != nil {
				return Null, err
			}
			return NewNumeric(r), nil
		})
	}
	numOp("+", NumericAdd)
	numOp("-", NumericSub)
	numOp("*", NumericMul)
	numOp("/", NumericDiv)
	numOp("%", NumericMod)
	numOp("^", NumericPow)
	addOp("-", 0, n, n, func(_, b Datum) (Datum, error) { return NewNumeric(NumericNeg(b.Numeric())), nil })
	addOp("+", 0, n, n, func(_, b Datum) (Datum, error) { return b, nil })
	addOp("@", 0, n, n, func(_, b Datum) (Datum, error) { return NewNumeric(NumericAbs(b.Numeric())), nil })
}

// cbrtFactor is 2^(n/3) for n = -2..2, each computed as a double division.
var cbrtFactor = func() [5]float64 {
	c2, sq := 1.2599210498948731648, 1.5874010519681994748
	return [5]float64{1.0 / sq, 1.0 / c2, 1.0, c2, sq}
}()

// Cbrt is the C library's cube root as PostgreSQL's dcbrt returns it (a
// polynomial guess refined by one Halley step), so results match to the bit.
func Cbrt(x float64) float64 {
	if x == 0 || x != x || math.IsInf(x, 0) {
		return x + x
	}
	xm, xe := math.Frexp(math.Abs(x))
	u := float64(0.354895765043919860 + float64(float64(1.50819193781584896+float64(float64(-2.11499494167371287+float64(float64(2.44693122563534430+float64(float64(-1.83469277483613086+float64(float64(0.784932344976639262-float64(0.145263899385486377*xm))*xm))*xm))*xm))*xm))*xm))
	t2 := float64(float64(u*u) * u)
	ym := float64(float64(float64(u*float64(t2+float64(2.0*xm)))/float64(float64(2.0*t2)+xm)) * cbrtFactor[2+xe%3])
	if x <= 0 {
		ym = -ym
	}
	return math.Ldexp(ym, xe/3)
}
