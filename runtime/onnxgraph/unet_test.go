package onnxgraph

import (
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// unetSpec describes a miniature SD-style UNet built the way torch.onnx exports one
// (docs/references.md, "ONNX exports in the wild"): module-scoped node names, MatMul→Softmax→MatMul
// attention, and three down blocks so that stage factors are 1, 2, 4 (as 1…8 in SD1.5,
// docs/references.md).
type unetSpec struct {
	opset      int64  // 14: decomposed LayerNorm, legacy scaling after Q·Kᵀ; 17: LayerNormalization, SDPA scaling
	inCh       int    // sample channels (4 SD, 8 instruct-pix2pix, 5 depth)
	width      int    // token width, divisible by heads
	heads      int    //
	ctxDim     int    // encoder_hidden_states width (768 SD1.x, 1024 SD2.x)
	ctxLen     int    // text tokens; 0 leaves the axis dynamic
	prefix     string // "" or "/unet"
	dynamic    bool   // head reshapes built from Shape/Gather/Concat, as with dynamic axes
	anonymous  bool   // node names without module scope ("/Softmax_3")
	staticHW   [2]int // when set, record value_info for Softmax outputs at this latent size
	shapeInits bool   // shape constants as initializers instead of Constant nodes
	// dynamicWidths declares sample channels and the text width symbolic, as the diffusers
	// script does for channels.
	dynamicWidths bool
}

// unetBuilder accumulates the graph; names are unique because every node gets its scope.
type unetBuilder struct {
	s     unetSpec
	g     *onnxpb.GraphProto
	seed  uint64
	count int
}

// buildUNet returns the model; expectedBlocks lists its transformer blocks.
func buildUNet(s unetSpec) *Model {
	b := &unetBuilder{s: s, g: &onnxpb.GraphProto{Name: "main_graph"}}
	sample := NewValueInfo("sample", onnxpb.TensorProto_FLOAT, []int64{1, int64(s.inCh), -1, -1})
	SetDimParam(sample, 2, "height")
	SetDimParam(sample, 3, "width")
	ctx := NewValueInfo(contextInput, onnxpb.TensorProto_FLOAT, []int64{1, int64(s.ctxLen), int64(s.ctxDim)})
	if s.ctxLen == 0 {
		SetDimParam(ctx, 1, "sequence")
	}
	if s.dynamicWidths {
		SetDimParam(sample, 1, "channels")
		SetDimParam(ctx, 2, "hidden")
	}
	b.g.Input = []*onnxpb.ValueInfoProto{sample, NewValueInfo("timestep", onnxpb.TensorProto_FLOAT, []int64{1}), ctx}
	x := b.conv("/conv_in", "sample", s.inCh, s.width, 1)
	temb := b.node("Mul", "/time_embedding/Mul", "timestep", b.weight("time_embedding.weight", int64(s.width), 1, 1))
	x = b.node("Add", "/time_embedding/Add", x, temb)
	x = b.transformer("/down_blocks.0/attentions.0", x)
	x = b.transformer("/down_blocks.0/attentions.1", x)
	x = b.conv("/down_blocks.0/downsamplers.0/conv", x, s.width, s.width, 2)
	x = b.transformer("/down_blocks.1/attentions.0", x)
	x = b.conv("/down_blocks.1/downsamplers.0/conv", x, s.width, s.width, 2)
	x = b.conv("/down_blocks.2/resnets.0/conv1", x, s.width, s.width, 1)
	x = b.transformer("/mid_block/attentions.0", x)
	x = b.conv("/up_blocks.0/resnets.0/conv1", x, s.width, s.width, 1)
	x = b.upsample("/up_blocks.0/upsamplers.0", x)
	x = b.transformer("/up_blocks.1/attentions.0", x)
	x = b.upsample("/up_blocks.1/upsamplers.0", x)
	x = b.transformer("/up_blocks.2/attentions.0", x)
	x = b.transformer("/up_blocks.2/attentions.1", x)
	out := b.conv("/conv_out", x, s.width, s.inCh, 1)
	b.g.Node = append(b.g.Node, NewNode("Identity", "/Identity_out", []string{out}, []string{"out_sample"}))
	b.g.Output = []*onnxpb.ValueInfoProto{NewValueInfo("out_sample", onnxpb.TensorProto_FLOAT, []int64{1, int64(s.inCh), -1, -1})}
	return NewModel(b.g, s.opset)
}

// expectedBlocks lists buildUNet's transformer blocks in UNet order with their factors.
var expectedBlocks = []struct {
	path   string
	factor int
}{
	{"down_blocks.0/attentions.0", 1}, {"down_blocks.0/attentions.1", 1}, {"down_blocks.1/attentions.0", 2},
	{"mid_block/attentions.0", 4}, {"up_blocks.1/attentions.0", 2},
	{"up_blocks.2/attentions.0", 1}, {"up_blocks.2/attentions.1", 1},
}

// name gives a node its torch-style scoped name, or an anonymous one.
func (b *unetBuilder) name(scoped string) string {
	b.count++
	if b.s.anonymous {
		op := scoped[len(scoped)-len(lastPart(scoped)):]
		return fmt.Sprintf("/%s_%d", op, b.count)
	}
	return b.s.prefix + scoped
}

func lastPart(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			return s[i+1:]
		}
	}
	return s
}

