package types

import (
	"strconv"

	"github.com/akidb/akidb/pgerr"
	"github.com/cockroachdb/apd/v3"
)

// Numeric values are *apd.Decimal in a canonical form: Exponent <= 0 (so
// -Exponent is PostgreSQL's display scale), no negative zero, and Form
// Finite, Infinite or NaN.

const (
	numericMaxDscale      = 16383
	numericMaxWeight      = 32767 // in base-10000 digits
	numericMaxResultScale = 1000
	numericMinSigDigits   = 16
)

var errNumericOverflow = pgerr.New(pgerr.NumericValueOutOfRange, "value overflows numeric format")

var pow10Cache [64]apd.BigInt

func init() {
	pow10Cache[0].SetInt64(1)
	ten := apd.NewBigInt(10)
	for i := 1; i < len(pow10Cache); i++ {
		pow10Cache[i].Mul(&pow10Cache[i-1], ten)
	}
}

// pow10 returns 10^n as a new BigInt.
func pow10(n int) *apd.BigInt {
	if n < len(pow10Cache) {
		return new(apd.BigInt).Set(&pow10Cache[n])
	}
	z := new(apd.BigInt).Set(&pow10Cache[len(pow10Cache)-1])
	z.Exp(apd.NewBigInt(10), apd.NewBigInt(int64(n)), nil)
	return z
}

// NumericFromInt returns the numeric value of i.
func NumericFromInt(i int64) *apd.Decimal {
	return apd.New(i, 0)
}

// numNaN, numPosInf and numNegInf build the special values.
func numNaN() *apd.Decimal { return &apd.Decimal{Form: apd.NaN} }
func numInf(neg bool) *apd.Decimal {
	return &apd.Decimal{Form: apd.Infinite, Negative: neg}
}

// canonNumeric puts d in canonical form (in place) and returns it.
func canonNumeric(d *apd.Decimal) *apd.Decimal {
	switch d.Form {
	case apd.NaNSignaling:
		d.Form = apd.NaN
		fallthrough
	case apd.NaN:
		d.Negative = false
		return d
	case apd.Infinite:
		return d
	}
	if d.Exponent > 0 {
		d.Coeff.Mul(&d.Coeff, pow10(int(d.Exponent)))
		d.Exponent = 0
	}
	if d.Coeff.Sign() == 0 {
		d.Negative = false
	}
	return d
}

// numDigits returns the number of decimal digits of |c| (1 for 0).
func numDigits(c *apd.BigInt) int {
	n := int(apd.NumDigits(c))
	if n == 0 {
		return 1
	}
	return n
}

