package demomodel

import (
	"encoding/binary"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"math"
	"os"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	ortgo "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"
)

// feed is one graph input for a test run: its concrete shape and values (floats are
// converted to the model's declared float type; ints to the declared int type).
type feed struct {
	name   string
	shape  []int64
	floats []float32
	ints   []int64
}

// result is one graph output as float32, with the shape ORT produced.
type result struct {
	shape []int64
	data  []float32
}

// declaredIO reads model.onnx's declared graph inputs and outputs.
func declaredIO(t testing.TB, path string) (ins, outs []*onnxpb.ValueInfoProto) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m.Graph.Input, m.Graph.Output
}

func elemType(v *onnxpb.ValueInfoProto) onnxpb.TensorProto_DataType {
	return onnxpb.TensorProto_DataType(v.Type.GetTensorType().ElemType)
}

func declaredDims(v *onnxpb.ValueInfoProto) []*onnxpb.TensorShapeProto_Dimension {
	return v.Type.GetTensorType().GetShape().GetDim()
}

// preparedGraph is an ORT session with its input and output tensors allocated. Outputs are
// preallocated at the expected shapes, so ORT itself rejects a produced shape that differs.
type preparedGraph struct {
	session         *ortgo.DynamicAdvancedSession
	inputs, outputs []ortgo.Value
	outNames        []string
	want            map[string][]int64
}

// newBenchSession prepares path for repeated runs (see preparedGraph).
func newBenchSession(t testing.TB, path string, feeds []feed, want map[string][]int64) *preparedGraph {
	t.Helper()
	path = widenScalarFloat16Inputs(t, path)
	ins, outs := declaredIO(t, path)
	byName := map[string]feed{}
	for _, f := range feeds {
		byName[f.name] = f
	}
	p := &preparedGraph{want: want}
	var inNames []string
	for _, in := range ins {
		f, ok := byName[in.Name]
		if !ok {
			t.Fatalf("%s: test gave no value for declared input %q", path, in.Name)
		}
		inNames = append(inNames, in.Name)
		p.inputs = append(p.inputs, newValue(t, elemType(in), f))
	}
	for _, out := range outs {
		shape, ok := want[out.Name]
		if !ok {
			t.Fatalf("%s: unexpected declared output %q", path, out.Name)
		}
		p.outNames = append(p.outNames, out.Name)
		p.outputs = append(p.outputs, newValue(t, elemType(out), feed{shape: shape}))
	}
	var err error
	if p.session, err = ortgo.NewDynamicAdvancedSession(path, inNames, p.outNames, nil); err != nil {
		p.close()
		t.Fatalf("%s: %v", path, err)
	}
	return p
}

func (p *preparedGraph) run(t testing.TB) {
	t.Helper()
	if err := p.session.Run(p.inputs, p.outputs); err != nil {
		t.Fatal(err)
	}
}

func (p *preparedGraph) results(t testing.TB) map[string]result {
	res := map[string]result{}
	for i, name := range p.outNames {
		res[name] = result{shape: p.want[name], data: floatsOf(t, p.outputs[i])}
	}
	return res
}

func (p *preparedGraph) close() {
	for _, v := range append(p.inputs, p.outputs...) {
		v.Destroy()
	}
	if p.session != nil {
		p.session.Destroy()
	}
}

// runGraph runs the model at path once in ORT with the given feeds.
func runGraph(t testing.TB, path string, feeds []feed, want map[string][]int64) map[string]result {
	t.Helper()
	p := newBenchSession(t, path, feeds, want)
	defer p.close()
	p.run(t)
	return p.results(t)
}

func numel(shape []int64) int64 {
	n := int64(1)
	for _, d := range shape {
		n *= d
	}
	return n
}

