package autodiff

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// loadInlined reads an ONNX file and pulls external initializer data into the model, so
// the test can hand ORT the bytes directly.
func loadInlined(tb testing.TB, path string) *onnxpb.ModelProto {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	m := &onnxpb.ModelProto{}
	if err := proto.Unmarshal(data, m); err != nil {
		tb.Fatal(err)
	}
	files := map[string][]byte{}
	for _, t := range m.GetGraph().GetInitializer() {
		if t.GetDataLocation() != onnxpb.TensorProto_EXTERNAL {
			continue
		}
		kv := map[string]string{}
		for _, e := range t.GetExternalData() {
			kv[e.GetKey()] = e.GetValue()
		}
		blob, ok := files[kv["location"]]
		if !ok {
			if blob, err = os.ReadFile(filepath.Join(filepath.Dir(path), kv["location"])); err != nil {
				tb.Fatal(err)
			}
			files[kv["location"]] = blob
		}
		off, _ := strconv.ParseInt(kv["offset"], 10, 64)
		n, _ := strconv.ParseInt(kv["length"], 10, 64)
		t.RawData = append([]byte{}, blob[off:off+n]...)
		t.DataLocation, t.ExternalData = onnxpb.TensorProto_DEFAULT, nil
	}
	return m
}

// demoComponent writes a demo model folder and returns one component (e.g. "unet") with
// its weights inlined.
func demoComponent(tb testing.TB, preset, opset, component string) *onnxpb.ModelProto {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: preset, Opset: opset, Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	return loadInlined(tb, filepath.Join(dir, component, "model.onnx"))
}

func demoUNet(tb testing.TB, preset, opset string) *onnxpb.ModelProto {
	return demoComponent(tb, preset, opset, "unet")
}

// unetRequest differentiates the tiny/small UNet with respect to the latent.
func unetRequest(latent, cross int64, outputs ...string) Request {
	return Request{Wrt: []string{"sample"}, Outputs: outputs, PinnedShapes: map[string][]int64{
		"sample": {1, 4, latent, latent}, "encoder_hidden_states": {1, 77, cross}}}
}

const (
	attn2Down = "/down_blocks.0/attentions.0/transformer_blocks.0/attn2/Softmax_output_0"
	attn2Mid  = "/mid_block/attentions.0/transformer_blocks.0/attn2/Softmax_output_0"
	attn2Up   = "/up_blocks.1/attentions.1/transformer_blocks.0/attn2/Softmax_output_0"
)

// TestTinyUNetGradients differentiates the SD-shaped tiny UNet at opsets 14 and 17 with
// respect to `sample`, for one cross-attention map, for the attention maps A&E uses
// together, and for the noise prediction; relative error ≤ 1e-3 against finite differences
// along random directions.
func TestTinyUNetGradients(t *testing.T) {
	cases := []struct {
		name    string
		outputs []string
	}{
		{"attn2-down", []string{attn2Down}},
		{"attn2-all", []string{attn2Down, attn2Mid, attn2Up}},
		{"out_sample", []string{"out_sample"}},
	}
	for _, opset := range []string{"14", "17"} {
		m := demoUNet(t, "tiny", opset)
		for _, tc := range cases {
			t.Run(tc.name+"/opset"+opset, func(t *testing.T) {
				req := unetRequest(8, 32, tc.outputs...)
				c := newGradCheck(t, m, req, unetFeeds(m, 8, 32))
				c.finiteDifferences(1e-2, 1e-3, 3)
			})
		}
	}
}

// aeSmallMaps are the small preset's cross-attention maps at its second-deepest level
// (8×8 = 64 query tokens): the counterpart of the 16×16 maps Attend-and-Excite aggregates
// in SD 1.5 (down_blocks.2 and up_blocks.1; docs/references.md, "SD 1.5 attention layout").
var aeSmallMaps = []string{
	"/down_blocks.1/attentions.0/transformer_blocks.0/attn2/Softmax_output_0",
	"/up_blocks.1/attentions.0/transformer_blocks.0/attn2/Softmax_output_0",
	"/up_blocks.1/attentions.1/transformer_blocks.0/attn2/Softmax_output_0",
}

// TestSmallUNetGradients checks the A&E configuration on the small preset at opsets 14
// and 17: relative error ≤ 1e-3 against finite differences.
func TestSmallUNetGradients(t *testing.T) {
	if testing.Short() {
		t.Skip("small preset: about 10 s; run without -short")
	}
	for _, opset := range []string{"14", "17"} {
		t.Run("opset"+opset, func(t *testing.T) {
			m := demoUNet(t, "small", opset)
			req := unetRequest(16, 64, aeSmallMaps...)
			c := newGradCheck(t, m, req, unetFeeds(m, 16, 64))
			c.finiteDifferences(1e-2, 1e-3, 2)
		})
	}
}

// unetFeeds draws the UNet inputs: a unit-normal latent, a text embedding of CLIP-like
// scale and a mid-schedule timestep.
func unetFeeds(m *onnxpb.ModelProto, latent, cross int64) map[string]tensor {
	rng := newSpec(0).rng
	return map[string]tensor{
		"sample":                randTensor(rng, []int64{1, 4, latent, latent}, 1),
		"encoder_hidden_states": randTensor(rng, []int64{1, 77, cross}, 1),
		"timestep":              {shape: []int64{}, f32: []float32{500}},
	}
}

const tokenEmbeds = "/text_model/embeddings/token_embedding/Gather_output_0"

// TestTinyCLIPGradients differentiates the demo text encoder's last hidden state with
// respect to the token embeddings (the graph is cut at the Gather output, as textual
// inversion needs) and with respect to the whole token-embedding table (promoted from an
// initializer; its gradient goes through the Gather rule).
func TestTinyCLIPGradients(t *testing.T) {
	for _, opset := range []string{"14", "17"} {
		m := demoComponent(t, "tiny", opset, "text_encoder")
		table := "text_model.embeddings.token_embedding.weight"
		rows := inputShapeOfInit(m, table)[0]
		ids := tensor{shape: []int64{1, 77}, i64: make([]int64, 77)}
		for i := range ids.i64 {
			ids.i64[i] = int64(i*7919) % rows
		}
		for _, wrt := range []string{tokenEmbeds, table} {
			t.Run(wrt+"/opset"+opset, func(t *testing.T) {
				req := Request{Wrt: []string{wrt}, Outputs: []string{"last_hidden_state"},
					PinnedShapes: map[string][]int64{"input_ids": {1, 77}}}
				c := newGradCheck(t, m, req, map[string]tensor{"input_ids": ids})
				c.finiteDifferences(1e-2, 1e-3, 2)
			})
		}
	}
}

// TestCLIPPoolerNeedsGatherElements checks the error for an op on the path without a rule:
// the pooled output indexes the hidden states with GatherElements (argmax pooling).
func TestCLIPPoolerNeedsGatherElements(t *testing.T) {
	m := demoComponent(t, "tiny", "17", "text_encoder")
	_, err := Build(m, Request{Wrt: []string{tokenEmbeds}, Outputs: []string{"pooler_output"},
		PinnedShapes: map[string][]int64{"input_ids": {1, 77}}})
	var un *UnsupportedOpError
	if !errors.As(err, &un) || un.Op != "GatherElements" {
		t.Fatalf("got %v, want an UnsupportedOpError for GatherElements", err)
	}
	t.Log(err)
}

func inputShapeOfInit(m *onnxpb.ModelProto, name string) []int64 {
	for _, t := range m.GetGraph().GetInitializer() {
		if t.GetName() == name {
			return t.GetDims()
		}
	}
	return nil
}
