package demomodel

import (
	"fmt"
	"strings"
	"testing"
)

// graphOf builds one component's graph for validated options, without weights.
func graphOf(t *testing.T, o Options, path string) *graph {
	t.Helper()
	o, err := o.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	comps, _ := plan(o)
	for _, c := range comps {
		if c.path == path {
			return c.graph
		}
	}
	t.Fatalf("no component %s", path)
	return nil
}

func nodeNames(g *graph) map[string]string {
	m := map[string]string{}
	for _, n := range g.nodes {
		m[n.Name] = n.OpType
	}
	return m
}

// TestSD15AttentionLayout checks the sd15 UNet's cross-attention Softmax nodes against the
// SD 1.5 layout table in docs/references.md ("SD 1.5 attention layout"): 16 transformer blocks,
// named by module path, each with attn1/attn2 MatMul → Softmax → MatMul_1.
func TestSD15AttentionLayout(t *testing.T) {
	g := graphOf(t, Options{Preset: "sd15"}, "unet/model.onnx")
	names := nodeNames(g)
	var want []string
	for b := 0; b < 3; b++ {
		for a := 0; a < 2; a++ {
			want = append(want, fmt.Sprintf("/down_blocks.%d/attentions.%d", b, a))
		}
	}
	want = append(want, "/mid_block/attentions.0")
	for b := 1; b < 4; b++ {
		for a := 0; a < 3; a++ {
			want = append(want, fmt.Sprintf("/up_blocks.%d/attentions.%d", b, a))
		}
	}
	for _, prefix := range want {
		for _, attn := range []string{"attn1", "attn2"} {
			base := prefix + "/transformer_blocks.0/" + attn
			for node, op := range map[string]string{
				base + "/MatMul": "MatMul", base + "/Softmax": "Softmax", base + "/MatMul_1": "MatMul",
				base + "/to_q/MatMul": "MatMul", base + "/to_out.0/MatMul": "MatMul",
			} {
				if names[node] != op {
					t.Errorf("node %s: op %q, want %s", node, names[node], op)
				}
			}
		}
	}
	softmax := 0
	for name, op := range names {
		if op == "Softmax" && strings.Contains(name, "/attn2/") {
			softmax++
		}
	}
	if softmax != 16 {
		t.Errorf("%d cross-attention Softmax nodes, want 16", softmax)
	}
}

func TestOpPatterns(t *testing.T) {
	cases := []struct {
		opset       string
		path        string
		mustHave    []string
		mustNotHave []string
	}{
		{"17", "unet/model.onnx", []string{"InstanceNormalization", "LayerNormalization", "Erf", "Sigmoid", "Resize", "Concat", "Sin", "Cos"}, []string{"ReduceMean"}},
		{"14", "unet/model.onnx", []string{"InstanceNormalization", "ReduceMean", "Pow", "Sqrt", "Div"}, []string{"LayerNormalization"}},
		{"17", "text_encoder/model.onnx", []string{"LayerNormalization", "Trilu", "ArgMax", "GatherElements", "Softmax"}, []string{"Erf"}},
		{"14", "text_encoder/model.onnx", []string{"ReduceMean", "Trilu"}, []string{"LayerNormalization"}},
		{"17", "vae_encoder/model.onnx", []string{"Pad", "InstanceNormalization", "Softmax"}, []string{"LayerNormalization"}},
		{"17", "vae_decoder/model.onnx", []string{"Resize", "Softmax"}, []string{"Pad"}},
	}
	for _, c := range cases {
		g := graphOf(t, Options{Opset: c.opset}, c.path)
		ops := map[string]bool{}
		for _, n := range g.nodes {
			ops[n.OpType] = true
			if !strings.HasPrefix(n.Name, "/") {
				t.Errorf("%s: node %q is not module-scoped", c.path, n.Name)
			}
		}
		for _, op := range c.mustHave {
			if !ops[op] {
				t.Errorf("opset %s %s: no %s node", c.opset, c.path, op)
			}
		}
		for _, op := range c.mustNotHave {
			if ops[op] {
				t.Errorf("opset %s %s: unexpected %s node", c.opset, c.path, op)
			}
		}
	}
}

// TestTensorNaming: every intermediate output is "<node>_output_<k>" as torch.onnx names them.
func TestTensorNaming(t *testing.T) {
	g := graphOf(t, Options{}, "unet/model.onnx")
	declared := map[string]bool{}
	for _, o := range g.outputs {
		declared[o.Name] = true
	}
	for _, n := range g.nodes {
		for k, out := range n.Output {
			if !declared[out] && out != fmt.Sprintf("%s_output_%d", n.Name, k) {
				t.Errorf("node %s output %d named %q", n.Name, k, out)
			}
		}
	}
}

// TestSD15ParameterCounts uses the dry run: SD 1.5's published sizes are 859,520,964 UNet,
// 123,060,480 CLIP ViT-L/14 text and 83,653,863 AutoencoderKL parameters.
func TestSD15ParameterCounts(t *testing.T) {
	infos, err := Describe(Options{Preset: "sd15"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, i := range infos {
		got[i.Path] = i.Params
		if i.ExternalData != "model.onnx_data" {
			t.Errorf("%s: sd15 must use external data, got %q", i.Path, i.ExternalData)
		}
	}
	if u := got["unet/model.onnx"]; u < 855e6 || u > 865e6 {
		t.Errorf("UNet has %d params, want ≈860 M", u)
	}
	checks := map[string]int64{
		"unet/model.onnx":         859_520_964,
		"text_encoder/model.onnx": 123_060_480,
	}
	for path, want := range checks {
		if got[path] != want {
			t.Errorf("%s: %d params, want %d", path, got[path], want)
		}
	}
	if vae := got["vae_encoder/model.onnx"] + got["vae_decoder/model.onnx"]; vae != 83_653_863 {
		t.Errorf("VAE encoder+decoder: %d params, want 83,653,863", vae)
	}
}

// TestTAESDParameterCount: TAESD's decoder has 1,222,531 parameters (madebyollin/taesd).
func TestTAESDParameterCount(t *testing.T) {
	infos, err := Describe(Options{TAESD: true})
	if err != nil {
		t.Fatal(err)
	}
	last := infos[len(infos)-1]
	if last.Path != "taesd_decoder.onnx" || last.Params != 1_222_531 {
		t.Errorf("got %+v, want taesd_decoder.onnx with 1,222,531 params", last)
	}
}

// TestEmbeddingCoversVocab: the token-embedding table must have a row for every tokenizer id.
func TestEmbeddingCoversVocab(t *testing.T) {
	n := int64(len(buildVocab().tokens))
	for _, c := range []struct {
		preset string
		rows   int64
	}{{"tiny", n}, {"small", n}, {"sd15", 49408}} {
		g := graphOf(t, Options{Preset: c.preset}, "text_encoder/model.onnx")
		found := false
		for _, w := range g.weights {
			if w.name == "text_model.embeddings.token_embedding.weight" {
				found = true
				if w.dims[0] != c.rows || w.dims[0] < n {
					t.Errorf("%s: %d embedding rows, want %d (vocab %d)", c.preset, w.dims[0], c.rows, n)
				}
			}
		}
		if !found {
			t.Errorf("%s: no token embedding", c.preset)
		}
	}
}
