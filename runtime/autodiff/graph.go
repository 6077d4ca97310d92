package autodiff

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// fwdGraph indexes a forward graph: nodes in topological order, who produces and who
// consumes each tensor, and the initializers.
type fwdGraph struct {
	g        *onnxpb.GraphProto
	opset    int64
	nodes    []*onnxpb.NodeProto // topological order
	producer map[string]int      // tensor → index into nodes
	inits    map[string]*onnxpb.TensorProto
	inputs   map[string]*onnxpb.ValueInfoProto
}

// nodeLabel names a node in messages: its name, or its position when unnamed.
func nodeLabel(n *onnxpb.NodeProto, idx int) string {
	if n.GetName() != "" {
		return n.GetName()
	}
	return fmt.Sprintf("#%d %s", idx, n.GetOpType())
}

// defaultOpset returns the model's ai.onnx opset version.
func defaultOpset(m *onnxpb.ModelProto) int64 {
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == "" || o.GetDomain() == "ai.onnx" {
			return o.GetVersion()
		}
	}
	return 0
}

// indexGraph sorts the nodes topologically (keeping the file order where it is already
// valid) and builds the producer table. A tensor read but never produced, and not an input
// or initializer, is a model error.
func indexGraph(g *onnxpb.GraphProto, opset int64) (*fwdGraph, error) {
	fg := &fwdGraph{g: g, opset: opset, producer: map[string]int{},
		inits: map[string]*onnxpb.TensorProto{}, inputs: map[string]*onnxpb.ValueInfoProto{}}
	for _, t := range g.GetInitializer() {
		fg.inits[t.GetName()] = t
	}
	for _, vi := range g.GetInput() {
		fg.inputs[vi.GetName()] = vi
	}
	order, err := topoOrder(g.GetNode(), func(name string) bool {
		_, isInit := fg.inits[name]
		_, isIn := fg.inputs[name]
		return isInit || isIn
	})
	if err != nil {
		return nil, err
	}
	for _, i := range order {
		n := g.GetNode()[i]
		fg.nodes = append(fg.nodes, n)
		for _, o := range n.GetOutput() {
			if o != "" {
				fg.producer[o] = len(fg.nodes) - 1
			}
		}
	}
	return fg, nil
}

// topoOrder is Kahn's algorithm over node indices, taking the lowest ready index first so
// an already sorted graph keeps its order (deterministic output).
func topoOrder(nodes []*onnxpb.NodeProto, isSource func(string) bool) ([]int, error) {
	prod := map[string]int{}
	for i, n := range nodes {
		for _, o := range n.GetOutput() {
			if o == "" {
				continue
			}
			if j, dup := prod[o]; dup {
				return nil, modelErrorf(nodeLabel(n, i), "tensor %q is also produced by node %q — ONNX graphs are single-assignment", o, nodeLabel(nodes[j], j))
			}
			prod[o] = i
		}
	}
	waiting := make([]int, len(nodes))
	users := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, in := range n.GetInput() {
			if in == "" || isSource(in) {
				continue
			}
			j, ok := prod[in]
			if !ok {
				return nil, modelErrorf(nodeLabel(n, i), "input %q is not a graph input, initializer or node output", in)
			}
			waiting[i]++
			users[j] = append(users[j], i)
		}
	}
	ready := &intHeap{}
	for i := range nodes {
		if waiting[i] == 0 {
			ready.push(i)
		}
	}
	order := make([]int, 0, len(nodes))
	for ready.len() > 0 {
		i := ready.pop()
		order = append(order, i)
		for _, u := range users[i] {
			if waiting[u]--; waiting[u] == 0 {
				ready.push(u)
			}
		}
	}
	if len(order) != len(nodes) {
		for i := range nodes {
			if waiting[i] > 0 {
				return nil, modelErrorf(nodeLabel(nodes[i], i), "the graph has a cycle through this node")
			}
		}
	}
	return order, nil
}

// intHeap is a tiny min-heap of ints (container/heap would need an interface dance for
// the same few lines).
type intHeap struct{ a []int }

func (h *intHeap) len() int { return len(h.a) }

func (h *intHeap) push(v int) {
	h.a = append(h.a, v)
	for i := len(h.a) - 1; i > 0; {
		p := (i - 1) / 2
		if h.a[p] <= h.a[i] {
			break
		}
		h.a[p], h.a[i] = h.a[i], h.a[p]
		i = p
	}
}

func (h *intHeap) pop() int {
	top := h.a[0]
	last := len(h.a) - 1
	h.a[0] = h.a[last]
	h.a = h.a[:last]
	for i := 0; ; {
		l, r, m := 2*i+1, 2*i+2, i
		if l < len(h.a) && h.a[l] < h.a[m] {
			m = l
		}
		if r < len(h.a) && h.a[r] < h.a[m] {
			m = r
		}
		if m == i {
			break
		}
		h.a[m], h.a[i] = h.a[i], h.a[m]
		i = m
	}
	return top
}
