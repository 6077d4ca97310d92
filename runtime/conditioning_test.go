package runtime

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

var tinyDir = sync.OnceValues(func() (string, error) {
	root, err := os.MkdirTemp("", "nudge-text-")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "model")
	return dir, demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny"})
})

func openTinyText(t *testing.T) *Model {
	t.Helper()
	t.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	orttest.Setup(t)
	dir, err := tinyDir()
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(dir, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func cats(n int) string { return strings.TrimSpace(strings.Repeat("cat ", n)) }

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestEmphasisOnEncoder checks (x:1.0) ≡ x bit for bit and (x:1.3) against a float64
// recomputation of A1111's EmphasisOriginal from the unweighted output.
func TestEmphasisOnEncoder(t *testing.T) {
	m := openTinyText(t)
	ctx := context.Background()
	plain, err := m.Embed(ctx, "a cat photo")
	if err != nil {
		t.Fatal(err)
	}
	neutral, err := m.Embed(ctx, "a (cat:1.0) photo")
	if err != nil {
		t.Fatal(err)
	}
	if !sameBits(plain.Data, neutral.Data) {
		t.Fatal("(cat:1.0) differs from cat")
	}
	weighted, err := m.Embed(ctx, "a (cat:1.3) photo")
	if err != nil {
		t.Fatal(err)
	}
	d := int(plain.Shape[2])
	w := func(pos int) float64 { return map[bool]float64{true: 1.3, false: 1}[pos == 2] }
	var before, after float64
	for i, v := range plain.Data {
		before += float64(v)
		after += float64(v) * w(i/d)
	}
	for i, v := range plain.Data {
		want := float64(v) * w(i/d) * before / after
		if math.Abs(float64(weighted.Data[i])-want) > 1e-5*math.Max(1, math.Abs(want)) {
			t.Fatalf("value %d: %g, float64 says %g", i, weighted.Data[i], want)
		}
	}
}

// TestLongPromptChunks checks that a prompt of 100 tokens is two chunks encoded on their own
// and joined along the sequence, each chunk exactly what its tokens alone give.
func TestLongPromptChunks(t *testing.T) {
	m := openTinyText(t)
	ctx := context.Background()
	long, err := m.Embed(ctx, cats(100))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := m.Embed(ctx, cats(75))
	second, _ := m.Embed(ctx, cats(25))
	if long.Shape[1] != 154 {
		t.Fatalf("shape %v, want [1 154 D]", long.Shape)
	}
	half := len(long.Data) / 2
	if !sameBits(long.Data[:half], first.Data) || !sameBits(long.Data[half:], second.Data) {
		t.Fatal("chunks differ from their tokens encoded alone")
	}
	breaked, _ := m.Embed(ctx, "cat BREAK cat")
	one, _ := m.Embed(ctx, "cat")
	if breaked.Shape[1] != 154 || !sameBits(breaked.Data[:half], one.Data) || !sameBits(breaked.Data[half:], one.Data) {
		t.Fatal("BREAK does not start a new chunk")
	}
}

// TestConditionPerStep checks the row groups for each UNet call: prompt editing switches the
// prompt rows after call `when` (A1111's call <= end rule), and a negative prompt shorter
// than the prompt is padded with the empty prompt's encoding.
func TestConditionPerStep(t *testing.T) {
	m := openTinyText(t)
	ctx := context.Background()
	req := Request{Prompt: "[cat:dog:2] " + cats(80), Negative: "blurry", Width: 64, Height: 64,
		Steps: 4, Batch: 1, Guidance: 7.5, Seed: 1}
	r, err := m.newRender(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	neg, _ := m.Embed(ctx, "blurry")
	empty, _ := m.Embed(ctx, "")
	for i, want := range []string{"cat", "cat", "cat", "dog", "dog"} {
		if err := r.conditionFor(ctx, i); err != nil {
			t.Fatal(err)
		}
		text, _ := m.Embed(ctx, want+" "+cats(80))
		n := len(text.Data)
		if r.cond.Shape[0] != 2 || r.cond.Shape[1] != 154 || !sameBits(r.cond.Data[n:], text.Data) {
			t.Fatalf("call %d: prompt rows are not %q", i, want)
		}
		if !sameBits(r.cond.Data[:n/2], neg.Data) || !sameBits(r.cond.Data[n/2:n], empty.Data) {
			t.Fatalf("call %d: negative rows are not blurry + empty chunk", i)
		}
	}
}

// TestFixedSequenceUNet: a UNet exported with 77 text positions gets one line for a long
// prompt and still renders a short one.
func TestFixedSequenceUNet(t *testing.T) {
	openTinyText(t)
	dir, _ := tinyDir()
	fixed := filepath.Join(t.TempDir(), "model")
	if err := os.CopyFS(fixed, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	unetPath := filepath.Join(fixed, "unet", "model.onnx")
	g, err := onnxgraph.Load(unetPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range g.Proto.Graph.Input {
		if in.Name == "encoder_hidden_states" {
			in.Type.GetTensorType().Shape.Dim[1].Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: 77}
		}
	}
	if err := g.Save(unetPath + ".fixed"); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(unetPath+".fixed", unetPath); err != nil {
		t.Fatal(err)
	}
	m, err := Open(fixed, Options{Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	req := Request{Prompt: cats(80), Width: 64, Height: 64, Steps: 1, Batch: 1, Guidance: 7.5, Seed: 1}
	_, err = m.Render(context.Background(), req, nil)
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "takes exactly 77") {
		t.Fatalf("long prompt on a fixed-77 UNet: %v", err)
	}
	if bad, ok := err.(interface{ BadInput() bool }); !ok || !bad.BadInput() {
		t.Fatalf("not a bad-input error: %T", err)
	}
	req.Prompt = "a (cat:1.2), [dog]"
	if _, err := m.Render(context.Background(), req, nil); err != nil {
		t.Fatalf("short prompt on a fixed-77 UNet: %v", err)
	}
}

// infoProbe records the RenderInfo a technique is given.
type infoProbe struct{ info RenderInfo }

func (p *infoProbe) Name() string { return "probe" }
func (p *infoProbe) Begin(info RenderInfo) error {
	p.info = info
	return nil
}

// TestRenderUnderSyntax: a neutral weight renders bit for bit as the plain prompt, and the
// tokens techniques index (attend-and-excite) are those the encoder sees, syntax removed.
func TestRenderUnderSyntax(t *testing.T) {
	m := openTinyText(t)
	ctx := context.Background()
	req := Request{Prompt: "a red fox", Negative: "blurry", Width: 64, Height: 64, Steps: 3, Batch: 1, Guidance: 7.5, Seed: 3}
	plain, err := m.Render(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	probe := &infoProbe{}
	req.Prompt, req.Techniques = "a (red:1.0) \\fox", []Technique{probe}
	neutral, err := m.Render(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(plain.Images[0].Pix) != string(neutral.Images[0].Pix) {
		t.Fatal("(red:1.0) renders differently from red")
	}
	want := []string{"<|startoftext|>", "a</w>", "red</w>", "fox</w>", "<|endoftext|>"}
	if got := probe.info.PromptTokens; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("PromptTokens %q, want %q", got, want)
	}
}
