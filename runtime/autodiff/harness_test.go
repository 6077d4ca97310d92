package autodiff

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// tensor is a host tensor fed to or read from ORT: float32 or int64 data.
type tensor struct {
	shape []int64
	f32   []float32
	i64   []int64
}

// graphSpec builds small forward graphs for tests.
type graphSpec struct {
	opset int64
	g     *onnxpb.GraphProto
	rng   *rand.Rand
	k     int
}

func newSpec(opset int64) *graphSpec {
	return &graphSpec{opset: opset, g: &onnxpb.GraphProto{Name: "test"}, rng: rand.New(rand.NewPCG(7, uint64(opset)))}
}

func (s *graphSpec) input(name string, shape ...int64) string {
	s.g.Input = append(s.g.Input, valueInfo(name, int32(onnxpb.TensorProto_FLOAT), shape))
	return name
}

func (s *graphSpec) inputInt(name string, shape ...int64) string {
	s.g.Input = append(s.g.Input, valueInfo(name, int32(onnxpb.TensorProto_INT64), shape))
	return name
}

// weight adds a random float32 initializer with values of about unit size.
func (s *graphSpec) weight(name string, shape ...int64) string {
	vals := make([]float64, numel(shape))
	for i := range vals {
		vals[i] = s.rng.NormFloat64() * 0.7
	}
	return s.constF(name, shape, vals)
}

func (s *graphSpec) constF(name string, shape []int64, vals []float64) string {
	s.g.Initializer = append(s.g.Initializer, floatTensor(name, int32(onnxpb.TensorProto_FLOAT), shape, vals))
	return name
}

func (s *graphSpec) ints(vals ...int64) string {
	s.k++
	name := fmt.Sprintf("c%d", s.k)
	s.g.Initializer = append(s.g.Initializer, int64Tensor(name, []int64{int64(len(vals))}, vals))
	return name
}

// op adds a node with one output named like torch exports ("/op_k/Out").
func (s *graphSpec) op(opType string, ins []string, attrs ...*onnxpb.AttributeProto) string {
	return s.opN(opType, ins, 1, attrs...)[0]
}

func (s *graphSpec) opN(opType string, ins []string, n int, attrs ...*onnxpb.AttributeProto) []string {
	s.k++
	outs := make([]string, n)
	for i := range outs {
		outs[i] = fmt.Sprintf("/%s_%d/output_%d", opType, s.k, i)
	}
	s.g.Node = append(s.g.Node, &onnxpb.NodeProto{Name: fmt.Sprintf("/%s_%d", opType, s.k), OpType: opType,
		Input: ins, Output: outs, Attribute: attrs})
	return outs
}

func (s *graphSpec) output(names ...string) {
	for _, n := range names {
		s.g.Output = append(s.g.Output, &onnxpb.ValueInfoProto{Name: n, Type: floatType()})
	}
}

func floatType() *onnxpb.TypeProto {
	return &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(onnxpb.TensorProto_FLOAT)}}}
}

func (s *graphSpec) model() *onnxpb.ModelProto {
	return &onnxpb.ModelProto{IrVersion: 8, ProducerName: "autodiff-test", Graph: s.g,
		OpsetImport: []*onnxpb.OperatorSetIdProto{{Domain: "", Version: s.opset}}}
}

// session is a real ONNX Runtime session over one model with fixed input and output names.
type session struct {
	tb   testing.TB
	s    *ortgo.DynamicAdvancedSession
	ins  []string
	outs []string
}

// newSession opens m on ORT; inputs are fed in sorted name order.
func newSession(tb testing.TB, m *onnxpb.ModelProto, ins, outs []string) *session {
	tb.Helper()
	orttest.Setup(tb)
	data, err := proto.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	ins = append([]string{}, ins...)
	sort.Strings(ins)
	opts, err := ortgo.NewSessionOptions()
	if err != nil {
		tb.Fatal(err)
	}
	defer opts.Destroy()
	// One thread: the test machine is shared, and spinning pool threads only contend.
	if err := opts.SetIntraOpNumThreads(1); err != nil {
		tb.Fatal(err)
	}
	if err := opts.SetInterOpNumThreads(1); err != nil {
		tb.Fatal(err)
	}
	s, err := ortgo.NewDynamicAdvancedSessionWithONNXData(data, ins, outs, opts)
	if err != nil {
		tb.Fatalf("ORT session: %v", err)
	}
	tb.Cleanup(func() { s.Destroy() })
	return &session{tb: tb, s: s, ins: ins, outs: outs}
}

func toValue(f tensor) (ortgo.Value, error) {
	switch {
	case len(f.shape) == 0 && f.i64 != nil:
		return ortgo.NewScalar(f.i64[0])
	case len(f.shape) == 0:
		return ortgo.NewScalar(f.f32[0])
	case f.i64 != nil:
		return ortgo.NewTensor(ortgo.NewShape(f.shape...), f.i64)
	}
	return ortgo.NewTensor(ortgo.NewShape(f.shape...), f.f32)
}

