package train

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// LossName is the scalar output AddMSELoss and AddDiffusionLoss create.
const LossName = "loss"

// AppendNode adds one node computing op over inputs to m's graph and returns its output,
// named "train/<op>_<k>" with k the first free number. Attributes come from onnxgraph's
// AttrInt, AttrInts, AttrFloat, … It is how loss terms are written, e.g. a VAE's
// β·KL = β · (−½)·mean(1 + logvar − mean² − exp(logvar)) (Kingma & Welling 2014, App. B).
func AppendNode(m *onnxpb.ModelProto, op string, inputs []string, attrs ...*onnxpb.AttributeProto) string {
	g := m.GetGraph()
	used := definedNames(g)
	var out string
	for k := 0; ; k++ {
		out = fmt.Sprintf("train/%s_%d", op, k)
		if !used[out] {
			break
		}
	}
	g.Node = append(g.Node, onnxgraph.NewNode(op, out, inputs, []string{out}, attrs...))
	return out
}

// AddConstant adds a float32 scalar initializer (for a loss weight like β) and returns its
// name.
func AddConstant(m *onnxpb.ModelProto, value float32) string {
	g := m.GetGraph()
	used := definedNames(g)
	var name string
	for k := 0; ; k++ {
		name = fmt.Sprintf("train/const_%d", k)
		if !used[name] {
			break
		}
	}
	g.Initializer = append(g.Initializer, onnxgraph.TensorFloat32(name, nil, []float32{value}))
	return name
}

// AddInput declares a new graph input (a target, an ε for the reparameterisation) with the
// element type and dims (symbolic dims as DimParam) of like, and returns its name.
func AddInput(m *onnxpb.ModelProto, name string, like *onnxpb.ValueInfoProto) (string, error) {
	if definedNames(m.GetGraph())[name] {
		return "", inputErrorf("the model already has a tensor named %q", name)
	}
	vi := &onnxpb.ValueInfoProto{Name: name, Type: like.GetType()}
	m.Graph.Input = append(m.Graph.Input, vi)
	return name, nil
}

// SetLoss renames tensor t to name by an Identity and makes it a float32 graph output.
func SetLoss(m *onnxpb.ModelProto, t, name string) {
	g := m.GetGraph()
	g.Node = append(g.Node, onnxgraph.NewNode("Identity", name, []string{t}, []string{name}))
	g.Output = append(g.Output, onnxgraph.NewValueInfo(name, onnxpb.TensorProto_FLOAT, []int64{}))
}

// AddMSELoss appends mean((output − target)²) over all elements as the scalar graph output
// LossName, with target a new graph input shaped like output. m is modified.
func AddMSELoss(m *onnxpb.ModelProto, output, target string) error {
	like := graphOutput(m.GetGraph(), output)
	if like == nil {
		return inputErrorf("AddMSELoss: %q is not an output of the model", output)
	}
	if _, err := AddInput(m, target, like); err != nil {
		return err
	}
	d := AppendNode(m, "Sub", []string{output, target})
	sq := AppendNode(m, "Mul", []string{d, d})
	// No axes: ReduceMean over every axis, at every opset.
	mean := AppendNode(m, "ReduceMean", []string{sq}, onnxgraph.AttrInt("keepdims", 0))
	SetLoss(m, mean, LossName)
	return nil
}

// UNet tensor names as exporters write them (Optimum and the legacy diffusers script).
const (
	UNetSample   = "sample"
	UNetTimestep = "timestep"
	UNetOutput   = "out_sample"
	// NoiseInput is the ε target AddDiffusionLoss declares.
	NoiseInput = "noise"
)

// AddDiffusionLoss appends the ε-prediction objective ‖ε − ε_θ(x_t, t)‖² averaged over all
// elements (Ho et al. 2020, Eq. 14; diffusers train_text_to_image.py's
// F.mse_loss(model_pred, target, reduction="mean")): the MSE of the UNet's out_sample
// against a new input NoiseInput. DiffusionSource feeds matching batches.
func AddDiffusionLoss(m *onnxpb.ModelProto, prefix string) error {
	return AddMSELoss(m, prefix+UNetOutput, prefix+NoiseInput)
}

func graphOutput(g *onnxpb.GraphProto, name string) *onnxpb.ValueInfoProto {
	for _, vi := range g.GetOutput() {
		if vi.GetName() == name {
			return vi
		}
	}
	return nil
}

// definedNames is every tensor and node name of g.
func definedNames(g *onnxpb.GraphProto) map[string]bool {
	used := map[string]bool{}
	for _, vi := range g.GetInput() {
		used[vi.GetName()] = true
	}
	for _, t := range g.GetInitializer() {
		used[t.GetName()] = true
	}
	for _, n := range g.GetNode() {
		used[n.GetName()] = true
		for _, o := range n.GetOutput() {
			used[o] = true
		}
	}
	return used
}
