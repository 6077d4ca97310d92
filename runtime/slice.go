package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// Attention slicing, as diffusers' enable_attention_slicing: an unfused attention holds its
// whole heads×Lq×Lk score and probability tensors at once — 1 GiB each per batch row at
// SD 1.5's 64×64 level — while the softmax is per query row, so computing the queries in
// chunks and concatenating the results gives the same numbers with a fraction of the peak
// memory. nudge rewrites the graph: for each attention with at least sliceMinQuery queries
// at the render's latent size, MatMul(Q,Kᵀ) → [scalar scale ops] → Softmax → MatMul(P,V)
// becomes, per chunk, Slice(Q) → the same four ops, then one Concat along the query axis.

// sliceMinQuery leaves small attentions alone: slicing them saves little and adds nodes.
const sliceMinQuery = 1024

// slicedUNet returns a copy of the UNet graph at src with attention slicing for a latent of
// h×w, written once into the cache (weights stay where they are, hard-linked).
func slicedUNet(src string, h, w, slices int) (string, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	key := sha256.Sum256([]byte(fmt.Sprintf("slice|%s|%d|%d|%d|%d|%d", src, fi.Size(), fi.ModTime().UnixNano(), h, w, slices)))
	out := filepath.Join(ort.CacheDir(), "prepared", hex.EncodeToString(key[:8]), "unet", "model.onnx")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	m, err := onnxgraph.Load(src)
	if err != nil {
		return "", err
	}
	table, err := onnxgraph.FindAttention(m, h, w)
	if err != nil {
		return "", err
	}
	for _, a := range table {
		if a.QueryLen >= sliceMinQuery {
			if err := sliceOne(m, a, slices); err != nil {
				return "", fmt.Errorf("slicing %s: %w", a.Path, err)
			}
		}
	}
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	return out, m.Save(out)
}

// attentionCore is the part of one attention that slicing replaces.
type attentionCore struct {
	qk    *onnxpb.NodeProto   // MatMul(Q, Kᵀ)
	scale []*onnxpb.NodeProto // elementwise ops with a one-element operand, in order
	sm    *onnxpb.NodeProto   // Softmax over keys
	pv    *onnxpb.NodeProto   // MatMul(P, V)
	qkIn  int                 // which input of scale[0] (or sm) carries the scores
}

// findCore walks from the Softmax back to Q·Kᵀ and forward to P·V, refusing anything that
// is not safe to chunk along the query axis (a full-size mask, a second consumer).
func findCore(m *onnxgraph.Model, a onnxgraph.Attention) (*attentionCore, error) {
	prod, cons := m.Producers(), m.Consumers()
	c := &attentionCore{sm: m.Node(a.Softmax)}
	if c.sm == nil {
		return nil, fmt.Errorf("no node %q", a.Softmax)
	}
	if ax := onnxgraph.Attr(c.sm, "axis"); ax != nil && ax.GetI() != -1 {
		return nil, fmt.Errorf("softmax over axis %d, not the keys", ax.GetI())
	}
	v := c.sm.GetInput()[0]
	for {
		n := prod[v]
		if n == nil || len(cons[v]) != 1 {
			return nil, fmt.Errorf("%q is not a single-use op result", v)
		}
		if n.GetOpType() == "MatMul" {
			c.qk = n
			break
		}
		i, ok := scalarOperand(m, n)
		if !ok {
			return nil, fmt.Errorf("%s node %q between Q·Kᵀ and Softmax is not a scalar scale", n.GetOpType(), n.GetName())
		}
		c.scale = append([]*onnxpb.NodeProto{n}, c.scale...)
		v = n.GetInput()[1-i]
	}
	users := cons[c.sm.GetOutput()[0]]
	if len(users) != 1 || users[0].GetOpType() != "MatMul" || users[0].GetInput()[0] != c.sm.GetOutput()[0] {
		return nil, fmt.Errorf("softmax output is not used by P·V alone")
	}
	c.pv = users[0]
	return c, nil
}

// scalarOperand says which input of a Mul/Div/Add/Sub is a one-element constant.
func scalarOperand(m *onnxgraph.Model, n *onnxpb.NodeProto) (int, bool) {
	switch n.GetOpType() {
	case "Mul", "Div", "Add", "Sub":
	default:
		return 0, false
	}
	prod := m.Producers()
	for i, in := range n.GetInput() {
		if dims, ok := m.StaticShape(in); ok && elemCount(dims) == 1 {
			return i, true
		}
		if t := m.Initializer(in); t != nil && elemCount(t.GetDims()) == 1 {
			return i, true
		}
		if c := prod[in]; c != nil && c.GetOpType() == "Constant" {
			if v := onnxgraph.Attr(c, "value"); v != nil && elemCount(v.GetT().GetDims()) == 1 {
				return i, true
			}
		}
	}
	return 0, false
}

