package app

import (
	"context"
	"fmt"
	"image"
	"io"
	"math"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/shapes/evaluator"
	"github.com/nudge-studio/nudge/techniques"
)

// SAGEvalOptions compare self-attention guidance with plain sampling on the suite's
// single-object prompts (with and without a background).
type SAGEvalOptions struct {
	EvalOptions
	Scale float64 // sag_scale; diffusers' default 0.75
}

// EvalSAG renders each single-object prompt on each seed plainly and with SAG and prints,
// for both: the share of images whose object has the asked shape, the share right on every
// asked attribute, and edge sharpness (mean luminance gradient magnitude on the boundary of
// the evaluator's object mask), with the mean change per image.
func EvalSAG(ctx context.Context, cfg *session.Config, o SAGEvalOptions, stdout, stderr io.Writer) error {
	m, err := OpenModel(ctx, cfg, o.modelRef(), "", stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	var cases []evaluator.Case
	for _, c := range evaluator.Suite() {
		if c.Kind == evaluator.Single || c.Kind == evaluator.WithBackground {
			cases = append(cases, c)
		}
	}
	type tally struct{ shape, all, edge float64 }
	var sums [2]tally
	n := float64(len(cases) * o.Seeds)
	bar := NewProgress(stderr, "eval sag", "images")
	done := 0
	for _, c := range cases {
		for seed := 0; seed < o.Seeds; seed++ {
			for k, scale := range []float64{0, o.Scale} {
				img, err := o.render(ctx, m, c.Prompt, seed, func(p *session.Params) {
					p.SetBlock("sag", &techniques.SAGConfig{Enabled: true, Scale: scale})
				})
				if err != nil {
					return err
				}
				done++
				bar.Update(done, 2*len(cases)*o.Seeds)
				sc := evaluator.Score(c.Expected, evaluator.Detect(img))
				if len(sc.Objects) > 0 && sc.Objects[0].Shape == evaluator.Right {
					sums[k].shape += 1 / n
				}
				if sc.AllCorrect {
					sums[k].all += 1 / n
				}
				sums[k].edge += edgeSharpness(img, evaluator.ObjectMask(img)) / n
			}
		}
	}
	bar.Finish()
	fmt.Fprintf(stdout, "%s: %d single-object prompts × %d seeds, %d steps, %s, guidance %g\n",
		session.Sanitize(o.modelRef()), len(cases), o.Seeds, o.Steps, session.Sanitize(o.Scheduler), o.Guidance)
	fmt.Fprintf(stdout, "%-12s %12s %12s %14s\n", "render", "shape right", "all right", "edge gradient")
	for k, label := range []string{"plain", fmt.Sprintf("sag %g", o.Scale)} {
		fmt.Fprintf(stdout, "%-12s %11.1f%% %11.1f%% %14.4f\n", label, 100*sums[k].shape, 100*sums[k].all, sums[k].edge)
	}
	return nil
}

// edgeSharpness is the mean luminance gradient magnitude (central differences, luminance in
// [0,1]) over the mask's boundary pixels: on, with a 4-neighbour off. 0 when there is none.
func edgeSharpness(img image.Image, m evaluator.Mask) float64 {
	b := img.Bounds()
	lum := func(x, y int) float64 {
		x, y = min(max(x, 0), m.W-1), min(max(y, 0), m.H-1)
		r, g, bl, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)) / 65535
	}
	on := func(x, y int) bool { return x >= 0 && y >= 0 && x < m.W && y < m.H && m.On[y*m.W+x] }
	var sum float64
	count := 0
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if !on(x, y) || (on(x-1, y) && on(x+1, y) && on(x, y-1) && on(x, y+1)) {
				continue
			}
			gx, gy := (lum(x+1, y)-lum(x-1, y))/2, (lum(x, y+1)-lum(x, y-1))/2
			sum += math.Hypot(gx, gy)
			count++
		}
	}
	if count == 0 {
		return 0
	}
	return sum / float64(count)
}
