package tui

import (
	"errors"
	"image"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/preview"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

func TestReadySubmitsTheFirstRender(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	if got := len(eng.submitted()); got != 0 {
		t.Fatalf("submitted %d requests before the model was ready", got)
	}
	ready(t, m)
	reqs := eng.submitted()
	if len(reqs) != 1 || reqs[0].Width != 64 || reqs[0].Steps != 20 {
		t.Fatalf("after Ready: requests %+v, want one 64px 20-step render", reqs)
	}
	if m.render.state != "queued" || m.render.job != 1 {
		t.Fatalf("state %q job %d, want queued job 1", m.render.state, m.render.job)
	}
}

// Typing restarts the debounce on every key; only the newest generation submits, once.
func TestDebounceSubmitsOnlyTheNewestChange(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "enter")
	var gens []int
	for _, r := range "a cat" {
		keys(m, string(r))
		gens = append(gens, m.render.gen)
	}
	keys(m, "enter")
	for _, g := range gens[:len(gens)-1] {
		send(m, debounceMsg{gen: g})
	}
	if n := len(eng.submitted()); n != 1 {
		t.Fatalf("stale debounces submitted: %d requests, want only the first render", n)
	}
	settle(m)
	reqs := eng.submitted()
	if len(reqs) != 2 || reqs[1].Prompt != "a cat" {
		t.Fatalf("requests %+v, want a second one with prompt %q", reqs, "a cat")
	}
	settle(m) // the same parameters again: nothing new to render
	if n := len(eng.submitted()); n != 2 {
		t.Fatalf("an unchanged request was submitted again (%d requests)", n)
	}
	keys(m, "ctrl+r")
	if n := len(eng.submitted()); n != 3 {
		t.Fatalf("ctrl+r did not force a render (%d requests)", n)
	}
}

func TestEngineEventsDriveTheStatus(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	lat := runtime.NewTensor(1, 4, 8, 8)
	tm := runtime.StepTimings{Total: 50 * time.Millisecond}
	cases := []struct {
		name string
		ev   runtime.Event
		want []string // substrings of the status bar
	}{
		{"started", runtime.Started{ID: 1}, []string{"#1 rendering", "step 0/0"}},
		{"step", runtime.Step{ID: 1, StepInfo: runtime.StepInfo{Step: 2, Steps: 10, Latents: lat, Timings: tm}},
			[]string{"step 2/10", "20.0 it/s", "ETA 400ms", "#1 rendering"}},
		{"old job ignored", runtime.Step{ID: 0, StepInfo: runtime.StepInfo{Step: 9, Steps: 10, Latents: lat}}, []string{"step 2/10"}},
		{"done", runtime.Done{ID: 1, Images: []*image.RGBA{gradient(64, 64)}}, []string{"step 10/10", "#1 done"}},
		{"failed", runtime.Failed{ID: 1, Err: errors.New("unet: out of memory")}, []string{"#1 failed: unet: out of memory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			runCmd(m, m.onEngine(c.ev))
			status := ansi.Strip(m.viewStatus())
			for _, w := range c.want {
				if !strings.Contains(status, w) {
					t.Errorf("status %q lacks %q", status, w)
				}
			}
		})
	}
	if m.history.entries[len(m.history.entries)-1].images == nil || m.preview.label != "final" {
		t.Fatalf("Done did not reach the history strip and preview (label %q)", m.preview.label)
	}
}

