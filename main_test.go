package main

import (
	"bytes"
	"context"
	"image"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// nudge runs the CLI in-process and returns its exit code and stderr.
func nudge(t *testing.T, args ...string) (int, string) {
	t.Helper()
	var stderr bytes.Buffer
	code := run(context.Background(), args, &stderr)
	return code, stderr.String()
}

func TestBadInputExitsTwoWithOneLine(t *testing.T) {
	dir := t.TempDir()
	notModel := filepath.Join(dir, "empty")
	os.Mkdir(notModel, 0o755)
	cases := [][]string{
		{"frobnicate"},
		{"render", "-o", filepath.Join(dir, "a.png"), "--size", "63x64"},
		{"render", "-o", filepath.Join(dir, "a.png"), "--model", notModel, "--size", "64x64"},
		{"render", "-o", filepath.Join(dir, "a.png"), "--scheduler", "warp", "--size", "64x64", "--steps", "2"},
		{"render", filepath.Join(dir, "missing.toml"), "-o", filepath.Join(dir, "a.png")},
		{"inspect", notModel},
		{"demo-model", "--out", filepath.Join(dir, "m"), "--preset", "huge"},
		{"tokens", "a cat"},
		{"import", filepath.Join(dir, "nothing.png")},
	}
	for _, args := range cases {
		code, stderr := nudge(t, args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr)
		}
		if lines := strings.Count(strings.TrimSpace(stderr), "\n"); lines != 0 || !strings.HasPrefix(stderr, "nudge: ") {
			t.Errorf("%v: want one `nudge: …` line, got %q", args, stderr)
		}
		if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
			t.Errorf("%v: stack trace in %q", args, stderr)
		}
	}
}

// Same inputs give byte-identical PNGs, and a PNG's embedded session renders the same
// image again (render → import → render).
func TestRenderIsReproducibleThroughImport(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a.png"), filepath.Join(dir, "b.png"), filepath.Join(dir, "c.png")
	args := []string{"--size", "64x64", "--steps", "4", "--seed", "7", "--prompt", "a cat and a frog", "--scheduler", "euler_a"}
	for _, out := range []string{a, b} {
		if code, stderr := nudge(t, append([]string{"render", "-o", out}, args...)...); code != 0 {
			t.Fatalf("render: %d %s", code, stderr)
		}
	}
	pa, pb := mustRead(t, a), mustRead(t, b)
	if !bytes.Equal(pa, pb) {
		t.Fatal("two renders of the same inputs differ")
	}
	sess := filepath.Join(dir, "s.toml")
	if code, stderr := nudge(t, "import", a, "-o", sess); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	if code, stderr := nudge(t, "render", sess, "-o", c); code != 0 {
		t.Fatalf("render imported: %d %s", code, stderr)
	}
	if !bytes.Equal(pa, mustRead(t, c)) {
		t.Fatal("rendering the imported session gave different bytes")
	}
}

