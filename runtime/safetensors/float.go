package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
)

// FromFloat32 makes an F32 tensor of shape from values (copied).
func FromFloat32(shape []int64, values []float32) Tensor {
	data := make([]byte, 4*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
	}
	return Tensor{DType: "F32", Shape: append([]int64{}, shape...), Data: data}
}

// Float32s decodes an F32 tensor's values into dst, which must have the tensor's element
// count (bit for bit, NaN payloads included).
func (t Tensor) Float32s(dst []float32) error {
	if t.DType != "F32" {
		return fmt.Errorf("safetensors: tensor is %s, not F32", t.DType)
	}
	if len(t.Data) != 4*len(dst) {
		return fmt.Errorf("safetensors: tensor has %d values, want %d", len(t.Data)/4, len(dst))
	}
	for i := range dst {
		dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return nil
}