// checkNumericLimits reports PostgreSQL's storage-format overflow.
func checkNumericLimits(d *apd.Decimal) error {
	if d.Form != apd.Finite {
		return nil
	}
	if int(-d.Exponent) > numericMaxDscale {
		return errNumericOverflow
	}
	if d.Coeff.Sign() != 0 {
		intDigits := numDigits(&d.Coeff) + int(d.Exponent)
		if intDigits > (numericMaxWeight+1)*4 {
			return errNumericOverflow
		}
	}
	return nil
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func trimSpace(s string) string {
	i, j := 0, len(s)
	for i < j && isSpace(s[i]) {
		i++
	}
	for j > i && isSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// ParseNumeric parses numeric input text as numeric_in does (no typmod).
func ParseNumeric(s string) (*apd.Decimal, error) {
	t := trimSpace(s)
	switch {
	case equalFoldASCII(t, "nan"):
		return numNaN(), nil
	case equalFoldASCII(t, "infinity"), equalFoldASCII(t, "+infinity"), equalFoldASCII(t, "inf"), equalFoldASCII(t, "+inf"):
		return numInf(false), nil
	case equalFoldASCII(t, "-infinity"), equalFoldASCII(t, "-inf"):
		return numInf(true), nil
	}
	i := 0
	neg := false
	if i < len(t) && (t[i] == '+' || t[i] == '-') {
		neg = t[i] == '-'
		i++
	}
	digits := make([]byte, 0, len(t))
	scale := 0
	sawDigit, sawPoint := false, false
	for ; i < len(t); i++ {
		c := t[i]
		if c >= '0' && c <= '9' {
			sawDigit = true
			digits = append(digits, c)
			if sawPoint {
				scale++
			}
		} else if c == '.' && !sawPoint {
			sawPoint = true
		} else {
			break
		}
	}
	if !sawDigit {
		return nil, errSyntax("numeric", s)
	}
	exp := int64(0)
	if i < len(t) && (t[i] == 'e' || t[i] == 'E') {
		i++
		j := i
		if j < len(t) && (t[j] == '+' || t[j] == '-') {
			j++
		}
		k := j
		for k < len(t) && t[k] >= '0' && t[k] <= '9' {
			k++
		}
		if k == j {
			return nil, errSyntax("numeric", s)
		}
		e, err := strconv.ParseInt(t[i:k], 10, 64)
		if err != nil || e >= 1<<30 || e <= -(1<<30) {
			return nil, errNumericOverflow
		}
		exp = e
		i = k
	}
	if i != len(t) {
		return nil, errSyntax("numeric", s)
	}
	dscale := int64(scale) - exp
	if dscale < 0 {
		dscale = 0
	}
	// Value = digits * 10^(exp-scale); shown with dscale decimals.
	intDigits := int64(len(digits)) - int64(scale) + exp
	// strip leading zeros for the size check
	lead := 0
	for lead < len(digits) && digits[lead] == '0' {
		lead++
	}
	if lead < len(digits) && intDigits-int64(lead) > (numericMaxWeight+1)*4 {
		return nil, errNumericOverflow
	}
	if dscale > numericMaxDscale {
		return nil, errNumericOverflow
	}
	d := new(apd.Decimal)
	if _, ok := d.Coeff.SetString(string(digits), 10); !ok {
		return nil, errSyntax("numeric", s)
	}
	d.Negative = neg
	e := exp - int64(scale) // exponent of the coefficient
	target := -dscale
	if e > target {
		d.Coeff.Mul(&d.Coeff, pow10(int(e-target)))
	} else if e < target {
		// digits beyond the display scale: PostgreSQL rounds them away
		// (only reachable with huge negative exponents, guarded above).
		d.Exponent = int32(e)
		return roundNumeric(canonNumeric(d), int(dscale)), nil
	}
	d.Exponent = int32(target)
	return canonNumeric(d), nil
}

// AppendNumeric appends numeric_out's text for d.
func AppendNumeric(buf []byte, d *apd.Decimal) []byte {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return append(buf, "NaN"...)
	case apd.Infinite:
		if d.Negative {
			return append(buf, "-Infinity"...)
		}
		return append(buf, "Infinity"...)
	}
	if d.Negative && d.Coeff.Sign() != 0 {
		buf = append(buf, '-')
	}
	if d.Exponent >= 0 {
		buf = d.Coeff.Append(buf, 10)
		for i := int32(0); i < d.Exponent; i++ {
			buf = append(buf, '0')
		}
		return buf
	}
	var tmp [40]byte
	digits := d.Coeff.Append(tmp[:0], 10)
	scale := int(-d.Exponent)
	if len(digits) <= scale {
		buf = append(buf, '0', '.')
		for i := len(digits); i < scale; i++ {
			buf = append(buf, '0')
		}
		return append(buf, digits...)
	}
	buf = append(buf, digits[:len(digits)-scale]...)
	buf = append(buf, '.')
	return append(buf, digits[len(digits)-scale:]...)
}

// roundNumeric rounds d (canonical, finite) to scale decimals, half away
// from zero, as PostgreSQL's round_var does. A negative scale rounds to
// tens, hundreds...; the result then has display scale 0.
func roundNumeric(d *apd.Decimal, scale int) *apd.Decimal {
	if d.Form != apd.Finite {
		return d
	}
	cur := int(-d.Exponent)
	r := new(apd.Decimal)
	r.Negative = d.Negative
	if cur <= scale {
		r.Coeff.Mul(&d.Coeff, pow10(scale-cur))
		r.Exponent = int32(-scale)
		return canonNumeric(r)
	}
	drop := cur - scale
	div := pow10(drop)
	q, rem := new(apd.BigInt), new(apd.BigInt)
	q.QuoRem(&d.Coeff, div, rem)
	rem.Add(rem, rem)
	if rem.Cmp(div) >= 0 {
		q.Add(q, apd.NewBigInt(1))
	}
	r.Coeff.Set(q)
	r.Exponent = int32(-scale)
	return canonNumeric(r)
}

// truncNumeric truncates d toward zero to scale decimals.
func truncNumeric(d *apd.Decimal, scale int) *apd.Decimal {
	if d.Form != apd.Finite {
		return d
	}
	cur := int(-d.Exponent)
	r := new(apd.Decimal)
	r.Negative = d.Negative
	if cur <= scale {
		r.Coeff.Mul(&d.Coeff, pow10(scale-cur))
		r.Exponent = int32(-scale)
		return canonNumeric(r)
	}
	r.Coeff.Quo(&d.Coeff, pow10(cur-scale))
	r.Exponent = int32(-scale)
	return canonNumeric(r)
}

// ApplyNumericTypmod rounds d to a numeric(p,s) typmod and checks its
// precision, as PostgreSQL's apply_typmod does.
func ApplyNumericTypmod(d *apd.Decimal, mod int32) (*apd.Decimal, error) {
	p, s, ok := NumericPrecScale(mod)
	if !ok {
		return d, nil
	}
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return d, nil
	case apd.Infinite:
		return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
			WithDetail("A field with precision %d, scale %d cannot hold an infinite value.", p, s)
	}
	r := roundNumeric(d, s)
	maxDigits := p - s
	if r.Coeff.Sign() != 0 {
		intDigits := numDigits(&r.Coeff) + int(r.Exponent)
		if intDigits > maxDigits {
			if maxDigits != 0 {
				return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
					WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", p, s, maxDigits)
			}
			return nil, pgerr.New(pgerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("A field with precision %d, scale %d must round to an absolute value less than 1.", p, s)
		}
	}
	return r, nil
}

// numSigned returns the signed coefficient of a finite canonical d.
func numSigned(d *apd.Decimal) *apd.BigInt {
	c := new(apd.BigInt).Set(&d.Coeff)
	if d.Negative {
		c.Neg(c)
	}
	return c
}

// mkNumeric builds a canonical numeric from a signed coefficient and exponent.
func mkNumeric(c *apd.BigInt, exp int32) *apd.Decimal {
	d := new(apd.Decimal)
	if c.Sign() < 0 {
		d.Negative = true
		d.Coeff.Neg(c)
	} else {
		d.Coeff.Set(c)
	}
	d.Exponent = exp
	return canonNumeric(d)
}

// alignNumeric returns the signed coefficients of a and b at their common
// (smaller) exponent.
func alignNumeric(a, b *apd.Decimal) (ca, cb *apd.BigInt, exp int32) {
	ca, cb = numSigned(a), numSigned(b)
	exp = a.Exponent
	if b.Exponent < exp {
		ca.Mul(ca, pow10(int(exp-b.Exponent)))
		exp = b.Exponent
	} else if a.Exponent < b.Exponent {
		cb.Mul(cb, pow10(int(b.Exponent-exp)))
	}
	return
}

// CompareNumeric orders numerics as PostgreSQL does: -Inf < finite < +Inf < NaN.
func CompareNumeric(a, b *apd.Decimal) int {
	ra, rb := numRank(a), numRank(b)
	if ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	if ra != 1 {
		return 0
	}
	return a.Cmp(b)
}

func numRank(d *apd.Decimal) int {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return 3
	case apd.Infinite:
		if d.Negative {
			return 0
		}
		return 2
	}
	return 1
}

