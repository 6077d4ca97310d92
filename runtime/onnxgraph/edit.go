package onnxgraph

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// AddNode appends a node. Its outputs must be new names: SSA form is what lets Producers
// map each value to a single node.
func (m *Model) AddNode(n *onnxpb.NodeProto) error {
	taken := m.graphSources()
	for name := range m.Producers() {
		taken[name] = true
	}
	for _, o := range n.GetOutput() {
		if o != "" && taken[o] {
			return fmt.Errorf("cannot add node %q: value %q already exists", sanitize(n.GetName()), sanitize(o))
		}
	}
	g := m.Graph()
	g.Node = append(g.Node, n)
	return nil
}

// RemoveNode deletes the node with the given name. Values it produced disappear with it;
// removing their consumers or graph outputs is the caller's job.
func (m *Model) RemoveNode(name string) error {
	g := m.Graph()
	for i, n := range g.GetNode() {
		if n.GetName() == name {
			g.Node = append(g.Node[:i], g.Node[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("model has no node %q", sanitize(name))
}

// AddInput declares a new graph input.
func (m *Model) AddInput(vi *onnxpb.ValueInfoProto) error {
	if m.graphSources()[vi.GetName()] {
		return fmt.Errorf("cannot add input %q: the name is already an input or initializer", sanitize(vi.GetName()))
	}
	g := m.Graph()
	g.Input = append(g.Input, vi)
	return nil
}

// AddOutput exposes a value as a graph output, e.g. an attention Softmax for techniques that
// read attention maps (docs/references.md, "ONNX exports in the wild").
func (m *Model) AddOutput(vi *onnxpb.ValueInfoProto) error {
	g := m.Graph()
	for _, o := range g.GetOutput() {
		if o.GetName() == vi.GetName() {
			return fmt.Errorf("%q is already a graph output", sanitize(vi.GetName()))
		}
	}
	g.Output = append(g.Output, vi)
	return nil
}

// AddInitializer adds a constant tensor held in the model.
func (m *Model) AddInitializer(t *onnxpb.TensorProto) error {
	if m.graphSources()[t.GetName()] {
		return fmt.Errorf("cannot add initializer %q: the name is already an input or initializer", sanitize(t.GetName()))
	}
	g := m.Graph()
	g.Initializer = append(g.Initializer, t)
	return nil
}

// PromoteInitializer turns an initializer into a required graph input of the same type and
// shape, dropping its stored value, so that the caller feeds it at run time (a VJP graph's
// differentiable parameter, or a LoRA-patched weight).
func (m *Model) PromoteInitializer(name string) error {
	g := m.Graph()
	for i, t := range g.GetInitializer() {
		if t.GetName() != name {
			continue
		}
		g.Initializer = append(g.Initializer[:i], g.Initializer[i+1:]...)
		delete(m.inline, t)
		if m.isInput(name) { // IR < 4 models list initializers among the inputs already
			return nil
		}
		g.Input = append(g.Input, NewValueInfo(name, onnxpb.TensorProto_DataType(t.GetDataType()), append([]int64{}, t.GetDims()...)))
		return nil
	}
	return fmt.Errorf("model has no initializer %q to promote", sanitize(name))
}

func (m *Model) isInput(name string) bool {
	for _, in := range m.Graph().GetInput() {
		if in.GetName() == name {
			return true
		}
	}
	return false
}
