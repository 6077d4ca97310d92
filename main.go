// Command nudge is a terminal studio for steering Stable Diffusion ONNX models.
//
// main only parses flags, calls a package and maps errors to exit codes: 2 for bad input
// (anything whose error says BadInput() == true, or a usage error), 1 for runtime failures.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/preview"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
	"github.com/nudge-studio/nudge/tui"
)

// badInput marks an error as the user's to fix: exit code 2.
type badInput interface{ BadInput() bool }

type usageError struct{ msg string }

func (e usageError) Error() string  { return e.msg }
func (e usageError) BadInput() bool { return true }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

type command struct {
	name, args, help string
	run              func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"studio", "[--model M] [--session FILE]", "open the studio (the default command)", cmdStudio},
		{"render", "[SESSION.toml] -o OUT.png", "render a session (or flags) to a PNG", cmdRender},
		{"grid", "[S.toml] --x P=V,… [--y …] -o G.png", "render an X/Y grid of a session into one labelled PNG", cmdGrid},
		{"import", "IMAGE.png|SESSION.toml [-o S.toml]", "rebuild a session from a PNG's metadata", cmdImport},
		{"verify", "SESSION.toml", "re-render the history and compare images", cmdVerify},
		{"view", "IMAGE [--native]", "show an image fitted to the terminal", cmdView},
		{"doctor", "[--preview P]", "show what the terminal supports and why", cmdDoctor},
		{"inspect", "MODEL_DIR [--json]", "describe an ONNX model folder", cmdInspect},
		{"demo-model", "--out DIR [--preset …]", "write an SD-shaped model with random weights", cmdDemoModel},
		{"tokens", "[--model DIR|--tokenizer F] TEXT", "show a prompt's CLIP tokens and indices", cmdTokens},
		{"bench", "[--model M] [--size WxH] [--steps N]", "time denoising steps: ORT vs orchestration", cmdBench},
		{"prepare", "MODEL [--for TECHNIQUE|all]", "build attention and gradient graphs into the cache", cmdPrepare},
		{"train", "shapes [--work DIR] [-o FILE]", "train the shapes-world model family from scratch", cmdTrain},
		{"eval", "[sega|excite|sag] [--model M] [--seeds N]", "score a shapes model: prompt suite, SEGA, attend-and-excite, SAG", cmdEval},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stderr io.Writer) int {
	name := "studio"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		printUsage(os.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			return exitCode(c.run(ctx, args), stderr)
		}
	}
	fmt.Fprintf(stderr, "nudge: unknown command %q — run `nudge help` for the list\n", name)
	return 2
}

func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ve *session.ValidationError
	if errors.As(err, &ve) { // one problem a line, each `file:line: what — hint`
		for _, p := range ve.Problems {
			fmt.Fprintf(stderr, "nudge: %s\n", session.Sanitize(p.String()))
		}
		return 2
	}
	msg := session.Sanitize(strings.ReplaceAll(err.Error(), "\n", " "))
	fmt.Fprintf(stderr, "nudge: %s\n", msg)
	var bi badInput
	if errors.As(err, &bi) && bi.BadInput() {
		return 2
	}
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: nudge [command] [flags]   (no command opens the studio)")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %-36s %s\n", c.name, c.args, c.help)
	}
}

// parseFlags parses flags that may come before or after positional arguments
// (`nudge render s.toml -o out.png`), which the flag package alone does not allow.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.SetOutput(os.Stdout)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, usagef("%s: %v — run `nudge %s -h` for its flags", fs.Name(), err, fs.Name())
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func cmdInspect(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	asJSON := fs.Bool("json", false, "print JSON instead of text")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("inspect: give one model folder, e.g. `nudge inspect ./stable-diffusion-v1-5-onnx`")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	dir, err := app.ModelDir(ctx, cfg, pos[0], os.Stderr)
	if err != nil {
		return err
	}
	r, err := onnxgraph.Inspect(dir)
	if err != nil {
		return err
	}
	if *asJSON {
		return r.WriteJSON(os.Stdout)
	}
	return r.WriteText(os.Stdout)
}

