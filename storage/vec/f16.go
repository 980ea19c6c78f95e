package vec

import "math"

// F32ToF16 converts f to IEEE 754 binary16, rounding to nearest with ties to
// even. Values beyond the largest half (65504, after rounding) become ±Inf,
// values below half the smallest subnormal (2^-25) become ±0, and NaN stays
// a quiet NaN (the top mantissa bits are kept).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant != 0 {
			return sign | 0x7e00 | uint16(mant>>13)
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half (or zero). With the implicit bit in m the value is
		// m * 2^(e-38); one unit of a subnormal half is 2^-24, so the result
		// is m >> (14-e), rounded. Below 2^-25 it rounds to zero.
		if e < -10 {
			return sign
		}
		m := mant | 0x800000
		shift := uint(14 - e)
		r := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && r&1 == 1) {
			r++ // may carry into the smallest normal, which encodes correctly
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | mant>>13
	rem := mant & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && r&1 == 1) {
		r++ // a carry out of the mantissa bumps the exponent, up to Inf
	}
	return sign | uint16(r)
}

// F16ToF32 converts an IEEE 754 binary16 value to float32. Every half is
// exactly representable, NaN payloads included.
func F16ToF32(h uint16) float32 {
	// Move exponent and mantissa into float32 position and rebias the
	// exponent; only Inf/NaN and subnormals need a correction.
	o := uint32(h&0x7fff) << 13
	exp := o & 0x0f800000
	o += (127 - 15) << 23
	switch exp {
	case 0x0f800000: // Inf or NaN: exponent all ones
		o += (128 - 16) << 23
	case 0: // zero or subnormal: let the FPU normalise it, exactly
		o = math.Float32bits(math.Float32frombits(o+1<<23) - 0x1p-14)
	}
	return math.Float32frombits(o | uint32(h&0x8000)<<16)
}
