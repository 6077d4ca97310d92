package train

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// demoModel writes a demo pipeline of preset and loads one component with its weights.
func demoModel(tb testing.TB, preset, component string) *onnxpb.ModelProto {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: preset, Seed: 1}); err != nil {
		tb.Fatal(err)
	}
	m, err := LoadModel(filepath.Join(dir, component, "model.onnx"))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

// floatInitializers lists every float32 initializer of m with more than one element: the
// weights a full fine-tune trains.
func floatInitializers(m *onnxpb.ModelProto) []string {
	var out []string
	for _, t := range m.GetGraph().GetInitializer() {
		if t.GetDataType() == int32(onnxpb.TensorProto_FLOAT) && numel(t.GetDims()) > 1 {
			out = append(out, t.GetName())
		}
	}
	return out
}

// sessionOptions: one ORT thread, since tests share the machine.
func sessionOptions(tb testing.TB, threads int) *ortgo.SessionOptions {
	tb.Helper()
	orttest.Setup(tb)
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		tb.Fatal(err)
	}
	if err := so.SetIntraOpNumThreads(threads); err != nil {
		tb.Fatal(err)
	}
	if err := so.SetInterOpNumThreads(1); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { so.Destroy() })
	return so
}

// unetSetup is a demo UNet with the diffusion loss, its pinned shapes and a data set.
type unetSetup struct {
	model  *onnxpb.ModelProto
	pinned map[string][]int64
	source *DiffusionSource
}

// newUNetSetup prepares preset's UNet for batch rows of latent×latent latents and n examples
// of random x₀ and conditioning.
func newUNetSetup(tb testing.TB, preset string, batch, latent, cross int64, n int) *unetSetup {
	tb.Helper()
	m := demoModel(tb, preset, "unet")
	ts, err := TimestepInputOf(m, UNetTimestep)
	if err != nil {
		tb.Fatal(err)
	}
	if err := AddDiffusionLoss(m, ""); err != nil {
		tb.Fatal(err)
	}
	pinned := map[string][]int64{
		UNetSample: {batch, 4, latent, latent}, NoiseInput: {batch, 4, latent, latent},
		"encoder_hidden_states": {batch, 77, cross},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	src := &DiffusionSource{
		Examples: map[string]Tensor{
			"latents":               randTensor(rng, []int64{int64(n), 4, latent, latent}, 1),
			"encoder_hidden_states": randTensor(rng, []int64{int64(n), 77, cross}, 1),
		},
		Latents: "latents", BatchSize: int(batch), Seed: 5,
		Sample: UNetSample, Timestep: UNetTimestep, Noise: NoiseInput,
		TimestepInput: ts, AlphasCumprod: SDAlphasCumprod(),
	}
	return &unetSetup{model: m, pinned: pinned, source: src}
}

func (u *unetSetup) graph(tb testing.TB, params []string) *Graph {
	tb.Helper()
	g, err := NewGraph(u.model, GraphConfig{Loss: LossName, Params: params, PinnedShapes: u.pinned,
		SessionOptions: sessionOptions(tb, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(g.Close)
	return g
}

func randTensor(rng *rand.Rand, shape []int64, scale float64) Tensor {
	t := Tensor{Shape: shape, F32: make([]float32, numel(shape))}
	for i := range t.F32 {
		t.F32[i] = float32(rng.NormFloat64() * scale)
	}
	return t
}
