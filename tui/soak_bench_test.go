package tui

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/preview"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/session"
)

// BenchmarkStudioSoak renders 1 000 times through the whole studio but the terminal: the
// root Model with the real engine on demo:tiny (64², 4 steps, TAESD previews every step),
// each render started by typing into the prompt as a user does, every step's preview encoded
// for the kitty protocol by the studio's own frame Cmds, the history, undo and View drawn
// after every render. It logs the resident set every 100 renders and reports the growth after
// warm-up (100 → 1000). The engine-only soak (runtime's BenchmarkEngineSoak) is flat, so
// growth here is the studio's. Run with -benchtime=1x; docs/reliability.md records it.
func BenchmarkStudioSoak(b *testing.B) {
	orttest.Setup(b)
	dir, err := writeDemo("tiny")
	if err != nil {
		b.Fatal(err)
	}
	const renders = 1000
	for range b.N {
		eng := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{Threads: 2}) })
		s := session.Default()
		s.Width, s.Height, s.Sampler.Steps = 64, 64, 4
		m := New(Config{Session: s, SessionPath: filepath.Join(b.TempDir(), "soak.toml"), ModelLabel: "demo:tiny",
			Engine: eng, Debounce: time.Millisecond, Seed: 1,
			Preview: PreviewSetup{Protocol: preview.Kitty, Decoder: "taesd"}})
		m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
		studioRender(b, m, eng) // the first render starts on Ready
		var warm int64
		for i := range renders {
			keys(m, string(rune('a'+i%26)))
			if len(m.prompt.in.Value()) > 60 {
				m.prompt.in.SetValue("x")
			}
			settle(m)
			studioRender(b, m, eng)
			_ = m.View()
			if (i+1)%100 == 0 {
				rss, _ := ort.CurrentRSS()
				b.Logf("renders %4d  rss %6.1f MB  history %d", i+1, float64(rss)/(1<<20), len(m.history.entries))
				if i+1 == 100 {
					warm = rss
				}
				if i+1 == renders {
					b.ReportMetric(float64(rss-warm)/(1<<20), "MB-growth-100-1000")
					b.ReportMetric(float64(rss)/(1<<20), "MB-rss")
				}
			}
		}
		eng.Close()
	}
}

// studioRender delivers the engine's events to the Model, running the Cmds they return
// (preview frames, the size rule), until the current job is done.
func studioRender(b *testing.B, m *Model, eng *runtime.Engine) {
	deadline := time.After(10 * time.Minute)
	for {
		select {
		case ev := <-eng.Events():
			runCmd(m, send(m, engineMsg{src: eng, ev: ev}))
			if _, done := ev.(runtime.Done); done && ev.(runtime.Done).ID == m.render.job {
				return
			}
			if f, failed := ev.(runtime.Failed); failed {
				b.Fatal(f.Err)
			}
		case <-deadline:
			b.Fatal(fmt.Sprintf("no render finished (state %q %s)", m.render.state, m.render.detail))
		}
	}
}
