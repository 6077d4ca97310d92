package onnxgraph

import (
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// mlpModel is x[2,8] → MatMul(W[8,256]) → Add(b[256]) → Relu → y: one large initializer (8 KiB,
// kept out of memory by Load) and one at the external-data threshold (1 KiB).
func mlpModel() *Model {
	g := &onnxpb.GraphProto{
		Name: "mlp",
		Node: []*onnxpb.NodeProto{
			NewNode("MatMul", "/fc/MatMul", []string{"x", "fc.weight"}, []string{"/fc/MatMul_output_0"}),
			NewNode("Add", "/fc/Add", []string{"/fc/MatMul_output_0", "fc.bias"}, []string{"/fc/Add_output_0"}),
			NewNode("Relu", "/act/Relu", []string{"/fc/Add_output_0"}, []string{"y"}),
		},
		Initializer: []*onnxpb.TensorProto{
			TensorFloat32("fc.weight", []int64{8, 256}, randomFloats(1, 8*256)),
			TensorFloat32("fc.bias", []int64{256}, randomFloats(2, 256)),
		},
		Input:  []*onnxpb.ValueInfoProto{NewValueInfo("x", onnxpb.TensorProto_FLOAT, []int64{2, 8})},
		Output: []*onnxpb.ValueInfoProto{NewValueInfo("y", onnxpb.TensorProto_FLOAT, []int64{2, 256})},
	}
	return NewModel(g, 17)
}

// mlpFeeds is a fixed input for mlpModel.
func mlpFeeds() []feed {
	return []feed{{name: "x", shape: []int64{2, 8}, data: randomFloats(3, 16)}}
}
