package autodiff

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// smallMLP is x [2,4] → MatMul w → Add b → Tanh → y, plus a Softmax branch z.
func smallMLP(opset int64) (*onnxpb.ModelProto, string, string) {
	s := newSpec(opset)
	x := s.input("x", 2, 4)
	h := s.op("Tanh", []string{s.op("Add", []string{s.op("MatMul", []string{x, s.weight("w", 4, 3)}), s.weight("b", 3)})})
	z := s.op("Softmax", []string{h})
	s.output(z)
	return s.model(), x, h
}

func TestBuildErrors(t *testing.T) {
	mutate := func(f func(m *onnxpb.ModelProto)) *onnxpb.ModelProto {
		m, _, _ := smallMLP(17)
		f(m)
		return m
	}
	_, _, h := smallMLP(17)
	good := Request{Wrt: []string{"x"}, Outputs: []string{h}}
	slice, sliced := sliceStep2()
	cases := []struct {
		name string
		m    *onnxpb.ModelProto
		req  Request
		want any // pointer to the expected error type
		text string
	}{
		{"no graph", &onnxpb.ModelProto{}, good, new(*ModelError), "no graph"},
		{"old opset", mutate(func(m *onnxpb.ModelProto) { m.OpsetImport[0].Version = 12 }), good, new(*ModelError), "opset 12"},
		{"empty request", mutate(func(*onnxpb.ModelProto) {}), Request{}, new(*RequestError), "at least one"},
		{"unknown wrt", mutate(func(*onnxpb.ModelProto) {}), Request{Wrt: []string{"nope"}, Outputs: good.Outputs}, new(*RequestError), `"nope"`},
		{"unknown output", mutate(func(*onnxpb.ModelProto) {}), Request{Wrt: good.Wrt, Outputs: []string{"nope"}}, new(*RequestError), `"nope"`},
		{"duplicate", mutate(func(*onnxpb.ModelProto) {}), Request{Wrt: good.Wrt, Outputs: []string{"x"}}, new(*RequestError), "twice"},
		{"symbolic dim", mutate(func(m *onnxpb.ModelProto) {
			m.Graph.Input[0].Type.GetTensorType().Shape.Dim[0].Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}
		}), good, new(*RequestError), "PinnedShapes"},
		{"pin rank", mutate(func(*onnxpb.ModelProto) {}), Request{Wrt: good.Wrt, Outputs: good.Outputs, PinnedShapes: map[string][]int64{"x": {2}}}, new(*RequestError), "rank"},
		{"pin contradicts", mutate(func(*onnxpb.ModelProto) {}), Request{Wrt: good.Wrt, Outputs: good.Outputs, PinnedShapes: map[string][]int64{"x": {3, 4}}}, new(*RequestError), "fixes it to 2"},
		{"name taken", mutate(func(m *onnxpb.ModelProto) { m.Graph.Node[0].Output[0] = "grad_x"; m.Graph.Node[1].Input[0] = "grad_x" }), good, new(*RequestError), "grad_x"},
		{"contrib op on path", mutate(func(m *onnxpb.ModelProto) {
			m.Graph.Node[2].Domain = "com.microsoft"
			m.Graph.Node[2].OpType = "FastGelu"
		}),
			good, new(*UnsupportedOpError), "com.microsoft.FastGelu"},
		{"step-2 slice", slice, Request{Wrt: []string{"x"}, Outputs: []string{sliced}}, new(*UnsupportedOpError), "step 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.m, tc.req)
			if err == nil {
				t.Fatal("Build succeeded")
			}
			if !errors.As(err, tc.want) {
				t.Fatalf("error %T (%v) is not %T", err, err, tc.want)
			}
			var bi interface{ BadInput() bool }
			if !errors.As(err, &bi) || !bi.BadInput() {
				t.Errorf("error %v does not report BadInput", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tc.text) || strings.Contains(msg, "\n") {
				t.Errorf("message %q should be one line mentioning %q", msg, tc.text)
			}
		})
	}
}

func sliceStep2() (*onnxpb.ModelProto, string) {
	s := newSpec(17)
	x := s.input("x", 6)
	y := s.op("Slice", []string{x, s.ints(0), s.ints(6), s.ints(0), s.ints(2)})
	s.output(y)
	return s.model(), y
}

