package onnxgraph

import (
	"encoding/binary"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Constructors for graph parts, shared by the demo-model generator, the VJP builder and tests.

// NewNode builds a node of the default domain.
func NewNode(op, name string, inputs, outputs []string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{OpType: op, Name: name, Input: inputs, Output: outputs, Attribute: attrs}
}

// AttrInt builds an INT attribute.
func AttrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

// AttrInts builds an INTS attribute.
func AttrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

// AttrFloat builds a FLOAT attribute.
func AttrFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

// AttrString builds a STRING attribute.
func AttrString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

// AttrTensor builds a TENSOR attribute (a Constant node's "value").
func AttrTensor(name string, t *onnxpb.TensorProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_TENSOR, T: t}
}

// Attr finds a node's attribute by name, or nil.
func Attr(n *onnxpb.NodeProto, name string) *onnxpb.AttributeProto {
	for _, a := range n.GetAttribute() {
		if a.GetName() == name {
			return a
		}
	}
	return nil
}

// TensorFloat32 builds a FLOAT tensor stored as raw_data.
func TensorFloat32(name string, dims []int64, data []float32) *onnxpb.TensorProto {
	raw := make([]byte, 4*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_FLOAT), RawData: raw}
}

// TensorFloat16 builds a FLOAT16 tensor from float32 values, rounding each to nearest-even.
func TensorFloat16(name string, dims []int64, data []float32) *onnxpb.TensorProto {
	raw := make([]byte, 2*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint16(raw[2*i:], Float32ToFloat16(v))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_FLOAT16), RawData: raw}
}

// TensorInt64 builds an INT64 tensor stored as raw_data (Reshape shapes, axes).
func TensorInt64(name string, dims []int64, data []int64) *onnxpb.TensorProto {
	raw := make([]byte, 8*len(data))
	for i, v := range data {
		binary.LittleEndian.PutUint64(raw[8*i:], uint64(v))
	}
	return &onnxpb.TensorProto{Name: name, Dims: dims, DataType: int32(onnxpb.TensorProto_INT64), RawData: raw}
}

// NewValueInfo declares a tensor value. A negative dimension is left unknown; nil dims leave
// the rank unknown too, which ORT accepts for graph outputs.
func NewValueInfo(name string, elem onnxpb.TensorProto_DataType, dims []int64) *onnxpb.ValueInfoProto {
	tt := &onnxpb.TypeProto_Tensor{ElemType: int32(elem)}
	if dims != nil {
		tt.Shape = &onnxpb.TensorShapeProto{}
		for _, d := range dims {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			if d >= 0 {
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d}
			}
			tt.Shape.Dim = append(tt.Shape.Dim, dim)
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: tt}}}
}

// SetDimParam names one dimension of a value's shape symbolically ("batch").
func SetDimParam(vi *onnxpb.ValueInfoProto, axis int, param string) {
	dims := vi.GetType().GetTensorType().GetShape().GetDim()
	if axis >= 0 && axis < len(dims) {
		dims[axis].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: param}
	}
}

// NewModel wraps a graph in a model importing the given default-domain opset and any extra
// domains (e.g. Opset("com.microsoft", 1)), with the IR version that opset needs.
func NewModel(g *onnxpb.GraphProto, opset int64, extra ...*onnxpb.OperatorSetIdProto) *Model {
	imports := append([]*onnxpb.OperatorSetIdProto{Opset("", opset)}, extra...)
	return New(&onnxpb.ModelProto{
		IrVersion:    irVersionFor(opset),
		ProducerName: "nudge",
		OpsetImport:  imports,
		Graph:        g,
	})
}

// Opset builds an opset import entry.
func Opset(domain string, version int64) *onnxpb.OperatorSetIdProto {
	return &onnxpb.OperatorSetIdProto{Domain: domain, Version: version}
}

// irVersionFor follows the ONNX versioning table (docs/Versioning.md): the IR version released
// together with each opset.
func irVersionFor(opset int64) int64 {
	switch {
	case opset <= 12:
		return 7
	case opset <= 18:
		return 8
	case opset <= 20:
		return 9
	default:
		return 10
	}
}