func cmdDemoModel(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("demo-model", flag.ContinueOnError)
	out := fs.String("out", "", "folder to create (must not exist)")
	var o demomodel.Options
	fs.StringVar(&o.Preset, "preset", "tiny", "tiny | small | sd15")
	fs.StringVar(&o.Opset, "opset", "17", "14 | 17")
	fs.StringVar(&o.DType, "dtype", "fp32", "fp32 | fp16")
	fs.StringVar(&o.Layout, "layout", "optimum", "optimum | diffusers")
	fs.StringVar(&o.Variant, "variant", "txt2img", "txt2img | instruct-pix2pix | depth")
	fs.Uint64Var(&o.Seed, "seed", 0, "weight seed")
	fs.BoolVar(&o.TAESD, "taesd", true, "also write taesd_decoder.onnx (live previews)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *out == "" || len(pos) > 0 {
		return usagef("demo-model: give the folder to create with --out DIR")
	}
	bar := app.NewProgress(os.Stderr, "demo-model", "MB")
	o.Progress = func(done, total int64) { bar.Update(int(done>>20), int(total>>20)) }
	err = demomodel.Write(ctx, *out, o)
	bar.Finish()
	if err == nil {
		fmt.Fprintf(os.Stderr, "wrote %s (%s preset, random weights: for plumbing and speed, not image quality)\n", session.Sanitize(*out), session.Sanitize(o.Preset))
	}
	return err
}

func cmdTokens(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("tokens", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	var o app.TokensOptions
	fs.StringVar(&o.Model, "model", "", "model folder, alias or demo:shapes|tiny|small|sd15 (uses its tokenizer/)")
	fs.StringVar(&o.Tokenizer, "tokenizer", "", "HF tokenizer folder or CLIP's bpe_simple_vocab_16e6.txt.gz")
	fs.BoolVar(&o.IDsOnly, "ids", false, "print only the ids on one line")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef(`tokens: give the prompt as one argument, e.g. nudge tokens --model DIR "a cat and a frog"`)
	}
	if o.Model == "" && o.Tokenizer == "" {
		return usagef("tokens: say which tokenizer with --model M or --tokenizer DIR_OR_FILE")
	}
	o.Prompt = pos[0]
	cfg, err := g.load()
	if err != nil {
		return err
	}
	return app.Tokens(ctx, cfg, o, os.Stdout, os.Stderr)
}

func cmdImport(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	out := fs.String("o", "", "write the session here (default: print it)")
	cfgPath := fs.String("config", "", "config file whose embeddings folder resolves the image's embeddings")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("import: give one PNG or session file, e.g. `nudge import image.png -o session.toml`")
	}
	cfg, err := session.LoadConfig(*cfgPath)
	if err != nil {
		return err
	}
	return session.ImportTo(pos[0], *out, os.Stdout, os.Stderr, func(s *session.Session) []string {
		return app.ResolveEmbeddings(cfg, s)
	})
}

// globalFlags are the flags every model-running command shares.
type globalFlags struct {
	config    string
	provider  string
	threads   int
	lowMemory bool
	maxBatch  int
	slices    int
}

func (g *globalFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&g.config, "config", "", "config file (default $XDG_CONFIG_HOME/nudge/config.toml)")
	fs.StringVar(&g.provider, "provider", "", "cpu | cuda | webgpu | tensorrt (overrides the config)")
	fs.IntVar(&g.threads, "threads", 0, "ONNX Runtime intra-op threads (0: the config's, else ORT's choice)")
	fs.BoolVar(&g.lowMemory, "low-memory", false, "no memory arena or weight prepacking: lower peak RSS, slower")
	fs.IntVar(&g.maxBatch, "max-batch", 0, "most rows per UNet call (0: all rows of a step in one call)")
	fs.IntVar(&g.slices, "attention-slices", 0, "compute large attentions in N query chunks (less memory, same image)")
}