func TestParameterKeys(t *testing.T) {
	cases := []struct {
		name  string
		keys  []string
		check func(p session.Params) bool
	}{
		{"steps up", []string{"right"}, func(p session.Params) bool { return p.Sampler.Steps == 21 }},
		{"guidance down", []string{"down", "left"}, func(p session.Params) bool { return p.Sampler.Guidance == 7 }},
		{"seed typed", []string{"down", "down", "enter", "ctrl+u", "12345", "enter"}, func(p session.Params) bool { return p.Noise.Seed == 12345 }},
		{"size up", []string{"down", "down", "down", "right"}, func(p session.Params) bool { return p.Width == 72 && p.Height == 72 }},
		{"size steps between sizes the model takes", []string{"READY", "down", "down", "down", "right", "right", "left", "left", "left"},
			func(p session.Params) bool { return p.Width == 48 && p.Height == 48 }},
		{"size typed that the model cannot take", []string{"READY", "down", "down", "down", "enter", "ctrl+u", "72x72", "enter", "esc"},
			func(p session.Params) bool { return p.Width == 64 }},
		{"size typed", []string{"down", "down", "down", "enter", "ctrl+u", "96x64", "enter"}, func(p session.Params) bool { return p.Width == 96 && p.Height == 64 }},
		{"scheduler cycles", []string{"down", "down", "down", "down", "right"}, func(p session.Params) bool { return p.Sampler.Scheduler != "pndm" }},
		{"batch", []string{"down", "down", "down", "down", "down", "right"}, func(p session.Params) bool { return p.Batch == 2 }},
		{"bad typed value kept out", []string{"enter", "ctrl+u", "many", "enter", "esc"}, func(p session.Params) bool { return p.Sampler.Steps == 20 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, _ := newTestModel(t, 80, 24)
			keys(m, "tab", "tab")
			if m.focused() != pane(m.params) {
				t.Fatalf("two tabs focus pane %d, want the parameters", m.focus)
			}
			for _, k := range c.keys {
				if k == "READY" {
					ready(t, m)
					continue
				}
				if k == "ctrl+a" || k == "ctrl+u" {
					send(m, tea.KeyPressMsg{Code: rune(k[5]), Mod: tea.ModCtrl})
					continue
				}
				keys(m, k)
			}
			if !c.check(m.sess.Params) {
				t.Fatalf("params after %v: steps %d guidance %v seed %d size %dx%d scheduler %s batch %d",
					c.keys, m.sess.Sampler.Steps, m.sess.Sampler.Guidance, m.sess.Noise.Seed, m.sess.Width, m.sess.Height,
					m.sess.Sampler.Scheduler, m.sess.Batch)
			}
		})
	}
}

// Seed modes: fixed keeps the seed, random draws one per render, increment adds one per
// render after the first; -1 typed in the seed field is random mode (A1111).
func TestSeedModes(t *testing.T) {
	cases := []struct {
		name string
		keys []string // on the seed row
		mode seedMode
		ok   func(seeds []uint64) bool
	}{
		{"fixed", nil, seedFixed, func(s []uint64) bool { return s[1] == s[0] && s[2] == s[0] }},
		{"random", []string{"l"}, seedRandom, func(s []uint64) bool { return s[1] != s[2] && s[2] != s[3] }},
		{"increment", []string{"l", "l"}, seedIncrement, func(s []uint64) bool { return s[2] == s[1]+1 && s[3] == s[2]+1 }},
		{"back to fixed", []string{"l", "l", "l"}, seedFixed, func(s []uint64) bool { return s[3] == s[2] }},
		{"-1 typed", []string{"enter", "ctrl+u", "-1", "enter"}, seedRandom, func(s []uint64) bool { return s[1] != s[2] && s[2] != s[3] }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m, eng := newTestModel(t, 80, 24)
			ready(t, m)
			keys(m, "tab", "tab", "down", "down")
			for _, k := range c.keys {
				if k == "ctrl+u" {
					send(m, tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
					continue
				}
				keys(m, k)
			}
			keys(m, "ctrl+r", "ctrl+r", "ctrl+r")
			got := seeds(eng.submitted())
			if m.params.seedMode != c.mode || len(got) != 4 || !c.ok(got) {
				t.Fatalf("mode %v, seeds %v", m.params.seedMode, got)
			}
			if st := ansi.Strip(m.viewStatus()); !strings.Contains(st, "seed "+strconv.FormatUint(m.sess.Noise.Seed, 10)+" "+c.mode.String()) {
				t.Errorf("status %q does not show the seed and its mode", st)
			}
		})
	}
}

