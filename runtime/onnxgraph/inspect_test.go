package onnxgraph

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// pipelineSpec describes a synthetic pipeline folder for Inspect.
type pipelineSpec struct {
	unet       unetSpec
	className  string
	tokenizer  bool
	fp16VAE    bool
	sampleSize int  // unet/config.json sample_size; 0 writes no config
	fused      bool // replace the UNet by an ORT-fused graph
}

// writePipeline lays out a diffusers-script-style folder (diffusers
// convert_stable_diffusion_checkpoint_to_onnx.py): model_index.json, text_encoder/, unet/ with
// weights.pb, vae_decoder/, tokenizer/.
func writePipeline(t testing.TB, s pipelineSpec) string {
	t.Helper()
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		path := filepath.Join(dir, rel)
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, data, 0o644))
	}
	if s.className != "" {
		write("model_index.json", []byte(`{"_class_name": "`+s.className+`", "_diffusers_version": "0.30.0"}`))
	}
	if s.tokenizer {
		write("tokenizer/vocab.json", []byte(`{"a</w>": 0}`))
		write("tokenizer/merges.txt", []byte("#version: 0.2\n"))
	}
	if s.sampleSize > 0 {
		write("unet/config.json", []byte(fmt.Sprintf(`{"sample_size": %d}`, s.sampleSize)))
	}
	must(t, os.MkdirAll(filepath.Join(dir, "text_encoder"), 0o755))
	must(t, textEncoderModel(s.unet.ctxDim).Save(filepath.Join(dir, "text_encoder", "model.onnx")))
	must(t, os.MkdirAll(filepath.Join(dir, "unet"), 0o755))
	unet := buildUNet(s.unet)
	if s.fused {
		unet = fusedMHAModel()
	}
	must(t, unet.SaveWithExternalData(filepath.Join(dir, "unet", "model.onnx"), "weights.pb"))
	must(t, os.MkdirAll(filepath.Join(dir, "vae_decoder"), 0o755))
	must(t, vaeDecoderModel(s.fp16VAE).Save(filepath.Join(dir, "vae_decoder", "model.onnx")))
	return dir
}

// textEncoderModel is CLIP-shaped I/O: int32 input_ids → token embeddings and a pooled vector.
func textEncoderModel(width int) *Model {
	ids := NewValueInfo("input_ids", onnxpb.TensorProto_INT32, []int64{-1, -1})
	SetDimParam(ids, 0, "batch")
	SetDimParam(ids, 1, "sequence")
	hidden := NewValueInfo("last_hidden_state", onnxpb.TensorProto_FLOAT, []int64{-1, -1, int64(width)})
	SetDimParam(hidden, 0, "batch")
	SetDimParam(hidden, 1, "sequence")
	g := &onnxpb.GraphProto{
		Name: "torch_jit",
		Node: []*onnxpb.NodeProto{
			NewNode("Gather", "/embeddings/token_embedding/Gather", []string{"embeddings.token_embedding.weight", "input_ids"}, []string{"last_hidden_state"}),
			NewNode("ReduceMean", "/pooler/ReduceMean", []string{"last_hidden_state"}, []string{"pooler_output"}, AttrInts("axes", 1), AttrInt("keepdims", 0)),
		},
		Initializer: []*onnxpb.TensorProto{TensorFloat32("embeddings.token_embedding.weight", []int64{16, int64(width)}, randomFloats(21, 16*width))},
		Input:       []*onnxpb.ValueInfoProto{ids},
		Output:      []*onnxpb.ValueInfoProto{hidden, NewValueInfo("pooler_output", onnxpb.TensorProto_FLOAT, []int64{-1, int64(width)})},
	}
	m := NewModel(g, 14)
	m.Proto.ProducerName, m.Proto.ProducerVersion = "pytorch", "2.1.0"
	return m
}