// load reads the config and applies the flags over it.
func (g *globalFlags) load() (*session.Config, error) {
	cfg, err := session.LoadConfig(g.config)
	if err != nil {
		return nil, err
	}
	if g.provider != "" {
		cfg.Runtime.Provider = g.provider
	}
	if g.threads > 0 {
		cfg.Runtime.Threads = g.threads
	}
	cfg.Runtime.LowMemory = cfg.Runtime.LowMemory || g.lowMemory
	if g.maxBatch > 0 {
		cfg.Runtime.MaxBatch = g.maxBatch
	}
	if g.slices > 0 {
		cfg.Runtime.AttentionSlices = g.slices
	}
	return cfg, nil
}

const attentionResolutionHelp = "attend-and-excite attention-map side (default: diffusers' 16, else the nearest the UNet has)"

// renderFlags are the overrides `nudge render` accepts on top of a session file.
type renderFlags struct {
	out, prompt, negative, scheduler, size, model, seed string
	steps                                               int
	guidance                                            float64
	excite                                              string
	exciteRes                                           int
	sag                                                 float64
	show, record                                        bool
	image                                               imageFlags
}

// imageFlags are `nudge render`'s input-image options (img2img, instruct-pix2pix, depth2img).
type imageFlags struct {
	initImage, depth, instruct string
	strength, imageGuidance    float64
}

func (f *imageFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.initImage, "init-image", "", "input picture (PNG/JPEG): img2img, or instruct-pix2pix / depth2img on those models")
	fs.StringVar(&f.initImage, "image", "", "another name of --init-image")
	fs.Float64Var(&f.strength, "strength", -1, "img2img / depth2img strength in [0, 1] (default 0.8)")
	fs.Float64Var(&f.imageGuidance, "image-guidance", -1, "instruct-pix2pix image guidance scale (default 1.5)")
	fs.StringVar(&f.depth, "depth", "", "depth2img: a depth map picture (brighter is nearer) instead of the model's depth estimator")
	fs.StringVar(&f.instruct, "instruct", "", "instruct-pix2pix: the edit instruction (sets the prompt)")
}

// apply sets the session's [image] block from the flags once the model is open (its size rule
// fits the picture). It prints how the picture was fitted.
func (f *imageFlags) apply(p *session.Params, modelDir string, sizeGiven bool) error {
	if f.instruct != "" {
		p.Prompt = f.instruct
	}
	if f.initImage != "" {
		note, err := app.SetInputImage(p, f.initImage, modelDir, sizeGiven)
		if err != nil {
			return err
		}
		if note != "" {
			fmt.Fprintln(os.Stderr, "note:", note)
		}
	}
	if f.depth != "" {
		if err := app.SetDepthImage(p, f.depth); err != nil {
			return err
		}
	}
	c := techniques.ImageOf(p)
	if c == nil && (f.strength >= 0 || f.imageGuidance >= 0) {
		return usagef("render: --strength and --image-guidance need an input image: give --init-image")
	}
	if f.strength >= 0 {
		if f.strength > 1 {
			return usagef("render: --strength %v: give a number in [0, 1]", f.strength)
		}
		c.Strength = f.strength
	}
	if f.imageGuidance >= 0 {
		c.ImageGuidance = f.imageGuidance
	}
	return nil
}

