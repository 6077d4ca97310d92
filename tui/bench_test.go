package tui

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/session"
)

// BenchmarkKeyToFrame measures the UI goroutine's work from a key message to the next
// frame — Update for a typed character plus View — while the real engine renders on the
// `small` demo preset on the same cores. The goal is a median ≤ 16 ms on 2 cores (one
// frame at 60 Hz); bubbletea's renderer then paints on its next tick.
func BenchmarkKeyToFrame(b *testing.B) {
	orttest.Setup(b)
	dir, err := writeDemo("small")
	if err != nil {
		b.Fatal(err)
	}
	eng := runtime.NewEngine(func() (*runtime.Model, error) { return runtime.Open(dir, runtime.Options{}) })
	b.Cleanup(eng.Close)
	s := session.Default()
	s.Width, s.Height, s.Sampler.Steps = 128, 128, 500 // long enough to outlast the measurement
	m := New(Config{Session: s, SessionPath: b.TempDir() + "/s.toml", ModelLabel: "demo:small", Engine: eng})
	m.Update(tea.WindowSizeMsg{Width: 120, Height: 40})
	pump := func() { // deliver what the engine said, as bubbletea's event loop would
		for {
			select {
			case ev := <-eng.Events():
				m.Update(engineMsg{src: eng, ev: ev})
			default:
				return
			}
		}
	}
	waitRendering(b, m, pump)
	keys(m, "enter")
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		pump()
		if m.render.state != "rendering" && m.render.state != "queued" {
			m.submit(true)
		}
		r := rune('a' + i%26)
		t0 := time.Now()
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		_ = m.View()
		lat = append(lat, time.Since(t0))
		if len(m.prompt.in.Value()) > 200 {
			m.prompt.in.SetValue("")
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "ms-median")
	b.ReportMetric(float64(lat[len(lat)*9/10].Microseconds())/1000, "ms-p90")
	if m.render.state != "rendering" {
		b.Fatalf("the engine was not rendering during the measurement (state %q)", m.render.state)
	}
}

// waitRendering waits until the engine is past its first step, so keys meet a busy CPU.
func waitRendering(b *testing.B, m *Model, pump func()) {
	deadline := time.Now().Add(2 * time.Minute)
	for m.render.step < 1 {
		if time.Now().After(deadline) || m.render.state == "failed" || m.render.state == "model failed" {
			b.Fatalf("no render step (state %q %s)", m.render.state, m.render.detail)
		}
		time.Sleep(10 * time.Millisecond)
		pump()
	}
}