func isNaN(d *apd.Decimal) bool { return d.Form == apd.NaN || d.Form == apd.NaNSignaling }
func isInf(d *apd.Decimal) bool { return d.Form == apd.Infinite }

// NumericAdd returns a+b.
func NumericAdd(a, b *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		if isNaN(a) || isNaN(b) {
			return numNaN(), nil
		}
		if isInf(a) && isInf(b) {
			if a.Negative != b.Negative {
				return numNaN(), nil
			}
			return a, nil
		}
		if isInf(a) {
			return a, nil
		}
		return b, nil
	}
	ca, cb, exp := alignNumeric(a, b)
	r := mkNumeric(ca.Add(ca, cb), exp)
	return r, checkNumericLimits(r)
}

// NumericSub returns a-b.
func NumericSub(a, b *apd.Decimal) (*apd.Decimal, error) {
	return NumericAdd(a, NumericNeg(b))
}

// NumericNeg returns -a.
func NumericNeg(a *apd.Decimal) *apd.Decimal {
	if isNaN(a) {
		return a
	}
	r := new(apd.Decimal).Set(a)
	r.Negative = !a.Negative
	return canonNumeric(r)
}

// NumericAbs returns |a|.
func NumericAbs(a *apd.Decimal) *apd.Decimal {
	if isNaN(a) || !a.Negative {
		return a
	}
	r := new(apd.Decimal).Set(a)
	r.Negative = false
	return r
}

