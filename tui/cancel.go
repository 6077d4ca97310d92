package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// renderControl is the user's hold on rendering: a render stopped on request, and
// auto-render paused for slow models (edits then wait for Ctrl+R or resuming).
type renderControl struct {
	paused bool
	// pending: a change settled while paused; resuming renders it.
	pending bool
}

// controlKey answers the render-control keys. They work everywhere, inside a text field
// too (neither key means anything to one), without ending the edit.
func (m *Model) controlKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case key.Matches(msg, m.keys.Stop):
		m.stopRender()
		return nil, true
	case key.Matches(msg, m.keys.Pause):
		return m.togglePause(), true
	}
	return nil, false
}

// stopRender cancels the running or queued job. The engine cancels its context, which ORT
// sees through its run-terminate flag, so the render ends within the current UNet call and
// the engine reports Cancelled (runtime.Engine.Cancel). A change still in its debounce is
// dropped too: stop means nothing renders until the next edit or Ctrl+R.
func (m *Model) stopRender() {
	m.render.gen++
	m.control.pending = false
	switch m.render.state {
	case "queued", "rendering":
	default:
		m.say("nothing is rendering", false)
		return
	}
	if m.engine != nil {
		m.engine.Cancel()
	}
	m.render.state = "stopping"
	m.say("stopping the render — ctrl+r renders again", false)
}

// togglePause pauses or resumes auto-render; resuming renders a change made meanwhile.
func (m *Model) togglePause() tea.Cmd {
	c := &m.control
	c.paused = !c.paused
	if c.paused {
		m.say("auto-render paused: edits wait — ctrl+r renders now, ctrl+p resumes", false)
		return nil
	}
	m.say("auto-render resumed", false)
	if c.pending {
		c.pending = false
		return m.submit(false)
	}
	return nil
}

// onDebounce submits the settled change, unless a newer change restarted the debounce or
// auto-render is paused.
func (m *Model) onDebounce(msg debounceMsg) tea.Cmd {
	if msg.gen != m.render.gen {
		return nil
	}
	if m.control.paused {
		m.control.pending = true
		return nil
	}
	return m.submit(false)
}

// controlStatus is the status bar's word on the hold, "" when auto-render runs.
func (c renderControl) status() string {
	switch {
	case c.paused && c.pending:
		return "auto-render paused, edits waiting (ctrl+p)"
	case c.paused:
		return "auto-render paused (ctrl+p)"
	}
	return ""
}