// vaeDecoderModel maps latents to RGB; its output name carries terminal escape sequences, as a
// hostile file could, to check the report strips them.
func vaeDecoderModel(fp16 bool) *Model {
	in := NewValueInfo("latent_sample", onnxpb.TensorProto_FLOAT, []int64{-1, 4, -1, -1})
	first := NewNode("Identity", "/Identity", []string{"latent_sample"}, []string{"latent32"})
	if fp16 {
		in = NewValueInfo("latent_sample", onnxpb.TensorProto_FLOAT16, []int64{-1, 4, -1, -1})
		first = NewNode("Cast", "/Cast", []string{"latent_sample"}, []string{"latent32"}, AttrInt("to", int64(onnxpb.TensorProto_FLOAT)))
	}
	evil := "sample\x1b]0;pwned\x07\x1b[31m\u202e"
	g := &onnxpb.GraphProto{
		Node: []*onnxpb.NodeProto{first,
			NewNode("Conv", "/decoder/conv_out/Conv", []string{"latent32", "decoder.conv_out.weight"}, []string{evil}, AttrInts("kernel_shape", 1, 1))},
		Initializer: []*onnxpb.TensorProto{TensorFloat32("decoder.conv_out.weight", []int64{3, 4, 1, 1}, randomFloats(31, 12))},
		Input:       []*onnxpb.ValueInfoProto{in},
		Output:      []*onnxpb.ValueInfoProto{NewValueInfo(evil, onnxpb.TensorProto_FLOAT, []int64{-1, 3, -1, -1})},
	}
	return NewModel(g, 14)
}

var sd15Spec = pipelineSpec{
	unet:      unetSpec{opset: 14, inCh: 4, width: 8, heads: 2, ctxDim: 768, dynamic: true},
	className: "OnnxStableDiffusionPipeline", tokenizer: true, fp16VAE: true, sampleSize: 16,
}

// TestInspectGolden compares the text report of a synthetic SD1.x folder with
// testdata/inspect_sd1.golden (go test -run TestInspectGolden -update rewrites it).
func TestInspectGolden(t *testing.T) {
	dir := writePipeline(t, sd15Spec)
	r, err := Inspect(dir)
	must(t, err)
	var buf bytes.Buffer
	must(t, r.WriteText(&buf))
	got := strings.ReplaceAll(buf.String(), dir, "<dir>")
	golden := filepath.Join("testdata", "inspect_sd1.golden")
	if *update {
		must(t, os.WriteFile(golden, []byte(got), 0o644))
	}
	want, err := os.ReadFile(golden)
	must(t, err)
	if got != string(want) {
		t.Fatalf("inspect output differs from %s (rerun with -update after checking):\n%s", golden, got)
	}
	for _, r := range got {
		if r < 0x20 && r != '\n' || r == 0x7f || r == 0x202e {
			t.Fatalf("report contains control character %U", r)
		}
	}
}

// TestInspectJSON checks the JSON form decodes back to the same report.
func TestInspectJSON(t *testing.T) {
	r, err := Inspect(writePipeline(t, sd15Spec))
	must(t, err)
	var buf bytes.Buffer
	must(t, r.WriteJSON(&buf))
	var back Report
	must(t, json.Unmarshal(buf.Bytes(), &back))
	if back.Pipeline != r.Pipeline || len(back.Components) != 3 || len(back.Attention) != 14 ||
		back.Attention[13] != r.Attention[13] || back.Components[1].External[0].Size != r.Components[1].External[0].Size {
		t.Fatalf("JSON round trip lost data:\n%s", buf.String())
	}
}

