package onnxgraph

import (
	"errors"
	"math"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

var attentionSpecs = []struct {
	name string
	spec unetSpec
}{
	{"opset14 decomposed LayerNorm", unetSpec{opset: 14, inCh: 4, width: 8, heads: 2, ctxDim: 6, ctxLen: 5}},
	{"opset14 dynamic reshapes", unetSpec{opset: 14, inCh: 4, width: 8, heads: 4, ctxDim: 6, dynamic: true}},
	{"opset17 LayerNormalization", unetSpec{opset: 17, inCh: 4, width: 8, heads: 2, ctxDim: 6, ctxLen: 5, shapeInits: true}},
	{"opset17 /unet prefix dynamic", unetSpec{opset: 17, inCh: 8, width: 12, heads: 3, ctxDim: 6, prefix: "/unet", dynamic: true}},
	{"opset17 anonymous static shapes", unetSpec{opset: 17, inCh: 4, width: 8, heads: 2, ctxDim: 6, ctxLen: 5, anonymous: true, staticHW: [2]int{12, 8}}},
}

// TestFindAttentionTable checks the finder's table against the builder's known layout.
func TestFindAttentionTable(t *testing.T) {
	const latentH, latentW = 12, 8
	for _, tc := range attentionSpecs {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindAttention(buildUNet(tc.spec), latentH, latentW)
			must(t, err)
			if len(got) != 2*len(expectedBlocks) {
				t.Fatalf("found %d attention maps, want %d", len(got), 2*len(expectedBlocks))
			}
			for i, a := range got {
				block := expectedBlocks[i/2]
				kind, attn := KindSelf, "attn1"
				if i%2 == 1 {
					kind, attn = KindCross, "attn2"
				}
				wantPath := block.path + "/transformer_blocks.0/" + attn
				if tc.spec.anonymous {
					wantPath = ""
				}
				h, w := ceilDiv(latentH, block.factor), ceilDiv(latentW, block.factor)
				keyLen := h * w
				if kind == KindCross {
					keyLen = tc.spec.ctxLen
				}
				want := Attention{Path: wantPath, Kind: kind, Heads: tc.spec.heads, QueryLen: h * w, KeyLen: keyLen,
					Height: h, Width: w, Factor: block.factor, Softmax: a.Softmax, Output: a.Output}
				if a != want {
					t.Errorf("entry %d:\n got %+v\nwant %+v", i, a, want)
				}
			}
		})
	}
}

// TestAttentionMapsInORT exposes every Softmax the finder reports as a graph output, runs the
// model in ONNX Runtime, and checks each map's shape against the table, that rows are
// probability distributions, and one cross-attention map against a float64 recomputation
// softmax(QKᵀ/√d) from the graph's own weights.
func TestAttentionMapsInORT(t *testing.T) {
	const latentH, latentW, ctxLen, ctxDim = 12, 8, 5, 6
	for _, tc := range attentionSpecs[:4] {
		t.Run(tc.name, func(t *testing.T) {
			m := buildUNet(tc.spec)
			table, err := FindAttention(m, latentH, latentW)
			must(t, err)
			outputs := []string{"out_sample"}
			for _, a := range table {
				must(t, m.AddOutput(NewValueInfo(a.Output, onnxpb.TensorProto_FLOAT, nil)))
				outputs = append(outputs, a.Output)
			}
			probe := table[len(table)-1] // up_blocks.2/attentions.1 attn2, full resolution
			qName := tc.spec.prefix + "/up_blocks.2/attentions.1/transformer_blocks.0/attn2/to_q/MatMul_output_0"
			must(t, m.AddOutput(NewValueInfo(qName, onnxpb.TensorProto_FLOAT, nil)))
			outputs = append(outputs, qName)

			path := filepath.Join(t.TempDir(), "unet.onnx")
			must(t, m.Save(path))
			ctx := randomFloats(7, ctxLen*ctxDim)
			feeds := []feed{
				{"sample", []int64{1, int64(tc.spec.inCh), latentH, latentW}, randomFloats(5, tc.spec.inCh*latentH*latentW)},
				{"timestep", []int64{1}, []float32{0.5}},
				{contextInput, []int64{1, ctxLen, ctxDim}, ctx},
			}
			data, shapes := runModel(t, path, feeds, outputs)
			for _, a := range table {
				checkMapShape(t, a, shapes[a.Output], ctxLen)
				checkRowsSumToOne(t, a.Output, data[a.Output], a.KeyLenOr(ctxLen))
			}
			wk := readFloats(t, m, "up_blocks.2.attentions.1.transformer_blocks.0.attn2.to_k.weight")
			want := crossAttention64(data[qName], ctx, wk, probe.QueryLen, ctxLen, ctxDim, tc.spec.width, tc.spec.heads)
			for i, p := range data[probe.Output] {
				if math.Abs(float64(p)-want[i]) > 1e-5 {
					t.Fatalf("P[%d] = %g from ORT, float64 softmax(QKᵀ/√d) gives %g", i, p, want[i])
				}
			}
		})
	}
}

