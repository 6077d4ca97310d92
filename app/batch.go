package app

// The non-interactive commands (render, verify, bench) share the studio's way of opening a
// model and building requests, so a session renders the same from the CLI and the studio.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
)

func RuntimeOptions(cfg *session.Config) runtime.Options {
	r := cfg.Runtime
	return runtime.Options{Provider: r.Provider, DeviceID: r.DeviceID, ProviderOptions: r.ProviderOptions,
		Threads: r.Threads, OptLevel: r.Optimization, CPUFallback: r.CPUFallback, LowMemory: r.LowMemory, MaxBatch: r.MaxBatch, AttentionSlices: r.AttentionSlices,
		EmbeddingDirs: EmbeddingDirs(cfg)}
}

func ModelNamesOf(cfg *session.Config) ModelNames {
	return ModelNames{Aliases: cfg.Models.Aliases, Dirs: cfg.Models.Dirs}
}

// OpenModel resolves a session's model reference (generating a demo model on first use),
// loads ONNX Runtime and opens the model's components.
func OpenModel(ctx context.Context, cfg *session.Config, ref, base string, stderr io.Writer) (*runtime.Model, error) {
	bar := NewProgress(stderr, "demo model", "MB")
	dir, err := ResolveModel(ctx, ref, base, ModelNamesOf(cfg), func(done, total int64) {
		bar.Update(int(done>>20), int(total>>20))
	})
	bar.Finish()
	if err != nil {
		return nil, err
	}
	if err := ort.Init(ort.ResolveLibrary(cfg.Runtime.Library)); err != nil {
		return nil, err
	}
	return runtime.Open(dir, RuntimeOptions(cfg))
}

// StampRuntime records how the image was made: ORT version, provider, model fingerprint.
func StampRuntime(ctx context.Context, s *session.Session, m *runtime.Model) {
	s.Runtime.ORTVersion = ort.RuntimeVersion()
	if s.Runtime.Provider == "" {
		s.Runtime.Provider = "cpu"
	}
	fp, err := session.FingerprintDir(ctx, m.Dir, filepath.Join(ort.CacheDir(), "fingerprints.json"))
	if err == nil {
		s.Model.Fingerprint = fp.Combined
		s.Model.Files = map[string]string{}
		for _, f := range fp.Files {
			s.Model.Files[f.Path] = f.SHA256
		}
	}
}

// WriteImages writes every image of the batch as a PNG carrying the session, atomically.
func WriteImages(out string, res *runtime.Result, s *session.Session) ([]string, error) {
	var paths []string
	for i, img := range res.Images {
		path := session.BatchOutputPath(out, i)
		var buf bytes.Buffer
		if err := session.EncodePNG(&buf, img, s); err != nil {
			return nil, err
		}
		if err := session.WriteFileNew(path, buf.Bytes()); err != nil {
			return nil, err
		}
		paths = append(paths, path)
	}
	return paths, nil
}

// RecordHistory appends this render to the session file, so `nudge verify` can check it.
func RecordHistory(path string, s *session.Session, out string, res *runtime.Result) error {
	rel, err := filepath.Rel(filepath.Dir(path), out)
	if err != nil {
		rel = out
	}
	s.History = append(s.History, session.Snapshot{Time: time.Now().UTC(), Output: rel,
		ImageSHA256: session.ImageHash(res.Images[0]), Params: s.Params})
	return session.Save(path, s)
}

// Progress is a one-line progress bar on stderr: done/total, rate and ETA. It redraws in
// place on a terminal and prints only the final line otherwise (CI logs stay readable).
type Progress struct {
	w          io.Writer
	label      string
	unit       string
	start      time.Time
	last       time.Time
	done, tot  int
	tty, drawn bool
}

func NewProgress(w io.Writer, label, unit string) *Progress {
	return &Progress{w: w, label: label, unit: unit, start: time.Now(), tty: isTerminal(w)}
}

// isTerminal reports whether w is a character device: progress redraws one line there and
// prints plain lines to files and pipes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

func (p *Progress) Update(done, total int) {
	p.done, p.tot = done, total
	if !p.tty || time.Since(p.last) < 100*time.Millisecond && done < total {
		return
	}
	p.last = time.Now()
	fmt.Fprintf(p.w, "\r\x1b[K%s", p.line())
	p.drawn = true
}