// NumericMul returns a*b.
func NumericMul(a, b *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		if isNaN(a) || isNaN(b) {
			return numNaN(), nil
		}
		sa, sb := a.Sign(), b.Sign()
		if sa == 0 || sb == 0 {
			return numNaN(), nil
		}
		return numInf((sa < 0) != (sb < 0)), nil
	}
	c := numSigned(a)
	c.Mul(c, numSigned(b))
	r := mkNumeric(c, a.Exponent+b.Exponent)
	if -r.Exponent > numericMaxDscale {
		r = roundNumeric(r, numericMaxDscale)
	}
	return r, checkNumericLimits(r)
}

// nbaseWeight returns PostgreSQL's base-10000 weight of a nonzero finite d
// and its first base-10000 digit.
func nbaseWeight(d *apd.Decimal) (weight, first int) {
	nd := numDigits(&d.Coeff)
	p := nd - 1 + int(d.Exponent) // power of ten of the leading digit
	w := p / 4
	if p < 0 && p%4 != 0 {
		w--
	}
	k := p - 4*w + 1 // digits in the first base-10000 digit
	var tmp [40]byte
	ds := d.Coeff.Append(tmp[:0], 10)
	f := 0
	for i := 0; i < k; i++ {
		f *= 10
		if i < len(ds) {
			f += int(ds[i] - '0')
		}
	}
	return w, f
}

// numericDivScale is PostgreSQL's select_div_scale.
func numericDivScale(a, b *apd.Decimal) int {
	w1, f1, w2, f2 := 0, 0, 0, 0
	if a.Coeff.Sign() != 0 {
		w1, f1 = nbaseWeight(a)
	}
	if b.Coeff.Sign() != 0 {
		w2, f2 = nbaseWeight(b)
	}
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	rscale := numericMinSigDigits - qweight*4
	rscale = max(rscale, int(-a.Exponent), int(-b.Exponent), 0)
	return min(rscale, numericMaxResultScale)
}

// divRound returns round(a/b) at scale rscale (half away from zero), or
// truncated when round is false.
func divRound(a, b *apd.Decimal, rscale int, round bool) *apd.Decimal {
	// a/b * 10^rscale = ca*10^ea / (cb*10^eb) * 10^rscale
	ca, cb := numSigned(a), numSigned(b)
	shift := int(a.Exponent) - int(b.Exponent) + rscale
	if shift >= 0 {
		ca.Mul(ca, pow10(shift))
	} else {
		cb.Mul(cb, pow10(-shift))
	}
	q, r := new(apd.BigInt), new(apd.BigInt)
	q.QuoRem(ca, cb, r)
	if round && r.Sign() != 0 {
		r.Abs(r)
		r.Add(r, r)
		if r.CmpAbs(cb) >= 0 {
			if (ca.Sign() < 0) != (cb.Sign() < 0) {
				q.Sub(q, apd.NewBigInt(1))
			} else {
				q.Add(q, apd.NewBigInt(1))
			}
		}
	}
	return mkNumeric(q, int32(-rscale))
}