// KeyLenOr is the key length, or fallback for a cross-attention over a dynamic text axis.
func (a Attention) KeyLenOr(fallback int) int {
	if a.KeyLen == 0 {
		return fallback
	}
	return a.KeyLen
}

func checkMapShape(t *testing.T, a Attention, shape []int64, ctxLen int) {
	t.Helper()
	want := []int64{1, int64(a.Heads), int64(a.QueryLen), int64(a.KeyLenOr(ctxLen))}
	if len(shape) == 3 { // legacy export: heads folded into the batch
		want = []int64{int64(a.Heads), int64(a.QueryLen), int64(a.KeyLenOr(ctxLen))}
	}
	if len(shape) != len(want) {
		t.Fatalf("%s: ORT shape %v, table says %v", a.Output, shape, want)
	}
	for i := range want {
		if shape[i] != want[i] {
			t.Fatalf("%s: ORT shape %v, table says %v", a.Output, shape, want)
		}
	}
}

func checkRowsSumToOne(t *testing.T, name string, p []float32, keyLen int) {
	t.Helper()
	for r := 0; r < len(p)/keyLen; r++ {
		sum := 0.0
		for _, v := range p[r*keyLen : (r+1)*keyLen] {
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-5 {
			t.Fatalf("%s row %d sums to %g", name, r, sum)
		}
	}
}

// crossAttention64 computes softmax(Q Kᵀ/√d) per head in float64, with K = ctx·Wk, laid out
// [heads, queryLen, keyLen] (the same memory order as [1, heads, …]).
func crossAttention64(q, ctx, wk []float32, queryLen, keyLen, ctxDim, width, heads int) []float64 {
	d := width / heads
	k := make([]float64, keyLen*width)
	for j := 0; j < keyLen; j++ {
		for c := 0; c < width; c++ {
			for e := 0; e < ctxDim; e++ {
				k[j*width+c] += float64(ctx[j*ctxDim+e]) * float64(wk[e*width+c])
			}
		}
	}
	out := make([]float64, heads*queryLen*keyLen)
	for h := 0; h < heads; h++ {
		for i := 0; i < queryLen; i++ {
			row := out[(h*queryLen+i)*keyLen : (h*queryLen+i+1)*keyLen]
			peak := math.Inf(-1)
			for j := range row {
				for c := h * d; c < (h+1)*d; c++ {
					row[j] += float64(q[i*width+c]) * k[j*width+c]
				}
				row[j] /= math.Sqrt(float64(d))
				peak = math.Max(peak, row[j])
			}
			sum := 0.0
			for j := range row {
				row[j] = math.Exp(row[j] - peak)
				sum += row[j]
			}
			for j := range row {
				row[j] /= sum
			}
		}
	}
	return out
}

// TestFusedGraphIsRejected builds graphs as ORT's optimizer leaves them: a com.microsoft
// MultiHeadAttention (run in ORT to prove it is a real graph) and GroupNorm/BiasSplitGelu
// without any attention Softmax. FindAttention must refuse both with a BadInput
// FusedGraphError that tells the user what export they need.
func TestFusedGraphIsRejected(t *testing.T) {
	mha := fusedMHAModel()
	path := filepath.Join(t.TempDir(), "fused.onnx")
	must(t, mha.Save(path))
	loaded, err := Load(path)
	must(t, err)
	out, shapes := runModel(t, path, []feed{{"hidden", []int64{1, 6, 8}, randomFloats(11, 48)}}, []string{"out"})
	if len(shapes["out"]) != 3 || shapes["out"][2] != 8 || len(out["out"]) != 48 {
		t.Fatalf("MultiHeadAttention output shape %v", shapes["out"])
	}
	tests := []struct {
		name    string
		m       *Model
		wantOps string
	}{
		{"MultiHeadAttention", loaded, "1× com.microsoft.MultiHeadAttention"},
		{"GroupNorm and BiasSplitGelu", fusedNormModel(), "1× com.microsoft.BiasSplitGelu, 1× com.microsoft.GroupNorm"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FindAttention(tc.m, 8, 8)
			var fe *FusedGraphError
			if !errors.As(err, &fe) {
				t.Fatalf("FindAttention error = %v, want FusedGraphError", err)
			}
			checkBadInput(t, err, tc.wantOps, "unoptimised torch.onnx export")
		})
	}
}