// node appends a node named like torch does and returns its "<name>_output_0" value.
func (b *unetBuilder) node(op, scoped string, inputs ...string) string {
	return b.nodeAttrs(op, scoped, inputs, nil)
}

func (b *unetBuilder) nodeAttrs(op, scoped string, inputs []string, attrs []*onnxpb.AttributeProto) string {
	name := b.name(scoped)
	out := name + "_output_0"
	b.g.Node = append(b.g.Node, NewNode(op, name, inputs, []string{out}, attrs...))
	return out
}

// weight adds a reproducible random initializer, scaled down so activations stay moderate.
func (b *unetBuilder) weight(name string, dims ...int64) string {
	n := int64(1)
	for _, d := range dims {
		n *= d
	}
	b.seed++
	v := randomFloats(b.seed, int(n))
	scale := float32(1 / math.Sqrt(float64(max(dims[0], 1))))
	for i := range v {
		v[i] *= scale
	}
	b.g.Initializer = append(b.g.Initializer, TensorFloat32(name, dims, v))
	return name
}

// ints adds a Constant node holding an int64 vector, as torch exports shape constants, or
// an initializer when the spec asks for that (constant-folded exports).
func (b *unetBuilder) ints(scoped string, vals ...int64) string {
	if b.s.shapeInits {
		name := b.name(scoped) + ".value"
		b.g.Initializer = append(b.g.Initializer, TensorInt64(name, []int64{int64(len(vals))}, vals))
		return name
	}
	return b.nodeAttrs("Constant", scoped, nil, []*onnxpb.AttributeProto{AttrTensor("value", TensorInt64("", []int64{int64(len(vals))}, vals))})
}

// scalar adds a Constant node holding a float scalar.
func (b *unetBuilder) scalar(scoped string, v float32) string {
	return b.nodeAttrs("Constant", scoped, nil, []*onnxpb.AttributeProto{AttrTensor("value", TensorFloat32("", nil, []float32{v}))})
}

func (b *unetBuilder) conv(scope, x string, in, out, stride int) string {
	w := b.weight(dotted(scope)+".weight", int64(out), int64(in), 3, 3)
	bias := b.weight(dotted(scope)+".bias", int64(out))
	return b.nodeAttrs("Conv", scope+"/Conv", []string{x, w, bias}, []*onnxpb.AttributeProto{
		AttrInts("kernel_shape", 3, 3), AttrInts("pads", 1, 1, 1, 1), AttrInts("strides", int64(stride), int64(stride)),
	})
}

func (b *unetBuilder) upsample(scope, x string) string {
	scales := b.nodeAttrs("Constant", scope+"/Constant", nil, []*onnxpb.AttributeProto{
		AttrTensor("value", TensorFloat32("", []int64{4}, []float32{1, 1, 2, 2}))})
	return b.nodeAttrs("Resize", scope+"/Resize", []string{x, "", scales}, []*onnxpb.AttributeProto{AttrString("mode", "nearest")})
}

func dotted(scope string) string {
	out := []byte(scope[1:])
	for i, c := range out {
		if c == '/' {
			out[i] = '.'
		}
	}
	return string(out)
}

