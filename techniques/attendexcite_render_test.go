package techniques_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/techniques"
)

// These tests render with A&E on the demo models in real ONNX Runtime: the prepared graphs go
// to a per-test cache folder, so nothing is left in the user's cache.

const aePrompt = "a cat and a frog" // cat = 2, frog = 5

// openDemo writes a demo model of the preset into the test's folder and opens it, with
// nudge's cache pointed at the test's folder too.
func openDemo(t *testing.T, o demomodel.Options) *runtime.Model {
	t.Helper()
	t.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	orttest.Setup(t)
	dir := filepath.Join(t.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, o); err != nil {
		t.Fatalf("demo model: %v", err)
	}
	m, err := runtime.Open(dir, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func aeRequest(size, steps int, ts ...runtime.Technique) runtime.Request {
	return runtime.Request{Prompt: aePrompt, Negative: "blurry", Width: size, Height: size,
		Steps: steps, Batch: 1, Guidance: 7.5, Seed: 7, Techniques: ts}
}

// aeConfig is diffusers' defaults with the maps the demo models have (8×8: the tiny model's
// full resolution, the small model's middle level).
func aeConfig(tokens ...int) techniques.AttendExciteConfig {
	cfg := techniques.DefaultAttendExciteConfig(tokens...)
	cfg.AttentionResolution = 8
	return cfg
}

func newAE(t *testing.T, cfg techniques.AttendExciteConfig) *techniques.AttendExcite {
	t.Helper()
	a, err := techniques.NewAttendExcite(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func render(t *testing.T, m *runtime.Model, req runtime.Request) *runtime.Result {
	t.Helper()
	res, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func sameLatents(a, b *runtime.Result) bool {
	if len(a.Latents.Data) != len(b.Latents.Data) {
		return false
	}
	for i := range a.Latents.Data {
		if a.Latents.Data[i] != b.Latents.Data[i] {
			return false
		}
	}
	return true
}

// TestAttendExciteWithoutTokensIsPlainCFG: with no token chosen the render equals plain CFG
// bit for bit, latents and pixels.
func TestAttendExciteWithoutTokensIsPlainCFG(t *testing.T) {
	m := openDemo(t, demomodel.Options{Preset: "tiny"})
	plain := render(t, m, aeRequest(64, 4))
	none := render(t, m, aeRequest(64, 4, newAE(t, aeConfig())))
	if !sameLatents(plain, none) || !bytes.Equal(plain.Images[0].Pix, none.Images[0].Pix) {
		t.Fatal("A&E with no tokens changed the render")
	}
}

// TestAttendExciteSteersDeterministically: A&E changes the render, the same request renders
// the same twice, and it combines with SEGA in one render.
func TestAttendExciteSteersDeterministically(t *testing.T) {
	m := openDemo(t, demomodel.Options{Preset: "tiny"})
	plain := render(t, m, aeRequest(64, 4))
	ae := newAE(t, aeConfig(2, 5))
	first := render(t, m, aeRequest(64, 4, ae))
	again := render(t, m, aeRequest(64, 4, newAE(t, aeConfig(2, 5))))
	if sameLatents(plain, first) {
		t.Fatal("A&E left the render unchanged")
	}
	if !sameLatents(first, again) {
		t.Fatal("the same A&E request rendered differently")
	}
	st := ae.LastStats()
	if st.Step != 4 || len(st.Samples) != 1 || len(st.Samples[0].Tokens) != 2 || st.Samples[0].Tokens[1].Index != 5 {
		t.Fatalf("last stats %+v, want step 4 (PNDM: 5 calls) with tokens 2 and 5", st)
	}
	sega, err := techniques.NewSEGA(techniques.DefaultSEGAConfig(concept("snow", 5)))
	if err != nil {
		t.Fatal(err)
	}
	both := render(t, m, aeRequest(64, 4, newAE(t, aeConfig(2, 5)), sega))
	segaOnly, err := techniques.NewSEGA(techniques.DefaultSEGAConfig(concept("snow", 5)))
	if err != nil {
		t.Fatal(err)
	}
	onlySEGA := render(t, m, aeRequest(64, 4, segaOnly))
	if sameLatents(both, first) || sameLatents(both, onlySEGA) {
		t.Fatal("A&E with SEGA equals one of them alone: one technique was dropped")
	}
	if sega.LastStats().Step != 4 {
		t.Fatalf("SEGA stats %+v: SEGA did not run every step alongside A&E", sega.LastStats())
	}
}

// TestAttendExciteUpdateLowersLoss: on the tiny and small presets, re-evaluating after each
// step's update shows the worst token's loss fell in at least 90 % of the steps where the
// update applies.
func TestAttendExciteUpdateLowersLoss(t *testing.T) {
	for _, preset := range []struct {
		name string
		size int
	}{{"tiny", 64}, {"small", 128}} {
		t.Run(preset.name, func(t *testing.T) {
			m := openDemo(t, demomodel.Options{Preset: preset.name})
			cfg := aeConfig(2, 5)
			cfg.MeasureEffect = true
			ae := newAE(t, cfg)
			var applied, lowered int
			req := aeRequest(preset.size, 9, ae)
			_, err := m.Render(context.Background(), req, func(runtime.StepInfo) {
				for _, s := range ae.LastStats().Samples {
					if s.Updated {
						applied++
						if s.LossAfter < s.Loss {
							lowered++
						}
					}
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: the update lowered the loss in %d of %d steps", preset.name, lowered, applied)
			if applied < 10 || float64(lowered) < 0.9*float64(applied) {
				t.Fatalf("the update lowered the loss in %d of %d steps, want ≥ 90 %% of at least 10", lowered, applied)
			}
		})
	}
}

// TestAttendExciteRejectsBadTokens: positions outside the prompt, on the start or end token
// or on padding are refused with messages that say what to pick.
func TestAttendExciteRejectsBadTokens(t *testing.T) {
	for _, tc := range []struct {
		tokens []int
		want   string
	}{
		{[]int{0}, "start token"},
		{[]int{2, 2}, "twice"},
		{[]int{-1}, "outside"},
		{[]int{76}, "outside"},
	} {
		_, err := techniques.NewAttendExcite(aeConfig(tc.tokens...))
		if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("tokens %v: err = %v, want a bad-input error mentioning %q", tc.tokens, err, tc.want)
		}
	}
	m := openDemo(t, demomodel.Options{Preset: "tiny"})
	for _, tc := range []struct {
		token int
		want  string
	}{{6, "end token"}, {9, "padding"}} {
		_, err := m.Render(context.Background(), aeRequest(64, 2, newAE(t, aeConfig(2, tc.token))), nil)
		if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "2 cat") {
			t.Errorf("token %d: err = %v, want a bad-input error naming the %s and listing the tokens", tc.token, err, tc.want)
		}
	}
}

// TestAttendExciteRefusesMissingResolutionAndFP16: the tiny model has no 16×16 maps, and a
// float16 UNet cannot be differentiated.
func TestAttendExciteRefusesMissingResolutionAndFP16(t *testing.T) {
	m := openDemo(t, demomodel.Options{Preset: "tiny"})
	cfg := aeConfig(2, 5)
	cfg.AttentionResolution = 16
	_, err := m.Render(context.Background(), aeRequest(64, 2, newAE(t, cfg)), nil)
	if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), "available: 8×8") {
		t.Errorf("16×16 on tiny: err = %v, want a bad-input error listing 8×8", err)
	}
	f16 := openDemo(t, demomodel.Options{Preset: "tiny", DType: "fp16"})
	_, err = f16.Render(context.Background(), aeRequest(64, 2, newAE(t, aeConfig(2, 5))), nil)
	if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), "float32") {
		t.Errorf("fp16: err = %v, want a bad-input error asking for a float32 export", err)
	}
}
