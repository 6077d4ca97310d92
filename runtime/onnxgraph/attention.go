package onnxgraph

import (
	"math"
	"sort"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// Attention kinds: self-attention over the image tokens (attn1) and cross-attention to the
// text tokens (attn2).
const (
	KindSelf  = "self"
	KindCross = "cross"
)

// Attention is one attention probability tensor P = softmax(scale·QKᵀ) of a UNet, shaped
// [batch, heads, QueryLen, KeyLen] (or [batch·heads, QueryLen, KeyLen] in legacy exports);
// see docs/references.md, "SD 1.5 attention layout".
type Attention struct {
	Path     string `json:"path"`      // module path, e.g. down_blocks.2/attentions.0/transformer_blocks.0/attn2
	Kind     string `json:"kind"`      // KindSelf or KindCross; "" when neither names nor structure tell
	Softmax  string `json:"softmax"`   // the Softmax node's name
	Output   string `json:"output"`    // its output tensor, to expose with AddOutput
	Heads    int    `json:"heads"`     // 0 when unknown
	QueryLen int    `json:"query_len"` // image tokens = Height·Width; 0 when unknown
	KeyLen   int    `json:"key_len"`   // QueryLen for self-attention, text tokens for cross; 0 when unknown
	Height   int    `json:"height"`    // feature-map size at this block; 0 when unknown
	Width    int    `json:"width"`
	Factor   int    `json:"factor"` // latent size ÷ feature-map size (1, 2, 4, 8); 0 when unknown
}

// FindAttention lists every attention probability tensor of a torch-exported UNet in UNet
// order (down, mid, up blocks), for a latent of latentH×latentW. It recognises the Softmax
// between the Q·Kᵀ MatMul (possibly scaled by Mul/Div/Add) and the P·V MatMul, in both the
// SDPA and the legacy AttnProcessor export patterns, at any opset.
//
// Shapes come from the graph's static value_info when the exporter recorded them; otherwise
// from the module path's stage (down_blocks.k → 2^k, …) and the Reshape constants. A graph
// whose attention ORT fused into com.microsoft ops returns *FusedGraphError.
func FindAttention(m *Model, latentH, latentW int) ([]Attention, error) {
	fused := m.FusedOps()
	if hasFusedAttention(fused) {
		return nil, &FusedGraphError{Path: m.Path, Ops: fused}
	}
	f := newFinder(m)
	var out []Attention
	var order []int
	for i, n := range m.Graph().GetNode() {
		if n.GetOpType() != "Softmax" || normDomain(n.GetDomain()) != "" {
			continue
		}
		if a, ok := f.match(n, latentH, latentW); ok {
			out = append(out, a)
			order = append(order, i)
		}
	}
	if len(out) == 0 && len(fused) > 0 {
		return nil, &FusedGraphError{Path: m.Path, Ops: fused}
	}
	sortUNetOrder(out, order)
	return out, nil
}

// finder holds the per-graph indexes one FindAttention call needs.
type finder struct {
	m          *Model
	producers  map[string]*onnxpb.NodeProto
	consumers  map[string][]*onnxpb.NodeProto
	downBlocks int
	ctxLen     int // text tokens, from encoder_hidden_states' static shape; 0 if dynamic
}

func newFinder(m *Model) *finder {
	f := &finder{m: m, producers: m.Producers(), consumers: m.Consumers()}
	names := make([]string, 0, len(m.Graph().GetNode()))
	for _, n := range m.Graph().GetNode() {
		names = append(names, n.GetName())
	}
	f.downBlocks = countDownBlocks(names)
	if vi := m.ValueInfo(contextInput); vi != nil {
		if d := DimStrings(vi); len(d) == 3 {
			f.ctxLen = atoiOrZero(d[1])
		}
	}
	return f
}

// contextInput is the UNet input carrying the text embeddings (encoder_hidden_states in both
// exporters).
const contextInput = "encoder_hidden_states"

// scaleOps may sit between Q·Kᵀ and Softmax: the scale (Mul/Div), baddbmm's Add, a Cast to
// fp32 for upcast_softmax, or a Where mask.
var scaleOps = map[string]bool{"Mul": true, "Div": true, "Add": true, "Cast": true, "Where": true}

// match checks that a Softmax reads a MatMul (through scale ops) and feeds a MatMul.
func (f *finder) match(sm *onnxpb.NodeProto, latentH, latentW int) (Attention, bool) {
	if len(sm.GetInput()) == 0 || len(sm.GetOutput()) == 0 {
		return Attention{}, false
	}
	qk := f.upstream(sm.GetInput()[0], "MatMul", scaleOps, 3)
	if qk == nil || len(qk.GetInput()) < 2 || !f.feedsMatMul(sm.GetOutput()[0]) {
		return Attention{}, false
	}
	a := Attention{Path: modulePath(sm.GetName()), Softmax: sm.GetName(), Output: sm.GetOutput()[0]}
	a.Kind = attnKind(a.Path)
	if a.Kind == "" {
		a.Kind = f.structuralKind(qk)
	}
	a.Heads = f.heads(qk.GetInput()[0])
	f.shapes(&a, latentH, latentW)
	return a, true
}

// upstream searches back from value, through ops in via only, for the nearest producer of
// type want at most steps nodes away. It follows every input of the via ops, because
// baddbmm exports as Add(Mul(empty, 0), Mul(Q·Kᵀ, scale)) with either operand first.
func (f *finder) upstream(value, want string, via map[string]bool, steps int) *onnxpb.NodeProto {
	frontier := []string{value}
	for i := 0; i <= steps && len(frontier) > 0; i++ {
		var next []string
		for _, v := range frontier {
			n := f.producers[v]
			switch {
			case n == nil:
			case n.GetOpType() == want:
				return n
			case via[n.GetOpType()]:
				next = append(next, n.GetInput()...)
			}
		}
		frontier = next
	}
	return nil
}

// dataInput picks the input of a binary scale op that carries the tensor rather than the
// constant; for other ops it is the first input.
func (f *finder) dataInput(n *onnxpb.NodeProto) string {
	if op := n.GetOpType(); op != "Mul" && op != "Div" && op != "Add" {
		return n.GetInput()[0]
	}
	for _, in := range n.GetInput() {
		if p := f.producers[in]; p != nil && p.GetOpType() != "Constant" {
			return in
		}
	}
	return n.GetInput()[0]
}

func (f *finder) feedsMatMul(value string) bool {
	for _, c := range f.consumers[value] {
		switch c.GetOpType() {
		case "MatMul":
			return true
		case "Cast", "Dropout":
			if len(c.GetOutput()) > 0 && f.feedsMatMul(c.GetOutput()[0]) {
				return true
			}
		}
	}
	return false
}

// structuralKind tells cross- from self-attention in graphs without module names: the key
// side of a cross-attention comes from encoder_hidden_states within a few nodes.
func (f *finder) structuralKind(qk *onnxpb.NodeProto) string {
	if f.reaches(qk.GetInput()[1], contextInput, 8) {
		return KindCross
	}
	if f.m.ValueInfo(contextInput) != nil {
		return KindSelf
	}
	return ""
}

func (f *finder) reaches(value, target string, depth int) bool {
	if value == target {
		return true
	}
	n := f.producers[value]
	if n == nil || depth == 0 {
		return false
	}
	for _, in := range n.GetInput() {
		if f.reaches(in, target, depth-1) {
			return true
		}
	}
	return false
}

// headOps may sit on the query path between its [B, L, heads, d] Reshape and Q·Kᵀ.
var headOps = map[string]bool{"Mul": true, "Div": true, "Transpose": true, "Reshape": true, "Cast": true}

// heads reads the head count from the query path's 4-D Reshape constant [B, L, heads, d]
// (diffusers' head_to_batch_dim and the SDPA view both reshape so).
func (f *finder) heads(query string) int {
	value := query
	for i := 0; i < 8; i++ {
		n := f.producers[value]
		if n == nil || !headOps[n.GetOpType()] || len(n.GetInput()) == 0 {
			return 0
		}
		if n.GetOpType() == "Reshape" && len(n.GetInput()) == 2 {
			if shape, ok := f.m.constInts(n.GetInput()[1], f.producers, 0); ok && len(shape) == 4 && shape[2] > 0 {
				return int(shape[2])
			}
		}
		value = f.dataInput(n)
	}
	return 0
}

// shapes fills the lengths and feature-map size: from the Softmax output's static shape when
// recorded, else from the module path's downsampling factor.
func (f *finder) shapes(a *Attention, latentH, latentW int) {
	if dims, ok := f.m.StaticShape(a.Output); ok && len(dims) >= 3 {
		a.QueryLen, a.KeyLen = int(dims[len(dims)-2]), int(dims[len(dims)-1])
		if len(dims) == 4 && a.Heads == 0 {
			a.Heads = int(dims[1])
		}
		a.Factor = factorFromLength(a.QueryLen, latentH, latentW)
	} else {
		a.Factor = downsampleFactor(a.Path, f.downBlocks)
	}
	if a.Factor == 0 || latentH <= 0 || latentW <= 0 {
		return
	}
	a.Height, a.Width = ceilDiv(latentH, a.Factor), ceilDiv(latentW, a.Factor)
	if a.QueryLen == 0 {
		a.QueryLen = a.Height * a.Width
	}
	if a.KeyLen == 0 {
		switch a.Kind {
		case KindSelf:
			a.KeyLen = a.QueryLen
		case KindCross:
			a.KeyLen = f.ctxLen
		}
	}
}

// factorFromLength finds the power of two f with ceil(H/f)·ceil(W/f) = queryLen.
func factorFromLength(queryLen, latentH, latentW int) int {
	if latentH <= 0 || latentW <= 0 {
		return 0
	}
	for f := 1; f <= max(latentH, latentW); f *= 2 {
		if ceilDiv(latentH, f)*ceilDiv(latentW, f) == queryLen {
			return f
		}
	}
	return 0
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func atoiOrZero(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > math.MaxInt32/10 {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// sortUNetOrder orders the table by UNet module order, keeping graph order for ties.
func sortUNetOrder(as []Attention, graphOrder []int) {
	idx := make([]int, len(as))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		ki, kj := unetKeyOf(as[idx[i]].Path), unetKeyOf(as[idx[j]].Path)
		if ki != kj {
			return ki.less(kj)
		}
		return graphOrder[idx[i]] < graphOrder[idx[j]]
	})
	sorted := make([]Attention, len(as))
	for i, k := range idx {
		sorted[i] = as[k]
	}
	copy(as, sorted)
}
