package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/train"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/shapes/evaluator"
	"github.com/nudge-studio/nudge/shapes/recipe"
)

// ShapesPreset is the demo name of the built-in trained model ("demo:shapes").
const ShapesPreset = "shapes"

// ensureShapes materialises the built-in shapes family into the cache, in a folder named by
// the weights' hash so a newer binary with retrained weights never opens stale files.
func ensureShapes(ctx context.Context) (string, error) {
	weights, err := recipe.Committed()
	if err != nil {
		return "", modelError{err.Error()}
	}
	return ensureFamily(ctx, weights)
}

// ensureFamily materialises a shapes-family weights file (`nudge train shapes` output) into
// the cache, keyed by its hash.
func ensureFamily(ctx context.Context, weights []byte) (string, error) {
	sum := sha256.Sum256(weights)
	dir := filepath.Join(ort.CacheDir(), "models", "shapes-"+hex.EncodeToString(sum[:6]))
	if _, err := os.Stat(filepath.Join(dir, "model_index.json")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", err
	}
	if err := recipe.Materialize(ctx, weights, dir); err != nil {
		return "", fmt.Errorf("demo:shapes: %w", err)
	}
	return dir, nil
}

// TrainShapesOptions are `nudge train shapes`' settings.
type TrainShapesOptions struct {
	Work    string // resumable work folder
	Out     string // the family's weights file
	Threads int
	// VAESteps, DiffusionSteps and DecoderSteps, when set, shorten (or lengthen) the stages
	// of the recipe.
	VAESteps, DiffusionSteps, DecoderSteps int
	// Snapshot writes the weights of the run in Work as they stand (the diffusion stage's last
	// checkpoint) without training.
	Snapshot bool
}

// TrainShapes runs the shapes family's recipe (resuming what Work holds), writes the weights
// to Out and a loss plot per stage beside the logs, and reports progress on stderr.
func TrainShapes(ctx context.Context, cfg *session.Config, o TrainShapesOptions, stderr io.Writer) error {
	if err := ort.Init(ort.ResolveLibrary(cfg.Runtime.Library)); err != nil {
		return err
	}
	if o.Work == "" {
		o.Work = filepath.Join(ort.CacheDir(), "train", "shapes")
	}
	if o.Out == "" {
		o.Out = filepath.Join(o.Work, "shapes.safetensors")
	}
	// Like every output, the weights file is checked before any work and never overwritten.
	if err := os.MkdirAll(o.Work, 0o755); err != nil {
		return err
	}
	if err := session.CheckOutputs(o.Out, 1, ""); err != nil {
		return err
	}
	r := recipe.Default()
	if o.VAESteps > 0 {
		r.VAE.Steps = o.VAESteps
	}
	if o.DiffusionSteps > 0 {
		r.Diffusion.Steps = o.DiffusionSteps
	}
	if o.DecoderSteps > 0 {
		r.Decoder.Steps = o.DecoderSteps
	}
	if o.Snapshot {
		weights, err := r.Snapshot(o.Work)
		if err != nil {
			return err
		}
		return atomicfile.WriteNew(o.Out, weights, 0o666)
	}
	start := time.Now()
	line := newTrainLine(stderr)
	weights, err := r.Run(ctx, o.Work, cfg.Runtime.Threads, line.update)
	line.finish()
	if err != nil {
		return err
	}
	for _, stage := range []string{"vae", "diffusion", "decoder"} {
		if err := plotStage(o.Work, stage); err != nil {
			fmt.Fprintf(stderr, "loss plot for %s: %v\n", stage, err)
		}
	}
	if err := atomicfile.WriteNew(o.Out, weights, 0o666); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (%.1f MB) in %s; logs and loss plots in %s\n", session.Sanitize(o.Out),
		float64(len(weights))/(1<<20), time.Since(start).Round(time.Second), session.Sanitize(o.Work))
	return nil
}

