package onnxgraph

import (
	"container/heap"
	"fmt"
	"sort"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Producers maps each value name to the node that outputs it. It is computed on each call, so
// it always reflects the current graph; call it once per pass over a large graph.
func (m *Model) Producers() map[string]*onnxpb.NodeProto {
	out := map[string]*onnxpb.NodeProto{}
	for _, n := range m.Graph().GetNode() {
		for _, o := range n.GetOutput() {
			if o != "" {
				out[o] = n
			}
		}
	}
	return out
}

// Consumers maps each value name to the nodes that read it, in graph order.
func (m *Model) Consumers() map[string][]*onnxpb.NodeProto {
	out := map[string][]*onnxpb.NodeProto{}
	for _, n := range m.Graph().GetNode() {
		for _, in := range n.GetInput() {
			if in != "" {
				out[in] = append(out[in], n)
			}
		}
	}
	return out
}

// Node finds a node by name, or nil.
func (m *Model) Node(name string) *onnxpb.NodeProto {
	for _, n := range m.Graph().GetNode() {
		if n.GetName() == name {
			return n
		}
	}
	return nil
}

// TopoOrder returns the nodes so that each comes after the producers of its inputs, keeping
// the file order wherever the dependencies allow. It fails on a cycle or on an input that no
// node, graph input or initializer provides.
func (m *Model) TopoOrder() ([]*onnxpb.NodeProto, error) {
	nodes := m.Graph().GetNode()
	producer := map[string]int{}
	for i, n := range nodes {
		for _, o := range n.GetOutput() {
			if o != "" {
				producer[o] = i
			}
		}
	}
	available := m.graphSources()
	waiting := make([]int, len(nodes))
	dependents := make([][]int, len(nodes))
	for i, n := range nodes {
		for _, in := range n.GetInput() {
			p, ok := producer[in]
			switch {
			case in == "" || (!ok && available[in]):
			case !ok:
				return nil, fmt.Errorf("node %q reads %q, which no node, input or initializer provides", sanitize(n.GetName()), sanitize(in))
			default:
				waiting[i]++
				dependents[p] = append(dependents[p], i)
			}
		}
	}
	return kahn(nodes, waiting, dependents)
}

// kahn runs Kahn's algorithm with a min-heap on node index, so ties keep file order.
func kahn(nodes []*onnxpb.NodeProto, waiting []int, dependents [][]int) ([]*onnxpb.NodeProto, error) {
	ready := &indexHeap{}
	for i, w := range waiting {
		if w == 0 {
			heap.Push(ready, i)
		}
	}
	order := make([]*onnxpb.NodeProto, 0, len(nodes))
	for ready.Len() > 0 {
		i := heap.Pop(ready).(int)
		order = append(order, nodes[i])
		for _, d := range dependents[i] {
			if waiting[d]--; waiting[d] == 0 {
				heap.Push(ready, d)
			}
		}
	}
	if len(order) != len(nodes) {
		for i, w := range waiting {
			if w > 0 {
				return nil, fmt.Errorf("graph has a cycle through node %q", sanitize(nodes[i].GetName()))
			}
		}
	}
	return order, nil
}

type indexHeap []int

func (h indexHeap) Len() int           { return len(h) }
func (h indexHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h indexHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *indexHeap) Push(x any)        { *h = append(*h, x.(int)) }
func (h *indexHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// graphSources are the names available before any node runs: graph inputs and initializers.
func (m *Model) graphSources() map[string]bool {
	out := map[string]bool{}
	for _, in := range m.Graph().GetInput() {
		out[in.GetName()] = true
	}
	for _, t := range m.Graph().GetInitializer() {
		out[t.GetName()] = true
	}
	return out
}

// OpCount is one row of an operator histogram.
type OpCount struct {
	Op    string `json:"op"` // op_type, prefixed with its domain outside the default one
	Count int    `json:"count"`
}

// OpHistogram counts the main graph's nodes by operator, most frequent first (ties by name).
// Ops from other domains are written "domain.OpType", e.g. "com.microsoft.MultiHeadAttention".
func (m *Model) OpHistogram() []OpCount {
	counts := map[string]int{}
	for _, n := range m.Graph().GetNode() {
		counts[opKey(n)]++
	}
	out := make([]OpCount, 0, len(counts))
	for op, c := range counts {
		out = append(out, OpCount{Op: op, Count: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Op < out[j].Op
	})
	return out
}

func opKey(n *onnxpb.NodeProto) string {
	if d := normDomain(n.GetDomain()); d != "" {
		return d + "." + n.GetOpType()
	}
	return n.GetOpType()
}