// TestActivityStopsAtConstantsAndShapes: a float branch computed from another input (the
// timestep embedding's Sin) and a float scale computed from Shape (the SDPA scale) get no
// backward; an op without a rule off the path does not matter.
func TestActivityStopsAtConstantsAndShapes(t *testing.T) {
	s := newSpec(14)
	x, ts := s.input("x", 2, 3), s.input("t", 2, 1)
	emb := s.op("Sin", []string{ts})
	dim := s.op("Cast", []string{s.op("Gather", []string{s.op("Shape", []string{x}), s.ints(1)})}, intAttr("to", 1))
	scale := s.op("Sqrt", []string{dim})
	y := s.op("Div", []string{s.op("Mul", []string{x, emb}), scale})
	side := s.op("Einsum", []string{x}, stringAttr("equation", "ij->ji"))
	s.output(y, side)
	m := s.model()
	vjp, err := Build(m, Request{Wrt: []string{x}, Outputs: []string{y}})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range vjp.Graph.Node {
		if n.GetOpType() == "Cos" || n.GetOpType() == "Einsum" {
			t.Errorf("node %s (%s) should not be in the VJP graph", n.GetName(), n.GetOpType())
		}
	}
	c := newGradCheck(t, m, Request{Wrt: []string{x}, Outputs: []string{y}}, nil)
	c.finiteDifferences(1e-2, 1e-3, 2)
}

// TestInterface checks the emitted graph's inputs and outputs, KeepForwardOutputs, and that
// forward nodes past the chosen outputs are dropped.
func TestInterface(t *testing.T) {
	m, x, h := smallMLP(17)
	vjp, err := Build(m, Request{Wrt: []string{x, "w"}, Outputs: []string{h}, KeepForwardOutputs: true})
	if err != nil {
		t.Fatal(err)
	}
	names := func(vis []*onnxpb.ValueInfoProto) []string {
		var out []string
		for _, vi := range vis {
			out = append(out, vi.GetName())
		}
		return out
	}
	if got, want := strings.Join(names(vjp.Graph.Input), ","), "x,w,grad_"+h; got != want {
		t.Errorf("inputs %s, want %s", got, want)
	}
	if got, want := strings.Join(names(vjp.Graph.Output), ","), h+",grad_x,grad_w"; got != want {
		t.Errorf("outputs %s, want %s", got, want)
	}
	for _, n := range vjp.Graph.Node {
		if n.GetOpType() == "Softmax" {
			t.Errorf("the Softmax after the chosen output should be pruned")
		}
	}
	if len(m.Graph.Input) != 1 {
		t.Errorf("Build modified its input model")
	}
}

// TestUnreachableOutputGivesZeros: an output that does not depend on x has zero gradient.
func TestUnreachableOutputGivesZeros(t *testing.T) {
	s := newSpec(17)
	x, u := s.input("x", 2, 3), s.input("u", 2, 3)
	y := s.op("Exp", []string{u})
	s.output(y, s.op("Neg", []string{x}))
	c := newGradCheck(t, s.model(), Request{Wrt: []string{x}, Outputs: []string{y}}, nil)
	for i, v := range c.grads[x].f32 {
		if v != 0 {
			t.Fatalf("grad_x[%d] = %g, want 0", i, v)
		}
	}
}

// TestDeterministic: two builds give byte-identical models, and two runs of the VJP graph
// give bit-identical gradients.
func TestDeterministic(t *testing.T) {
	m := demoUNet(t, "tiny", "14")
	req := unetRequest(8, 32, attn2Down, attn2Up)
	marshal := func() []byte {
		v, err := Build(m, req)
		if err != nil {
			t.Fatal(err)
		}
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if !bytes.Equal(marshal(), marshal()) {
		t.Fatal("two builds of the same request differ")
	}
	c := newGradCheck(t, m, req, unetFeeds(m, 8, 32))
	feeds := map[string]tensor{}
	for k, v := range c.feeds {
		feeds[k] = v
	}
	for o, g := range c.g {
		feeds[GradInputName(o)] = g
	}
	again := runORT(t, c.vjp, feeds, []string{GradOutputName("sample")})[GradOutputName("sample")]
	for i, v := range again.f32 {
		if v != c.grads["sample"].f32[i] {
			t.Fatalf("second run differs at %d: %g vs %g", i, v, c.grads["sample"].f32[i])
		}
	}
}
