package runtime_test

import (
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// panicking is a technique with a bug: it panics before step 0.
type panicking struct{}

func (panicking) Name() string                   { return "panicking" }
func (panicking) Begin(runtime.RenderInfo) error { panic("a bug in a technique") }

// A panic inside a render becomes a Failed event and the engine serves the next job: it
// used to end the process with the studio's terminal in the alternate screen.
func TestEngineTurnsAPanicIntoFailed(t *testing.T) {
	orttest.Setup(t)
	dir := demoModel(t, demomodel.Options{Preset: "tiny"})
	e := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 1}) })
	defer e.Close()
	if ev := next(t, e); ev.(runtime.Ready).Err != nil {
		t.Fatal(ev)
	}
	bad := tinyRequest()
	bad.Techniques = []runtime.Technique{panicking{}}
	e.Submit(bad)
	for {
		ev := next(t, e)
		if f, ok := ev.(runtime.Failed); ok {
			if !strings.Contains(f.Err.Error(), "a bug in a technique") {
				t.Fatalf("failed with %v", f.Err)
			}
			break
		}
	}
	e.Submit(tinyRequest())
	for {
		switch ev := next(t, e).(type) {
		case runtime.Done:
			return
		case runtime.Failed:
			t.Fatalf("the next job failed: %v", ev.Err)
		}
	}
}