func cmdRender(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("render", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	var f renderFlags
	fs.StringVar(&f.out, "o", "", "output PNG (batch > 1 adds -1, -2 … before .png)")
	fs.StringVar(&f.prompt, "prompt", "", "prompt")
	fs.StringVar(&f.negative, "negative", "", "negative prompt")
	fs.StringVar(&f.seed, "seed", "", "seed (0 … 2^64−1)")
	fs.IntVar(&f.steps, "steps", 0, "inference steps")
	fs.Float64Var(&f.guidance, "guidance", -1, "classifier-free guidance scale")
	fs.StringVar(&f.scheduler, "scheduler", "", "pndm | ddim | euler | euler_a | dpmpp_2m | lcm")
	fs.StringVar(&f.size, "size", "", "WIDTHxHEIGHT, multiples of 8")
	fs.StringVar(&f.model, "model", "", "model folder, alias or demo:shapes|tiny|small|sd15")
	fs.BoolVar(&f.show, "show", false, "show the image in the terminal when done")
	fs.BoolVar(&f.record, "record", false, "append the render to the session file's history")
	fs.StringVar(&f.excite, "excite", "", "attend-and-excite tokens: indices (SOT is 0) or words, e.g. 2,5 or cat,frog")
	fs.IntVar(&f.exciteRes, "attention-resolution", 0, attentionResolutionHelp)
	fs.IntVar(&f.exciteRes, "excite-res", 0, "the old name of --attention-resolution")
	fs.Float64Var(&f.sag, "sag", -1, "self-attention guidance scale (diffusers' default 0.75; 0 renders plain)")
	f.image.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || f.out == "" {
		return usagef("render: usage: nudge render [SESSION.toml] -o OUT.png [--prompt …]")
	}
	if f.record && len(pos) == 0 {
		return usagef("render: --record needs a session file to append to")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	s, base, err := sessionFor(cfg, pos)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		app.FitNewSession(&s.Params, firstNonEmpty(f.model, s.Model.Path), cfg.Defaults)
	}
	if err := f.apply(&s.Params); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := session.CheckOutputs(f.out, s.Batch, recordTarget(f, pos)); err != nil {
		return err
	}
	return renderSession(ctx, cfg, s, base, f, pos)
}

// recordTarget is the session file `--record` appends to, or "".
func recordTarget(f renderFlags, pos []string) string {
	if f.record && len(pos) == 1 {
		return pos[0]
	}
	return ""
}

// sessionFor loads the session file, or starts from the config's defaults.
func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func sessionFor(cfg *session.Config, pos []string) (*session.Session, string, error) {
	if len(pos) == 0 {
		s := session.Default()
		s.Model.Path = app.DefaultModel()
		cfg.Apply(&s.Params)
		return s, "", nil
	}
	s, err := session.Load(pos[0])
	if err != nil {
		return nil, "", err
	}
	return s, filepath.Dir(pos[0]), nil
}

func (f renderFlags) apply(p *session.Params) error {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&p.Prompt, f.prompt)
	set(&p.Negative, f.negative)
	set(&p.Sampler.Scheduler, f.scheduler)
	set(&p.Model.Path, f.model)
	if f.steps != 0 {
		p.Sampler.Steps = f.steps
	}
	if f.guidance >= 0 {
		p.Sampler.Guidance = f.guidance
	}
	if f.sag >= 0 {
		p.SetBlock("sag", &techniques.SAGConfig{Enabled: true, Scale: f.sag})
	} else if f.sag != -1 {
		return usagef("render: --sag %g: give a scale ≥ 0, e.g. 0.75", f.sag)
	}
	if f.seed != "" {
		v, err := strconv.ParseUint(f.seed, 10, 64)
		if err != nil {
			return usagef("render: --seed %q is not a number in 0 … 18446744073709551615", f.seed)
		}
		p.Noise.Seed = v
	}
	if f.size != "" {
		w, h, ok := strings.Cut(strings.ToLower(f.size), "x")
		wi, err1 := strconv.Atoi(w)
		hi, err2 := strconv.Atoi(h)
		if !ok || err1 != nil || err2 != nil {
			return usagef("render: --size %q: write it as WIDTHxHEIGHT, e.g. 512x512", f.size)
		}
		p.Width, p.Height = wi, hi
	}
	return nil
}

