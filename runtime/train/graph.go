package train

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	ortgo "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/autodiff"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// GraphConfig says what to train in a forward graph that computes a loss.
type GraphConfig struct {
	// Loss is the scalar float32 tensor to minimise (LossName for the helpers' graphs).
	Loss string
	// Params are the float32 initializers to train; every other initializer stays a constant.
	Params []string
	// PinnedShapes fixes the symbolic dims of the graph inputs (batch, height, width,
	// sequence), as autodiff.Request.PinnedShapes.
	PinnedShapes map[string][]int64
	// SessionOptions are passed to ORT as they are (threads, optimisation level, the CUDA
	// provider); nil uses ORT's defaults. The caller keeps ownership.
	SessionOptions *ortgo.SessionOptions
}

// Graph is an open training graph: one ORT session computing the loss and ∂loss/∂param for
// every parameter, with the parameters held in Go memory that ORT reads in place.
type Graph struct {
	// Loss is the name of the loss tensor; Params the trained initializers, in the order of
	// GraphConfig.Params; Inputs the data inputs each batch must feed, sorted.
	Loss   string
	Params []string
	Inputs []string
	// Model is the training graph (forward + VJP) the session runs.
	Model *onnxpb.ModelProto

	dims    [][]int64
	values  []*ortgo.Tensor[float32] // current parameter values, fed each run
	grads   []*ortgo.Tensor[float32] // gradient outputs, written by each run
	session *ortgo.DynamicAdvancedSession
}

// NewGraph builds the training graph of m (not modified) and opens its session. ORT must be
// initialised (runtime/ort.Init).
func NewGraph(m *onnxpb.ModelProto, cfg GraphConfig) (*Graph, error) {
	init, err := readParams(m, cfg.Params)
	if err != nil {
		return nil, err
	}
	tm, err := autodiff.Build(m, autodiff.Request{Wrt: cfg.Params, Outputs: []string{cfg.Loss},
		KeepForwardOutputs: true, PinnedShapes: cfg.PinnedShapes})
	if err != nil {
		return nil, err
	}
	if err := seedLossGradient(tm.Graph, cfg.Loss); err != nil {
		return nil, err
	}
	dropInitializers(tm.Graph, cfg.Params)
	g := &Graph{Loss: cfg.Loss, Params: append([]string{}, cfg.Params...), Model: tm}
	isParam := map[string]bool{}
	for _, p := range cfg.Params {
		isParam[p] = true
	}
	for _, vi := range tm.Graph.GetInput() {
		if !isParam[vi.GetName()] {
			g.Inputs = append(g.Inputs, vi.GetName())
		}
	}
	sort.Strings(g.Inputs)
	if err := g.allocate(init); err != nil {
		g.Close()
		return nil, err
	}
	if err := g.open(cfg.SessionOptions); err != nil {
		g.Close()
		return nil, err
	}
	return g, nil
}

// readParams decodes the initial float32 values of the named initializers.
func readParams(m *onnxpb.ModelProto, names []string) ([]Param, error) {
	if len(names) == 0 {
		return nil, inputErrorf("no parameters to train: list at least one initializer")
	}
	byName := map[string]*onnxpb.TensorProto{}
	for _, t := range m.GetGraph().GetInitializer() {
		byName[t.GetName()] = t
	}
	out := make([]Param, len(names))
	for i, n := range names {
		t := byName[n]
		if t == nil {
			return nil, inputErrorf("parameter %q is not an initializer of the model", n)
		}
		if t.GetDataType() != int32(onnxpb.TensorProto_FLOAT) {
			return nil, inputErrorf("parameter %q is %s; training needs float32 weights (use an fp32 export)", n, onnxgraph.ElemTypeName(t.GetDataType()))
		}
		td, err := onnxgraph.TensorValue(t)
		if err != nil {
			return nil, inputErrorf("parameter %q: %v (load the model with LoadModel, which reads external data)", n, err)
		}
		vals := make([]float32, len(td.Raw)/4)
		for j := range vals {
			vals[j] = math.Float32frombits(binary.LittleEndian.Uint32(td.Raw[4*j:]))
		}
		if int64(len(vals)) != numel(t.GetDims()) {
			return nil, inputErrorf("parameter %q holds %d values for dims %v", n, len(vals), t.GetDims())
		}
		out[i] = Param{Dims: append([]int64{}, t.GetDims()...), Data: vals}
	}
	return out, nil
}

// lossOutput is the session's loss output: the loss reshaped to [1].
const lossOutput = "train/loss_1d"

