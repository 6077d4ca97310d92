package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/techniques"
)

// Every technique pane registers under a block name the technique registry knows, and the
// studio's focus ring holds it between the parameters and the history.
func TestTechniquePanesRegisterUnderTheirBlocks(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	if len(m.techs) == 0 || len(m.techs) != len(techniquePanes) {
		t.Fatalf("%d technique panes in the studio, %d registered", len(m.techs), len(techniquePanes))
	}
	for i, tp := range m.techs {
		if _, ok := techniques.Lookup(tp.block); !ok {
			t.Errorf("pane registered for %q, which is no technique's block", tp.block)
		}
		if m.ring[3+i] != tp.pane {
			t.Errorf("pane %q is not at ring position %d", tp.block, 3+i)
		}
	}
	if m.ring[len(m.ring)-1] != pane(m.history) {
		t.Error("the history is not the last pane")
	}
}

// A newcomer types first: printable keys on the focused prompt edit it without Enter, the
// title says so, Esc puts the old text back and Enter keeps the new one.
func TestTypingOnAPromptEditsIt(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "a red fox")
	if m.sess.Prompt != "a red fox" || !m.prompt.editing() {
		t.Fatalf("typing on the focused prompt: prompt %q, editing %v", m.sess.Prompt, m.prompt.editing())
	}
	if v := ansi.Strip(m.View().Content); !strings.Contains(v, "Prompt · 3/75 tokens · editing") {
		t.Fatalf("no visible editing state:\n%s", v)
	}
	keys(m, "esc")
	if m.sess.Prompt != "" || m.prompt.editing() || m.prompt.in.Value() != "" {
		t.Fatalf("esc: prompt %q (editor %q), want the text from before the edit", m.sess.Prompt, m.prompt.in.Value())
	}
	keys(m, "q", "uiet", "enter")
	if m.sess.Prompt != "quiet" || m.prompt.editing() {
		t.Fatalf("q on the prompt must type, not quit: prompt %q", m.sess.Prompt)
	}
	settle(m)
	if reqs := eng.submitted(); reqs[len(reqs)-1].Prompt != "quiet" {
		t.Fatalf("the typed prompt was not rendered: %+v", reqs[len(reqs)-1])
	}
}

// Esc cancels an edit in every pane that edits text, leaving the session as it was.
func TestEscCancelsEveryEdit(t *testing.T) {
	cases := []struct {
		name string
		keys []string
	}{
		{"negative prompt", []string{"tab", "blurry", "esc"}},
		{"parameter", []string{"tab", "tab", "enter", "ctrl+u", "33", "esc"}},
		{"concept prompt", []string{"tab", "tab", "tab", "a", "snow", "enter", "left", "enter", "ctrl+u", "rain", "esc"}},
		{"concept number", []string{"tab", "tab", "tab", "a", "snow", "enter", "enter", "ctrl+u", "2.5", "esc"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := newTestModel(t, 80, 24)
			ready(t, m)
			keys(m, c.keys...)
			if m.focused().editing() {
				t.Fatal("esc left the edit open")
			}
			p := m.sess.Params
			if p.Negative != "" || p.Sampler.Steps != 20 {
				t.Fatalf("esc kept the edit: negative %q steps %d", p.Negative, p.Sampler.Steps)
			}
			if cs := concepts(m); len(cs) > 0 && (cs[0].Prompt != "snow" || cs[0].Weight != 1) {
				t.Fatalf("esc kept the concept edit: %+v", cs[0])
			}
		})
	}
}

// With no concepts yet, `a` opens an input that is drawn (it used to be invisible).
func TestFirstConceptInputIsDrawn(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	keys(m, "tab", "tab", "tab", "a", "smil")
	v := ansi.Strip(m.View().Content)
	if !strings.Contains(v, "+ smil") {
		t.Fatalf("the new concept's input is not on the screen:\n%s", v)
	}
}

// The message line shows the focused pane's hint; a notice replaces it for the key that
// caused it and the next, then the hint comes back.
func TestHintsAndStaleNotices(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	keys(m, "tab", "tab")
	if msg := ansi.Strip(m.viewMessage()); !strings.Contains(msg, "enter type a value") {
		t.Fatalf("parameters hint missing: %q", msg)
	}
	keys(m, "right", "ctrl+z")
	if m.notice != "undone" {
		t.Fatalf("notice %q, want undone", m.notice)
	}
	keys(m, "down")
	if m.notice != "undone" {
		t.Fatal("the notice was cleared by the very next key")
	}
	keys(m, "up")
	if m.notice != "" || !strings.Contains(ansi.Strip(m.viewMessage()), "change") {
		t.Fatalf("a stale notice stays: %q", m.notice)
	}
}

// A size the model cannot take never reaches the engine: the status names the sizes that
// fit, in one line.
func TestSizeTheModelCannotTakeIsNotRendered(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	m.sess.Width, m.sess.Height = 72, 72
	ready(t, m)
	if n := len(eng.submitted()); n != 0 || m.render.state != "invalid" ||
		!strings.Contains(m.render.detail, "use 64x64 or 80x80") {
		t.Fatalf("72x72 on the tiny demo: %d requests, state %q %q", n, m.render.state, m.render.detail)
	}
}