func renderSession(ctx context.Context, cfg *session.Config, s *session.Session, base string, f renderFlags, pos []string) error {
	m, err := app.OpenModel(ctx, cfg, s.Model.Path, base, os.Stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := f.image.apply(&s.Params, m.Dir, f.size != ""); err != nil {
		return err
	}
	if err := app.FillImageHashes(&s.Params); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := app.CheckSize(m.Dir, s.Width, s.Height); err != nil {
		return err
	}
	if err := f.applyExcite(&s.Params, m); err != nil {
		return err
	}
	req, err := app.BuildRequest(s.Params)
	if err != nil {
		return err
	}
	bar := app.NewProgress(os.Stderr, "render", "steps")
	res, err := m.Render(ctx, req, func(st runtime.StepInfo) { bar.Update(st.Step+1, st.Steps) })
	bar.Finish()
	if err != nil {
		return err
	}
	app.StampRuntime(ctx, s, m)
	app.RecordEmbeddings(&s.Params, res.Embeddings)
	paths, err := app.WriteImages(f.out, res, s)
	if err != nil {
		return err
	}
	for _, p := range paths {
		fmt.Fprintf(os.Stderr, "wrote %s (%.1fs)\n", session.Sanitize(p), res.Total.Seconds())
	}
	if f.show {
		if err := showImage(res.Images[0]); err != nil {
			return err
		}
	}
	if f.record {
		return app.RecordHistory(pos[0], s, paths[0], res)
	}
	return nil
}

// showImage prints an image inline with the best protocol the terminal supports.
func showImage(img image.Image) error {
	res := preview.DetectTerminal(context.Background(), preview.Auto)
	return preview.Show(os.Stdout, img, preview.ViewOptionsFor(res))
}

func cmdVerify(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("verify: give one session file, e.g. `nudge verify session.toml`")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	s, err := session.Load(pos[0])
	if err != nil {
		return err
	}
	v := app.NewVerifier(cfg, filepath.Dir(pos[0]), os.Stderr)
	defer v.Close()
	env, err := v.Env(ctx, s)
	if err != nil {
		return err
	}
	ok, err := session.Verify(ctx, s, session.VerifyOptions{Render: v.Render, Env: env, Dir: filepath.Dir(pos[0])}, os.Stdout)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("verify: some history entries no longer reproduce (see the table)")
	}
	return nil
}

func cmdView(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("view", flag.ContinueOnError)
	proto := fs.String("preview", "auto", "auto | kitty | kitty-direct | sixel | iterm | blocks | quadrants | text")
	native := fs.Bool("native", false, "draw at the image's own pixel size instead of fitting the terminal")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("view: give one image, e.g. `nudge view out.png`")
	}
	p, err := preview.ParseProtocol(*proto)
	if err != nil {
		return err
	}
	res := preview.DetectTerminal(ctx, p)
	o := preview.ViewOptionsFor(res)
	o.Native = *native
	return preview.View(os.Stdout, pos[0], o)
}

func cmdDoctor(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	proto := fs.String("preview", "auto", "force a protocol to see how it would be used")
	var g globalFlags
	g.register(fs)
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	p, err := preview.ParseProtocol(*proto)
	if err != nil {
		return err
	}
	preview.DetectTerminal(ctx, p).Explain(os.Stdout)
	cfg, err := g.load()
	if err != nil {
		return err
	}
	lib := ort.ResolveLibrary(cfg.Runtime.Library)
	if err := ort.Init(lib); err != nil {
		fmt.Fprintf(os.Stdout, "onnx runtime: %s\n", session.Sanitize(err.Error()))
		return nil
	}
	fmt.Fprintf(os.Stdout, "onnx runtime: %s from %s (provider %s)\n", ort.RuntimeVersion(), session.Sanitize(lib), cfg.Runtime.Provider)
	fmt.Fprintf(os.Stdout, "onnx runtime log: %s\n", ort.LogPolicy)
	return nil
}

func cmdBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	model := fs.String("model", "demo:small", "model folder, alias or demo:shapes|tiny|small|sd15")
	size := fs.String("size", "", "WIDTHxHEIGHT (default: 128x128, or 512x512 for demo:sd15)")
	steps := fs.Int("steps", 20, "steps per render")
	runs := fs.Int("runs", 3, "measured renders (after one warm-up)")
	scheduler := fs.String("scheduler", "euler", "scheduler")
	concepts := fs.Int("sega", 0, "add this many SEGA concepts")
	sag := fs.Float64("sag", -1, "self-attention guidance scale (0.75: diffusers' default)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	p := session.DefaultParams()
	p.Prompt, p.Model.Path, p.Sampler.Steps, p.Sampler.Scheduler = "a photo of a cat", *model, *steps, *scheduler
	p.Width, p.Height = 128, 128
	if *model == "demo:sd15" {
		p.Width, p.Height = 512, 512
	}
	if err := (renderFlags{size: *size, guidance: -1, sag: *sag}).apply(&p); err != nil {
		return err
	}
	if *concepts > 0 {
		sega := techniques.DefaultSEGAConfig()
		for i := 0; i < *concepts; i++ {
			c := techniques.DefaultConcept(fmt.Sprintf("concept %d", i))
			c.WarmUp = 0
			sega.Concepts = append(sega.Concepts, c)
		}
		p.SetBlock("sega", &sega)
	}
	return app.Bench(ctx, cfg, p, *runs, os.Stdout, os.Stderr)
}