// run feeds the named tensors and returns the float32 outputs.
func (s *session) run(feeds map[string]tensor) map[string]tensor {
	s.tb.Helper()
	ins := make([]ortgo.Value, len(s.ins))
	for i, n := range s.ins {
		v, err := toValue(feeds[n])
		if err != nil {
			s.tb.Fatalf("input %s: %v", n, err)
		}
		defer v.Destroy()
		ins[i] = v
	}
	res := make([]ortgo.Value, len(s.outs))
	if err := s.s.Run(ins, res); err != nil {
		s.tb.Fatalf("ORT run: %v", err)
	}
	got := map[string]tensor{}
	for i, v := range res {
		ft, ok := v.(*ortgo.Tensor[float32])
		if !ok {
			s.tb.Fatalf("output %s is not float32", s.outs[i])
		}
		got[s.outs[i]] = tensor{shape: append([]int64{}, ft.GetShape()...), f32: append([]float32{}, ft.GetData()...)}
		v.Destroy()
	}
	return got
}

// runORT runs m once on real ONNX Runtime and returns the named outputs.
func runORT(tb testing.TB, m *onnxpb.ModelProto, feeds map[string]tensor, outs []string) map[string]tensor {
	tb.Helper()
	names := make([]string, 0, len(feeds))
	for n := range feeds {
		names = append(names, n)
	}
	return newSession(tb, m, names, outs).run(feeds)
}

func randTensor(rng *rand.Rand, shape []int64, scale float64) tensor {
	t := tensor{shape: append([]int64{}, shape...), f32: make([]float32, numel(shape))}
	for i := range t.f32 {
		t.f32[i] = float32(rng.NormFloat64() * scale)
	}
	return t
}

// inputShape reads a static input shape from the model.
func inputShape(m *onnxpb.ModelProto, name string) []int64 {
	for _, vi := range m.GetGraph().GetInput() {
		if vi.GetName() == name {
			var s []int64
			for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
				s = append(s, d.GetDimValue())
			}
			return s
		}
	}
	return nil
}

// forwardProbe is the forward model with every Wrt tensor made an input (the same cut Build
// makes) and the chosen tensors as its outputs: the function the finite differences probe.
func forwardProbe(tb testing.TB, m *onnxpb.ModelProto, req Request) *onnxpb.ModelProto {
	tb.Helper()
	p := proto.Clone(m).(*onnxpb.ModelProto)
	if err := promoteWrt(p.Graph, defaultOpset(p), req); err != nil {
		tb.Fatal(err)
	}
	p.Graph.Output = nil
	for _, o := range req.Outputs {
		p.Graph.Output = append(p.Graph.Output, &onnxpb.ValueInfoProto{Name: o, Type: floatType()})
	}
	return p
}

// initialValue returns the stored value of an initializer as a tensor.
func initialValue(m *onnxpb.ModelProto, name string) (tensor, bool) {
	for _, t := range m.GetGraph().GetInitializer() {
		if t.GetName() == name {
			vals, _ := decodeFloats(t, int(numel(t.GetDims())))
			out := tensor{shape: t.GetDims(), f32: make([]float32, len(vals))}
			for i, v := range vals {
				out.f32[i] = float32(v)
			}
			return out, true
		}
	}
	return tensor{}, false
}

