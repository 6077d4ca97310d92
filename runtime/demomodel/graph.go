package demomodel

import (
	"fmt"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// weightSpec describes one initializer without holding its values: they are generated
// only while the model is written, so SD 1.5's 4 GB of weights never sit in memory.
// Values are uniform in [mean-bound, mean+bound); bound 0 makes a constant fill.
type weightSpec struct {
	name  string
	key   string // seed key: the module path, stable across naming schemes
	dims  []int64
	mean  float32
	bound float32
}

func (w *weightSpec) elements() int64 {
	n := int64(1)
	for _, d := range w.dims {
		n *= d
	}
	return n
}

// graph accumulates the nodes of one component the way torch.onnx names them: every node
// is named "<module scope>/<OpType>[_k]" and its output "<node>_output_0".
type graph struct {
	dtype   onnxpb.TensorProto_DataType
	opset   int64
	nodes   []*onnxpb.NodeProto
	weights []*weightSpec
	inputs  []*onnxpb.ValueInfoProto
	outputs []*onnxpb.ValueInfoProto
	scope   []string
	counts  map[string]int
	matmulN int
}

func newGraph(dtype onnxpb.TensorProto_DataType, opset int64) *graph {
	return &graph{dtype: dtype, opset: opset, counts: map[string]int{}, matmulN: 1000}
}

// enter opens a module scope; call the returned function to leave it.
func (g *graph) enter(module string) func() {
	g.scope = append(g.scope, module)
	return func() { g.scope = g.scope[:len(g.scope)-1] }
}

func (g *graph) scopePath() string { return "/" + strings.Join(g.scope, "/") }

// modulePath is the torch parameter prefix of the current scope ("down_blocks.0.resnets.0").
func (g *graph) modulePath() string { return strings.Join(g.scope, ".") }

// nodeName numbers repeated op types within a scope as torch does: Add, Add_1, Add_2…
func (g *graph) nodeName(op string) string {
	base := g.scopePath() + "/" + op
	if len(g.scope) == 0 {
		base = "/" + op
	}
	k := g.counts[base]
	g.counts[base]++
	if k == 0 {
		return base
	}
	return fmt.Sprintf("%s_%d", base, k)
}

// op adds a single-output node and returns the output tensor name.
func (g *graph) op(opType string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	return g.opN(opType, inputs, 1, attrs...)[0]
}

// opN adds a node with n outputs.
func (g *graph) opN(opType string, inputs []string, n int, attrs ...*onnxpb.AttributeProto) []string {
	name := g.nodeName(opType)
	outs := make([]string, n)
	for i := range outs {
		outs[i] = fmt.Sprintf("%s_output_%d", name, i)
	}
	g.nodes = append(g.nodes, &onnxpb.NodeProto{
		Name: name, OpType: opType, Input: inputs, Output: outs, Attribute: attrs,
	})
	return outs
}

// param declares a trainable tensor named after the current module path, as torch's
// exporter names module parameters ("down_blocks.0.resnets.0.conv1.weight").
func (g *graph) param(leaf string, dims []int64, mean, bound float32) string {
	name := g.modulePath() + "." + leaf
	g.weights = append(g.weights, &weightSpec{name: name, key: name, dims: dims, mean: mean, bound: bound})
	return name
}

// matmulWeight declares a Linear weight stored pre-transposed [in, out]; torch's constant
// folding names such tensors "onnx::MatMul_<n>", so the demo does too.
func (g *graph) matmulWeight(in, out int64, bound float32) string {
	g.matmulN++
	name := fmt.Sprintf("onnx::MatMul_%d", g.matmulN)
	key := g.modulePath() + ".weight"
	g.weights = append(g.weights, &weightSpec{name: name, key: key, dims: []int64{in, out}, bound: bound})
	return name
}

// constInts adds a Constant node holding an int64 tensor (shape 1-D, or a scalar when
// scalar is set).
func (g *graph) constInts(scalar bool, vals ...int64) string {
	t := &onnxpb.TensorProto{DataType: int32(onnxpb.TensorProto_INT64), Int64Data: vals}
	if !scalar {
		t.Dims = []int64{int64(len(vals))}
	}
	return g.op("Constant", nil, attrTensor("value", t))
}

// constFloat adds a Constant node holding a float scalar in the graph's float type.
func (g *graph) constFloat(v float32) string {
	return g.op("Constant", nil, attrTensor("value", g.floatTensor(nil, []float32{v})))
}

// constFloats adds a Constant node holding a float tensor of the given shape.
func (g *graph) constFloats(dims []int64, vals []float32) string {
	return g.op("Constant", nil, attrTensor("value", g.floatTensor(dims, vals)))
}

func (g *graph) floatTensor(dims []int64, vals []float32) *onnxpb.TensorProto {
	t := &onnxpb.TensorProto{Dims: dims, DataType: int32(g.dtype)}
	t.RawData = encodeFloats(nil, vals, g.dtype)
	return t
}

func attrInt(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

func attrFloat(name string, v float32) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_FLOAT, F: v}
}

func attrInts(name string, v ...int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INTS, Ints: v}
}

func attrString(name, v string) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_STRING, S: []byte(v)}
}

func attrTensor(name string, t *onnxpb.TensorProto) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_TENSOR, T: t}
}

// dim is one axis of a declared graph input/output: a fixed size, or a symbolic name
// (dim_param) as torch.onnx writes for dynamic_axes.
type dim struct {
	size int64
	name string
}

func fixed(n int64) dim   { return dim{size: n} }
func sym(name string) dim { return dim{name: name} }

func valueInfo(name string, elem onnxpb.TensorProto_DataType, dims ...dim) *onnxpb.ValueInfoProto {
	shape := &onnxpb.TensorShapeProto{}
	for _, d := range dims {
		pd := &onnxpb.TensorShapeProto_Dimension{}
		if d.name != "" {
			pd.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d.name}
		} else {
			pd.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: d.size}
		}
		shape.Dim = append(shape.Dim, pd)
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{
		Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(elem), Shape: shape}},
	}}
}

// input declares a graph input and returns its name.
func (g *graph) input(name string, elem onnxpb.TensorProto_DataType, dims ...dim) string {
	g.inputs = append(g.inputs, valueInfo(name, elem, dims...))
	return name
}

// output declares tensor as a graph output called name. Like torch.onnx, it renames the
// producing node's output (and its consumers' inputs) instead of adding an Identity node.
func (g *graph) output(tensor, name string, elem onnxpb.TensorProto_DataType, dims ...dim) {
	for _, n := range g.nodes {
		for i, o := range n.Output {
			if o == tensor {
				n.Output[i] = name
			}
		}
		for i, in := range n.Input {
			if in == tensor {
				n.Input[i] = name
			}
		}
	}
	g.outputs = append(g.outputs, valueInfo(name, elem, dims...))
}
