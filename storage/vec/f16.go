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

// EncodeScaled stores a as half-precision dst[:len(a)] and a scale s with
// a[i] ≈ s*F16ToF32(dst[i]): s is the largest magnitude in a, so every
// element is in [-1, 1] before rounding, nothing overflows, and each one
// is within s*2^-11 of a[i] (s*2^-25 below 2^-14 of s, where halves are
// subnormal). A zero vector gets s = 0. a must be finite.
func EncodeScaled(dst []uint16, a []float32) float32 { return active.encodeScaled(dst[:len(a)], a) }

func encodeScaledGo(dst []uint16, a []float32) float32 {
	return encodeScaled(dst, a, maxAbsGo, divToHalfGo)
}

// encodeScaled is EncodeScaled with the given kernels for the largest
// magnitude and for the conversion of a[i]/s to halves.
func encodeScaled(dst []uint16, a []float32, maxAbs func([]float32) float32, divToHalf func([]uint16, []float32, float32)) float32 {
	s := maxAbs(a)
	if s == 0 {
		clear(dst[:len(a)])
		return 0
	}
	divToHalf(dst, a, s)
	return s
}

func maxAbsGo(a []float32) (s float32) {
	for _, x := range a {
		s = max(s, abs32(x))
	}
	return s
}

func divToHalfGo(dst []uint16, a []float32, s float32) {
	for i, x := range a[:min(len(dst), len(a))] {
		dst[i] = F32ToF16(x / s) // not x*(1/s): 1/s overflows for tiny s
	}
}

// DecodeScaled stores s*F16ToF32(h[i]) in dst[:len(h)].
func DecodeScaled(dst []float32, h []uint16, s float32) { active.decodeScaled(dst[:len(h)], h, s) }

func decodeScaledGo(dst []float32, h []uint16, s float32) {
	for i, x := range h {
		dst[i] = s * F16ToF32(x)
	}
}