// transformer is Transformer2DModel with one BasicTransformerBlock: NCHW → tokens → norm1 →
// attn1 → norm2 → attn2 → NCHW.
func (b *unetBuilder) transformer(p, x string) string {
	shape := b.node("Shape", p+"/Shape", x)
	flat := b.node("Reshape", p+"/Reshape", x, b.ints(p+"/Constant", 0, int64(b.s.width), -1))
	tok := b.nodeAttrs("Transpose", p+"/Transpose", []string{flat}, []*onnxpb.AttributeProto{AttrInts("perm", 0, 2, 1)})
	tb := p + "/transformer_blocks.0"
	h := b.layerNorm(tb+"/norm1", tok)
	tok = b.node("Add", tb+"/Add", b.attention(tb+"/attn1", h, h, b.s.width), tok)
	h = b.layerNorm(tb+"/norm2", tok)
	tok = b.node("Add", tb+"/Add_1", b.attention(tb+"/attn2", h, contextInput, b.s.ctxDim), tok)
	back := b.nodeAttrs("Transpose", p+"/Transpose_1", []string{tok}, []*onnxpb.AttributeProto{AttrInts("perm", 0, 2, 1)})
	return b.node("Reshape", p+"/Reshape_1", back, shape)
}

// layerNorm is LayerNormalization at opset ≥ 17 and torch's decomposition below it.
func (b *unetBuilder) layerNorm(p, x string) string {
	gamma := b.weight(dotted(p)+".weight", int64(b.s.width))
	beta := b.weight(dotted(p)+".bias", int64(b.s.width))
	if b.s.opset >= 17 {
		return b.nodeAttrs("LayerNormalization", p+"/LayerNormalization", []string{x, gamma, beta},
			[]*onnxpb.AttributeProto{AttrInt("axis", -1), AttrFloat("epsilon", 1e-5)})
	}
	axes := []*onnxpb.AttributeProto{AttrInts("axes", -1)}
	mean := b.nodeAttrs("ReduceMean", p+"/ReduceMean", []string{x}, axes)
	d := b.node("Sub", p+"/Sub", x, mean)
	sq := b.node("Pow", p+"/Pow", d, b.scalar(p+"/Constant", 2))
	variance := b.nodeAttrs("ReduceMean", p+"/ReduceMean_1", []string{sq}, axes)
	std := b.node("Sqrt", p+"/Sqrt", b.node("Add", p+"/Add", variance, b.scalar(p+"/Constant_1", 1e-5)))
	n := b.node("Div", p+"/Div", d, std)
	return b.node("Add", p+"/Add_1", b.node("Mul", p+"/Mul", n, gamma), beta)
}

// attention builds diffusers' Attention: projections, split heads, P = softmax(QKᵀ/√d), P·V.
func (b *unetBuilder) attention(p, xq, xkv string, kvDim int) string {
	c, h := int64(b.s.width), int64(b.s.heads)
	d := c / h
	q := b.node("MatMul", p+"/to_q/MatMul", xq, b.weight(dotted(p)+".to_q.weight", c, c))
	k := b.node("MatMul", p+"/to_k/MatMul", xkv, b.weight(dotted(p)+".to_k.weight", int64(kvDim), c))
	v := b.node("MatMul", p+"/to_v/MatMul", xkv, b.weight(dotted(p)+".to_v.weight", int64(kvDim), c))
	q4 := b.node("Reshape", p+"/Reshape", q, b.headShape(p+"/q", q))
	k4 := b.node("Reshape", p+"/Reshape_1", k, b.headShape(p+"/k", k))
	v4 := b.node("Reshape", p+"/Reshape_2", v, b.headShape(p+"/v", v))
	var o string
	if b.s.opset >= 17 {
		o = b.sdpaCore(p, q4, k4, v4, d)
	} else {
		o = b.legacyCore(p, q4, k4, v4, d)
	}
	merged := b.node("Reshape", p+"/Reshape_out", o, b.ints(p+"/Constant_out", 0, -1, c))
	proj := b.node("MatMul", p+"/to_out.0/MatMul", merged, b.weight(dotted(p)+".to_out.0.weight", c, c))
	return b.node("Add", p+"/to_out.0/Add", proj, b.weight(dotted(p)+".to_out.0.bias", c))
}

// headShape is the [batch, -1, heads, d] target of the head split: a Constant, or with
// dynamic axes Concat(Unsqueeze(Gather(Shape(x), 0)), -1, heads, d).
func (b *unetBuilder) headShape(p, x string) string {
	h, d := int64(b.s.heads), int64(b.s.width/b.s.heads)
	if !b.s.dynamic {
		return b.ints(p+"/Constant", 0, -1, h, d)
	}
	index := b.nodeAttrs("Constant", p+"/Constant", nil, []*onnxpb.AttributeProto{AttrTensor("value", TensorInt64("", nil, []int64{0}))})
	batch := b.nodeAttrs("Gather", p+"/Gather", []string{b.node("Shape", p+"/Shape", x), index}, nil)
	un := b.node("Unsqueeze", p+"/Unsqueeze", batch, b.ints(p+"/Constant_1", 0))
	return b.nodeAttrs("Concat", p+"/Concat", []string{un, b.ints(p+"/Constant_2", -1), b.ints(p+"/Constant_3", h), b.ints(p+"/Constant_4", d)},
		[]*onnxpb.AttributeProto{AttrInt("axis", 0)})
}

