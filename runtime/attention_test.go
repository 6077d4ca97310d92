package runtime_test

import (
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// isolatedCache points nudge's cache at a fresh folder for one test, keeping the ONNX Runtime
// library where it was found.
func isolatedCache(t *testing.T) string {
	t.Helper()
	t.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", dir)
	return filepath.Join(dir, "nudge")
}

var tinyCross8 = runtime.AttentionNeeds{Select: runtime.AttentionSelection{Kind: onnxgraph.KindCross, Height: 8, Width: 8}, Gradient: true}

// tinyInput draws one UNet evaluation for the tiny model (latent 8×8, text 77×32).
func tinyInput(t *testing.T, m *runtime.Model, seed uint64) runtime.AttentionInput {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	lat := runtime.NewTensor(1, 4, 8, 8)
	for i := range lat.Data {
		lat.Data[i] = float32(rng.NormFloat64())
	}
	text, err := m.Embed(context.Background(), "a cat and a frog")
	if err != nil {
		t.Fatal(err)
	}
	return runtime.AttentionInput{Latent: lat, Text: text, Timestep: 500}
}

// TestAttentionMapsAreHeadMeans checks the in-graph reduction against the raw maps of the
// same graph: every head-mean map equals the mean of its heads recomputed in float64, and
// each query's row of probabilities sums to 1.
func TestAttentionMapsAreHeadMeans(t *testing.T) {
	isolatedCache(t)
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	ctx := context.Background()
	mean, err := m.Attention(ctx, tinyCross8, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	rawNeeds := tinyCross8
	rawNeeds.Select.Raw, rawNeeds.Gradient = true, false
	raw, err := m.Attention(ctx, rawNeeds, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	in := tinyInput(t, m, 1)
	got, err := mean.Forward(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	want, err := raw.Forward(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	maps := mean.Maps()
	if len(maps) != 3 || len(got.Maps) != 3 {
		t.Fatalf("got %d maps (%d outputs), want the 3 cross-attention layers at 8×8", len(maps), len(got.Maps))
	}
	for i, am := range maps {
		if s := got.Maps[i].Shape; len(s) != 3 || s[1] != 64 || s[2] != 77 {
			t.Fatalf("map %s shape %v, want [1 64 77]", am.Path, s)
		}
		checkHeadMean(t, got.Maps[i].Data, want.Maps[i].Data, am.Heads, 64*77)
		checkRowsSumToOne(t, got.Maps[i].Data, 77)
	}
}

func checkHeadMean(t *testing.T, mean, raw []float32, heads, n int) {
	t.Helper()
	for k := 0; k < n; k++ {
		var s float64
		for h := 0; h < heads; h++ {
			s += float64(raw[h*n+k])
		}
		if d := math.Abs(s/float64(heads) - float64(mean[k])); d > 1e-6 {
			t.Fatalf("element %d: head mean %g, graph gave %g", k, s/float64(heads), mean[k])
		}
	}
}

func checkRowsSumToOne(t *testing.T, m []float32, keys int) {
	t.Helper()
	for r := 0; r < len(m)/keys; r++ {
		var s float64
		for _, v := range m[r*keys : (r+1)*keys] {
			s += float64(v)
		}
		if math.Abs(s-1) > 1e-4 {
			t.Fatalf("query %d: probabilities sum to %g", r, s)
		}
	}
}

// TestAttentionGradientMatchesFiniteDifferences checks ∂(Σ⟨g,map⟩)/∂latent from the VJP
// graph against central differences of the forward graph along random directions.
func TestAttentionGradientMatchesFiniteDifferences(t *testing.T) {
	isolatedCache(t)
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	ctx := context.Background()
	a, err := m.Attention(ctx, tinyCross8, 8, 8)
	if err != nil {
		t.Fatal(err)
	}
	in := tinyInput(t, m, 2)
	rng := rand.New(rand.NewPCG(3, 3))
	grads := make([]runtime.Tensor, len(a.Maps()))
	for i := range grads {
		grads[i] = runtime.NewTensor(1, 64, 77)
		for k := range grads[i].Data {
			grads[i].Data[k] = float32(rng.NormFloat64())
		}
	}
	fwd, g, err := a.Backward(ctx, in, grads)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := a.Forward(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range fwd.Maps {
		for k, v := range fwd.Maps[i].Data {
			if math.Abs(float64(v-plain.Maps[i].Data[k])) > 1e-5 {
				t.Fatalf("map %d element %d: gradient graph's forward %g, forward graph %g", i, k, v, plain.Maps[i].Data[k])
			}
		}
	}
	objective := func(lat []float32) float64 {
		x := in
		x.Latent = runtime.Tensor{Shape: in.Latent.Shape, Data: lat}
		out, err := a.Forward(ctx, x)
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for i := range out.Maps {
			for k, v := range out.Maps[i].Data {
				s += float64(grads[i].Data[k]) * float64(v)
			}
		}
		return s
	}
	for trial := 0; trial < 3; trial++ {
		dir := make([]float64, len(in.Latent.Data))
		for k := range dir {
			dir[k] = rng.NormFloat64()
		}
		const h = 1e-2
		plus, minus := shifted(in.Latent.Data, dir, h), shifted(in.Latent.Data, dir, -h)
		fd := (objective(plus) - objective(minus)) / (2 * h)
		var an float64
		for k, d := range dir {
			an += d * float64(g.Data[k])
		}
		if rel := math.Abs(fd-an) / math.Max(math.Abs(fd), 1e-3); rel > 2e-2 {
			t.Fatalf("direction %d: finite difference %g, VJP %g (relative error %.3g)", trial, fd, an, rel)
		}
	}
}

func shifted(x []float32, dir []float64, h float64) []float32 {
	out := make([]float32, len(x))
	for k := range x {
		out[k] = float32(float64(x[k]) + h*dir[k])
	}
	return out
}

// TestPrepareReusesCacheAndLinksWeights checks the cache: the second call reuses the
// folder, and the prepared graphs reach the weights through a hard link, not a copy.
func TestPrepareReusesCacheAndLinksWeights(t *testing.T) {
	cache := isolatedCache(t)
	orttest.Setup(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny"})
	unet := filepath.Join(dir, "unet", "model.onnx")
	spec := runtime.PrepareSpec{Select: tinyCross8.Select, Gradient: true, LatentHeight: 8, LatentWidth: 8,
		Keys: 77, Hidden: 32, TimestepShape: []int64{}}
	first, err := runtime.PrepareUNet(context.Background(), unet, spec)
	if err != nil {
		t.Fatal(err)
	}
	if first.Reused || !strings.HasPrefix(first.Dir, cache) {
		t.Fatalf("first prepare: reused=%v dir=%s, want a new folder under %s", first.Reused, first.Dir, cache)
	}
	again, err := runtime.PrepareUNet(context.Background(), unet, spec)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Reused || again.Dir != first.Dir {
		t.Fatalf("second prepare: reused=%v dir=%s, want the cached %s", again.Reused, again.Dir, first.Dir)
	}
	orig, err := os.Stat(filepath.Join(dir, "unet", "model.onnx_data"))
	if err != nil {
		t.Fatal(err)
	}
	linked, err := os.Stat(filepath.Join(first.Dir, "model.onnx_data"))
	if err != nil || !os.SameFile(orig, linked) {
		t.Fatalf("prepared folder's weights %v are not a hard link of the model's", err)
	}
	if fi, _ := os.Stat(first.VJPPath()); fi == nil || fi.Size() > orig.Size()/2 {
		t.Fatalf("gradient graph is missing or holds the weights inline")
	}
}

// TestAttentionListsAvailableResolutions asks for 16×16 maps on the tiny UNet (latent 8×8).
func TestAttentionListsAvailableResolutions(t *testing.T) {
	isolatedCache(t)
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	needs := tinyCross8
	needs.Select.Height, needs.Select.Width = 16, 16
	_, err := m.Attention(context.Background(), needs, 8, 8)
	if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), "8×8 (3 layers), 4×4 (1 layer)") {
		t.Fatalf("err = %v, want a bad-input error listing 8×8 (3 layers), 4×4 (1 layer)", err)
	}
	t.Log(err)
}
