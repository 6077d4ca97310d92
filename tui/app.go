package tui

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/preview"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
)

// Options are the studio's command-line settings (`nudge studio`).
type Options struct {
	// ModelRef is --model: a model folder, a config alias or demo:*. Empty uses the
	// session's model path, or for a new session DefaultModel.
	ModelRef string
	// DefaultModel is the config's [models] default for new sessions; empty uses
	// app.DefaultModel() (the built-in shapes family).
	DefaultModel string
	// SessionPath is --session. Empty means nudge-session.toml in the current folder. An
	// existing file is loaded; a missing one is created on the first Ctrl+S.
	SessionPath string
	Library     string // ONNX Runtime library ("" → $NUDGE_ORT_LIBRARY → the cache)
	// Runtime is how ORT runs the model (from the config and flags); an empty provider
	// takes the session's, else cpu.
	Runtime  runtime.Options
	Debounce time.Duration // pause after a change before rendering; 0 → 250 ms
	Preview  string        // auto|kitty|kitty-direct|sixel|iterm|blocks|quadrants|text|none
	// PreviewDecoder turns step latents into pictures: approx (linear latent→RGB, in the UI),
	// taesd or vae (decoded by the engine between UNet calls, every PreviewEvery steps).
	// A session's [preview] block wins over these config values.
	PreviewDecoder string
	PreviewEvery   int
	LatentFactors  string            // sd15 | sdxl: the linear approximation's factors
	Aliases        map[string]string // model aliases from the config
	ModelDirs      []string          // folders searched for a model given by bare name
	// Stdin and Stdout replace the terminal (tests); with Stdout set, auto preview detection
	// is skipped and half blocks are used.
	Stdin  io.Reader
	Stdout io.Writer
}

// Run opens the studio and returns when the user quits. Errors before the UI starts (an
// unreadable session, a missing ONNX Runtime) are returned as one line; bad input ones
// carry BadInput() so the CLI exits 2.
func Run(ctx context.Context, o Options) error {
	f, fresh, err := loadSession(o.SessionPath)
	if err != nil {
		return err
	}
	sess, path := f.sess, f.path
	existing := sess.Model.Path
	if fresh {
		existing = "" // a new session takes the configured default, not the file format's
	}
	ref := firstOf(o.ModelRef, existing, o.DefaultModel, app.DefaultModel())
	sess.Model.Path = ref
	if fresh {
		app.FitNewSession(&sess.Params, ref, session.DefaultsConfig{})
	}
	rt := o.Runtime
	rt.Provider = firstOf(rt.Provider, sess.Runtime.Provider, "cpu")
	if slices.Contains(session.Providers(), rt.Provider) {
		sess.Runtime.Provider = rt.Provider
	}
	if err := ort.Init(ort.ResolveLibrary(o.Library)); err != nil {
		return err
	}
	setup, err := previewSetupFor(ctx, o, sess)
	if err != nil {
		return err
	}
	open := func(ref, base string) Renderer {
		return runtime.NewEngine(func() (*runtime.Model, error) {
			dir, err := app.ResolveModel(ctx, ref, base, app.ModelNames{Aliases: o.Aliases, Dirs: o.ModelDirs}, nil)
			if err != nil {
				return nil, err
			}
			return runtime.Open(dir, rt)
		})
	}
	m := New(Config{
		Session: sess, SessionPath: path, ModelLabel: ref, Banner: app.ModelBanner(ref),
		Engine: open(ref, filepath.Dir(path)), OpenEngine: open, Debounce: o.Debounce,
		Preview: setup, Seed: uint64(time.Now().UnixNano()),
	})
	m.dirty, m.recovered = f.unsaved, f.recovered
	if f.recovered == "" && fileExists(AutosavePath(path)) {
		m.say("an autosave exists: "+AutosavePath(path)+" (ctrl+o opens it)", false)
	}
	err = runGuarded(m, programOptions(ctx, o, setup))
	if m.engine != nil {
		m.engine.Close()
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil
	}
	return err
}

// loadSession reads the session file (an autosave or a PNG by openFile's rule), or starts a
// default session for a missing one.
func loadSession(path string) (f opened, fresh bool, err error) {
	if path == "" {
		path = DefaultSessionFile
	}
	if !fileExists(path) {
		return opened{sess: session.Default(), path: path}, true, nil
	}
	f, err = openFile(path)
	return f, false, err
}

// previewSetupFor resolves the preview protocol: the flag, the session's setting, else
// detection on the terminal (half blocks when the output is not a terminal).
func previewSetupFor(ctx context.Context, o Options, s *session.Session) (PreviewSetup, error) {
	name := o.Preview
	if name == "" && s.Preview != nil {
		name = s.Preview.Protocol
	}
	p, err := preview.ParseProtocol(firstOf(name, string(preview.Auto)))
	if err != nil {
		return PreviewSetup{}, err
	}
	setup := PreviewSetup{Protocol: p, Decoder: o.PreviewDecoder, Every: o.PreviewEvery, Factors: o.LatentFactors}
	if s.Preview != nil {
		setup.Decoder = firstOf(s.Preview.Decoder, setup.Decoder)
		if s.Preview.Every > 0 {
			setup.Every = s.Preview.Every
		}
	}
	if p != preview.Auto {
		return setup, nil
	}
	if o.Stdout != nil {
		setup.Protocol = preview.Blocks
		return setup, nil
	}
	r := preview.DetectTerminal(ctx, preview.Auto)
	setup.Protocol, setup.Options = r.Protocol, r.Options()
	setup.Options.ImageID = uint8(1 + time.Now().UnixNano()%255) // tmux windows share one image id space
	return setup, nil
}

func programOptions(ctx context.Context, o Options, setup PreviewSetup) []tea.ProgramOption {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if o.Stdin != nil {
		opts = append(opts, tea.WithInput(o.Stdin))
	}
	if o.Stdout != nil {
		opts = append(opts, tea.WithOutput(o.Stdout))
	}
	if setup.Protocol == preview.Kitty {
		// Kitty placeholders carry the image id as a 256-colour SGR, which a lower detected
		// profile would rewrite (docs/references.md, "Terminal graphics").
		opts = append(opts, tea.WithColorProfile(colorprofile.ANSI256))
	}
	return opts
}

func firstOf(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