// TestInspectClassifiesPipelines checks kind detection and warnings across variants.
func TestInspectClassifiesPipelines(t *testing.T) {
	base := unetSpec{opset: 17, inCh: 4, width: 8, heads: 2, ctxDim: 768, ctxLen: 77}
	with := func(f func(*pipelineSpec)) pipelineSpec {
		s := pipelineSpec{unet: base, tokenizer: true}
		f(&s)
		return s
	}
	tests := []struct {
		name     string
		spec     pipelineSpec
		want     Pipeline
		warnings []string
	}{
		{"SD1.x", with(func(*pipelineSpec) {}), Pipeline{Family: FamilySD1, Variant: VariantText2Img, InChannels: 4, CrossAttentionDim: 768}, nil},
		{"instruct-pix2pix", with(func(s *pipelineSpec) { s.unet.inCh = 8 }), Pipeline{Family: FamilySD1, Variant: VariantPix2Pix, InChannels: 8, CrossAttentionDim: 768}, nil},
		{"SD2 depth", with(func(s *pipelineSpec) { s.unet.inCh, s.unet.ctxDim = 5, 1024 }), Pipeline{Family: FamilySD2, Variant: VariantDepth, InChannels: 5, CrossAttentionDim: 1024}, nil},
		{"widths from weights", with(func(s *pipelineSpec) { s.unet.inCh, s.unet.ctxDim, s.unet.dynamicWidths = 8, 1024, true }),
			Pipeline{Family: FamilySD2, Variant: VariantPix2Pix, InChannels: 8, CrossAttentionDim: 1024}, nil},
		{"SDXL", with(func(s *pipelineSpec) { s.unet.ctxDim = 2048 }), Pipeline{Family: FamilySDXL, Variant: VariantText2Img, InChannels: 4, CrossAttentionDim: 2048}, nil},
		{"no tokenizer, fp16 VAE", with(func(s *pipelineSpec) { s.tokenizer, s.fp16VAE = false, true }),
			Pipeline{Family: FamilySD1, Variant: VariantText2Img, InChannels: 4, CrossAttentionDim: 768},
			[]string{"vae_decoder is float16", "missing tokenizer/"}},
		{"fused", with(func(s *pipelineSpec) { s.fused = true }), Pipeline{Family: FamilyUnknown, Variant: VariantUnknown},
			[]string{"unet: ONNX Runtime-optimised graph (1× com.microsoft.MultiHeadAttention)"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Inspect(writePipeline(t, tc.spec))
			must(t, err)
			if r.Pipeline != tc.want {
				t.Errorf("pipeline %+v, want %+v", r.Pipeline, tc.want)
			}
			if len(r.Warnings) != len(tc.warnings) {
				t.Fatalf("warnings %q, want %d", r.Warnings, len(tc.warnings))
			}
			for i, w := range tc.warnings {
				if !strings.HasPrefix(r.Warnings[i], w) {
					t.Errorf("warning %d = %q, want prefix %q", i, r.Warnings[i], w)
				}
			}
		})
	}
}

// TestInspectBadFolders checks the bad-input cases give one-line BadInput errors naming the
// file or folder at fault.
func TestInspectBadFolders(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(t *testing.T) (dir, culprit string)
		wantIn string
	}{
		{"missing folder", func(t *testing.T) (string, string) {
			d := filepath.Join(t.TempDir(), "nope")
			return d, d
		}, "no such folder"},
		{"a file", func(t *testing.T) (string, string) {
			p := filepath.Join(t.TempDir(), "model.onnx")
			must(t, os.WriteFile(p, []byte("x"), 0o644))
			return p, p
		}, "is a file"},
		{"not a model folder", func(t *testing.T) (string, string) {
			d := t.TempDir()
			must(t, os.WriteFile(filepath.Join(d, "README.md"), []byte("hi"), 0o644))
			return d, d
		}, "no unet/"},
		{"corrupt unet", func(t *testing.T) (string, string) {
			d := writePipeline(t, sd15Spec)
			p := filepath.Join(d, "unet", "model.onnx")
			st, _ := os.Stat(p)
			must(t, os.Truncate(p, st.Size()/3))
			return d, p
		}, "truncated"},
		{"missing weights", func(t *testing.T) (string, string) {
			d := writePipeline(t, sd15Spec)
			must(t, os.Remove(filepath.Join(d, "unet", "weights.pb")))
			return d, filepath.Join(d, "unet", "model.onnx")
		}, `external data file "weights.pb" is missing`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, culprit := tc.setup(t)
			_, err := Inspect(dir)
			checkBadInput(t, err, culprit, tc.wantIn)
		})
	}
}
