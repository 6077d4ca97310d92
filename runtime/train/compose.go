package train

import (
	"sort"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Compose merges two models into one graph: every tensor and node name of first gets
// firstPrefix, of second secondPrefix, and each wires entry connects an output of first
// (unprefixed key) to an input of second (unprefixed value), which stops being a graph input
// — e.g. {"last_hidden_state": "encoder_hidden_states"} feeds a text encoder into a UNet. The
// merged graph's inputs are first's then second's remaining inputs; its outputs are second's,
// then first's outputs that are not wired. Both models must import the same ai.onnx opset.
// The inputs are not modified.
func Compose(first, second *onnxpb.ModelProto, firstPrefix, secondPrefix string, wires map[string]string) (*onnxpb.ModelProto, error) {
	if err := sameOpset(first, second); err != nil {
		return nil, err
	}
	a := proto.Clone(first.GetGraph()).(*onnxpb.GraphProto)
	b := proto.Clone(second.GetGraph()).(*onnxpb.GraphProto)
	if err := prefixGraph(a, firstPrefix); err != nil {
		return nil, err
	}
	if err := prefixGraph(b, secondPrefix); err != nil {
		return nil, err
	}
	outA := map[string]bool{}
	for _, o := range a.GetOutput() {
		outA[o.GetName()] = true
	}
	wiredIn, wiredOut := map[string]string{}, map[string]bool{}
	for from, to := range wires {
		src, dst := firstPrefix+from, secondPrefix+to
		if !outA[src] {
			return nil, inputErrorf("Compose: %q is not an output of the first model", from)
		}
		if !hasInput(b, dst) {
			return nil, inputErrorf("Compose: %q is not an input of the second model", to)
		}
		wiredIn[dst], wiredOut[src] = src, true
	}
	renameUses(b, wiredIn)
	g := &onnxpb.GraphProto{Name: a.GetName() + "+" + b.GetName()}
	g.Node = append(a.Node, b.Node...)
	g.Initializer = append(a.Initializer, b.Initializer...)
	g.ValueInfo = append(a.ValueInfo, b.ValueInfo...)
	g.Input = append([]*onnxpb.ValueInfoProto{}, a.Input...)
	for _, vi := range b.Input {
		if _, wired := wiredIn[vi.GetName()]; !wired {
			g.Input = append(g.Input, vi)
		}
	}
	g.Output = append([]*onnxpb.ValueInfoProto{}, b.Output...)
	for _, vi := range a.Output {
		if !wiredOut[vi.GetName()] {
			g.Output = append(g.Output, vi)
		}
	}
	if err := checkUniqueDefs(g); err != nil {
		return nil, err
	}
	m := &onnxpb.ModelProto{IrVersion: max(first.GetIrVersion(), second.GetIrVersion()),
		ProducerName: "nudge train.Compose", Graph: g, OpsetImport: mergeOpsets(first, second)}
	return m, nil
}

func sameOpset(a, b *onnxpb.ModelProto) error {
	va, vb := opsetOf(a, ""), opsetOf(b, "")
	if va != vb {
		return inputErrorf("Compose: the models import ai.onnx opsets %d and %d; export both at the same opset", va, vb)
	}
	return nil
}

func opsetOf(m *onnxpb.ModelProto, domain string) int64 {
	for _, o := range m.GetOpsetImport() {
		if o.GetDomain() == domain || (domain == "" && o.GetDomain() == "ai.onnx") {
			return o.GetVersion()
		}
	}
	return 0
}

func mergeOpsets(a, b *onnxpb.ModelProto) []*onnxpb.OperatorSetIdProto {
	best := map[string]int64{}
	for _, o := range append(append([]*onnxpb.OperatorSetIdProto{}, a.GetOpsetImport()...), b.GetOpsetImport()...) {
		best[o.GetDomain()] = max(best[o.GetDomain()], o.GetVersion())
	}
	domains := make([]string, 0, len(best))
	for d := range best {
		domains = append(domains, d)
	}
	sort.Strings(domains)
	out := make([]*onnxpb.OperatorSetIdProto, 0, len(domains))
	for _, d := range domains {
		out = append(out, &onnxpb.OperatorSetIdProto{Domain: d, Version: best[d]})
	}
	return out
}

// prefixGraph renames every tensor and node of g; subgraphs (If, Loop) are not supported,
// since SD components have none.
func prefixGraph(g *onnxpb.GraphProto, prefix string) error {
	if prefix == "" {
		return nil
	}
	p := func(s string) string {
		if s == "" {
			return s
		}
		return prefix + s
	}
	for _, n := range g.Node {
		for _, a := range n.GetAttribute() {
			if a.GetG() != nil || len(a.GetGraphs()) > 0 {
				return inputErrorf("Compose: node %q has a subgraph; prefixing subgraphs is not supported", n.GetName())
			}
		}
		n.Name = p(n.GetName())
		for i := range n.Input {
			n.Input[i] = p(n.Input[i])
		}
		for i := range n.Output {
			n.Output[i] = p(n.Output[i])
		}
	}
	for _, t := range g.Initializer {
		t.Name = p(t.GetName())
	}
	for _, vis := range [][]*onnxpb.ValueInfoProto{g.Input, g.Output, g.ValueInfo} {
		for _, vi := range vis {
			vi.Name = p(vi.GetName())
		}
	}
	return nil
}

func hasInput(g *onnxpb.GraphProto, name string) bool {
	for _, vi := range g.GetInput() {
		if vi.GetName() == name {
			return true
		}
	}
	return false
}

// renameUses points every node input listed in to at its new name.
func renameUses(g *onnxpb.GraphProto, to map[string]string) {
	for _, n := range g.Node {
		for i, in := range n.Input {
			if r, ok := to[in]; ok {
				n.Input[i] = r
			}
		}
	}
}

// checkUniqueDefs reports a tensor defined twice (two inputs, initializers or node outputs
// with one name), which an empty or shared prefix can cause.
func checkUniqueDefs(g *onnxpb.GraphProto) error {
	seen := map[string]bool{}
	def := func(name string) error {
		if name == "" {
			return nil
		}
		if seen[name] {
			return inputErrorf("Compose: tensor %q is defined by both models; give them distinct prefixes", name)
		}
		seen[name] = true
		return nil
	}
	inits := map[string]bool{}
	for _, t := range g.Initializer {
		if err := def(t.GetName()); err != nil {
			return err
		}
		inits[t.GetName()] = true
	}
	for _, vi := range g.Input {
		if inits[vi.GetName()] {
			continue // old IR versions list initializers as inputs too
		}
		if err := def(vi.GetName()); err != nil {
			return err
		}
	}
	for _, n := range g.Node {
		for _, o := range n.Output {
			if err := def(o); err != nil {
				return err
			}
		}
	}
	return nil
}
