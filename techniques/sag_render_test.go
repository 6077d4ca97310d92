package techniques_test

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// These tests render with SAG on the tiny demo model in real ONNX Runtime.

func sagRequest(guidance float64, scheduler string, ts ...runtime.Technique) runtime.Request {
	return runtime.Request{Prompt: "a photo of a cat", Negative: "blurry", Width: 64, Height: 64,
		Steps: 4, Batch: 1, Guidance: guidance, Seed: 7, Scheduler: scheduler, Techniques: ts}
}

func renderWith(t *testing.T, m *runtime.Model, req runtime.Request) ([]float32, []runtime.TechniqueStats) {
	t.Helper()
	var last []runtime.TechniqueStats
	res, err := m.Render(context.Background(), req, func(s runtime.StepInfo) { last = s.Stats })
	if err != nil {
		t.Fatal(err)
	}
	return res.Latents.Data, last
}

func newSAG(t *testing.T, scale float64) *techniques.SAG {
	t.Helper()
	s, err := techniques.NewSAG(techniques.SAGConfig{Enabled: true, Scale: scale})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSAGScaleZeroIsThePlainRender(t *testing.T) {
	m := openTinyModel(t)
	for _, g := range []float64{7.5, 1} {
		plain, _ := renderWith(t, m, sagRequest(g, "ddim"))
		off, _ := renderWith(t, m, sagRequest(g, "ddim", newSAG(t, 0)))
		for i := range plain {
			if math.Float32bits(plain[i]) != math.Float32bits(off[i]) {
				t.Fatalf("guidance %g: sag_scale 0 changed latent %d: %v vs %v", g, i, off[i], plain[i])
			}
		}
	}
	// A session's [sag] block at scale 0 builds no technique at all.
	p := session.DefaultParams()
	p.SetBlock("sag", &techniques.SAGConfig{Enabled: true, Scale: 0})
	ts, err := techniques.Build(&p)
	if err != nil || len(ts) != 0 {
		t.Fatalf("Build with sag scale 0: %v techniques, err %v", len(ts), err)
	}
}

func TestSAGSteersWithAndWithoutCFG(t *testing.T) {
	m := openTinyModel(t)
	for _, g := range []float64{7.5, 1} {
		plain, _ := renderWith(t, m, sagRequest(g, "ddim"))
		small, _ := renderWith(t, m, sagRequest(g, "ddim", newSAG(t, 0.25)))
		big, stats := renderWith(t, m, sagRequest(g, "ddim", newSAG(t, 1)))
		for _, v := range big {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				t.Fatalf("guidance %g: non-finite latent", g)
			}
		}
		dSmall, dBig := distance(plain, small), distance(plain, big)
		if !(dSmall > 0 && dBig > dSmall) {
			t.Errorf("guidance %g: distance from plain at scale 0.25 %g, at 1 %g: want 0 < small < big", g, dSmall, dBig)
		}
		if len(stats) != 1 || stats[0].Technique != "sag" || len(stats[0].Stats) != 2 {
			t.Fatalf("guidance %g: stats %+v", g, stats)
		}
		masked, mean := stats[0].Stats[0].Value, stats[0].Stats[1].Value
		if !(masked >= 0 && masked <= 1) || !(mean > 0) {
			t.Errorf("guidance %g: masked share %g, mean |sag| %g", g, masked, mean)
		}
	}
}

func TestSAGRefusesSchedulersWithoutAlphaTable(t *testing.T) {
	m := openTinyModel(t)
	_, err := m.Render(context.Background(), sagRequest(7.5, "euler", newSAG(t, 0.75)), nil)
	if err == nil || !strings.Contains(err.Error(), "pndm, ddim or dpmpp_2m") {
		t.Fatalf("euler with SAG: %v", err)
	}
	for _, s := range []string{"pndm", "dpmpp_2m"} {
		renderWith(t, m, sagRequest(7.5, s, newSAG(t, 0.75)))
	}
}

// SAG, SEGA and attend-and-excite in one render: all three report stats, and taking SAG
// away changes the image.
func TestSAGCombinesWithSEGAAndAttendExcite(t *testing.T) {
	m := openTinyModel(t)
	build := func(sag bool) []runtime.Technique {
		sega, err := techniques.NewSEGA(techniques.SEGAConfig{Enabled: true, MomentumScale: 0.1, MomentumBeta: 0.4,
			Concepts: []techniques.Concept{concept("smiling", 5)}})
		if err != nil {
			t.Fatal(err)
		}
		ae := techniques.DefaultAttendExciteConfig(4)
		ae.AttentionResolution = 4
		excite, err := techniques.NewAttendExcite(ae)
		if err != nil {
			t.Fatal(err)
		}
		ts := []runtime.Technique{excite}
		if sag {
			ts = append(ts, newSAG(t, 0.75))
		}
		return append(ts, sega)
	}
	without, _ := renderWith(t, m, sagRequest(7.5, "ddim", build(false)...))
	with, stats := renderWith(t, m, sagRequest(7.5, "ddim", build(true)...))
	if distance(with, without) == 0 {
		t.Error("adding SAG to SEGA and attend-and-excite changed nothing")
	}
	var names []string
	for _, s := range stats {
		names = append(names, s.Technique)
	}
	if strings.Join(names, ",") != "attend_excite,sag,sega" {
		t.Errorf("stats came from %v", names)
	}
}
