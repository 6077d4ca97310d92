package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/session"
)

// Ctrl+X stops a real render in progress: the engine reports Cancelled for the job long
// before its last step, no image arrives, and nothing is resubmitted until asked.
func TestStopKeyCancelsARealRender(t *testing.T) {
	orttest.Setup(t)
	dir, err := tinyDemo()
	if err != nil {
		t.Fatal(err)
	}
	eng := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 2}) })
	t.Cleanup(eng.Close)
	s := session.Default()
	s.Prompt, s.Width, s.Height, s.Sampler.Steps = "a cat", 64, 64, 500
	m := New(Config{Session: s, SessionPath: t.TempDir() + "/s.toml", ModelLabel: "demo:tiny", Engine: eng, Debounce: time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	pumpUntil(t, m, eng, func() bool { return m.render.state == "rendering" && m.render.step >= 1 })
	job := m.render.job
	keys(m, "enter", "ctrl+x") // while the prompt is being edited, too
	if m.render.state != "stopping" || !m.prompt.editing() {
		t.Fatalf("after ctrl+x: state %q, prompt editing %v; want stopping, still editing", m.render.state, m.prompt.editing())
	}
	pumpUntil(t, m, eng, func() bool { return m.render.state == "cancelled" })
	if m.render.job != job || m.render.step >= 500 || m.render.last.img != nil {
		t.Fatalf("job %d (want %d) stopped at step %d/500 with image %v", m.render.job, job, m.render.step, m.render.last.img != nil)
	}
	if status := ansi.Strip(m.viewStatus()); !strings.Contains(status, "cancelled") {
		t.Fatalf("status %q does not say the render was cancelled", status)
	}
	settle(m)
	if m.render.job != job {
		t.Fatalf("a settle after stopping submitted job %d", m.render.job)
	}
}

// With nothing rendering, ctrl+x says so and cancels nothing.
func TestStopKeyWithNothingRendering(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	ready(t, m)
	send(m, engineMsg{src: eng, ev: runtime.Done{ID: 1}})
	keys(m, "ctrl+x")
	if eng.cancels != 0 || m.notice != "nothing is rendering" {
		t.Fatalf("cancels %d, notice %q", eng.cancels, m.notice)
	}
}

// While auto-render is paused, edits wait (the status says so); resuming renders the newest
// once, and Ctrl+R renders at any time.
func TestPauseHoldsAutoRender(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "ctrl+p", "a cat")
	settle(m)
	if n := len(eng.submitted()); n != 1 {
		t.Fatalf("%d requests while paused, want only the first render", n)
	}
	if status := ansi.Strip(m.viewStatus()); !strings.Contains(status, "auto-render paused, edits waiting") {
		t.Fatalf("status %q does not show the pause", status)
	}
	keys(m, "ctrl+p")
	reqs := eng.submitted()
	if len(reqs) != 2 || reqs[1].Prompt != "a cat" {
		t.Fatalf("resuming: requests %+v, want the waiting edit rendered", reqs)
	}
	if status := ansi.Strip(m.viewStatus()); strings.Contains(status, "paused") {
		t.Fatalf("status %q still shows a pause", status)
	}
	keys(m, "ctrl+p", "!", "ctrl+r")
	if reqs := eng.submitted(); len(reqs) != 3 || reqs[2].Prompt != "a cat!" {
		t.Fatalf("ctrl+r while paused: requests %+v", reqs)
	}
}

// The keys of this work that helpers_test.go does not name.
func init() {
	for _, k := range []rune{'x', 'p', 'l', 'w'} {
		namedKeys["ctrl+"+string(k)] = tea.KeyPressMsg{Code: k, Mod: tea.ModCtrl}
	}
}