func seeds(reqs []runtime.Request) []uint64 {
	var out []uint64
	for _, r := range reqs {
		out = append(out, r.Seed)
	}
	return out
}

func TestSEGAConceptEditing(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "tab", "tab", "tab", "a", "smiling", "enter")
	if cs := concepts(m); len(cs) != 1 || cs[0].Prompt != "smiling" || !techniques.SEGAOf(&m.sess.Params).Enabled {
		t.Fatalf("after adding: %+v", techniques.SEGAOf(&m.sess.Params))
	}
	keys(m, "+", "+", "right", "-", "right", "+", "v")
	c := concepts(m)[0]
	if c.Weight != 1.2 || c.EditGuidance != 4.5 || c.Threshold != 0.91 || !c.Reverse {
		t.Fatalf("concept after sliders: %+v, want weight 1.2, guidance 4.5, threshold 0.91, reversed", c)
	}
	keys(m, "right", "enter", "ctrl+u")
	send(m, tea.KeyPressMsg{Code: 'u', Mod: tea.ModCtrl})
	keys(m, "3", "enter")
	if c := concepts(m)[0]; c.WarmUp != 3 {
		t.Fatalf("typed warm-up: %d, want 3", c.WarmUp)
	}
	settle(m)
	reqs := eng.submitted()
	if last := reqs[len(reqs)-1]; len(last.Techniques) != 1 {
		t.Fatalf("the render request carries %d techniques, want SEGA", len(last.Techniques))
	}
	keys(m, "e")
	settle(m)
	if reqs = eng.submitted(); len(reqs[len(reqs)-1].Techniques) != 0 {
		t.Fatal("SEGA switched off still sent")
	}
	keys(m, "x")
	if len(concepts(m)) != 0 {
		t.Fatalf("x left %d concepts", len(concepts(m)))
	}
}

func TestTokenSelectionFollowsItsWord(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "enter", "a photo of a cat", "enter")
	keys(m, "tab", "tab", "tab", "tab")
	if m.focused() != m.techPane(attendExciteBlock) {
		t.Fatalf("focus %d, want tokens", m.focus)
	}
	catAt := -1
	for i, tok := range tokensOf(m).toks {
		if chipText(tok) == "cat" {
			catAt = i
		}
	}
	tokensOf(m).cursor = catAt
	keys(m, "space")
	if ae := techniques.AttendExciteOf(&m.sess.Params); ae == nil || len(ae.Tokens) != 1 || ae.Tokens[0] != catAt || ae.TokenTexts[0] != "cat" {
		t.Fatalf("selection %+v, want [%d] cat", techniques.AttendExciteOf(&m.sess.Params), catAt)
	}
	keys(m, "shift+tab", "shift+tab", "shift+tab", "shift+tab", "enter")
	send(m, tea.KeyPressMsg{Code: tea.KeyHome})
	keys(m, "big ", "enter")
	ae := techniques.AttendExciteOf(&m.sess.Params)
	if ae == nil || len(ae.Tokens) != 1 || chipText(tokensOf(m).toks[ae.Tokens[0]]) != "cat" || ae.Tokens[0] <= catAt {
		t.Fatalf("after inserting a word before it, the selection %+v no longer points at cat", ae)
	}
	tokensOf(m).cursor = 0
	keys(m, "tab", "tab", "tab", "tab", "space")
	if !m.noticeBad || !strings.Contains(m.notice, "token 0 cannot be chosen") {
		t.Fatalf("choosing <sot>: notice %q", m.notice)
	}
}

