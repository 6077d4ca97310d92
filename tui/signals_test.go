package tui

import (
	"errors"
	"io"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// SIGTERM and SIGHUP (terminal closed, ssh dropped) autosave unsaved work and end the
// studio with a line saying where it went; Bubble Tea alone quit with exit 0 and lost it.
func TestStopSignalAutosaves(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(sig.String(), func(t *testing.T) {
			m, _ := newTestModel(t, 100, 30)
			m.sess.Prompt, m.dirty = "unsaved work", true
			in, inW := io.Pipe()
			defer inW.Close()
			sigs := make(chan os.Signal, 1)
			go func() { time.Sleep(100 * time.Millisecond); sigs <- sig }()
			err := runWithSignals(m, []tea.ProgramOption{tea.WithInput(in), tea.WithOutput(io.Discard)}, sigs)
			var stopped *StoppedError
			if !errors.As(err, &stopped) || stopped.Autosaved == "" || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want a one-line StoppedError naming the autosave", err)
			}
			s, lerr := session.Load(AutosavePath(m.path))
			if lerr != nil || s.Prompt != "unsaved work" {
				t.Fatalf("autosave: %v", lerr)
			}
		})
	}
}

// A panic in Update autosaves before it continues to Bubble Tea, which restores the terminal.
func TestPanicInUpdateAutosaves(t *testing.T) {
	m, _ := newTestModel(t, 100, 30)
	m.sess.Prompt, m.dirty = "unsaved before a bug", true
	m.render.job = 5
	var stopped *StoppedError
	g := guarded{m: m, stopped: &stopped}
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not continue to Bubble Tea")
			}
		}()
		g.Update(engineMsg{src: m.engine, ev: runtime.Failed{ID: 5}}) // a nil error: Update panics
	}()
	if s, err := session.Load(AutosavePath(m.path)); err != nil || s.Prompt != "unsaved before a bug" {
		t.Fatalf("autosave: %v", err)
	}
}
