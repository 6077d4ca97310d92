package runtime_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// demoDirs caches one generated demo model per option set for the whole test binary.
var demoDirs sync.Map

func demoModel(t testing.TB, o demomodel.Options) string {
	t.Helper()
	key := fmt.Sprintf("%s/%s/%s/%s/%v/%d", o.Preset, o.Opset, o.DType, o.Layout, o.TAESD, o.Seed)
	if d, ok := demoDirs.Load(key); ok {
		return d.(string)
	}
	root, err := os.MkdirTemp("", "nudge-demo-")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(root, "model")
	if err := demomodel.Write(context.Background(), dir, o); err != nil {
		t.Fatalf("demo model: %v", err)
	}
	demoDirs.Store(key, dir)
	return dir
}

func openTiny(t testing.TB, o demomodel.Options) *runtime.Model {
	t.Helper()
	orttest.Setup(t)
	m, err := runtime.Open(demoModel(t, o), runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func tinyRequest() runtime.Request {
	return runtime.Request{Prompt: "a photo of a cat", Negative: "blurry", Width: 64, Height: 64,
		Steps: 6, Batch: 1, Guidance: 7.5, Seed: 42}
}

func encodePNG(t testing.TB, res *runtime.Result) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, img := range res.Images {
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

func TestRenderDeterministicAndSane(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	var steps []runtime.StepInfo
	res, err := m.Render(context.Background(), tinyRequest(), func(s runtime.StepInfo) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	// PNDM (the SD 1.5 default) makes N+1 UNet calls.
	if len(steps) != 7 || steps[6].Steps != 7 {
		t.Fatalf("got %d step events, want 7 (PNDM: N+1)", len(steps))
	}
	if b := res.Images[0].Bounds(); b.Dx() != 64 || b.Dy() != 64 {
		t.Fatalf("image %v, want 64x64", b)
	}
	for _, v := range res.Latents.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			t.Fatal("non-finite latent")
		}
	}
	again, err := m.Render(context.Background(), tinyRequest(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(encodePNG(t, res), encodePNG(t, again)) {
		t.Fatal("same request gave different images")
	}
	other := tinyRequest()
	other.Seed = 43
	diff, err := m.Render(context.Background(), other, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(encodePNG(t, res), encodePNG(t, diff)) {
		t.Fatal("a different seed gave the same image")
	}
}

func TestRenderEverySchedulerAndBatch(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	for _, name := range []string{"pndm", "ddim", "euler", "euler_a", "dpmpp_2m", "lcm"} {
		req := tinyRequest()
		req.Scheduler, req.Batch, req.Steps = name, 2, 3
		res, err := m.Render(context.Background(), req, nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(res.Images) != 2 {
			t.Fatalf("%s: %d images, want 2", name, len(res.Images))
		}
		if bytes.Equal(res.Images[0].Pix, res.Images[1].Pix) {
			t.Fatalf("%s: both images of a batch are identical", name)
		}
	}
}

func TestRenderLayoutsAndDtypes(t *testing.T) {
	cases := []demomodel.Options{
		{Preset: "tiny", Layout: "diffusers", Opset: "14"},
		{Preset: "tiny", DType: "fp16"},
	}
	for _, o := range cases {
		m := openTiny(t, o)
		res, err := m.Render(context.Background(), tinyRequest(), nil)
		if err != nil {
			t.Fatalf("%+v: %v", o, err)
		}
		var sum float64
		for _, p := range res.Images[0].Pix {
			sum += float64(p)
		}
		if mean := sum / float64(len(res.Images[0].Pix)); mean < 5 || mean > 250 {
			t.Fatalf("%+v: mean pixel %.1f looks saturated", o, mean)
		}
	}
}

func TestRenderRejectsBadRequests(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	bad := []func(*runtime.Request){
		func(r *runtime.Request) { r.Width = 60 },
		func(r *runtime.Request) { r.Steps = 0 },
		func(r *runtime.Request) { r.Guidance = math.NaN() },
		func(r *runtime.Request) { r.Scheduler = "warp_drive" },
	}
	for i, mut := range bad {
		req := tinyRequest()
		mut(&req)
		_, err := m.Render(context.Background(), req, nil)
		if err == nil || !runtime.IsBadInput(err) {
			t.Errorf("case %d: err = %v, want a bad-input error", i, err)
		}
	}
}

func TestEngineSupersedesAndCancels(t *testing.T) {
	orttest.Setup(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny"})
	e := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 2}) })
	defer e.Close()
	if ev := next(t, e); ev.(runtime.Ready).Err != nil {
		t.Fatal(ev.(runtime.Ready).Err)
	}
	slow := tinyRequest()
	slow.Steps = 200
	first := e.Submit(slow)
	// Wait for the first job to start stepping, then supersede it.
	for {
		if s, ok := next(t, e).(runtime.Step); ok && s.ID == first {
			break
		}
	}
	second := e.Submit(tinyRequest())
	var cancelled, done bool
	for !done {
		switch ev := next(t, e).(type) {
		case runtime.Cancelled:
			cancelled = cancelled || ev.ID == first
		case runtime.Done:
			done = ev.ID == second
			if ev.ID == first {
				t.Fatal("the superseded job finished")
			}
		case runtime.Failed:
			t.Fatal(ev.Err)
		}
	}
	if !cancelled {
		t.Fatal("the superseded job was never reported cancelled")
	}
}

func TestCancelLandsWithinOneCall(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	ctx, cancel := context.WithCancel(context.Background())
	req := tinyRequest()
	req.Steps = 500
	calls := 0
	_, err := m.Render(ctx, req, func(runtime.StepInfo) {
		calls++
		if calls == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if calls > 4 {
		t.Fatalf("%d steps ran after cancelling at step 3", calls-3)
	}
}

func next(t testing.TB, e *runtime.Engine) runtime.Event {
	t.Helper()
	select {
	case ev := <-e.Events():
		return ev
	case <-time.After(60 * time.Second):
		t.Fatal("no engine event for 60 s")
	}
	return nil
}

// Splitting a step's batched UNet call into chunks (a memory cap) gives the same image.
func TestMaxBatchSplitsWithoutChangingTheImage(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	req := tinyRequest()
	req.Batch = 2
	whole, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Options.MaxBatch = 1
	defer func() { m.Options.MaxBatch = 0 }()
	split, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	var maxDiff float64
	for i := range whole.Latents.Data {
		maxDiff = math.Max(maxDiff, math.Abs(float64(whole.Latents.Data[i]-split.Latents.Data[i])))
	}
	// ORT may pick other kernels for another batch size, so allow float rounding only.
	if maxDiff > 1e-4 {
		t.Fatalf("max latent difference %g between one call and four", maxDiff)
	}
}
