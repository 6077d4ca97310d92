package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/shapes/recipe"
)

// smallFamily trains a toy shapes family (a few steps of each stage) into a weights file.
func smallFamily(t *testing.T) string {
	t.Helper()
	orttest.Setup(t)
	arch := recipe.Architecture()
	arch.UNet.BlockOutChannels, arch.UNet.NormGroups = []int64{32, 32, 32}, 8
	arch.CLIP.Hidden, arch.CLIP.Layers, arch.CLIP.MLP, arch.UNet.CrossDim = 32, 1, 64, 32
	r := recipe.Recipe{Arch: arch, InitSeed: 4, DatasetSize: 8, DataSeed: 5,
		VAE:       recipe.Stage{Steps: 1, Batch: 2, LR: 1e-3, Seed: 6},
		Diffusion: recipe.Stage{Steps: 2, Batch: 2, LR: 1e-3, Seed: 7}}
	weights, err := r.Run(context.Background(), t.TempDir(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "family.safetensors")
	if err := os.WriteFile(path, weights, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// The evaluations run end to end on a weights file given as the model: the quality suite's
// table, SEGA's per-scale rows in both directions, and plain vs attend-and-excite.
func TestEvalCommandsOnAFamilyFile(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	model := smallFamily(t)
	cfg := session.DefaultConfig()
	o := EvalOptions{Model: model, Seeds: 1, Steps: 12, Guidance: 7.5, Scheduler: "ddim"} // SEGA warms up for 10
	ctx := context.Background()

	var out bytes.Buffer
	if err := EvalSEGA(ctx, cfg, SEGAEvalOptions{EvalOptions: o, Prompt: "a circle on a white background",
		Concept: "red", Scales: []float64{0, 3}}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"red share", "toward     0", "toward     3", "away       3"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("eval sega printed\n%s\nwithout %q", out.String(), want)
		}
	}
	if err := EvalSEGA(ctx, cfg, SEGAEvalOptions{EvalOptions: o, Concept: "crimson"}, &out, &bytes.Buffer{}); err == nil ||
		!strings.Contains(err.Error(), "not a shapes-world colour") {
		t.Errorf("an unknown colour gave %v", err)
	}

	out.Reset()
	if err := EvalExcite(ctx, cfg, ExciteEvalOptions{o}, &out, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "plain —") || !strings.Contains(out.String(), "attend-and-excite —") {
		t.Errorf("eval excite printed\n%s", out.String())
	}
}

// `nudge train shapes -o FILE` refuses an existing file before any training.
func TestTrainShapesRefusesExistingOutput(t *testing.T) {
	orttest.Setup(t)
	work := t.TempDir()
	out := filepath.Join(work, "taken.safetensors")
	if err := os.WriteFile(out, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := TrainShapes(context.Background(), session.DefaultConfig(), TrainShapesOptions{Work: work, Out: out}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Fatalf("got %v, want a refusal", err)
	}
	if data, _ := os.ReadFile(out); string(data) != "keep" {
		t.Error("the existing file changed")
	}
	if _, statErr := os.Stat(filepath.Join(work, "init")); statErr == nil {
		t.Error("training started before the output was checked")
	}
}
