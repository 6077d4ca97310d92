package onnxgraph

import (
	"math"
	"slices"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// TestTensorDecoding covers raw_data and every typed field ONNX allows for the types nudge reads.
func TestTensorDecoding(t *testing.T) {
	floatTests := []struct {
		name string
		t    *onnxpb.TensorProto
		want []float32
	}{
		{"raw float", TensorFloat32("a", []int64{3}, []float32{1.5, -2, 0}), []float32{1.5, -2, 0}},
		{"float_data", &onnxpb.TensorProto{Dims: []int64{2}, DataType: int32(onnxpb.TensorProto_FLOAT), FloatData: []float32{3, 4}}, []float32{3, 4}},
		{"raw float16", TensorFloat16("h", []int64{3}, []float32{1, -0.5, 65504}), []float32{1, -0.5, 65504}},
		{"float16 in int32_data", &onnxpb.TensorProto{Dims: []int64{2}, DataType: int32(onnxpb.TensorProto_FLOAT16), Int32Data: []int32{0x3c00, 0xc000}}, []float32{1, -2}},
		{"bfloat16 in int32_data", &onnxpb.TensorProto{Dims: []int64{1}, DataType: int32(onnxpb.TensorProto_BFLOAT16), Int32Data: []int32{0x3fc0}}, []float32{1.5}},
		{"double_data", &onnxpb.TensorProto{Dims: []int64{1}, DataType: int32(onnxpb.TensorProto_DOUBLE), DoubleData: []float64{0.25}}, []float32{0.25}},
	}
	for _, tc := range floatTests {
		td, err := TensorValue(tc.t)
		must(t, err)
		got, err := td.Float32s()
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	intTests := []struct {
		name string
		t    *onnxpb.TensorProto
		want []int64
	}{
		{"raw int64", TensorInt64("s", []int64{4}, []int64{0, -1, 8, 40}), []int64{0, -1, 8, 40}},
		{"int64_data", &onnxpb.TensorProto{Dims: []int64{2}, DataType: int32(onnxpb.TensorProto_INT64), Int64Data: []int64{-7, 1 << 40}}, []int64{-7, 1 << 40}},
		{"int32_data", &onnxpb.TensorProto{Dims: []int64{2}, DataType: int32(onnxpb.TensorProto_INT32), Int32Data: []int32{-3, 77}}, []int64{-3, 77}},
		{"int8 in int32_data", &onnxpb.TensorProto{Dims: []int64{2}, DataType: int32(onnxpb.TensorProto_INT8), Int32Data: []int32{-128, 127}}, []int64{-128, 127}},
		{"uint32 in uint64_data", &onnxpb.TensorProto{Dims: []int64{1}, DataType: int32(onnxpb.TensorProto_UINT32), Uint64Data: []uint64{4000000000}}, []int64{4000000000}},
	}
	for _, tc := range intTests {
		td, err := TensorValue(tc.t)
		must(t, err)
		got, err := td.Int64s()
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	short := &TensorData{Name: "short", DataType: onnxpb.TensorProto_FLOAT, Dims: []int64{4}, Raw: make([]byte, 12)}
	if _, err := short.Float32s(); err == nil {
		t.Error("a tensor with too few bytes for its shape decoded without error")
	}
}

// TestFloat16Conversion checks every half value round-trips exactly, and that rounding of
// float32 values picks the nearest half (ties to even) by a float64 search.
func TestFloat16Conversion(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := Float16ToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if got := Float32ToFloat16(f); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("NaN %#04x converted back to non-NaN %#04x", h, got)
			}
			continue
		}
		if got := Float32ToFloat16(f); got != uint16(h) {
			t.Fatalf("half %#04x → %g → %#04x", h, f, got)
		}
	}
	known := []struct {
		h uint16
		f float64
	}{{0x3c00, 1}, {0x0001, math.Ldexp(1, -24)}, {0x7bff, 65504}, {0x8400, -math.Ldexp(1, -14)}, {0x3555, 0.333251953125}}
	for _, k := range known {
		if got := Float16ToFloat32(k.h); float64(got) != k.f {
			t.Errorf("Float16ToFloat32(%#04x) = %g, want %g", k.h, got, k.f)
		}
	}
	for _, f := range randomFloats(42, 20000) {
		for _, scale := range []float32{1, 1e-5, 3e4, 7e4} {
			checkNearestHalf(t, f*scale)
		}
	}
}

func checkNearestHalf(t *testing.T, f float32) {
	t.Helper()
	got := Float32ToFloat16(f)
	if math.Abs(float64(f)) >= 65520 { // rounds past the largest half: infinity
		if got&0x7fff != 0x7c00 {
			t.Fatalf("%g → %#04x, want infinity", f, got)
		}
		return
	}
	err := math.Abs(float64(Float16ToFloat32(got)) - float64(f))
	for _, n := range []uint16{got - 1, got + 1} {
		v := Float16ToFloat32(n)
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) || (n^got)&0x8000 != 0 {
			continue
		}
		alt := math.Abs(float64(v) - float64(f))
		if alt < err || (alt == err && n&1 == 0) {
			t.Fatalf("%g → %#04x (error %g) but %#04x is nearer or the even tie (%g)", f, got, err, n, alt)
		}
	}
}
