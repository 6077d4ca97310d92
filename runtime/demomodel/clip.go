package demomodel

import (
	"fmt"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// axisNames are the dim_param names each exporter gives the dynamic axes.
type axisNames struct {
	batch, sequence, height, width string
	imageHeight, imageWidth        string
	latentHeight, latentWidth      string
}

func ioNames(layout string) axisNames {
	if layout == "diffusers" {
		return axisNames{batch: "batch", sequence: "sequence", height: "height", width: "width",
			imageHeight: "height", imageWidth: "width", latentHeight: "height", latentWidth: "width"}
	}
	return axisNames{batch: "batch_size", sequence: "sequence_length", height: "height", width: "width",
		imageHeight: "sample_height", imageWidth: "sample_width",
		latentHeight: "latent_height", latentWidth: "latent_width"}
}

// buildCLIP emits transformers' CLIPTextModel: token + position embeddings, pre-LN encoder
// layers with a causal mask and quick-GELU MLP, final LayerNorm, and the pooled output taken
// at the end-of-text token (argmax of input_ids, since <|endoftext|> has the highest id).
func buildCLIP(p Preset, o Options, ft onnxpb.TensorProto_DataType, vocabRows int64) *graph {
	g := newGraph(ft, o.opsetVersion())
	c := p.CLIP
	names := ioNames(o.Layout)
	idType := onnxpb.TensorProto_INT64
	if o.Layout == "diffusers" {
		idType = onnxpb.TensorProto_INT32
	}
	ids := g.input("input_ids", idType, sym(names.batch), sym(names.sequence))
	defer g.enter("text_model")()
	h := g.scoped("embeddings", func() string { return g.clipEmbeddings(ids, c, vocabRows) })
	mask := g.causalMask(ids)
	for i := int64(0); i < c.Layers; i++ {
		h = g.scoped("encoder", func() string {
			return g.scoped(fmt.Sprintf("layers.%d", i), func() string { return g.clipLayer(h, mask, c) })
		})
	}
	last := g.scoped("final_layer_norm", func() string { return g.layerNorm(h, c.Hidden, 1e-5) })
	pooled := g.pooled(last, ids, c.Hidden)
	g.output(last, "last_hidden_state", ft, sym(names.batch), sym(names.sequence), fixed(c.Hidden))
	g.output(pooled, "pooler_output", ft, sym(names.batch), fixed(c.Hidden))
	return g
}

func (g *graph) clipEmbeddings(ids string, c CLIPConfig, vocabRows int64) string {
	tok := g.scoped("token_embedding", func() string {
		return g.op("Gather", []string{g.param("weight", []int64{vocabRows, c.Hidden}, 0, 0.5), ids})
	})
	positions := make([]int64, c.Positions)
	for i := range positions {
		positions[i] = int64(i)
	}
	posIDs := g.op("Constant", nil, attrTensor("value", &onnxpb.TensorProto{
		Dims: []int64{1, c.Positions}, DataType: int32(onnxpb.TensorProto_INT64), Int64Data: positions}))
	posIDs = g.op("Slice", []string{posIDs, g.constInts(false, 0), g.axisLength(ids, 1), g.constInts(false, 1)})
	pos := g.scoped("position_embedding", func() string {
		return g.op("Gather", []string{g.param("weight", []int64{c.Positions, c.Hidden}, 0, 0.5), posIDs})
	})
	return g.op("Add", []string{tok, pos})
}

// causalMask is [1,L,L] with the dtype's lowest value above the diagonal (Trilu, upper, k=1),
// as transformers' _create_4d_causal_attention_mask builds it.
func (g *graph) causalMask(ids string) string {
	length := g.axisLength(ids, 1)
	square := g.op("Concat", []string{length, length}, attrInt("axis", 0))
	lowest := float32(-3.4028234663852886e38)
	if g.dtype == onnxpb.TensorProto_FLOAT16 {
		lowest = -65504
	}
	filled := g.op("ConstantOfShape", []string{square}, attrTensor("value", g.floatTensor([]int64{1}, []float32{lowest})))
	upper := g.op("Trilu", []string{filled, g.constInts(true, 1)}, attrInt("upper", 1))
	return g.unsqueeze(upper, 0)
}

func (g *graph) clipLayer(x, mask string, c CLIPConfig) string {
	n := g.scoped("layer_norm1", func() string { return g.layerNorm(x, c.Hidden, 1e-5) })
	a := g.scoped("self_attn", func() string { return g.attention(n, n, c.Hidden, c.Hidden, c.Heads, clipAttn, mask) })
	x = g.op("Add", []string{x, a})
	n = g.scoped("layer_norm2", func() string { return g.layerNorm(x, c.Hidden, 1e-5) })
	m := g.scoped("mlp", func() string {
		h := g.scoped("fc1", func() string { return g.linear(n, c.Hidden, c.MLP, true, gainUnit) })
		h = g.scoped("activation_fn", func() string { return g.quickGELU(h) })
		return g.scoped("fc2", func() string { return g.linear(h, c.MLP, c.Hidden, true, gainResidual) })
	})
	return g.op("Add", []string{x, m})
}

// pooled gathers last[n, argmax(ids[n])] — transformers casts ids to int32 before argmax.
func (g *graph) pooled(last, ids string, hidden int64) string {
	eot := g.op("ArgMax", []string{g.castTo(ids, onnxpb.TensorProto_INT32)}, attrInt("axis", -1), attrInt("keepdims", 0))
	index := g.op("Expand", []string{g.unsqueeze(eot, 1, 2), g.constInts(false, 1, 1, hidden)})
	picked := g.op("GatherElements", []string{last, index}, attrInt("axis", 1))
	return g.op("Squeeze", []string{picked, g.constInts(false, 1)})
}
