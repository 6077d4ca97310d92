package tui

import (
	"errors"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// renderWith sets the guidance through the parameters pane's typed field, lets the debounce
// fire and finishes the render with the given images. The focus is left on the history.
func renderWith(t *testing.T, m *Model, guidance string, images ...*image.RGBA) {
	t.Helper()
	focusPane(t, m, m.params)
	m.params.cursor = fieldGuidance
	keys(m, "enter", "ctrl+u", guidance, "enter")
	settle(m)
	runCmd(m, m.onEngine(runtime.Started{ID: m.render.job}))
	runCmd(m, m.onEngine(runtime.Done{ID: m.render.job, Images: images}))
	focusPane(t, m, m.history)
}

func focusPane(t *testing.T, m *Model, p pane) {
	t.Helper()
	for i, q := range m.ring {
		if q == p {
			m.focus = i
			return
		}
	}
	t.Fatal("pane not in the ring")
}

func historyNums(m *Model) []int {
	var out []int
	for _, e := range m.history.entries {
		out = append(out, e.num)
	}
	return out
}

// Moving the selection shows that entry's picture at once; a batch is browsed with [ and ].
func TestHistorySelectionShowsItsImage(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	first, b1, b2, b3 := gradient(64, 64), gradient(64, 64), gradient(64, 64), gradient(64, 64)
	b2.Pix[0], b3.Pix[0] = 1, 2
	renderWith(t, m, "5", first)
	renderWith(t, m, "6", b1, b2, b3)
	cases := []struct {
		key   string
		label string
		img   *image.RGBA
	}{
		{"left", "history 1", first},
		{"right", "history 2 · image 1/3", b1},
		{"]", "history 2 · image 2/3", b2},
		{"]", "history 2 · image 3/3", b3},
		{"]", "history 2 · image 1/3", b1},
		{"[", "history 2 · image 3/3", b3},
	}
	for _, c := range cases {
		keys(m, c.key)
		if m.preview.label != c.label || m.preview.img != image.Image(c.img) {
			t.Fatalf("after %q: preview %q, want %q and that image", c.key, m.preview.label, c.label)
		}
	}
	if line := ansi.Strip(m.history.view(m, true, 120, 1)[0]); !strings.Contains(line, "image 3/3") {
		t.Errorf("history line %q does not say which image of the batch", line)
	}
}

// Undo back to earlier settings renders them again and selects their entry: no duplicate;
// a failed render takes no number, so the status and the history agree.
func TestHistoryNoDuplicatesAndStableNumbers(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	renderWith(t, m, "5", gradient(64, 64))
	renderWith(t, m, "6", gradient(64, 64))
	keys(m, "ctrl+z")
	settle(m)
	runCmd(m, m.onEngine(runtime.Done{ID: m.render.job, Images: []*image.RGBA{gradient(64, 64)}}))
	if got := historyNums(m); len(got) != 2 || m.history.cursor != 0 {
		t.Fatalf("after undo and its render: entries %v, cursor %d; want [1 2] with 1 selected", got, m.history.cursor)
	}
	if st := ansi.Strip(m.viewStatus()); !strings.Contains(st, "#1 done") {
		t.Errorf("status %q, want the entry's number #1", st)
	}
	focusPane(t, m, m.params)
	m.params.cursor = fieldGuidance
	keys(m, "enter", "ctrl+u", "9", "enter")
	settle(m)
	if st := ansi.Strip(m.viewStatus()); !strings.Contains(st, "#3 queued") {
		t.Errorf("status %q, want the next number #3", st)
	}
	runCmd(m, m.onEngine(runtime.Failed{ID: m.render.job, Err: errors.New("unet: out of memory")}))
	renderWith(t, m, "10", gradient(64, 64))
	if got := historyNums(m); len(got) != 3 || got[2] != 3 {
		t.Fatalf("entries %v after a failed render and a good one, want [1 2 3]", got)
	}
	if st := ansi.Strip(m.viewStatus()); !strings.Contains(st, "#3 done") {
		t.Errorf("status %q, want #3 done", st)
	}
}

// Enter loads the entry's settings (undoable) and fixes the seed so it renders that entry.
func TestHistoryLoadSettingsFixesTheSeed(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	renderWith(t, m, "5", gradient(64, 64))
	renderWith(t, m, "6", gradient(64, 64))
	m.params.seedMode = seedRandom
	keys(m, "left", "enter")
	if m.sess.Sampler.Guidance != 5 || m.params.seedMode != seedFixed || !strings.Contains(m.notice, "seed mode now fixed") {
		t.Fatalf("guidance %v, seed mode %v, notice %q", m.sess.Sampler.Guidance, m.params.seedMode, m.notice)
	}
	keys(m, "ctrl+z")
	if m.sess.Sampler.Guidance != 6 {
		t.Fatalf("undo after loading: guidance %v, want 6", m.sess.Sampler.Guidance)
	}
}

// A/B: m marks A, c shows A and B side by side and lists what differs; without a mark the
// newest render is A.
func TestHistoryCompare(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	ready(t, m)
	a, b := gradient(64, 64), gradient(32, 32)
	renderWith(t, m, "5", a)
	renderWith(t, m, "6", b)
	keys(m, "left", "m", "right", "c")
	if !m.history.compare || m.preview.label != "A 1 | B 2" {
		t.Fatalf("compare: on %v, preview %q", m.history.compare, m.preview.label)
	}
	img := m.preview.img.(*image.RGBA)
	if img.Bounds().Dx() != 64+4+32 || img.Bounds().Dy() != 64 || img.RGBAAt(70, 0) != b.RGBAAt(2, 0) || img.RGBAAt(3, 3) != a.RGBAAt(3, 3) {
		t.Errorf("side-by-side picture %v is not A then B", img.Bounds())
	}
	line := ansi.Strip(m.history.view(m, true, 200, 1)[0])
	if !strings.Contains(line, "A 1 vs B 2") || !strings.Contains(line, "sampler.guidance 5.0 → 6.0") {
		t.Errorf("history line %q does not list the differing guidance", line)
	}
	keys(m, "c")
	if m.history.compare || m.preview.label != "history 2" {
		t.Errorf("c again: compare %v, preview %q", m.history.compare, m.preview.label)
	}
}

// Saved entries' pictures are read from disk when selected.
func TestHistoryLoadsSavedImages(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	saved := gradient(48, 48)
	renderWith(t, m, "5", saved)
	keys(m, "ctrl+s")
	if len(m.sess.History) != 1 {
		t.Fatalf("save: %q", m.notice)
	}
	m.history.loadSession(m.sess) // as after reopening: nothing decoded yet
	if m.history.entries[0].images != nil {
		t.Fatal("a freshly listed saved entry already has its picture")
	}
	renderWith(t, m, "6", gradient(64, 64))
	runCmd(m, send(m, namedKeys["left"])) // the decode runs in a Cmd
	if m.preview.label != "history 1" || m.preview.img.Bounds().Dx() != 48 {
		t.Fatalf("selecting the saved entry: preview %q", m.preview.label)
	}
	os.Remove(filepath.Join(filepath.Dir(m.path), m.sess.History[0].Output))
	m.history.loadSession(m.sess)
	renderWith(t, m, "7", gradient(64, 64))
	runCmd(m, send(m, namedKeys["left"]))
	if !m.noticeBad || !strings.Contains(m.notice, "render 1:") {
		t.Errorf("a missing saved image: notice %q", m.notice)
	}
}

func TestParamsDiff(t *testing.T) {
	a := session.Default().Params
	b := a.Clone()
	b.Noise.Seed, b.Prompt = 9, "a dog"
	got := strings.Join(paramsDiff(a, b), " | ")
	if !strings.Contains(got, "prompt ") || !strings.Contains(got, "→ \"a dog\"") || !strings.Contains(got, "noise.seed 0 → 9") || strings.Contains(got, "steps") {
		t.Errorf("diff %q", got)
	}
	if d := paramsDiff(a, a.Clone()); len(d) != 0 {
		t.Errorf("equal settings differ: %v", d)
	}
}
