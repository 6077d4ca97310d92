package tui

import (
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/imagefile"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// Ctrl+G asks for the axes on the message line, renders the cells one by one (each request
// the cell's settings), shows progress, and writes the labelled sheet and a session per cell.
func TestStudioGridRendersCellByCell(t *testing.T) {
	m, eng := newTestModel(t, 120, 40)
	ready(t, m)
	before := len(eng.submitted())
	keys(m, "ctrl+g", "guidance=3,5", "enter")
	if m.grid.asking != 2 || m.grid.err != "" {
		t.Fatalf("after the X axis: asking %d, error %q", m.grid.asking, m.grid.err)
	}
	keys(m, "seed=1..2", "enter")
	if !m.grid.running() {
		t.Fatalf("the grid did not start: %q", m.grid.err)
	}
	want := []struct {
		guidance float64
		seed     uint64
	}{{3, 1}, {5, 1}, {3, 2}, {5, 2}}
	for i, w := range want {
		reqs := eng.submitted()
		if len(reqs) != before+i+1 {
			t.Fatalf("cell %d: %d requests, want one per cell so far", i, len(reqs)-before)
		}
		r := reqs[len(reqs)-1]
		if r.Guidance != w.guidance || r.Seed != w.seed || r.Batch != 1 {
			t.Fatalf("cell %d request: guidance %v seed %d batch %d, want %v %d 1", i, r.Guidance, r.Seed, r.Batch, w.guidance, w.seed)
		}
		runCmd(m, m.onEngine(runtime.Step{ID: m.grid.job, StepInfo: runtime.StepInfo{Step: 4, Steps: 21, Latents: runtime.NewTensor(1, 4, 8, 8)}}))
		if line := ansi.Strip(m.viewMessage()); i == 0 && !strings.Contains(line, "grid cell 1/4 (guidance=3, seed=1) step 5/21") {
			t.Errorf("progress line %q", line)
		}
		if i == 0 { // an edit while the grid runs waits for it
			m.change("param.steps", func(p *session.Params) { p.Sampler.Steps = 7 })
			settle(m)
		}
		done := m.onEngine(runtime.Done{ID: m.grid.job, Images: []*image.RGBA{gradient(64, 64)}})
		if i < len(want)-1 {
			runCmd(m, done)
		} else {
			runSaving(t, m, done)
		}
	}
	if m.grid.running() || !strings.HasPrefix(m.preview.label, "grid guidance") {
		t.Fatalf("after the last cell: running %v, preview %q", m.grid.running(), m.preview.label)
	}
	if !strings.Contains(m.notice, "grid saved: ") {
		t.Fatalf("notice %q, want where the grid was saved", m.notice)
	}
	dir := filepath.Dir(m.path)
	img, _, err := imagefile.DecodeFile(filepath.Join(dir, "s-grid-001.png"))
	if err != nil || img.Bounds().Dx() <= 2*64 || img.Bounds().Dy() <= 2*64 {
		t.Fatalf("grid PNG: %v", err)
	}
	cell, err := session.Load(filepath.Join(dir, "s-grid-001-x2-y2.toml"))
	if err != nil || cell.Sampler.Guidance != 5 || cell.Noise.Seed != 2 {
		t.Fatalf("cell session x2 y2: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 5 {
		t.Errorf("%d files beside the session, want the grid and 4 cell sessions", len(entries))
	}
	settle(m)
	if reqs := eng.submitted(); len(reqs) != before+5 || reqs[len(reqs)-1].Steps != 7 {
		t.Errorf("the edit made during the grid was not rendered after it (%d requests)", len(eng.submitted())-before)
	}
}

func TestStudioGridCancelAndBadInput(t *testing.T) {
	m, eng := newTestModel(t, 120, 40)
	ready(t, m)
	keys(m, "ctrl+g", "colour=red", "enter")
	if m.grid.asking != 1 || !strings.Contains(ansi.Strip(m.viewMessage()), `unknown parameter "colour"`) {
		t.Fatalf("a bad axis: asking %d, line %q", m.grid.asking, ansi.Strip(m.viewMessage()))
	}
	send(m, namedKeys["ctrl+u"])
	keys(m, "steps=2,4", "enter", "enter")
	if !m.grid.running() {
		t.Fatalf("grid not started: %q", m.grid.err)
	}
	keys(m, "ctrl+g")
	if m.grid.running() || eng.cancels != 1 || !strings.Contains(m.notice, "grid cancelled after 0 of 2 cells") {
		t.Fatalf("cancel: running %v, engine cancels %d, notice %q", m.grid.running(), eng.cancels, m.notice)
	}
	keys(m, "ctrl+g", "esc")
	if m.grid.active() {
		t.Error("esc did not close the grid dialog")
	}
}

// runSaving runs the grid's last Cmds, waiting as long as the file writes take (fsync) for
// the saved message.
func runSaving(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	msg := cmd()
	batch, ok := msg.(tea.BatchMsg)
	if !ok {
		batch = tea.BatchMsg{func() tea.Msg { return msg }}
	}
	for _, c := range batch {
		if c == nil {
			continue
		}
		got := make(chan tea.Msg, 1)
		go func() { got <- c() }()
		select {
		case msg := <-got:
			if saved, ok := msg.(gridSavedMsg); ok {
				send(m, saved)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("a grid Cmd did not return")
		}
	}
}
