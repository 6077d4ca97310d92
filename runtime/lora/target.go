package lora

import (
	"fmt"
	"slices"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Layout says how the graph stores a weight relative to torch's [out, in…].
type Layout int

const (
	// OutIn is torch's own layout: Conv [out, in, kh, kw], Gemm with transB=1, or a named
	// weight that a Transpose feeds to MatMul.
	OutIn Layout = iota
	// InOut is the exporter's pre-transposed MatMul weight [in, out] (torch's constant folding
	// of Linear, then named onnx::MatMul_N), or Gemm with transB=0.
	InOut
)

// Target is one graph weight a LoRA module can patch.
type Target struct {
	Module      string // dotted module path, e.g. down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q
	Initializer string // the initializer's name in the graph (named or onnx::MatMul_N)
	Dims        []int64
	Layout      Layout
	Out, In     int // torch's [out, in·kh·kw]
}

// Index lists the patchable weights of a graph by dotted module path and by kohya's flattened
// path. A weight is patchable when it is an initializer feeding a MatMul (directly or through
// a 2-D Transpose), a Gemm or a Conv; its module path comes from the initializer's name when
// that is a parameter name ("…to_q.weight"), else from the consuming node's scope name
// ("/down_blocks.0/…/attn1/to_q/MatMul"), which torch's exporter writes even when it folds the
// weight into an anonymous onnx::MatMul_N.
type Index struct {
	byPath map[string]Target
	byFlat map[string]string // kohya name → dotted path
}

// NewIndex indexes g's patchable weights.
func NewIndex(g *onnxgraph.Model) *Index {
	ix := &Index{byPath: map[string]Target{}, byFlat: map[string]string{}}
	producers := g.Producers()
	for _, n := range g.Graph().GetNode() {
		t, ok := targetOf(g, n, producers)
		if !ok {
			continue
		}
		if _, dup := ix.byPath[t.Module]; dup {
			continue // shared weights: the first use decides
		}
		ix.byPath[t.Module] = t
		ix.byFlat[Flatten(t.Module)] = t.Module
	}
	return ix
}

// Len is the number of patchable weights found.
func (ix *Index) Len() int { return len(ix.byPath) }

// Lookup finds the target of a parsed key's module.
func (ix *Index) Lookup(k Key) (Target, bool) {
	path := k.Module
	if k.Flat {
		p, ok := ix.byFlat[k.Module]
		if !ok {
			return Target{}, false
		}
		path = p
	}
	t, ok := ix.byPath[path]
	return t, ok
}

func targetOf(g *onnxgraph.Model, n *onnxpb.NodeProto, producers map[string]*onnxpb.NodeProto) (Target, bool) {
	if n.GetDomain() != "" && n.GetDomain() != "ai.onnx" || len(n.GetInput()) < 2 {
		return Target{}, false
	}
	w := n.GetInput()[1]
	var layout Layout
	switch n.GetOpType() {
	case "MatMul":
		layout = InOut
		if p := producers[w]; p != nil && p.GetOpType() == "Transpose" && len(p.GetInput()) == 1 {
			w, layout = p.GetInput()[0], OutIn
		}
	case "Gemm":
		layout = InOut
		if a := onnxgraph.Attr(n, "transB"); a != nil && a.GetI() == 1 {
			layout = OutIn
		}
	case "Conv":
		layout = OutIn
	default:
		return Target{}, false
	}
	init := g.Initializer(w)
	if init == nil || !isFloat(init) {
		return Target{}, false
	}
	dims := init.GetDims()
	t := Target{Initializer: w, Dims: slices.Clone(dims), Layout: layout}
	switch {
	case n.GetOpType() == "Conv" && len(dims) == 4:
		t.Out, t.In = int(dims[0]), int(dims[1]*dims[2]*dims[3])
	case n.GetOpType() != "Conv" && len(dims) == 2 && layout == OutIn:
		t.Out, t.In = int(dims[0]), int(dims[1])
	case n.GetOpType() != "Conv" && len(dims) == 2:
		t.Out, t.In = int(dims[1]), int(dims[0])
	default:
		return Target{}, false
	}
	t.Module = modulePath(w, n.GetName())
	return t, t.Module != ""
}

func isFloat(t *onnxpb.TensorProto) bool {
	dt := onnxpb.TensorProto_DataType(t.GetDataType())
	return dt == onnxpb.TensorProto_FLOAT || dt == onnxpb.TensorProto_FLOAT16
}

// modulePath is "a.b.c" from a parameter name "a.b.c.weight", else from a scoped node name
// "/a/b/c/MatMul" (the last segment is the op); "" when neither carries a path.
func modulePath(initializer, node string) string {
	if p, ok := strings.CutSuffix(initializer, ".weight"); ok && !strings.Contains(p, "::") && validModule(p) {
		return p
	}
	if !strings.HasPrefix(node, "/") {
		return ""
	}
	segs := strings.Split(strings.TrimPrefix(node, "/"), "/")
	if len(segs) < 2 {
		return ""
	}
	p := strings.Join(segs[:len(segs)-1], ".")
	if !validModule(p) {
		return ""
	}
	return p
}

// Patch is one target with the LoRA modules (and scales) that change it.
type Patch struct {
	Target Target
	Terms  []Term
}

// Term is one module of one LoRA at a scale.
type Term struct {
	Module *Module
	Scale  float64
}

// MatchError says how much of a LoRA the graph could not place; it is the user's to fix.
type MatchError struct {
	Path      string
	Component Component
	Unmatched int
	Total     int
	Example   string
	Why       string
}

func (e *MatchError) Error() string {
	return fmt.Sprintf("lora %s: %d of %d %s modules match no weight of this model (e.g. %s: %s) — is it a LoRA for another architecture?",
		baseName(e.Path), e.Unmatched, e.Total, e.Component, clipName(e.Example), e.Why)
}

// BadInput marks the error as the user's (exit code 2).
func (e *MatchError) BadInput() bool { return true }

// Resolve places every module of f that patches comp on ix's weights, checking shapes; any
// module that finds no weight, or one of another shape, refuses the whole file.
func Resolve(f *File, comp Component, ix *Index) ([]Target, []*Module, error) {
	var targets []Target
	var mods []*Module
	var bad *MatchError
	total := 0
	for _, m := range f.Modules {
		if m.Key.Component != comp {
			continue
		}
		total++
		t, ok := ix.Lookup(m.Key)
		why := "no such module"
		if ok && (t.Out != m.Out || t.In != m.In) {
			ok, why = false, fmt.Sprintf("the model's weight is [%d, %d], the LoRA's ΔW [%d, %d]", t.Out, t.In, m.Out, m.In)
		}
		if !ok {
			if bad == nil {
				bad = &MatchError{Path: f.Path, Component: comp, Example: m.Key.Module, Why: why}
			}
			bad.Unmatched++
			continue
		}
		targets, mods = append(targets, t), append(mods, m)
	}
	if bad != nil {
		bad.Total = total
		return nil, nil, bad
	}
	return targets, mods, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}