// fusedMHAModel is self-attention through com.microsoft MultiHeadAttention (2 heads).
func fusedMHAModel() *Model {
	g := &onnxpb.GraphProto{
		Name: "fused",
		Node: []*onnxpb.NodeProto{
			NewNode("MatMul", "/attn1/to_q/MatMul", []string{"hidden", "wq"}, []string{"q"}),
			NewNode("MatMul", "/attn1/to_k/MatMul", []string{"hidden", "wk"}, []string{"k"}),
			NewNode("MatMul", "/attn1/to_v/MatMul", []string{"hidden", "wv"}, []string{"v"}),
			{OpType: "MultiHeadAttention", Domain: "com.microsoft", Name: "MultiHeadAttention_0",
				Input: []string{"q", "k", "v"}, Output: []string{"out"}, Attribute: []*onnxpb.AttributeProto{AttrInt("num_heads", 2)}},
		},
		Initializer: []*onnxpb.TensorProto{
			TensorFloat32("wq", []int64{8, 8}, randomFloats(12, 64)),
			TensorFloat32("wk", []int64{8, 8}, randomFloats(13, 64)),
			TensorFloat32("wv", []int64{8, 8}, randomFloats(14, 64)),
		},
		Input:  []*onnxpb.ValueInfoProto{NewValueInfo("hidden", onnxpb.TensorProto_FLOAT, []int64{1, 6, 8})},
		Output: []*onnxpb.ValueInfoProto{NewValueInfo("out", onnxpb.TensorProto_FLOAT, []int64{1, 6, 8})},
	}
	return NewModel(g, 17, Opset("com.microsoft", 1))
}

// fusedNormModel has the UNet's other fusions and no attention at all.
func fusedNormModel() *Model {
	g := &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{
			{OpType: "GroupNorm", Domain: "com.microsoft", Name: "GroupNorm_0", Input: []string{"x", "gamma", "beta"}, Output: []string{"n"}},
			{OpType: "BiasSplitGelu", Domain: "com.microsoft", Name: "BiasSplitGelu_0", Input: []string{"n", "bias"}, Output: []string{"y"}},
		},
		Input:  []*onnxpb.ValueInfoProto{NewValueInfo("x", onnxpb.TensorProto_FLOAT16, []int64{1, 8, 8, 320})},
		Output: []*onnxpb.ValueInfoProto{NewValueInfo("y", onnxpb.TensorProto_FLOAT16, nil)},
	}
	return NewModel(g, 17, Opset("com.microsoft", 1))
}
