package app

import (
	"context"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/demomodel"
)

func TestSizeRule(t *testing.T) {
	cases := []struct {
		w, h, down int
		want       string // "" fits
	}{
		{64, 64, 2, ""},
		{80, 96, 2, ""},
		{72, 72, 2, "size 72x72 does not fit the model: both sides must be multiples of 16 — use 64x64 or 80x80"},
		{70, 70, 2, "use 64x64 or 80x80"},
		{512, 512, 8, ""},
		{520, 512, 8, "multiples of 64 — use 512x512 or 576x512"},
		{8, 8, 8, "use 64x64 or 64x64"},
	}
	for _, c := range cases {
		err := SizeProblem(c.w, c.h, c.down)
		if (err == nil) != (c.want == "") || err != nil && !strings.Contains(err.Error(), c.want) {
			t.Errorf("SizeProblem(%d, %d, %d) = %v, want %q", c.w, c.h, c.down, err, c.want)
		}
	}
	steps := []struct{ side, d, down, want int }{
		{64, 1, 2, 80}, {64, -1, 2, 48}, {72, 1, 2, 80}, {72, -1, 2, 64}, {16, -1, 2, 16}, {512, 1, 8, 576}, {500, 1, 8, 512},
	}
	for _, s := range steps {
		got := StepSize(s.side, s.d, s.down)
		if got != s.want || SizeProblem(got, got, s.down) != nil {
			t.Errorf("StepSize(%d, %d, %d) = %d, want %d (a size that fits)", s.side, s.d, s.down, got, s.want)
		}
	}
}

// The tiny demo's UNet halves its latent once (cross-attention 8×8 then 4×4 at 64²), so a
// latent of 9 (72 pixels) cannot pass and 10 (80) can.
func TestUNetDownsamplingOfTheTinyDemo(t *testing.T) {
	dir := t.TempDir() + "/tiny"
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny"}); err != nil {
		t.Fatal(err)
	}
	d, err := UNetDownsampling(dir)
	if err != nil || d != 2 {
		t.Fatalf("UNetDownsampling = %d, %v; want 2", d, err)
	}
}

// FitImageSize rounds each side down to the size multiple (diffusers'
// get_default_height_width), scales long pictures down first, and never goes below one
// multiple.
func TestFitImageSize(t *testing.T) {
	cases := []struct{ w, h, d, ww, wh int }{
		{100, 75, 1, 96, 72}, {100, 75, 4, 96, 64}, {1, 1, 8, 64, 64}, {512, 512, 8, 512, 512},
		{4000, 3000, 8, 1024, 768}, {3000, 4000, 1, 768, 1024}, {20000, 10, 8, 1024, 64},
	}
	for _, c := range cases {
		if w, h := FitImageSize(c.w, c.h, c.d); w != c.ww || h != c.wh {
			t.Errorf("FitImageSize(%d, %d, %d) = %dx%d, want %dx%d", c.w, c.h, c.d, w, h, c.ww, c.wh)
		}
	}
}