func elemCount(dims []int64) int64 {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	return n
}

// sliceOne rewrites one attention into n query chunks.
func sliceOne(m *onnxgraph.Model, a onnxgraph.Attention, n int) error {
	c, err := findCore(m, a)
	if err != nil {
		return err
	}
	chunk := int64(math.Ceil(float64(a.QueryLen) / float64(n)))
	prefix := a.Softmax + "/nudge_slice"
	axes := prefix + "/axes"
	inits := []*onnxpb.TensorProto{onnxgraph.TensorInt64(axes, []int64{1}, []int64{-2})}
	var nodes []*onnxpb.NodeProto
	var parts []string
	for i := int64(0); i*chunk < int64(a.QueryLen); i++ {
		p := fmt.Sprintf("%s%d", prefix, i)
		end := (i + 1) * chunk
		if end >= int64(a.QueryLen) {
			end = math.MaxInt64 // the last chunk takes whatever remains
		}
		inits = append(inits, onnxgraph.TensorInt64(p+"/starts", []int64{1}, []int64{i * chunk}),
			onnxgraph.TensorInt64(p+"/ends", []int64{1}, []int64{end}))
		chunkNodes, out := chunkNodes(c, p, axes)
		nodes = append(nodes, chunkNodes...)
		parts = append(parts, out)
	}
	nodes = append(nodes, onnxgraph.NewNode("Concat", prefix+"/Concat", parts, []string{c.pv.GetOutput()[0]}, onnxgraph.AttrInt("axis", -2)))
	for _, t := range inits {
		if err := m.AddInitializer(t); err != nil {
			return err
		}
	}
	return replaceNodes(m.Graph(), append(append([]*onnxpb.NodeProto{c.qk}, c.scale...), c.sm, c.pv), nodes)
}

// chunkNodes emits Slice(Q) → Q·Kᵀ → scale ops → Softmax → P·V for one chunk and returns
// them with the chunk's output name.
func chunkNodes(c *attentionCore, p, axes string) ([]*onnxpb.NodeProto, string) {
	q := p + "/q"
	nodes := []*onnxpb.NodeProto{
		onnxgraph.NewNode("Slice", p+"/Slice", []string{c.qk.GetInput()[0], p + "/starts", p + "/ends", axes}, []string{q}),
		onnxgraph.NewNode("MatMul", p+"/qk", []string{q, c.qk.GetInput()[1]}, []string{p + "/scores"}),
	}
	prev, from := p+"/scores", c.qk.GetOutput()[0]
	for k, s := range c.scale {
		next := fmt.Sprintf("%s/scale%d", p, k)
		clone := onnxgraph.NewNode(s.GetOpType(), next, renamed(s.GetInput(), from, prev), []string{next}, s.GetAttribute()...)
		nodes = append(nodes, clone)
		prev, from = next, s.GetOutput()[0]
	}
	probs, out := p+"/probs", p+"/out"
	nodes = append(nodes,
		onnxgraph.NewNode("Softmax", p+"/Softmax", []string{prev}, []string{probs}, c.sm.GetAttribute()...),
		onnxgraph.NewNode("MatMul", p+"/pv", []string{probs, c.pv.GetInput()[1]}, []string{out}))
	return nodes, out
}

func renamed(ins []string, from, to string) []string {
	out := append([]string(nil), ins...)
	for i, v := range out {
		if v == from {
			out[i] = to
		}
	}
	return out
}

// replaceNodes removes old and puts repl where the last of old stood, keeping the graph's
// node order topological (ORT runs chunks in that order, one after another).
func replaceNodes(g *onnxpb.GraphProto, old, repl []*onnxpb.NodeProto) error {
	drop := map[*onnxpb.NodeProto]bool{}
	for _, n := range old {
		drop[n] = true
	}
	var out []*onnxpb.NodeProto
	placed := false
	for _, n := range g.GetNode() {
		if !drop[n] {
			out = append(out, n)
			continue
		}
		if n == old[len(old)-1] {
			out = append(out, repl...)
			placed = true
		}
	}
	if !placed {
		return fmt.Errorf("P·V node not found")
	}
	g.Node = out
	return nil
}

// sliceFor makes the UNet session the attention-sliced graph for this latent size when
// Options.AttentionSlices asks for slicing; other sizes re-open it (the graph is cached).
func (m *Model) sliceFor(h, w int) error {
	if m.Options.AttentionSlices < 2 || m.slicedAt == [2]int{h, w} {
		return nil
	}
	path, err := slicedUNet(m.unetGraph, h, w, m.Options.AttentionSlices)
	if err != nil {
		return err
	}
	c, err := openComponent("unet", path, m.Options)
	if err != nil {
		return err
	}
	m.UNet.Close()
	m.UNet, m.slicedAt = c, [2]int{h, w}
	return nil
}
