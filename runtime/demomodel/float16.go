package demomodel

import "math"

// float16Bits converts to IEEE 754 binary16 with round-to-nearest-even, the rounding
// torch's .half() and numpy's astype(float16) use; overflow becomes ±Inf.
func float16Bits(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15:
		return sign | 0x7c00
	case exp-127 >= -14: // normal half
		half := uint32(exp-127+15)<<10 | mant>>13
		return sign | uint16(roundHalfEven(half, mant&0x1fff, 0x1000))
	case exp-127 >= -25: // subnormal half
		m := mant | 0x800000
		shift := uint32(-exp + 127 - 14 + 13)
		rest := m & (1<<shift - 1)
		return sign | uint16(roundHalfEven(m>>shift, rest, 1<<(shift-1)))
	}
	return sign
}

// roundHalfEven rounds kept up when the dropped bits exceed half, or equal half and kept
// is odd. A carry out of the mantissa correctly bumps the exponent.
func roundHalfEven(kept, dropped, half uint32) uint32 {
	if dropped > half || (dropped == half && kept&1 == 1) {
		return kept + 1
	}
	return kept
}

// float16ToFloat32 widens binary16 bits exactly.
func float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0 && mant == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		v := float32(mant) / (1 << 24)
		if sign != 0 {
			return -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}