func TestUndoRedoCoalescesAnEdit(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "enter", "fox", "enter", "tab", "tab", "right", "right", "right")
	if m.sess.Prompt != "fox" || m.sess.Sampler.Steps != 23 {
		t.Fatalf("setup: prompt %q steps %d", m.sess.Prompt, m.sess.Sampler.Steps)
	}
	keys(m, "ctrl+z")
	if m.sess.Sampler.Steps != 20 || m.sess.Prompt != "fox" {
		t.Fatalf("one undo: steps %d prompt %q, want 20 and fox", m.sess.Sampler.Steps, m.sess.Prompt)
	}
	keys(m, "ctrl+z")
	if m.sess.Prompt != "" || m.prompt.in.Value() != "" {
		t.Fatalf("second undo: prompt %q (editor %q), want empty", m.sess.Prompt, m.prompt.in.Value())
	}
	keys(m, "ctrl+y", "ctrl+y")
	if m.sess.Prompt != "fox" || m.sess.Sampler.Steps != 23 {
		t.Fatalf("redo: prompt %q steps %d", m.sess.Prompt, m.sess.Sampler.Steps)
	}
}

func TestPasteIsSanitised(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	keys(m, "enter")
	send(m, tea.PasteMsg{Content: "a cat\x1b]52;c;ZXZpbA==\x07 \x9b31m on a mat"})
	if strings.ContainsAny(m.sess.Prompt, "\x1b\x07\x9b") || !strings.Contains(m.sess.Prompt, "a cat") {
		t.Fatalf("pasted prompt %q keeps control characters", m.sess.Prompt)
	}
	m.sess.Prompt = "evil \x1b]0;title\x07 prompt" // as if loaded unvalidated
	keys(m, "enter")
	if v := m.View().Content; strings.Contains(v, "\x1b]0;") {
		t.Fatal("an OSC from the prompt reached the view")
	}
}

func TestQuitGuardAutosaves(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	if cmd := send(m, namedKeys["ctrl+c"]); cmd == nil || !isQuit(cmd) {
		t.Fatal("a clean session did not quit at once")
	}
	keys(m, "enter", "q")
	if cmd := send(m, namedKeys["ctrl+c"]); cmd != nil && isQuit(cmd) {
		t.Fatal("ctrl+c inside the prompt editor quit without asking, with unsaved changes")
	}
	if m.focused().editing() || m.sess.Prompt != "q" {
		t.Fatalf("ctrl+c in the editor: editing %v, prompt %q", m.focused().editing(), m.sess.Prompt)
	}
	m.quitSure = false
	keys(m, "tab", "tab", "right")
	if cmd := send(m, tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd != nil && isQuit(cmd) {
		t.Fatal("quit with unsaved changes did not ask first")
	}
	back, err := session.Load(AutosavePath(m.path))
	if err != nil || back.Sampler.Steps != 21 {
		t.Fatalf("autosave: %v, steps %v", err, back)
	}
	if !strings.Contains(ansi.Strip(m.viewMessage()), "q again quits") {
		t.Fatalf("no confirmation shown: %q", m.viewMessage())
	}
	if cmd := send(m, tea.KeyPressMsg{Code: 'q', Text: "q"}); cmd == nil || !isQuit(cmd) {
		t.Fatal("the second q did not quit")
	}
}

func isQuit(cmd tea.Cmd) bool {
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func TestHelpOverlayListsTheKeys(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	keys(m, "f1") // "?" types into the focused prompt; f1 opens the help from any pane
	v := ansi.Strip(m.View().Content)
	for _, want := range []string{"ctrl+s", "ctrl+o", "ctrl+z", "ctrl+y", "ctrl+r", "shift+tab", "quit"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q", want)
		}
	}
	keys(m, "esc")
	if m.help || strings.Contains(ansi.Strip(m.View().Content), "(? or esc closes)") {
		t.Fatal("esc did not close the help")
	}
}

// Every size from tiny to huge gives exactly height lines, none wider than the window.
func TestViewFitsEveryWindow(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "enter", strings.Repeat("a very long prompt ", 20), "enter")
	for _, sz := range [][2]int{{80, 24}, {120, 40}, {60, 16}, {250, 80}, {40, 10}, {1, 1}} {
		runCmd(m, send(m, tea.WindowSizeMsg{Width: sz[0], Height: sz[1]}))
		runCmd(m, m.preview.showImage(gradient(64, 64), "final"))
		lines := strings.Split(m.View().Content, "\n")
		wantLines := sz[1]
		if sz[0] < minWidth || sz[1] < minHeight {
			wantLines = 1
		}
		if len(lines) != wantLines {
			t.Errorf("%dx%d: %d lines", sz[0], sz[1], len(lines))
		}
		for i, l := range lines {
			if w := ansi.StringWidth(l); w > sz[0] {
				t.Errorf("%dx%d: line %d is %d wide", sz[0], sz[1], i, w)
			}
		}
	}
}

