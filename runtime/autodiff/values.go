package autodiff

import (
	"encoding/binary"
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// maxFoldElems bounds the tensors whose values are tracked at build time: shape plumbing
// (Shape → Gather → Concat → Reshape), axes, slice bounds and resize scales are all tiny.
const maxFoldElems = 4096

// tinfo is what the builder knows statically about a tensor: its element type, its fully
// static shape (inputs are pinned) and, for small tensors computed from constants, its value.
type tinfo struct {
	dtype  int32
	shape  []int64
	ints   []int64   // value of an integer or bool tensor, when known
	floats []float64 // value of a floating-point tensor, when known
	hasVal bool
}

func numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

func isFloatType(dt int32) bool {
	switch onnxpb.TensorProto_DataType(dt) {
	case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_DOUBLE, onnxpb.TensorProto_FLOAT16, onnxpb.TensorProto_BFLOAT16:
		return true
	}
	return false
}

// isDiffType reports the element types the builder differentiates and can emit constants
// for. float16/bfloat16 tensors are floats (they stop nothing) but are not differentiated.
func isDiffType(dt int32) bool {
	return dt == int32(onnxpb.TensorProto_FLOAT) || dt == int32(onnxpb.TensorProto_DOUBLE)
}

func isIntType(dt int32) bool {
	switch onnxpb.TensorProto_DataType(dt) {
	case onnxpb.TensorProto_INT8, onnxpb.TensorProto_INT16, onnxpb.TensorProto_INT32, onnxpb.TensorProto_INT64,
		onnxpb.TensorProto_UINT8, onnxpb.TensorProto_UINT16, onnxpb.TensorProto_UINT32, onnxpb.TensorProto_UINT64,
		onnxpb.TensorProto_BOOL:
		return true
	}
	return false
}

func dtypeName(dt int32) string {
	if s, ok := onnxpb.TensorProto_DataType_name[dt]; ok {
		return s
	}
	return fmt.Sprintf("type %d", dt)
}

// infoFromTensor reads an initializer or Constant value: shape always, value when small and
// stored inline.
func infoFromTensor(t *onnxpb.TensorProto) *tinfo {
	in := &tinfo{dtype: t.GetDataType(), shape: append([]int64{}, t.GetDims()...)}
	n := numel(in.shape)
	if n > maxFoldElems || t.GetDataLocation() == onnxpb.TensorProto_EXTERNAL {
		return in
	}
	if isIntType(in.dtype) {
		in.ints, in.hasVal = decodeInts(t, int(n))
	} else if in.dtype == int32(onnxpb.TensorProto_FLOAT) || in.dtype == int32(onnxpb.TensorProto_DOUBLE) {
		in.floats, in.hasVal = decodeFloats(t, int(n))
	}
	return in
}

func decodeInts(t *onnxpb.TensorProto, n int) ([]int64, bool) {
	out := make([]int64, 0, n)
	raw := t.GetRawData()
	switch onnxpb.TensorProto_DataType(t.GetDataType()) {
	case onnxpb.TensorProto_INT64:
		if raw == nil {
			out = append(out, t.GetInt64Data()...)
		}
		for i := 0; i+8 <= len(raw); i += 8 {
			out = append(out, int64(binary.LittleEndian.Uint64(raw[i:])))
		}
	case onnxpb.TensorProto_UINT64:
		for _, v := range t.GetUint64Data() {
			out = append(out, int64(v))
		}
		for i := 0; i+8 <= len(raw); i += 8 {
			out = append(out, int64(binary.LittleEndian.Uint64(raw[i:])))
		}
	case onnxpb.TensorProto_INT32, onnxpb.TensorProto_UINT32:
		if raw == nil {
			for _, v := range t.GetInt32Data() {
				out = append(out, int64(v))
			}
		}
		for i := 0; i+4 <= len(raw); i += 4 {
			out = append(out, int64(int32(binary.LittleEndian.Uint32(raw[i:]))))
		}
	case onnxpb.TensorProto_INT8, onnxpb.TensorProto_UINT8, onnxpb.TensorProto_BOOL:
		if raw == nil {
			for _, v := range t.GetInt32Data() {
				out = append(out, int64(v))
			}
		}
		for _, b := range raw {
			if t.GetDataType() == int32(onnxpb.TensorProto_INT8) {
				out = append(out, int64(int8(b)))
			} else {
				out = append(out, int64(b))
			}
		}
	default:
		return nil, false
	}
	return out, len(out) == n
}

func decodeFloats(t *onnxpb.TensorProto, n int) ([]float64, bool) {
	out := make([]float64, 0, n)
	raw := t.GetRawData()
	if t.GetDataType() == int32(onnxpb.TensorProto_FLOAT) {
		for _, v := range t.GetFloatData() {
			out = append(out, float64(v))
		}
		for i := 0; i+4 <= len(raw); i += 4 {
			out = append(out, float64(math.Float32frombits(binary.LittleEndian.Uint32(raw[i:]))))
		}
	} else {
		out = append(out, t.GetDoubleData()...)
		for i := 0; i+8 <= len(raw); i += 8 {
			out = append(out, math.Float64frombits(binary.LittleEndian.Uint64(raw[i:])))
		}
	}
	return out, len(out) == n
}

// int64Tensor makes a named int64 initializer.
func int64Tensor(name string, dims []int64, vals []int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, DataType: int32(onnxpb.TensorProto_INT64),
		Dims: append([]int64{}, dims...), Int64Data: append([]int64{}, vals...)}
}

// floatTensor makes a named float or double initializer holding vals.
func floatTensor(name string, dtype int32, dims []int64, vals []float64) *onnxpb.TensorProto {
	t := &onnxpb.TensorProto{Name: name, DataType: dtype, Dims: append([]int64{}, dims...)}
	for _, v := range vals {
		if dtype == int32(onnxpb.TensorProto_DOUBLE) {
			t.DoubleData = append(t.DoubleData, v)
		} else {
			t.FloatData = append(t.FloatData, float32(v))
		}
	}
	return t
}