// NumericDiv returns a/b with PostgreSQL's result scale.
func NumericDiv(a, b *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		if isNaN(a) || isNaN(b) {
			return numNaN(), nil
		}
		if isInf(a) {
			if isInf(b) {
				return numNaN(), nil
			}
			if b.Sign() == 0 {
				return nil, errDivZero
			}
			return numInf(a.Negative != b.Negative), nil
		}
		// finite / inf = 0
		return new(apd.Decimal), nil
	}
	if b.Coeff.Sign() == 0 {
		return nil, errDivZero
	}
	r := divRound(a, b, numericDivScale(a, b), true)
	return r, checkNumericLimits(r)
}

// NumericDivTrunc returns trunc(a/b) (PostgreSQL's div()).
func NumericDivTrunc(a, b *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		if isNaN(a) || isNaN(b) {
			return numNaN(), nil
		}
		if isInf(a) {
			if isInf(b) {
				return numNaN(), nil
			}
			if b.Sign() == 0 {
				return nil, errDivZero
			}
			return numInf(a.Negative != b.Negative), nil
		}
		return new(apd.Decimal), nil
	}
	if b.Coeff.Sign() == 0 {
		return nil, errDivZero
	}
	return divRound(a, b, 0, false), nil
}

// NumericMod returns a % b (sign of a), with scale max(scale(a), scale(b)).
func NumericMod(a, b *apd.Decimal) (*apd.Decimal, error) {
	if a.Form != apd.Finite || b.Form != apd.Finite {
		if isNaN(a) || isNaN(b) {
			return numNaN(), nil
		}
		if isInf(a) {
			if b.Sign() == 0 {
				return nil, errDivZero
			}
			return numNaN(), nil
		}
		return a, nil // finite % inf = a
	}
	if b.Coeff.Sign() == 0 {
		return nil, errDivZero
	}
	ca, cb, exp := alignNumeric(a, b)
	return mkNumeric(ca.Rem(ca, cb), exp), nil
}

// NumericToInt64 rounds d half away from zero to an integer; errors use the
// names of the target integer type.
func NumericToInt64(d *apd.Decimal, target OID) (int64, error) {
	tn := "integer"
	switch target {
	case Int2OID:
		tn = "smallint"
	case Int8OID:
		tn = "bigint"
	}
	if isNaN(d) {
		return 0, pgerr.New(pgerr.FeatureNotSupported, "cannot convert NaN to %s", tn)
	}
	if isInf(d) {
		return 0, pgerr.New(pgerr.FeatureNotSupported, "cannot convert infinity to %s", tn)
	}
	r := roundNumeric(d, 0)
	c := numSigned(r)
	if !c.IsInt64() {
		return 0, intRangeErr(target)
	}
	v := c.Int64()
	if err := checkIntRange(v, target); err != nil {
		return 0, err
	}
	return v, nil
}

// NumericToFloat64 converts d to the nearest float64.
func NumericToFloat64(d *apd.Decimal) (float64, error) {
	switch d.Form {
	case apd.NaN, apd.NaNSignaling:
		return nanF, nil
	case apd.Infinite:
		if d.Negative {
			return negInf, nil
		}
		return posInf, nil
	}
	var tmp [64]byte
	return parseFloat(string(AppendNumeric(tmp[:0], d)), 64)
}

// NumericFromFloat converts a float to numeric the way PostgreSQL does:
// through its text with DBL_DIG (float8) or FLT_DIG (float4) significant digits.
func NumericFromFloat(f float64, float4 bool) (*apd.Decimal, error) {
	if f != f {
		return numNaN(), nil
	}
	if f > maxFloat64 {
		return numInf(false), nil
	}
	if f < -maxFloat64 {
		return numInf(true), nil
	}
	prec := 15
	if float4 {
		prec = 6
	}
	s := strconv.FormatFloat(f, 'g', prec, 64)
	return ParseNumeric(s)
}