// applyExcite turns --excite into the session's [attend_excite] block; token words need the
// model's tokenizer, so this runs once the model is open.
func (f renderFlags) applyExcite(p *session.Params, m *runtime.Model) error {
	if f.excite == "" && f.exciteRes == 0 {
		return nil
	}
	ae := techniques.AttendExciteOf(p)
	if ae == nil || !ae.Enabled {
		d := techniques.DefaultAttendExciteConfig()
		res, err := app.AttentionResolutionOf(m.Dir, p.Width, p.Height)
		if err != nil {
			return err
		}
		d.AttentionResolution = res
		ae = &d
		p.SetBlock("attend_excite", ae)
	}
	if f.excite != "" {
		toks, err := m.PromptTokens(p.Prompt, app.EmbeddingPaths(*p))
		if err != nil {
			return err
		}
		idx, err := techniques.ParseExciteTokens(f.excite, toks)
		if err != nil {
			return err
		}
		ae.Tokens, ae.TokenTexts = idx, nil
		for _, i := range idx {
			ae.TokenTexts = append(ae.TokenTexts, toks[i].Piece)
		}
	}
	if f.exciteRes > 0 {
		ae.AttentionResolution = f.exciteRes
	}
	return nil
}

func cmdPrepare(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("prepare", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	what := fs.String("for", "all", "technique names (attend_excite …) or all, comma-separated")
	size := fs.String("size", "", "image size WIDTHxHEIGHT the graphs are pinned to (default: the model's)")
	var o app.PrepareOptions
	fs.IntVar(&o.AttentionResolution, "attention-resolution", 0, attentionResolutionHelp)
	fs.IntVar(&o.AttentionResolution, "excite-res", 0, "another name of --attention-resolution")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("prepare: give one model, e.g. `nudge prepare demo:small --for attend_excite`")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	o.For = strings.Split(*what, ",")
	if *size != "" {
		var p session.Params
		if err := (renderFlags{size: *size, guidance: -1, sag: -1}).apply(&p); err != nil {
			return err
		}
		o.Width, o.Height = p.Width, p.Height
	}
	return app.Prepare(ctx, cfg, pos[0], o, os.Stdout, os.Stderr)
}

func cmdStudio(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("studio", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	var o tui.Options
	fs.StringVar(&o.ModelRef, "model", "", "model folder, alias or demo:shapes|tiny|small|sd15 (default: the session's, else the config's)")
	fs.StringVar(&o.SessionPath, "session", "", "session file (default nudge-session.toml, created on the first Ctrl+S)")
	fs.DurationVar(&o.Debounce, "debounce", 0, "pause after an edit before rendering (default: the config's, 250ms)")
	fs.StringVar(&o.Preview, "preview", "", "auto | kitty | kitty-direct | sixel | iterm | blocks | quadrants | text | none")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usagef("studio: at most one session file, e.g. `nudge studio my.toml`")
	}
	if len(pos) == 1 && o.SessionPath == "" {
		o.SessionPath = pos[0]
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	o.Library, o.Runtime = cfg.Runtime.Library, app.RuntimeOptions(cfg)
	o.Aliases, o.ModelDirs = cfg.Models.Aliases, cfg.Models.Dirs
	o.DefaultModel = cfg.Models.Default
	if o.Debounce == 0 && cfg.Preview.DebounceMS > 0 {
		o.Debounce = time.Duration(cfg.Preview.DebounceMS) * time.Millisecond
	}
	if o.Preview == "" {
		o.Preview = cfg.Preview.Protocol
	}
	o.PreviewDecoder, o.PreviewEvery, o.LatentFactors = cfg.Preview.Decoder, cfg.Preview.Every, cfg.Preview.LatentFactors
	return tui.Run(ctx, o)
}

func cmdTrain(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	var o app.TrainShapesOptions
	fs.StringVar(&o.Work, "work", "", "work folder: checkpoints, logs, loss plots; a second run resumes it (default: the cache's train/shapes)")
	fs.StringVar(&o.Out, "o", "", "the trained family's weights file (default: WORK/shapes.safetensors)")
	fs.IntVar(&o.VAESteps, "vae-steps", 0, "autoencoder steps (0: the recipe's)")
	fs.IntVar(&o.DiffusionSteps, "diffusion-steps", 0, "text encoder + UNet steps (0: the recipe's)")
	fs.IntVar(&o.DecoderSteps, "decoder-steps", 0, "decoder fine-tune steps after the diffusion stage (0: the recipe's)")
	fs.BoolVar(&o.Snapshot, "snapshot", false, "write -o from the run's last checkpoint, without training")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "shapes" {
		return usagef("train: say what to train — `nudge train shapes` trains the shapes-world family")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	return app.TrainShapes(ctx, cfg, o, os.Stderr)
}

func cmdEval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	var o app.EvalOptions
	fs.StringVar(&o.Model, "model", "", "a shapes-world model (default demo:shapes)")
	fs.IntVar(&o.Seeds, "seeds", 4, "seeds per prompt")
	fs.IntVar(&o.Steps, "steps", 25, "inference steps")
	fs.Float64Var(&o.Guidance, "guidance", 7.5, "guidance scale")
	fs.StringVar(&o.Scheduler, "scheduler", "pndm", "scheduler")
	fs.StringVar(&o.Sheet, "sheet", "", "write a contact sheet PNG of seed 0 of every prompt (quality suite)")
	prompt := fs.String("prompt", "a circle on a white background", "eval sega: the prompt")
	concept := fs.String("concept", "red", "eval sega: the concept, a colour word")
	scales := fs.String("scales", "0,2,5,10", "eval sega: edit guidance scales to compare")
	sagScale := fs.Float64("sag-scale", 0.75, "eval sag: the SAG scale compared with plain")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || o.Seeds < 1 || o.Steps < 1 {
		return usagef("eval: `nudge eval [sega|excite|sag] [--seeds N] [--steps N]`, with N ≥ 1")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	what := ""
	if len(pos) == 1 {
		what = pos[0]
	}
	switch what {
	case "":
		return app.Eval(ctx, cfg, o, os.Stdout, os.Stderr)
	case "sega":
		so := app.SEGAEvalOptions{EvalOptions: o, Prompt: *prompt, Concept: *concept}
		for _, f := range strings.Split(*scales, ",") {
			v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || v < 0 {
				return usagef("eval sega: --scales %q: give non-negative numbers, e.g. 0,2,5,10", *scales)
			}
			so.Scales = append(so.Scales, v)
		}
		return app.EvalSEGA(ctx, cfg, so, os.Stdout, os.Stderr)
	case "excite":
		return app.EvalExcite(ctx, cfg, app.ExciteEvalOptions{EvalOptions: o}, os.Stdout, os.Stderr)
	case "sag":
		if !(*sagScale > 0 && *sagScale <= techniques.MaxSAGScale) {
			return usagef("eval sag: --sag-scale %g: give a scale in (0, %d], e.g. 0.75", *sagScale, techniques.MaxSAGScale)
		}
		return app.EvalSAG(ctx, cfg, app.SAGEvalOptions{EvalOptions: o, Scale: *sagScale}, os.Stdout, os.Stderr)
	}
	return usagef("eval: %q is not an evaluation; use sega, excite or sag, or nothing for the quality suite", session.Sanitize(what))
}