func TestAttentionBarsHook(t *testing.T) {
	m, _ := newTestModel(t, 80, 30)
	ready(t, m)
	keys(m, "enter", "a cat and a frog", "enter")
	tokensOf(m).cursor = 2
	keys(m, "tab", "tab", "tab", "tab", "space")
	tokensOf(m).setAttention(map[int]float64{2: 0.5}, 0.25)
	v := ansi.Strip(strings.Join(tokensOf(m).view(m, true, 40, 8), "\n"))
	if !strings.Contains(v, "0.50") || !strings.Contains(v, "loss 0.250") {
		t.Fatalf("attention bars missing:\n%s", v)
	}
	tokensOf(m).setAttention(nil, 0)
	if v := ansi.Strip(strings.Join(tokensOf(m).view(m, true, 40, 8), "\n")); strings.Contains(v, "loss") {
		t.Fatal("bars stay after the hook cleared them")
	}
}

// The studio picks the same attention resolution as `render --excite` and `prepare`.
func TestAttentionResolutionRule(t *testing.T) {
	dir, err := tinyDemo()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		dir  string
		w, h int
		want int
	}{
		{dir, 64, 64, 8},    // tiny at 64²: 8×8 and 4×4 maps
		{dir, 256, 256, 16}, // tiny at 256²: 32×32 and 16×16 maps
		{"", 64, 64, 16},    // model not open yet: diffusers' default
	}
	for _, c := range cases {
		if got := attentionResolutionFor(c.dir, c.w, c.h); got != c.want {
			t.Errorf("attentionResolutionFor(%q, %d, %d) = %d, want %d", c.dir, c.w, c.h, got, c.want)
		}
	}
}

// With the taesd decoder configured, every job asks the engine for TAESD previews, and a
// step event carrying a decoded image is what the preview pane shows.
func TestPreviewDecoderReachesTheEngine(t *testing.T) {
	eng := newFakeEngine()
	s := session.Default()
	s.Width, s.Height, s.Sampler.Steps = 64, 64, 20
	m := New(Config{Session: s, SessionPath: filepath.Join(t.TempDir(), "s.toml"), ModelLabel: "demo:tiny",
		Engine: eng, Debounce: time.Millisecond, Seed: 1,
		Preview: PreviewSetup{Protocol: preview.Blocks, Decoder: "taesd", Every: 3}})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	ready(t, m)
	eng.mu.Lock()
	reqs := append([]runtime.Request(nil), eng.requests...)
	eng.mu.Unlock()
	if len(reqs) == 0 || reqs[0].Preview != runtime.PreviewTAESD || reqs[0].PreviewEvery != 3 {
		t.Fatalf("requests %+v: want TAESD previews every 3 steps", reqs)
	}
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	send(m, engineMsg{src: m.engine, ev: runtime.Step{ID: 1, StepInfo: runtime.StepInfo{Step: 3, Steps: 20,
		Latents: runtime.NewTensor(1, 4, 8, 8), Image: img}}})
	if m.preview.img != image.Image(img) {
		t.Fatal("the engine's decoded preview was not shown")
	}
}
