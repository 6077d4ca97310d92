package tui

import (
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
)

// engineMsg carries one engine event into Update.
type engineMsg struct {
	src Renderer // the engine it came from; events of a replaced engine are dropped
	ev  runtime.Event
}

// engineClosedMsg says the engine's event channel closed.
type engineClosedMsg struct{}

// debounceMsg fires when a change has been left alone for the debounce interval; only the
// newest generation submits.
type debounceMsg struct{ gen int }

// engineSwapMsg delivers a new engine started for an opened session's model, after the old
// one has been closed off the UI goroutine.
type engineSwapMsg struct{ engine Renderer }

// waitEvent is the Cmd that blocks on the engine's channel — in a Cmd goroutine, never in
// Update — and returns the next event as a message. Update re-issues it after each one.
func waitEvent(r Renderer) tea.Cmd {
	if r == nil {
		return nil
	}
	ch := r.Events()
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return engineClosedMsg{}
		}
		return engineMsg{src: r, ev: ev}
	}
}
