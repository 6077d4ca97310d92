package evaluator

import (
	"context"
	"fmt"
	"image"
	"strings"

	"github.com/nudge-studio/nudge/shapes"
)

// Kind groups a suite's prompts for the report.
type Kind uint8

// The prompt kinds, from plain to hard.
const (
	Single         Kind = iota + 1 // "a red circle"
	WithBackground                 // "a red circle on a white background"
	Placed                         // "a small green star on the left"
	Pair                           // "a blue square and a yellow triangle"
)

// Kinds lists the kinds in report order.
var Kinds = []Kind{Single, WithBackground, Placed, Pair}

func (k Kind) String() string {
	switch k {
	case Single:
		return "single object"
	case WithBackground:
		return "with background"
	case Placed:
		return "size / position"
	case Pair:
		return "two objects"
	}
	return "other"
}

// Case is one prompt of a suite with what it asks for.
type Case struct {
	Prompt   string
	Kind     Kind
	Expected shapes.Prompt
}

// NewCase parses a prompt and files it under its kind: Pair for several objects, Placed when a
// size or position is named, WithBackground when a background is, Single otherwise.
func NewCase(prompt string) (Case, error) {
	p, err := shapes.ParsePrompt(prompt)
	if err != nil {
		return Case{}, err
	}
	c := Case{Prompt: prompt, Expected: p, Kind: Single}
	switch {
	case len(p.Objects) > 1:
		c.Kind = Pair
	case p.Objects[0].Size != 0 || p.Objects[0].Position != 0:
		c.Kind = Placed
	case p.Background.Colour != 0:
		c.Kind = WithBackground
	}
	return c, nil
}

// Suite is the fixed evaluation suite, GenEval for the shapes world: every base shape in every
// colour (32), eight on named backgrounds, ten with a size and position, twelve pairs — 62
// prompts, all of the base training set's vocabulary.
func Suite() []Case {
	var prompts []string
	for _, s := range shapes.BaseShapes {
		for _, c := range shapes.AllColours {
			prompts = append(prompts, fmt.Sprintf("a %s %s", c, s))
		}
	}
	prompts = append(prompts,
		"a red circle on a white background", "a circle on a white background",
		"a yellow star on a black background", "a white square on a grey background",
		"a blue triangle on a beige background", "a black circle on a light blue background",
		"a green square on a white background", "an orange star on a grey background",
		"a small green star on the left", "a large red circle on the right",
		"a small blue square at the top", "a large yellow triangle at the bottom",
		"a small purple circle in the centre", "a large orange star on the left",
		"a small white triangle on the right on a black background", "a large black square at the top",
		"a small red triangle at the bottom", "a large green circle in the centre",
		"a blue square and a yellow triangle", "a red circle and a green star",
		"a purple square and an orange circle", "a black triangle and a white star on a grey background",
		"a yellow circle and a blue star", "a green triangle and a red square",
		"an orange triangle and a purple star", "a red star and a blue circle",
		"a blue circle on the left and a red square on the right", "a yellow star at the top and a green circle at the bottom",
		"a white circle and a black square on a grey background", "an orange square and a blue triangle",
	)
	out := make([]Case, len(prompts))
	for i, p := range prompts {
		c, err := NewCase(p)
		if err != nil {
			panic(fmt.Sprintf("evaluator: suite prompt %q: %v", p, err)) // a typo in the list above; TestSuite catches it
		}
		out[i] = c
	}
	return out
}

// RenderFunc draws a prompt with a seed: the model under test (or shapes.RenderPrompt, the oracle).
type RenderFunc func(ctx context.Context, prompt string, seed int64) (image.Image, error)

// Run renders every case with every seed, detects and scores each image, and tallies the report.
// progress, when not nil, is told after each image.
func Run(ctx context.Context, cases []Case, seeds []int64, render RenderFunc, progress func(done, total int)) (Report, error) {
	rep := NewReport()
	total, done := len(cases)*len(seeds), 0
	for _, c := range cases {
		for _, seed := range seeds {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			img, err := render(ctx, c.Prompt, seed)
			if err != nil {
				return rep, fmt.Errorf("evaluator: render %q seed %d: %w", c.Prompt, seed, err)
			}
			rep.Add(c, Score(c.Expected, Detect(img)))
			done++
			if progress != nil {
				progress(done, total)
			}
		}
	}
	return rep, nil
}

// Tally counts right answers among asked ones for one group of images.
type Tally struct {
	Images, CountRight, AllRight  int
	Shape, Colour, Size, Position [2]int // right, asked
}

func (t *Tally) add(s ImageScore) {
	t.Images++
	if s.CountOK {
		t.CountRight++
	}
	if s.AllCorrect {
		t.AllRight++
	}
	for _, o := range s.Objects {
		count(&t.Shape, o.Shape)
		count(&t.Colour, o.Colour)
		count(&t.Size, o.Size)
		count(&t.Position, o.Position)
	}
}

func count(c *[2]int, v Verdict) {
	if v != Unasked {
		c[1]++
	}
	if v == Right {
		c[0]++
	}
}

// Rate is right/asked, or -1 when nothing was asked.
func Rate(c [2]int) float64 {
	if c[1] == 0 {
		return -1
	}
	return float64(c[0]) / float64(c[1])
}

// Report is a suite run's tallies per kind and overall.
type Report struct {
	ByKind map[Kind]*Tally
	All    Tally
}

// NewReport is an empty report.
func NewReport() Report { return Report{ByKind: map[Kind]*Tally{}} }

// Add records one image's score under its case's kind.
func (r *Report) Add(c Case, s ImageScore) {
	t := r.ByKind[c.Kind]
	if t == nil {
		t = &Tally{}
		r.ByKind[c.Kind] = t
	}
	t.add(s)
	r.All.add(s)
}

// Table prints the report: one row per kind and a total, accuracy per attribute (over the
// objects whose prompt named it), the rate of images with the right object count, and the rate
// of images with every object present and right ("both correct" for two-object prompts).
func (r Report) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-16s %6s %7s %7s %7s %8s %7s %12s\n", "prompts", "images", "shape", "colour", "size", "position", "count", "all correct")
	row := func(name string, t Tally) {
		fmt.Fprintf(&b, "%-16s %6d %7s %7s %7s %8s %7s %12s\n", name, t.Images, pct(Rate(t.Shape)), pct(Rate(t.Colour)),
			pct(Rate(t.Size)), pct(Rate(t.Position)), pct(Rate([2]int{t.CountRight, t.Images})), pct(Rate([2]int{t.AllRight, t.Images})))
	}
	for _, k := range Kinds {
		if t := r.ByKind[k]; t != nil {
			row(k.String(), *t)
		}
	}
	row("all", r.All)
	return b.String()
}

func pct(x float64) string {
	if x < 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// Oracle is the RenderFunc of a perfect model: the shapes world's own picture of the prompt.
// Its report is the suite's ceiling (TestRunOracle) and a check of the evaluator in place.
func Oracle(opts shapes.Options) RenderFunc {
	return func(_ context.Context, prompt string, seed int64) (image.Image, error) {
		p, err := shapes.ParsePrompt(prompt)
		if err != nil {
			return nil, err
		}
		return shapes.RenderPrompt(p, uint64(seed), opts)
	}
}
