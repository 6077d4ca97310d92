package tui

import (
	"math"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// TestRealEngineRenderWithAttendExcite runs the studio on a real engine and the tiny demo
// model: chosen tokens reach attend-and-excite, the render finishes, and the token pane's
// bars carry the technique's own numbers (the loss is the worst token's 1 − peak).
func TestRealEngineRenderWithAttendExcite(t *testing.T) {
	orttest.Setup(t)
	dir, err := tinyDemo()
	if err != nil {
		t.Fatal(err)
	}
	eng := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 2}) })
	t.Cleanup(eng.Close)
	s := session.Default()
	s.Prompt, s.Width, s.Height, s.Sampler.Steps = "a cat and a frog", 64, 64, 4
	m := New(Config{Session: s, SessionPath: t.TempDir() + "/s.toml", ModelLabel: "demo:tiny", Engine: eng, Debounce: time.Millisecond})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	pumpUntil(t, m, eng, func() bool { return m.render.state == "done" })
	keys(m, "tab", "tab", "tab", "tab", "right", "right", "space", "right", "right", "right", "space")
	if ae := techniques.AttendExciteOf(&m.sess.Params); ae == nil || len(ae.Tokens) != 2 || ae.TokenTexts[0] != "cat" || ae.TokenTexts[1] != "frog" {
		t.Fatalf("chosen tokens %+v, want cat and frog", techniques.AttendExciteOf(&m.sess.Params))
	}
	// The tiny UNet's cross-attention maps are 8×8 and 4×4; diffusers' default 16 is SD 1.5's.
	techniques.AttendExciteOf(&m.sess.Params).AttentionResolution = 8
	settle(m)
	job := m.render.job
	pumpUntil(t, m, eng, func() bool { return m.render.job == job && m.render.state == "done" })
	a := tokensOf(m).attn
	if a == nil || len(a.peaks) != 2 {
		t.Fatalf("no attention bars after an attend-and-excite render: %+v", a)
	}
	worst := 0.0
	for i, p := range a.peaks {
		if p < 0 || p > 1 || math.IsNaN(p) {
			t.Fatalf("token %d peak %v outside [0,1]", i, p)
		}
		worst = max(worst, 1-p)
	}
	if math.Abs(a.loss-worst) > 1e-9 {
		t.Fatalf("loss %v, want the worst token's 1 − peak = %v", a.loss, worst)
	}
}

// pumpUntil feeds engine events to Update, as bubbletea would, until ok or a failure.
func pumpUntil(t *testing.T, m *Model, eng *runtime.Engine, ok func() bool) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for !ok() {
		select {
		case ev := <-eng.Events():
			m.Update(engineMsg{src: eng, ev: ev})
			if _, ok := ev.(runtime.Ready); ok {
				m.Update(sizeRule(m.modelDir())()) // the Cmd Ready returned, without a time limit
			}
		case <-deadline:
			t.Fatalf("timed out in state %q %s", m.render.state, m.render.detail)
		}
		if st := m.render.state; st == "failed" || st == "model failed" || st == "invalid" {
			t.Fatalf("render %s: %s", st, m.render.detail)
		}
	}
}
