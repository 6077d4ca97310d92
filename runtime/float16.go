package runtime

import "math"

// IEEE 754 binary16 conversion for fp16 models: ONNX Runtime takes and returns float16 as raw
// bytes, and onnxruntime_go has no float16 element type, so nudge converts at the boundary.
// Rounding is round-to-nearest-even, as numpy's astype(float16) does.

func f32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int((b >> 23) & 0xff)
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15: // overflow
		return sign | 0x7c00
	case exp-127 >= -14: // normal
		e := uint32(exp - 127 + 15)
		h := e<<10 | mant>>13
		rem := mant & 0x1fff
		if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, which is still correct (up to Inf)
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal half
		mant |= 0x800000
		shift := uint32(-14 - (exp - 127) + 13)
		h := mant >> shift
		rem := mant & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	default:
		return sign
	}
}

func f16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp == 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(mant) / 1024 / 16384 // mant·2⁻²⁴
		if sign != 0 {
			return -v
		}
		return v
	default:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	}
}

func encodeF16(src []float32) []byte {
	out := make([]byte, 2*len(src))
	for i, v := range src {
		h := f32ToF16(v)
		out[2*i], out[2*i+1] = byte(h), byte(h>>8)
	}
	return out
}

func decodeF16(src []byte) []float32 {
	out := make([]float32, len(src)/2)
	for i := range out {
		out[i] = f16ToF32(uint16(src[2*i]) | uint16(src[2*i+1])<<8)
	}
	return out
}