// seedLossGradient replaces the upstream-gradient input of the loss by the constant 1, so
// the graph computes ∂loss/∂param directly.
func seedLossGradient(g *onnxpb.GraphProto, loss string) error {
	name := autodiff.GradInputName(loss)
	for i, vi := range g.GetInput() {
		if vi.GetName() != name {
			continue
		}
		var dims []int64
		for _, d := range vi.GetType().GetTensorType().GetShape().GetDim() {
			dims = append(dims, d.GetDimValue())
		}
		if numel(dims) != 1 || vi.GetType().GetTensorType().GetElemType() != int32(onnxpb.TensorProto_FLOAT) {
			return inputErrorf("loss %q must be a float32 scalar (its shape is %v); reduce it with ReduceMean", loss, dims)
		}
		g.Input = append(g.Input[:i:i], g.Input[i+1:]...)
		g.Initializer = append(g.Initializer, onnxgraph.TensorFloat32(name, dims, []float32{1}),
			onnxgraph.TensorInt64(lossOutput+"/shape", []int64{1}, []int64{1}))
		// onnxruntime_go cannot return a rank-0 output, so the session reads the loss as [1].
		g.Node = append(g.Node, onnxgraph.NewNode("Reshape", lossOutput, []string{loss, lossOutput + "/shape"}, []string{lossOutput}))
		g.Output = append([]*onnxpb.ValueInfoProto{onnxgraph.NewValueInfo(lossOutput, onnxpb.TensorProto_FLOAT, []int64{1})}, g.Output...)
		return nil
	}
	return fmt.Errorf("train: the VJP graph has no input %q", name)
}

// dropInitializers removes the stored values of the trained parameters: they are fed every
// run, and a default would keep a second copy of every weight in the session.
func dropInitializers(g *onnxpb.GraphProto, names []string) {
	drop := map[string]bool{}
	for _, n := range names {
		drop[n] = true
	}
	kept := g.Initializer[:0]
	for _, t := range g.Initializer {
		if !drop[t.GetName()] {
			kept = append(kept, t)
		}
	}
	g.Initializer = kept
}

// allocate creates the ORT tensors of the parameters (holding their initial values) and of
// their gradients.
func (g *Graph) allocate(init []Param) error {
	for _, p := range init {
		v, err := ortgo.NewTensor(ortgo.NewShape(p.Dims...), p.Data)
		if err != nil {
			return err
		}
		g.values = append(g.values, v)
		gr, err := ortgo.NewEmptyTensor[float32](ortgo.NewShape(p.Dims...))
		if err != nil {
			return err
		}
		g.grads = append(g.grads, gr)
		g.dims = append(g.dims, p.Dims)
	}
	return nil
}

func (g *Graph) open(so *ortgo.SessionOptions) error {
	data, err := proto.Marshal(g.Model)
	if err != nil {
		return err
	}
	ins := append(append([]string{}, g.Inputs...), g.Params...)
	outs := []string{lossOutput}
	for _, p := range g.Params {
		outs = append(outs, autodiff.GradOutputName(p))
	}
	s, err := ortgo.NewDynamicAdvancedSessionWithONNXData(data, ins, outs, so)
	if err != nil {
		return fmt.Errorf("train: ORT session for the training graph: %w", err)
	}
	g.session = s
	return nil
}

// Run computes the loss of one batch and leaves ∂loss/∂param in Grad. batch must hold every
// name in Inputs with its pinned shape.
func (g *Graph) Run(batch map[string]Tensor) (float64, error) {
	ins := make([]ortgo.Value, 0, len(g.Inputs)+len(g.values))
	var fed []ortgo.Value // the batch's values, which this run owns
	defer func() {
		for _, v := range fed {
			v.Destroy()
		}
	}()
	for _, name := range g.Inputs {
		t, ok := batch[name]
		if !ok {
			return 0, inputErrorf("the batch has no input %q (the graph needs %v)", name, g.Inputs)
		}
		v, err := t.value()
		if err != nil {
			return 0, inputErrorf("batch input %q: %v", name, err)
		}
		fed = append(fed, v)
		ins = append(ins, v)
	}
	for _, v := range g.values {
		ins = append(ins, v)
	}
	outs := make([]ortgo.Value, 1+len(g.grads))
	for i, gr := range g.grads {
		outs[1+i] = gr
	}
	if err := g.session.Run(ins, outs); err != nil {
		return 0, fmt.Errorf("train: running the training graph: %w", err)
	}
	defer outs[0].Destroy()
	lt, ok := outs[0].(*ortgo.Tensor[float32])
	if !ok || len(lt.GetData()) != 1 {
		return 0, fmt.Errorf("train: loss output %q is not a float32 scalar", g.Loss)
	}
	return float64(lt.GetData()[0]), nil
}

// Value is parameter i's current value: ORT reads this slice in place, so writing it
// changes the next run.
func (g *Graph) Value(i int) []float32 { return g.values[i].GetData() }

// Grad is ∂loss/∂param i from the last Run.
func (g *Graph) Grad(i int) []float32 { return g.grads[i].GetData() }

// Dims is parameter i's shape.
func (g *Graph) Dims(i int) []int64 { return g.dims[i] }

// Close releases the session and the tensors.
func (g *Graph) Close() {
	if g.session != nil {
		g.session.Destroy()
		g.session = nil
	}
	for _, v := range append(g.values, g.grads...) {
		v.Destroy()
	}
	g.values, g.grads = nil, nil
}
