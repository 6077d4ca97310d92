package app

import (
	"context"
	"fmt"
	"image"
	"io"
	"strings"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/shapes"
	"github.com/nudge-studio/nudge/shapes/evaluator"
	"github.com/nudge-studio/nudge/techniques"
)

// SEGAEvalOptions measure SEGA on a shapes model: a prompt, one colour concept, and the
// concept's edit guidance scales to compare.
type SEGAEvalOptions struct {
	EvalOptions
	Prompt  string    // e.g. "a circle on a white background"
	Concept string    // a colour word, e.g. "red"
	Scales  []float64 // edit_guidance_scale values; 0 is the plain render
}

// EvalSEGA renders the prompt on each seed plainly and with the concept at every scale, in
// both directions, and prints per scale: the concept colour's share of the object's pixels
// (mean over seeds) and how well the object's mask keeps its place (IoU with the plain
// render: mean, and the share of seeds ≥ 0.7).
func EvalSEGA(ctx context.Context, cfg *session.Config, o SEGAEvalOptions, stdout, stderr io.Writer) error {
	colour, err := colourWord(o.Concept)
	if err != nil {
		return err
	}
	m, err := OpenModel(ctx, cfg, o.modelRef(), "", stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	type cell struct{ share, iou, kept float64 }
	rows := map[string]*cell{}
	bar := NewProgress(stderr, "eval sega", "images")
	total := o.Seeds * (1 + 2*len(o.Scales))
	done := 0
	for seed := 0; seed < o.Seeds; seed++ {
		plainImg, err := o.render(ctx, m, o.Prompt, seed, nil)
		if err != nil {
			return err
		}
		plain := evaluator.ObjectMask(plainImg)
		done++
		for _, reverse := range []bool{false, true} {
			for _, s := range o.Scales {
				img, err := o.render(ctx, m, o.Prompt, seed, func(p *session.Params) { addConcept(p, o.Concept, s, reverse) })
				if err != nil {
					return err
				}
				done++
				bar.Update(done, total)
				mask := evaluator.ObjectMask(img)
				share, _ := evaluator.ColourShare(img, mask, colour)
				iou, _ := evaluator.IoU(plain, mask)
				key := segaKey(s, reverse)
				if rows[key] == nil {
					rows[key] = &cell{}
				}
				r := rows[key]
				r.share += share / float64(o.Seeds)
				r.iou += iou / float64(o.Seeds)
				if iou >= 0.7 {
					r.kept += 1 / float64(o.Seeds)
				}
			}
		}
	}
	bar.Finish()
	fmt.Fprintf(stdout, "%s: %q + concept %q, %d seeds, %d steps, guidance %g\n", session.Sanitize(o.modelRef()),
		session.Sanitize(o.Prompt), session.Sanitize(o.Concept), o.Seeds, o.Steps, o.Guidance)
	fmt.Fprintf(stdout, "%-10s %-8s %12s %10s %12s\n", "direction", "scale", o.Concept+" share", "mask IoU", "IoU ≥ 0.7")
	for _, reverse := range []bool{false, true} {
		for _, s := range o.Scales {
			r := rows[segaKey(s, reverse)]
			dir := "toward"
			if reverse {
				dir = "away"
			}
			fmt.Fprintf(stdout, "%-10s %-8g %11.1f%% %10.3f %11.0f%%\n", dir, s, 100*r.share, r.iou, 100*r.kept)
		}
	}
	return nil
}

func segaKey(scale float64, reverse bool) string { return fmt.Sprintf("%g/%v", scale, reverse) }

// addConcept switches SEGA on with one concept at edit guidance scale s (diffusers'
// edit_guidance_scale); its other settings are the session defaults (diffusers').
func addConcept(p *session.Params, concept string, s float64, reverse bool) {
	if s == 0 {
		return
	}
	sega := techniques.DefaultSEGAConfig()
	c := techniques.DefaultConcept(concept)
	c.EditGuidance, c.Reverse = s, reverse
	sega.Concepts = []techniques.Concept{c}
	p.SetBlock("sega", &sega)
}

// colourWord reads a shapes-world colour name.
func colourWord(w string) (shapes.Colour, error) {
	for _, c := range shapes.AllColours {
		if strings.EqualFold(c.String(), strings.TrimSpace(w)) {
			return c, nil
		}
	}
	var names []string
	for _, c := range shapes.AllColours {
		names = append(names, c.String())
	}
	return 0, usageErr(fmt.Sprintf("eval sega: %q is not a shapes-world colour; use one of %s", session.Sanitize(w), strings.Join(names, ", ")))
}

// ExciteEvalOptions compare attend-and-excite with plain sampling on the suite's two-object
// prompts.
type ExciteEvalOptions struct{ EvalOptions }

// EvalExcite renders every two-object prompt of the suite on each seed, plain and with
// attend-and-excite on the two shape words, and prints both reports.
func EvalExcite(ctx context.Context, cfg *session.Config, o ExciteEvalOptions, stdout, stderr io.Writer) error {
	m, err := OpenModel(ctx, cfg, o.modelRef(), "", stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	var pairs []evaluator.Case
	for _, c := range evaluator.Suite() {
		if c.Kind == evaluator.Pair {
			pairs = append(pairs, c)
		}
	}
	seeds := make([]int64, o.Seeds)
	for i := range seeds {
		seeds[i] = int64(i)
	}
	for _, excite := range []bool{false, true} {
		label := "plain"
		if excite {
			label = "attend-and-excite"
		}
		bar := NewProgress(stderr, label, "images")
		rep, err := evaluator.Run(ctx, pairs, seeds, func(ctx context.Context, prompt string, seed int64) (image.Image, error) {
			var edit func(*session.Params) error
			if excite {
				edit = func(p *session.Params) error { return exciteShapes(p, m, prompt) }
			}
			return o.renderChecked(ctx, m, prompt, int(seed), edit)
		}, bar.Update)
		bar.Finish()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s — %s: %d two-object prompts × %d seeds, %d steps, guidance %g\n", label,
			session.Sanitize(o.modelRef()), len(pairs), o.Seeds, o.Steps, o.Guidance)
		io.WriteString(stdout, rep.Table())
	}
	return nil
}

// exciteShapes chooses the prompt's shape words as attend-and-excite tokens, at the model's
// attention resolution.
func exciteShapes(p *session.Params, m *runtime.Model, prompt string) error {
	parsed, err := shapes.ParsePrompt(prompt)
	if err != nil {
		return err
	}
	var words []string
	for _, obj := range parsed.Objects {
		words = append(words, obj.Shape.String())
	}
	toks, err := m.PromptTokens(prompt, nil)
	if err != nil {
		return err
	}
	idx, err := techniques.ParseExciteTokens(strings.Join(words, ","), toks)
	if err != nil {
		return err
	}
	ae := techniques.DefaultAttendExciteConfig(idx...)
	if ae.AttentionResolution, err = AttentionResolutionOf(m.Dir, p.Width, p.Height); err != nil {
		return err
	}
	p.SetBlock("attend_excite", &ae)
	return nil
}

func (o EvalOptions) modelRef() string {
	if o.Model == "" {
		return DemoPrefix + ShapesPreset
	}
	return o.Model
}

// render draws prompt at the model's native size with the evaluation's sampler settings,
// after edit has switched techniques on.
func (o EvalOptions) render(ctx context.Context, m *runtime.Model, prompt string, seed int, edit func(*session.Params)) (image.Image, error) {
	return o.renderChecked(ctx, m, prompt, seed, func(p *session.Params) error {
		if edit != nil {
			edit(p)
		}
		return nil
	})
}

func (o EvalOptions) renderChecked(ctx context.Context, m *runtime.Model, prompt string, seed int, edit func(*session.Params) error) (image.Image, error) {
	p := session.DefaultParams()
	side := m.NativeSize()
	p.Prompt, p.Negative, p.Width, p.Height, p.Batch = prompt, "", side, side, 1
	p.Sampler.Steps, p.Sampler.Guidance, p.Sampler.Scheduler = o.Steps, o.Guidance, o.Scheduler
	p.Noise.Seed = uint64(seed)
	if edit != nil {
		if err := edit(&p); err != nil {
			return nil, err
		}
	}
	req, err := BuildRequest(p)
	if err != nil {
		return nil, err
	}
	res, err := m.Render(ctx, req, nil)
	if err != nil {
		return nil, err
	}
	return res.Images[0], nil
}

type usageErr string

func (e usageErr) Error() string  { return string(e) }
func (e usageErr) BadInput() bool { return true }
