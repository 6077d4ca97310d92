package onnxgraph

import (
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// ValueInfo finds the declared type of a value among the graph's inputs, outputs and
// value_info, or nil if the exporter recorded none.
func (m *Model) ValueInfo(name string) *onnxpb.ValueInfoProto {
	g := m.Graph()
	for _, list := range [][]*onnxpb.ValueInfoProto{g.GetInput(), g.GetOutput(), g.GetValueInfo()} {
		for _, vi := range list {
			if vi.GetName() == name {
				return vi
			}
		}
	}
	return nil
}

// StaticShape returns a value's dimensions when all of them are known numbers: from its
// declared type, or from an initializer's dims. ok is false for unknown or symbolic shapes.
func (m *Model) StaticShape(name string) (dims []int64, ok bool) {
	if vi := m.ValueInfo(name); vi != nil {
		return staticDims(vi.GetType().GetTensorType().GetShape())
	}
	if t := m.Initializer(name); t != nil {
		return append([]int64{}, t.GetDims()...), true
	}
	return nil, false
}

func staticDims(s *onnxpb.TensorShapeProto) ([]int64, bool) {
	if s == nil {
		return nil, false
	}
	dims := make([]int64, len(s.GetDim()))
	for i, d := range s.GetDim() {
		v, isValue := d.GetValue().(*onnxpb.TensorShapeProto_Dimension_DimValue)
		if !isValue || v.DimValue < 0 {
			return nil, false
		}
		dims[i] = v.DimValue
	}
	return dims, true
}

// DimStrings renders a value's shape for people: numbers, symbolic names ("batch"), or "?"
// for unknown dimensions; nil when the rank is unknown.
func DimStrings(vi *onnxpb.ValueInfoProto) []string {
	s := vi.GetType().GetTensorType().GetShape()
	if s == nil {
		return nil
	}
	out := make([]string, len(s.GetDim()))
	for i, d := range s.GetDim() {
		switch v := d.GetValue().(type) {
		case *onnxpb.TensorShapeProto_Dimension_DimValue:
			out[i] = strconv.FormatInt(v.DimValue, 10)
		case *onnxpb.TensorShapeProto_Dimension_DimParam:
			out[i] = sanitize(v.DimParam)
		default:
			out[i] = "?"
		}
	}
	return out
}

// DTypeName is the lower-case ONNX element type name of a value ("float", "float16", "int64"),
// or "?" when it is not a tensor of a known type.
func DTypeName(vi *onnxpb.ValueInfoProto) string {
	tt := vi.GetType().GetTensorType()
	if tt == nil {
		return "?"
	}
	return ElemTypeName(tt.GetElemType())
}

// ElemTypeName names an ONNX element type code the way the ONNX spec writes it in
// "tensor(float)".
func ElemTypeName(code int32) string {
	name, ok := onnxpb.TensorProto_DataType_name[code]
	if !ok || code == 0 {
		return "?"
	}
	return strings.ToLower(name)
}