func (p *Progress) line() string {
	el := time.Since(p.start).Seconds()
	rate := float64(p.done) / max(el, 1e-9)
	eta := "?"
	if rate > 0 && p.tot >= p.done {
		eta = time.Duration(float64(p.tot-p.done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	width := 24
	fill := 0
	if p.tot > 0 {
		fill = min(width, width*p.done/p.tot)
	}
	return fmt.Sprintf("%s [%s%s] %d/%d %s  %.2f %s/s  ETA %s", p.label, strings.Repeat("#", fill),
		strings.Repeat(".", width-fill), p.done, p.tot, p.unit, rate, p.unit, eta)
}

// Finish ends the bar: a newline on a terminal, one summary line elsewhere.
func (p *Progress) Finish() {
	switch {
	case p.drawn:
		fmt.Fprintln(p.w)
	case p.tot > 0:
		fmt.Fprintln(p.w, p.line())
	}
}

// Verifier re-renders history entries, opening each distinct model once.
type Verifier struct {
	cfg    *session.Config
	base   string
	stderr io.Writer
	models map[string]*runtime.Model
	entry  int // history entries rendered so far, for the progress label
}

// NewVerifier re-renders the history of a session file in base with the config's runtime.
func NewVerifier(cfg *session.Config, base string, stderr io.Writer) *Verifier {
	return &Verifier{cfg: cfg, base: base, stderr: stderr, models: map[string]*runtime.Model{}}
}

func (v *Verifier) model(ctx context.Context, ref string) (*runtime.Model, error) {
	if m, ok := v.models[ref]; ok {
		return m, nil
	}
	m, err := OpenModel(ctx, v.cfg, ref, v.base, v.stderr)
	if err != nil {
		return nil, err
	}
	v.models[ref] = m
	return m, nil
}

func (v *Verifier) Render(ctx context.Context, snap session.Snapshot) (image.Image, error) {
	m, err := v.model(ctx, snap.Params.Model.Path)
	if err != nil {
		return nil, err
	}
	req, err := BuildRequest(snap.Params)
	if err != nil {
		return nil, err
	}
	v.entry++
	bar := NewProgress(v.stderr, fmt.Sprintf("entry %d", v.entry-1), "steps")
	res, err := m.Render(ctx, req, func(s runtime.StepInfo) { bar.Update(s.Step+1, s.Steps) })
	bar.Finish()
	if err != nil {
		return nil, err
	}
	return res.Images[0], nil
}

// Env describes where verification runs now, for the "what differs" lines.
func (v *Verifier) Env(ctx context.Context, s *session.Session) (session.Env, error) {
	ref := s.Model.Path
	if len(s.History) > 0 {
		ref = s.History[len(s.History)-1].Params.Model.Path
	}
	m, err := v.model(ctx, ref)
	if err != nil {
		return session.Env{}, err
	}
	env := session.Env{ORTVersion: ort.RuntimeVersion(), Provider: m.Options.Provider, Precision: s.Runtime.Precision}
	if env.Provider == "" {
		env.Provider = "cpu"
	}
	if fp, err := session.FingerprintDir(ctx, m.Dir, filepath.Join(ort.CacheDir(), "fingerprints.json")); err == nil {
		env.Fingerprint = fp.Combined
	}
	return env, nil
}

func (v *Verifier) Close() {
	for _, m := range v.models {
		m.Close()
	}
}

func Bench(ctx context.Context, cfg *session.Config, p session.Params, runs int, stdout, stderr io.Writer) error {
	t0 := time.Now()
	m, err := OpenModel(ctx, cfg, p.Model.Path, "", stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintf(stdout, "model %s, %dx%d, %d steps, %s, provider %s, session creation %.2fs\n", session.Sanitize(m.Dir),
		p.Width, p.Height, p.Sampler.Steps, p.Sampler.Scheduler, RuntimeOptions(cfg).Provider, time.Since(t0).Seconds())
	var all []runtime.StepTimings
	var total time.Duration
	for i := 0; i <= runs; i++ {
		req, err := BuildRequest(p)
		if err != nil {
			return err
		}
		bar := NewProgress(stderr, fmt.Sprintf("run %d/%d", i, runs), "steps")
		res, err := m.Render(ctx, req, func(s runtime.StepInfo) { bar.Update(s.Step+1, s.Steps) })
		bar.Finish()
		if err != nil {
			return err
		}
		if i > 0 { // the first render warms up ORT's allocator and caches
			all = append(all, res.Steps...)
			total += res.Total
		}
	}
	runtime.Summarize(all).Write(stdout)
	fmt.Fprintf(stdout, "render wall (incl. text encoder and VAE): %.3f s/image\n", total.Seconds()/float64(max(runs, 1)))
	if rss, ok := ort.PeakRSS(); ok {
		fmt.Fprintf(stdout, "peak RSS: %.0f MB\n", float64(rss)/1e6)
	}
	return nil
}
