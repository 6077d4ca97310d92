package autodiff

import (
	"fmt"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// emitter appends backward nodes and constant initializers with fresh, deterministic names
// ("<scope>/vjp_<k>"), and accumulates gradient contributions per forward tensor.
type emitter struct {
	opset   int64
	used    map[string]bool // every tensor and node name already taken
	nodes   []*onnxpb.NodeProto
	inits   []*onnxpb.TensorProto
	consts  map[string]string // constant key → initializer name, so equal constants are shared
	grads   map[string][]string
	counter int
	scope   string
}

func newEmitter(g *onnxpb.GraphProto, opset int64) *emitter {
	e := &emitter{opset: opset, used: map[string]bool{}, consts: map[string]string{}, grads: map[string][]string{}}
	for _, n := range g.GetNode() {
		e.used[n.GetName()] = true
		for _, o := range n.GetOutput() {
			e.used[o] = true
		}
	}
	for _, t := range g.GetInitializer() {
		e.used[t.GetName()] = true
	}
	for _, vi := range g.GetInput() {
		e.used[vi.GetName()] = true
	}
	return e
}

// fresh returns an unused name under the current scope.
func (e *emitter) fresh(hint string) string {
	for {
		e.counter++
		name := fmt.Sprintf("%s/vjp_%s_%d", e.scope, hint, e.counter)
		if !e.used[name] {
			e.used[name] = true
			return name
		}
	}
}

// claim reserves a fixed name (graph inputs and outputs the caller asked for).
func (e *emitter) claim(name string) error {
	if e.used[name] {
		return requestErrorf("the model already has a tensor named %q; the gradient interface needs that name — rename the tensor", name)
	}
	e.used[name] = true
	return nil
}

// opN emits a node with nOut fresh outputs.
func (e *emitter) opN(opType string, ins []string, nOut int, attrs ...*onnxpb.AttributeProto) []string {
	outs := make([]string, nOut)
	for i := range outs {
		outs[i] = e.fresh(opType)
	}
	e.nodes = append(e.nodes, &onnxpb.NodeProto{OpType: opType, Name: e.fresh("node_" + opType),
		Input: append([]string{}, ins...), Output: outs, Attribute: attrs})
	return outs
}

// op emits a node with one fresh output and returns its name.
func (e *emitter) op(opType string, ins []string, attrs ...*onnxpb.AttributeProto) string {
	return e.opN(opType, ins, 1, attrs...)[0]
}

// opTo emits a node whose single output has a fixed, already claimed name.
func (e *emitter) opTo(out, opType string, ins []string, attrs ...*onnxpb.AttributeProto) {
	e.nodes = append(e.nodes, &onnxpb.NodeProto{OpType: opType, Name: e.fresh("node_" + opType),
		Input: append([]string{}, ins...), Output: []string{out}, Attribute: attrs})
}

// ints returns an int64 initializer holding vals (1-D), shared between equal requests.
func (e *emitter) ints(vals ...int64) string {
	return e.constant(int64Tensor("", []int64{int64(len(vals))}, vals))
}

// scalar returns a 0-D float constant of the given element type.
func (e *emitter) scalar(dtype int32, v float64) string {
	return e.constant(floatTensor("", dtype, nil, []float64{v}))
}

// floats returns a float constant of the given type and shape.
func (e *emitter) floats(dtype int32, dims []int64, vals []float64) string {
	return e.constant(floatTensor("", dtype, dims, vals))
}

func (e *emitter) constant(t *onnxpb.TensorProto) string {
	key := fmt.Sprintf("%d|%v|%v|%v|%v", t.DataType, t.Dims, t.Int64Data, t.FloatData, t.DoubleData)
	if name, ok := e.consts[key]; ok {
		return name
	}
	saved := e.scope
	e.scope = "vjp_const"
	t.Name = e.fresh(strings.ToLower(dtypeName(t.DataType)))
	e.scope = saved
	e.inits = append(e.inits, t)
	e.consts[key] = t.Name
	return t.Name
}

// addGrad records one contribution to the gradient of forward tensor t.
func (e *emitter) addGrad(t, g string) {
	e.grads[t] = append(e.grads[t], g)
}

// gradOf returns the total gradient of t ("" when nothing flowed back), summing fan-out
// contributions with one Sum node as ORT's gradient builder does.
func (e *emitter) gradOf(t string) string {
	gs := e.grads[t]
	switch len(gs) {
	case 0:
		return ""
	case 1:
		return gs[0]
	}
	sum := e.op("Sum", gs)
	e.grads[t] = []string{sum}
	return sum
}