// plotStage draws stage.csv's losses into stage.png.
func plotStage(work, stage string) error {
	losses, err := recipe.LossHistory(filepath.Join(work, stage+".csv"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil // a stage the recipe skips
	}
	if err != nil || len(losses) == 0 {
		return err
	}
	f, err := os.Create(filepath.Join(work, stage+".png"))
	if err != nil {
		return err
	}
	if err := train.PlotLoss(f, losses, 640, 240); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// trainLine shows a stage's progress on one line of a terminal (or a line every 50 steps
// when stderr is a file).
type trainLine struct {
	w     io.Writer
	tty   bool
	last  time.Time
	drawn bool
}

func newTrainLine(w io.Writer) *trainLine {
	return &trainLine{w: w, tty: isTerminal(w)}
}

func (l *trainLine) update(stage string, p train.Progress) {
	final := p.Step == p.Total
	text := p.String()
	if stage == recipe.StageDataset {
		text = fmt.Sprintf("encoded %d/%d  %.0f images/s  ETA %s", p.Step, p.Total, p.ItPerSec, p.ETA.Round(time.Second))
	}
	switch {
	case l.tty && (final || time.Since(l.last) > 200*time.Millisecond):
		fmt.Fprintf(l.w, "\r\x1b[K%-9s %s", stage, text)
		l.drawn, l.last = true, time.Now()
		if final {
			fmt.Fprintln(l.w)
			l.drawn = false
		}
	case !l.tty && (final || p.Step%50 == 0 || stage == recipe.StageDataset && p.Step%1024 == 0):
		fmt.Fprintf(l.w, "%-9s %s\n", stage, text)
	}
}

func (l *trainLine) finish() {
	if l.drawn {
		fmt.Fprintln(l.w)
	}
}

// EvalOptions are `nudge eval`'s settings: which model, how many seeds per prompt and how to
// sample (the quality bars use 25 PNDM steps at guidance 7.5).
type EvalOptions struct {
	Model     string
	Seeds     int
	Steps     int
	Guidance  float64
	Scheduler string
	// Sheet, when set, is a PNG file for the contact sheet of seed 0 of every prompt.
	Sheet string
}

// Eval renders the shapes-world prompt suite with Seeds seeds each and prints the evaluator's
// table: shape, colour, size and position accuracy, object counts and all-correct rates.
func Eval(ctx context.Context, cfg *session.Config, o EvalOptions, stdout, stderr io.Writer) error {
	o.Model = o.modelRef()
	m, err := OpenModel(ctx, cfg, o.Model, "", stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	side := m.NativeSize()
	var sheet []image.Image
	render := func(ctx context.Context, prompt string, seed int64) (image.Image, error) {
		img, err := o.render(ctx, m, prompt, int(seed), nil)
		if err == nil && seed == 0 {
			sheet = append(sheet, img)
		}
		return img, err
	}
	seeds := make([]int64, o.Seeds)
	for i := range seeds {
		seeds[i] = int64(i)
	}
	bar := NewProgress(stderr, "eval", "images")
	rep, err := evaluator.Run(ctx, evaluator.Suite(), seeds, render, bar.Update)
	bar.Finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %d prompts × %d seeds, %d steps %s, guidance %g, %d×%d\n", session.Sanitize(o.Model),
		len(evaluator.Suite()), o.Seeds, o.Steps, schedulerName(o.Scheduler), o.Guidance, side, side)
	if _, err := io.WriteString(stdout, rep.Table()); err != nil {
		return err
	}
	if o.Sheet == "" {
		return nil
	}
	return writeSheet(o.Sheet, sheet, 8)
}

// writeSheet lays images out in a grid of cols columns (2-pixel gaps) and writes it as a
// new PNG: the contact sheet of an evaluation, seed 0 of every prompt in suite order.
func writeSheet(path string, imgs []image.Image, cols int) error {
	if len(imgs) == 0 {
		return nil
	}
	side := imgs[0].Bounds().Dx()
	rows := (len(imgs) + cols - 1) / cols
	out := image.NewRGBA(image.Rect(0, 0, cols*(side+2), rows*(side+2)))
	for i, img := range imgs {
		x, y := (i%cols)*(side+2), (i/cols)*(side+2)
		draw.Draw(out, image.Rect(x, y, x+side, y+side), img, img.Bounds().Min, draw.Src)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, out); err != nil {
		return err
	}
	return atomicfile.WriteNew(path, buf.Bytes(), 0o666)
}

func schedulerName(s string) string {
	if s == "" {
		return "(model's scheduler)"
	}
	return s
}