// newValue makes an ORT tensor of the declared element type; without data it is zeroed.
func newValue(t testing.TB, dt onnxpb.TensorProto_DataType, f feed) ortgo.Value {
	t.Helper()
	n := numel(f.shape)
	shape := ortgo.NewShape(f.shape...)
	var v ortgo.Value
	var err error
	if len(f.shape) == 0 {
		return newScalar(t, dt, f)
	}
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		data := make([]float32, n)
		copy(data, f.floats)
		v, err = ortgo.NewTensor(shape, data)
	case onnxpb.TensorProto_FLOAT16:
		raw := make([]byte, 2*n)
		for i, x := range f.floats {
			binary.LittleEndian.PutUint16(raw[2*i:], onnxgraph.Float32ToFloat16(x))
		}
		v, err = ortgo.NewCustomDataTensor(shape, raw, ortgo.TensorElementDataTypeFloat16)
	case onnxpb.TensorProto_INT64:
		data := make([]int64, n)
		copy(data, f.ints)
		v, err = ortgo.NewTensor(shape, data)
	case onnxpb.TensorProto_INT32:
		data := make([]int32, n)
		for i, x := range f.ints {
			data[i] = int32(x)
		}
		v, err = ortgo.NewTensor(shape, data)
	default:
		t.Fatalf("unexpected element type %v", dt)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// newScalar makes a rank-0 tensor. onnxruntime_go v1.27.0 cannot make a float16 scalar
// (CustomDataTensor needs at least one dimension); see widenScalarFloat16Inputs.
func newScalar(t testing.TB, dt onnxpb.TensorProto_DataType, f feed) ortgo.Value {
	t.Helper()
	var v ortgo.Value
	var err error
	switch dt {
	case onnxpb.TensorProto_FLOAT:
		v, err = ortgo.NewScalar(f.floats[0])
	case onnxpb.TensorProto_INT64:
		v, err = ortgo.NewScalar(f.ints[0])
	default:
		t.Fatalf("no rank-0 %v tensors in onnxruntime_go", dt)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// widenScalarFloat16Inputs rewrites a copy of the model beside it so every rank-0 float16
// input is declared float32 and Cast to float16 inside — the edit a Go runtime on
// onnxruntime_go v1.27.0 must make to feed an Optimum fp16 UNet's scalar timestep. It
// returns the copy's path, or path unchanged when no input needs it.
func widenScalarFloat16Inputs(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m onnxpb.ModelProto
	if err := proto.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	changed := false
	for _, in := range m.Graph.Input {
		tt := in.Type.GetTensorType()
		if tt.ElemType != int32(onnxpb.TensorProto_FLOAT16) || len(tt.GetShape().GetDim()) != 0 {
			continue
		}
		changed = true
		narrow := in.Name + "_float16"
		for _, n := range m.Graph.Node {
			for i, x := range n.Input {
				if x == in.Name {
					n.Input[i] = narrow
				}
			}
		}
		cast := &onnxpb.NodeProto{Name: "/" + narrow + "/Cast", OpType: "Cast", Input: []string{in.Name},
			Output: []string{narrow}, Attribute: []*onnxpb.AttributeProto{attrInt("to", int64(onnxpb.TensorProto_FLOAT16))}}
		m.Graph.Node = append([]*onnxpb.NodeProto{cast}, m.Graph.Node...)
		tt.ElemType = int32(onnxpb.TensorProto_FLOAT)
	}
	if !changed {
		return path
	}
	out, err := proto.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	widened := path + ".widened.onnx"
	if err := os.WriteFile(widened, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return widened
}

func floatsOf(t testing.TB, v ortgo.Value) []float32 {
	switch x := v.(type) {
	case *ortgo.Tensor[float32]:
		return append([]float32(nil), x.GetData()...)
	case *ortgo.CustomDataTensor:
		raw := x.GetData()
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = onnxgraph.Float16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return out
	}
	t.Fatalf("unexpected output value %T", v)
	return nil
}

// stats summarises a tensor for sanity checks.
type stats struct {
	mean, std, maxAbs float64
	nonFinite         int
}

func summarize(x []float32) stats {
	var s stats
	var sum, sq float64
	for _, v := range x {
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			s.nonFinite++
			continue
		}
		sum += f
		sq += f * f
		s.maxAbs = math.Max(s.maxAbs, math.Abs(f))
	}
	n := float64(len(x) - s.nonFinite)
	s.mean = sum / n
	s.std = math.Sqrt(math.Max(sq/n-s.mean*s.mean, 0))
	return s
}

// randn gives n approximately standard-normal values (Irwin–Hall sum of 12 uniforms).
func randn(n int, seed uint64) []float32 {
	r := &splitMix64{state: seed}
	out := make([]float32, n)
	for i := range out {
		var s float32
		for k := 0; k < 12; k++ {
			s += (r.symmetric() + 1) / 2
		}
		out[i] = s - 6
	}
	return out
}
