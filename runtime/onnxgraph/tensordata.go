package onnxgraph

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Elements is the element count implied by Dims (1 for a scalar).
func (t *TensorData) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Float32s decodes FLOAT, FLOAT16, BFLOAT16 and DOUBLE tensors to float32.
func (t *TensorData) Float32s() ([]float32, error) {
	size := elemSize(t.DataType)
	if err := t.checkLength(size); err != nil {
		return nil, err
	}
	out := make([]float32, len(t.Raw)/max(size, 1))
	for i := range out {
		b := t.Raw[i*size:]
		switch t.DataType {
		case onnxpb.TensorProto_FLOAT:
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b))
		case onnxpb.TensorProto_FLOAT16:
			out[i] = Float16ToFloat32(binary.LittleEndian.Uint16(b))
		case onnxpb.TensorProto_BFLOAT16:
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(b)) << 16)
		case onnxpb.TensorProto_DOUBLE:
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
		default:
			return nil, fmt.Errorf("tensor %q is %s, not a float type", sanitize(t.Name), t.DataType)
		}
	}
	return out, nil
}

// Int64s decodes integer tensors (INT8…INT64, UINT8…UINT32, BOOL) to int64.
func (t *TensorData) Int64s() ([]int64, error) {
	size := elemSize(t.DataType)
	if err := t.checkLength(size); err != nil {
		return nil, err
	}
	out := make([]int64, len(t.Raw)/max(size, 1))
	for i := range out {
		b := t.Raw[i*size:]
		switch t.DataType {
		case onnxpb.TensorProto_INT64:
			out[i] = int64(binary.LittleEndian.Uint64(b))
		case onnxpb.TensorProto_INT32:
			out[i] = int64(int32(binary.LittleEndian.Uint32(b)))
		case onnxpb.TensorProto_UINT32:
			out[i] = int64(binary.LittleEndian.Uint32(b))
		case onnxpb.TensorProto_INT16:
			out[i] = int64(int16(binary.LittleEndian.Uint16(b)))
		case onnxpb.TensorProto_UINT16:
			out[i] = int64(binary.LittleEndian.Uint16(b))
		case onnxpb.TensorProto_INT8:
			out[i] = int64(int8(b[0]))
		case onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL:
			out[i] = int64(b[0])
		default:
			return nil, fmt.Errorf("tensor %q is %s, not an integer type", sanitize(t.Name), t.DataType)
		}
	}
	return out, nil
}

// checkLength verifies Raw holds exactly Elements() values of the given size.
func (t *TensorData) checkLength(size int) error {
	if size == 0 {
		return fmt.Errorf("tensor %q has data type %s, which nudge cannot decode", sanitize(t.Name), t.DataType)
	}
	if want := t.Elements() * int64(size); want != int64(len(t.Raw)) {
		return fmt.Errorf("tensor %q holds %d bytes but its shape %v needs %d", sanitize(t.Name), len(t.Raw), t.Dims, want)
	}
	return nil
}

// Float16ToFloat32 converts an IEEE 754 half-precision value, including subnormals, infinities
// and NaN, exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | frac<<13)
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0:
		// Subnormal: value = frac · 2⁻²⁴, exact in float32.
		v := float32(frac) * (1.0 / (1 << 24))
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}

// Float32ToFloat16 rounds a float32 to the nearest half-precision value (ties to even),
// saturating to infinity on overflow as IEEE 754 requires.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	frac := b & 0x7fffff
	if exp == 0xff {
		if frac != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		m := frac | 0x800000
		shift := uint32(14 - e)
		return sign | uint16(roundShift(m, shift))
	}
	// Rounding may carry into the exponent, which is the correct encoding (up to infinity).
	return sign | uint16(roundShift(uint32(e)<<23|frac, 13))
}

// roundShift shifts v right by s bits, rounding to nearest with ties to even.
func roundShift(v, s uint32) uint32 {
	q := v >> s
	rem := v & (1<<s - 1)
	half := uint32(1) << (s - 1)
	if rem > half || (rem == half && q&1 == 1) {
		q++
	}
	return q
}
