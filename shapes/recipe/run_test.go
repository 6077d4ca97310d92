package recipe

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/runtime/train"
)

// TestRunMaterializeRender runs the whole recipe at a toy length, resumes it, materialises
// the weights and renders from the folder with the ordinary runtime.
func TestRunMaterializeRender(t *testing.T) {
	orttest.Setup(t)
	ctx := context.Background()
	// A small family of the same structure keeps the test quick.
	arch := Architecture()
	arch.UNet.BlockOutChannels = []int64{32, 32, 32}
	arch.UNet.NormGroups = 8
	arch.CLIP.Hidden, arch.CLIP.Layers, arch.CLIP.MLP, arch.UNet.CrossDim = 32, 1, 64, 32
	r := Recipe{Arch: arch, InitSeed: 4, DatasetSize: 12, DataSeed: 5,
		VAE:       Stage{Steps: 2, Batch: 2, LR: 1e-3, Seed: 6},
		Diffusion: Stage{Steps: 3, Batch: 2, LR: 1e-3, EMADecay: 0.9, Seed: 7},
		Decoder:   Stage{Steps: 2, Batch: 2, LR: 1e-3, Seed: 8}}
	work := t.TempDir()
	var seen []string
	weights, err := r.Run(ctx, work, 2, func(stage string, p train.Progress) { seen = append(seen, stage) })
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"vae", "vae", StageDataset, "diffusion", "diffusion", "diffusion", "decoder", "decoder"}; !slices.Equal(seen, want) {
		t.Errorf("progress came from stages %v, want %v", seen, want)
	}
	for _, f := range []string{"vae.safetensors", "dataset.safetensors", "diffusion.safetensors", "decoder.safetensors", "vae.csv", "diffusion.csv", "decoder.csv"} {
		if _, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Errorf("the work folder lacks %s: %v", f, err)
		}
	}
	checkDecoderStage(t, work)
	// A second run finds every stage done and gives the same weights without training.
	again, err := r.Run(ctx, work, 2, func(string, train.Progress) { t.Error("a finished stage trained again") })
	if err != nil {
		t.Fatal(err)
	}
	if string(again) != string(weights) {
		t.Error("resuming a finished run changed the weights")
	}

	dir := filepath.Join(t.TempDir(), "shapes")
	if err := Materialize(ctx, weights, dir); err != nil {
		t.Fatal(err)
	}
	checkTokenTable(t, work, dir)
	m, err := runtime.Open(dir, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.Tokenizer.VocabSize() != CLIPVocabRows {
		t.Errorf("the folder opens with a %d-id tokenizer, want CLIP's %d", m.Tokenizer.VocabSize(), CLIPVocabRows)
	}
	_, meta, _ := DecodeWeights(weights)
	var mean []float64
	if err := json.Unmarshal([]byte(meta[MetaLatentsMean]), &mean); err != nil || len(m.LatentsMean) != 4 || m.LatentsMean[2] != mean[2] || m.ScalingFactor != 1 {
		t.Errorf("the folder's latent statistics %v (scale %v) are not the weights' %s", m.LatentsMean, m.ScalingFactor, meta[MetaLatentsMean])
	}
	res, err := m.Render(ctx, runtime.Request{Prompt: "a red circle", Width: ImageSize, Height: ImageSize,
		Steps: 2, Batch: 1, Guidance: 7.5, Seed: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 1 || res.Images[0].Bounds().Dx() != ImageSize {
		t.Fatalf("rendered %d images", len(res.Images))
	}
}

// checkTokenTable: the materialised text encoder's token table is the trained one (to float16
// rounding) though the weights file holds only the rows training changed.
func checkTokenTable(t *testing.T, work, dir string) {
	t.Helper()
	trained, _, err := LoadWeights(filepath.Join(work, "diffusion.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	want := trained[prefixText+TokenEmbedding]
	text, err := train.LoadModel(filepath.Join(dir, "text_encoder", "model.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := initializerValue(text, TokenEmbedding)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Data) != len(want.Data) {
		t.Fatalf("token table has %d values, trained %d", len(got.Data), len(want.Data))
	}
	for i, v := range want.Data {
		if d := math.Abs(float64(got.Data[i] - v)); d > 1e-3*math.Max(1, math.Abs(float64(v))) {
			t.Fatalf("token table[%d] = %v, trained %v", i, got.Data[i], v)
		}
	}
}

// checkDecoderStage: the decoder stage moved every decoder weight and no encoder weight, so
// the latent space the UNet learned is the autoencoder's still.
func checkDecoderStage(t *testing.T, work string) {
	t.Helper()
	before, _, err := LoadWeights(filepath.Join(work, "vae.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	after, _, err := LoadWeights(filepath.Join(work, "decoder.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Fatalf("the decoder stage returned %d tensors, the autoencoder has %d", len(after), len(before))
	}
	moved := map[string]int{}
	for name, p := range before {
		if !slices.Equal(p.Data, after[name].Data) {
			moved[name[:strings.Index(name, "/")+1]]++
		}
	}
	if moved[prefixEncoder] != 0 || moved[prefixDecoder] == 0 {
		t.Errorf("tensors changed by the decoder stage: %v; want decoder ones only", moved)
	}
}
