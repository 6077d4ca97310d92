package tui

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/runtime"
)

// TestGoldenSnapshots compares whole screens, escape sequences stripped, with
// testdata/*.golden; run `go test ./tui -run Golden -update` after a deliberate change and
// review the diff.
func TestGoldenSnapshots(t *testing.T) {
	help := func(m *Model) { keys(m, "?") }
	// typing: a newcomer types on the prompt without Enter; the title shows the editing
	// state and the token counter, the message line the pane's hint.
	typing := func(m *Model) { keys(m, "shift+tab", "shift+tab", " and a fox") }
	// newConcept: the input of a first SEGA concept, drawn in the empty list.
	newConcept := func(m *Model) { keys(m, "tab", "x", "a", "rain") }
	// gallery: a second render, then the history compares it with the first (A/B side by
	// side, the differing guidance listed).
	gallery := func(m *Model) {
		keys(m, "down", "right") // the scripted studio leaves the parameters focused, on steps
		settle(m)
		runCmd(m, m.onEngine(runtime.Done{ID: m.render.job, Images: []*image.RGBA{gradient(32, 32), gradient(32, 32)}}))
		m.focus = len(m.ring) - 1 // the history
		keys(m, "m", "left", "c")
	}
	gridDialog := func(m *Model) { keys(m, "ctrl+g", "guidance=3,5,7.5", "enter", "seed=1..4") }
	tokenFind := func(m *Model) {
		m.focus = slices.Index(m.ring, m.techPane(attendExciteBlock))
		keys(m, "/", "ca")
	}
	cases := []struct {
		name  string
		w, h  int
		setup func(m *Model)
	}{
		{"studio_80x24", 80, 24, nil},
		{"studio_120x40", 120, 40, nil},
		{"help_80x24", 80, 24, help},
		{"typing_80x24", 80, 24, typing},
		{"typing_120x40", 120, 40, typing},
		{"new_concept_80x24", 80, 24, newConcept},
		{"new_concept_120x40", 120, 40, newConcept},
		{"gallery_80x24", 80, 24, gallery},
		{"gallery_120x40", 120, 40, gallery},
		{"grid_dialog_80x24", 80, 24, gridDialog},
		{"grid_dialog_120x40", 120, 40, gridDialog},
		{"token_find_80x24", 80, 24, tokenFind},
		{"token_find_120x40", 120, 40, tokenFind},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := scriptedStudio(t, c.w, c.h)
			if c.setup != nil {
				c.setup(m)
			}
			got := ansi.Strip(m.View().Content) + "\n"
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("screen differs from %s (rerun with -update if intended):\n%s", path, diffLines(string(want), got))
			}
		})
	}
}

// scriptedStudio is a studio in a typical state: prompts typed, a SEGA concept, a token
// chosen, one render finished and a second one half way.
func scriptedStudio(t *testing.T, w, h int) *Model {
	m, _ := newTestModel(t, w, h)
	ready(t, m)
	keys(m, "enter", "a photo of a cat", "enter", "tab", "enter", "blurry", "enter")
	keys(m, "tab", "tab", "a", "smiling", "enter", "+", "+")
	tokensOf(m).cursor = 5
	keys(m, "tab", "space", "shift+tab", "shift+tab")
	settle(m)
	runCmd(m, m.onEngine(runtime.Started{ID: m.render.job}))
	runCmd(m, m.onEngine(runtime.Done{ID: m.render.job, Images: []*image.RGBA{gradient(64, 64)}}))
	settle(m)
	keys(m, "ctrl+r")
	for i := 1; i <= 8; i++ {
		ev := runtime.Step{ID: m.render.job, StepInfo: runtime.StepInfo{Step: i, Steps: 21,
			Latents: rampLatents(8), Timings: runtime.StepTimings{Total: 40 * time.Millisecond}}}
		runCmd(m, m.onEngine(ev))
	}
	runCmd(m, send(m, tea.WindowSizeMsg{Width: w, Height: h}))
	return m
}

// rampLatents is a 1×4×n×n latent with a smooth pattern.
func rampLatents(n int) runtime.Tensor {
	t := runtime.NewTensor(1, 4, int64(n), int64(n))
	for i := range t.Data {
		t.Data[i] = float32(i%(n*n))/float32(n*n)*2 - 1
	}
	return t
}

func diffLines(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := range max(len(w), len(g)) {
		var a, c string
		if i < len(w) {
			a = w[i]
		}
		if i < len(g) {
			c = g[i]
		}
		if a != c {
			fmt.Fprintf(&b, "line %d\n  want %q\n  got  %q\n", i+1, a, c)
		}
	}
	return b.String()
}