func (b *unetBuilder) transpose(scoped, x string, perm ...int64) string {
	return b.nodeAttrs("Transpose", scoped, []string{x}, []*onnxpb.AttributeProto{AttrInts("perm", perm...)})
}

// sdpaCore is torch ≥ 2.1's SDPA export: Q and Kᵀ each scaled by √(1/√d) before the MatMul.
func (b *unetBuilder) sdpaCore(p, q4, k4, v4 string, d int64) string {
	s := float32(math.Sqrt(1 / math.Sqrt(float64(d))))
	q := b.node("Mul", p+"/Mul", b.transpose(p+"/Transpose", q4, 0, 2, 1, 3), b.scalar(p+"/Constant_s", s))
	k := b.node("Mul", p+"/Mul_1", b.transpose(p+"/Transpose_1", k4, 0, 2, 3, 1), b.scalar(p+"/Constant_s1", s))
	v := b.transpose(p+"/Transpose_2", v4, 0, 2, 1, 3)
	probs := b.softmax(p, b.node("MatMul", p+"/MatMul", q, k))
	o := b.node("MatMul", p+"/MatMul_1", probs, v)
	return b.transpose(p+"/Transpose_3", o, 0, 2, 1, 3)
}

// legacyCore is the AttnProcessor export: heads folded into the batch, Q·Kᵀ then Mul(scale)
// and baddbmm's Add of a zeroed term.
func (b *unetBuilder) legacyCore(p, q4, k4, v4 string, d int64) string {
	h := int64(b.s.heads)
	fold := func(tag, x string) string {
		return b.node("Reshape", p+"/Reshape_"+tag, b.transpose(p+"/Transpose_"+tag, x, 0, 2, 1, 3), b.ints(p+"/Constant_"+tag, h, -1, d))
	}
	q, k, v := fold("q", q4), fold("k", k4), fold("v", v4)
	scores := b.node("MatMul", p+"/MatMul", q, b.transpose(p+"/Transpose_kt", k, 0, 2, 1))
	scores = b.node("Mul", p+"/Mul", scores, b.scalar(p+"/Constant_s", float32(1/math.Sqrt(float64(d)))))
	// baddbmm(empty, q, kᵀ, beta=0, alpha=scale): the beta·empty branch comes first.
	empty := b.node("Mul", p+"/Mul_1", b.scalar(p+"/Constant_e", 0), b.scalar(p+"/Constant_z", 0))
	scores = b.node("Add", p+"/Add", empty, scores)
	o := b.node("MatMul", p+"/MatMul_1", b.softmax(p, scores), v)
	o = b.node("Reshape", p+"/Reshape_o", o, b.ints(p+"/Constant_o", 1, h, -1, d))
	return b.transpose(p+"/Transpose_o", o, 0, 2, 1, 3)
}

// softmax adds the probability node and, for staticHW specs, its value_info.
func (b *unetBuilder) softmax(p, scores string) string {
	out := b.nodeAttrs("Softmax", p+"/Softmax", []string{scores}, []*onnxpb.AttributeProto{AttrInt("axis", -1)})
	if hw := b.s.staticHW; hw[0] > 0 {
		f := blockFactor(p)
		lq := int64(ceilDiv(hw[0], f) * ceilDiv(hw[1], f))
		lk := lq
		if lastPart(p) == "attn2" {
			lk = int64(b.s.ctxLen)
		}
		dims := []int64{1, int64(b.s.heads), lq, lk}
		if b.s.opset < 17 {
			dims = dims[1:]
		}
		b.g.ValueInfo = append(b.g.ValueInfo, NewValueInfo(out, onnxpb.TensorProto_FLOAT, dims))
	}
	return out
}

// blockFactor looks a scope up in expectedBlocks.
func blockFactor(scope string) int {
	for _, e := range expectedBlocks {
		if len(scope) > len(e.path) && scope[1:len(e.path)+1] == e.path {
			return e.factor
		}
	}
	panic("unknown block " + scope)
}