func dot(a, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func norm2(a []float32) float64 { return math.Sqrt(dot(a, a)) }

// gradCheck holds one model, request and feeds under test, with everything the checks
// share: the VJP graph, the upstream gradients and the VJP result.
type gradCheck struct {
	tb    testing.TB
	m     *onnxpb.ModelProto
	req   Request
	feeds map[string]tensor // forward inputs and Wrt values
	probe *session          // the forward function with Wrt as inputs and Outputs as outputs
	vjp   *onnxpb.ModelProto
	g     map[string]tensor // upstream gradient per output
	grads map[string]tensor // VJP result per Wrt
	rng   *rand.Rand
}

// newGradCheck builds the VJP graph, fills missing float inputs with random values, draws
// random upstream gradients and runs the VJP graph once.
func newGradCheck(tb testing.TB, m *onnxpb.ModelProto, req Request, feeds map[string]tensor) *gradCheck {
	tb.Helper()
	c := &gradCheck{tb: tb, m: m, req: req, feeds: map[string]tensor{}, rng: rand.New(rand.NewPCG(11, 13))}
	vjp, err := Build(m, req)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	c.vjp = vjp
	probe := forwardProbe(tb, m, req)
	for k, v := range feeds {
		c.feeds[k] = v
	}
	var probeInputs []string
	for _, vi := range probe.GetGraph().GetInput() {
		probeInputs = append(probeInputs, vi.GetName())
	}
	for _, vi := range probe.GetGraph().GetInput() {
		name := vi.GetName()
		if _, ok := c.feeds[name]; ok {
			continue
		}
		if v, ok := initialValue(m, name); ok {
			c.feeds[name] = v
			continue
		}
		shape := inputShape(probe, name)
		if p, ok := req.PinnedShapes[name]; ok {
			shape = p
		}
		c.feeds[name] = randTensor(c.rng, shape, 1)
	}
	c.probe = newSession(tb, probe, probeInputs, req.Outputs)
	fwd := c.probe.run(c.feeds)
	c.g = map[string]tensor{}
	vjpFeeds := map[string]tensor{}
	for k, v := range c.feeds {
		vjpFeeds[k] = v
	}
	for _, o := range req.Outputs {
		c.g[o] = randTensor(c.rng, fwd[o].shape, 1)
		vjpFeeds[GradInputName(o)] = c.g[o]
	}
	var outs []string
	for _, x := range req.Wrt {
		outs = append(outs, GradOutputName(x))
	}
	res := runORT(tb, vjp, vjpFeeds, outs)
	c.grads = map[string]tensor{}
	for _, x := range req.Wrt {
		gx := res[GradOutputName(x)]
		if !slices.Equal(gx.shape, c.feeds[x].shape) {
			tb.Fatalf("grad_%s has shape %v, want %v", x, gx.shape, c.feeds[x].shape)
		}
		c.grads[x] = gx
	}
	return c
}

// objective is Σ_i ⟨g_i, O_i⟩ at the given feeds, accumulated in float64.
func (c *gradCheck) objective(feeds map[string]tensor) float64 {
	out := c.probe.run(feeds)
	s := 0.0
	for _, o := range c.req.Outputs {
		s += dot(c.g[o].f32, out[o].f32)
	}
	return s
}

func (c *gradCheck) shifted(x string, v tensor, h float64) map[string]tensor {
	f := map[string]tensor{}
	for k, t := range c.feeds {
		f[k] = t
	}
	base := c.feeds[x]
	moved := tensor{shape: base.shape, f32: make([]float32, len(base.f32))}
	for i := range moved.f32 {
		moved.f32[i] = base.f32[i] + float32(h*float64(v.f32[i]))
	}
	f[x] = moved
	return f
}

// relErr compares a directional derivative with its reference. The floor ‖∇‖‖v‖/√n is the
// typical size of ⟨∇, v⟩ for a random v, so a direction that happens to be nearly
// orthogonal to the gradient does not inflate the error.
func relErr(got, want float64, grad, v []float32) float64 {
	floor := norm2(grad) * norm2(v) / math.Sqrt(float64(len(v)))
	return math.Abs(got-want) / math.Max(math.Max(math.Abs(got), math.Abs(want)), floor)
}

// central is the central difference of the objective along v with step h.
func (c *gradCheck) central(x string, v tensor, h float64) float64 {
	return (c.objective(c.shifted(x, v, h)) - c.objective(c.shifted(x, v, -h))) / (2 * h)
}

// richardson combines central differences at h and h/2 into an O(h⁴) estimate, so the
// truncation error of strongly curved ops (1/x near 0.5) stays well under the tolerance.
func (c *gradCheck) richardson(x string, v tensor, h float64) float64 {
	return (4*c.central(x, v, h/2) - c.central(x, v, h)) / 3
}

// finiteDifferences checks ⟨∇_x, v⟩ against central differences of the objective along
// dirs random directions, with step h·rms(x) (docs/autodiff.md: h ≈ 1e-2 in float32)
// refined by one Richardson step.
func (c *gradCheck) finiteDifferences(h, tol float64, dirs int) {
	c.tb.Helper()
	for _, x := range c.req.Wrt {
		base := c.feeds[x]
		scale := norm2(base.f32) / math.Sqrt(float64(len(base.f32)))
		if scale == 0 {
			scale = 1
		}
		for d := 0; d < dirs; d++ {
			v := randTensor(c.rng, base.shape, 1)
			fd := c.richardson(x, v, h*scale)
			an := dot(c.grads[x].f32, v.f32)
			if e := relErr(an, fd, c.grads[x].f32, v.f32); e > tol || math.IsNaN(e) {
				c.tb.Errorf("d/d%s along direction %d: VJP %.7g, finite differences %.7g, relative error %.2e > %.0e", x, d, an, fd, e, tol)
			}
		}
	}
}

// dotProduct is the adjoint test for outputs linear in x: ⟨g, J·v⟩ = ⟨Jᵀ·g, v⟩ with
// J·v = O(v) − O(0), exact up to float32 rounding.
func (c *gradCheck) dotProduct(tol float64) {
	c.tb.Helper()
	for _, x := range c.req.Wrt {
		base := c.feeds[x]
		v := randTensor(c.rng, base.shape, 1)
		zero := tensor{shape: base.shape, f32: make([]float32, len(base.f32))}
		c.feeds[x] = v
		fv := c.objective(c.feeds)
		c.feeds[x] = zero
		f0 := c.objective(c.feeds)
		c.feeds[x] = base
		an := dot(c.grads[x].f32, v.f32)
		if e := relErr(an, fv-f0, c.grads[x].f32, v.f32); e > tol || math.IsNaN(e) {
			c.tb.Errorf("adjoint test for %s: ⟨Jᵀg, v⟩ = %.7g, ⟨g, Jv⟩ = %.7g, relative error %.2e > %.0e", x, an, fv-f0, e, tol)
		}
	}
}
