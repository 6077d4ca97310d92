package runtime_test

import (
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// A job that asks for TAESD previews gets a decoded image on its step events (at the
// image size), and the final image is unchanged by previews.
func TestEngineTAESDPreviews(t *testing.T) {
	orttest.Setup(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny", TAESD: true, Seed: 3})
	e := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 2}) })
	defer e.Close()
	if ev := next(t, e).(runtime.Ready); ev.Err != nil {
		t.Fatal(ev.Err)
	}
	final := func(req runtime.Request) (images int, pix []byte) {
		id := e.Submit(req)
		for {
			switch ev := next(t, e).(type) {
			case runtime.Step:
				if ev.Image != nil {
					if b := ev.Image.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
						t.Fatalf("preview %v, want 64x64", b)
					}
					images++
				}
			case runtime.Done:
				if ev.ID == id {
					return images, ev.Images[0].Pix
				}
			case runtime.Failed:
				t.Fatal(ev.Err)
			}
		}
	}
	req := tinyRequest()
	req.Scheduler, req.Steps = "euler", 6
	plainN, plain := final(req)
	req.Preview, req.PreviewEvery = runtime.PreviewTAESD, 2
	previewN, withPreview := final(req)
	if plainN != 0 || previewN == 0 {
		t.Fatalf("previews: %d without asking, %d when asked", plainN, previewN)
	}
	if string(plain) != string(withPreview) {
		t.Fatal("asking for previews changed the final image")
	}
}