func TestVerifyDetectsChangedHistory(t *testing.T) {
	dir := t.TempDir()
	sess := filepath.Join(dir, "s.toml")
	src := "version = 1\nprompt = \"a lighthouse\"\nwidth = 64\nheight = 64\n[model]\npath = \"demo:tiny\"\n[sampler]\nscheduler = \"ddim\"\nsteps = 3\nguidance = 7.5\n"
	if err := os.WriteFile(sess, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, stderr := nudge(t, "render", sess, "-o", filepath.Join(dir, "o.png"), "--record"); code != 0 {
		t.Fatalf("render --record: %d %s", code, stderr)
	}
	if code, stderr := nudge(t, "verify", sess); code != 0 {
		t.Fatalf("verify of a fresh history: exit %d %s", code, stderr)
	}
	data := mustRead(t, sess)
	i := bytes.Index(data, []byte("image_sha256 = \""))
	if i < 0 {
		t.Fatalf("no image_sha256 in %s", data)
	}
	j := i + len("image_sha256 = \"")
	if data[j] == '0' { // record a different (still well-formed) hash
		data[j] = '1'
	} else {
		data[j] = '0'
	}
	os.WriteFile(sess, data, 0o644)
	if code, _ := nudge(t, "verify", sess); code != 1 {
		t.Fatalf("verify of a changed hash: exit %d, want 1", code)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Every shipped example renders (on the demo model), as the README promises.
func TestExamplesRender(t *testing.T) {
	examples, _ := filepath.Glob("examples/*.toml")
	if len(examples) == 0 {
		t.Fatal("no examples")
	}
	for _, ex := range examples {
		out := filepath.Join(t.TempDir(), "out.png")
		if code, stderr := nudge(t, "render", ex, "-o", out); code != 0 {
			t.Errorf("%s: exit %d: %s", ex, code, stderr)
		}
	}
}

// Broken model folders give one line naming the file, exit 2, never a panic.
func TestBrokenModelFolders(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m")
	if code, stderr := nudge(t, "demo-model", "--out", model, "--preset", "tiny"); code != 0 {
		t.Fatalf("demo-model: %d %s", code, stderr)
	}
	breakages := []struct {
		name string
		do   func() error
		want string
	}{
		{"truncated unet", func() error {
			p := filepath.Join(model, "unet", "model.onnx")
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, b[:len(b)/3], 0o644)
		}, "unet"},
		// Without tokenizer/ the model gets CLIP's 49,408 ids, more than the tiny text encoder has.
		{"no tokenizer", func() error { return os.RemoveAll(filepath.Join(model, "tokenizer")) }, "vocab_size"},
	}
	for _, b := range breakages {
		if err := b.do(); err != nil {
			t.Fatal(err)
		}
		code, stderr := nudge(t, "render", "-o", filepath.Join(dir, "x.png"), "--model", model, "--size", "64x64", "--steps", "2")
		if code != 2 || !strings.Contains(stderr, b.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%s: exit %d, stderr %q", b.name, code, stderr)
		}
	}
}

// A session's [sampler.options] reach the scheduler: another timestep spacing gives another
// image, and an unknown option is refused before rendering.
func TestSamplerOptionsReachTheScheduler(t *testing.T) {
	dir := t.TempDir()
	write := func(name, options string) string {
		p := filepath.Join(dir, name)
		src := "version = 1\nprompt = \"a boat\"\nwidth = 64\nheight = 64\n[model]\npath = \"demo:tiny\"\n[sampler]\nscheduler = \"ddim\"\nsteps = 4\nguidance = 7.5\n" + options
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	leading := write("a.toml", "")
	trailing := write("b.toml", "[sampler.options]\ntimestep_spacing = \"trailing\"\n")
	bogus := write("c.toml", "[sampler.options]\nwarp_factor = 9\n")
	for _, s := range []string{leading, trailing} {
		if code, stderr := nudge(t, "render", s, "-o", s+".png"); code != 0 {
			t.Fatalf("%s: %d %s", s, code, stderr)
		}
	}
	if pixels(t, leading+".png") == pixels(t, trailing+".png") {
		t.Fatal("timestep_spacing = trailing changed no pixel")
	}
	if code, stderr := nudge(t, "render", bogus, "-o", bogus+".png"); code != 2 || !strings.Contains(stderr, "warp_factor") {
		t.Fatalf("unknown option: exit %d %q", code, stderr)
	}
}

// pixels decodes a PNG and returns its pixels (the file also carries metadata, which differs
// whenever the session does).
func pixels(t *testing.T, path string) string {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(mustRead(t, path)))
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	draw.Draw(rgba, rgba.Bounds(), img, image.Point{}, draw.Src)
	return string(rgba.Pix)
}

// The output is checked before any work: with a model that does not exist, the error is
// still about the output (it used to come after the whole render).
func TestRenderChecksOutputFirst(t *testing.T) {
	dir := t.TempDir()
	sess := filepath.Join(dir, "s.toml")
	if code, stderr := nudge(t, "render", "-o", filepath.Join(dir, "seed.png"), "--size", "64x64", "--steps", "2"); code != 0 {
		t.Fatalf("seed render: %d %s", code, stderr)
	}
	if code, stderr := nudge(t, "import", filepath.Join(dir, "seed.png"), "-o", sess); code != 0 {
		t.Fatalf("import: %d %s", code, stderr)
	}
	missing := filepath.Join(dir, "no-such-model")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"render", "-o", filepath.Join(dir, "missing", "x.png"), "--model", missing}, "does not exist"},
		{[]string{"render", "-o", dir + "/", "--model", missing}, "is a folder"},
		{[]string{"render", "-o", filepath.Join(dir, "seed.png"), "--model", missing}, "never overwrites"},
		{[]string{"render", sess, "--record", "-o", filepath.Join(t.TempDir(), "x.png"), "--model", missing}, "outside the session's folder"},
	}
	for _, c := range cases {
		code, stderr := nudge(t, c.args...)
		if code != 2 || !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("%v: exit %d %q, want exit 2 and one line saying %q", c.args, code, stderr, c.want)
		}
	}
}

// The limits a session accepts are the limits a render accepts.
func TestSessionAndRuntimeLimitsAgree(t *testing.T) {
	if session.MaxSide != runtime.MaxSide || session.MaxSteps != runtime.MaxSteps {
		t.Fatalf("session %d px %d steps, runtime %d px %d steps", session.MaxSide, session.MaxSteps, runtime.MaxSide, runtime.MaxSteps)
	}
}
