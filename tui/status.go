package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/nudge-studio/nudge/session"
)

// viewHeader is the top line: the studio, the session file, and for a built-in model a
// banner saying what it is (random weights, or the trained shapes world).
func (m *Model) viewHeader() string {
	name := session.Sanitize(filepath.Base(m.path))
	if m.dirty {
		name += " *"
	}
	head := m.st.title.Render("nudge studio")
	if m.banner != "" {
		head += "  " + m.st.warn.Render(m.banner)
	}
	return head + " · " + name + m.st.dim.Render("  ? help")
}

// viewMessage is the line above the status bar: the Ctrl+O path field, a quit
// confirmation, or the latest notice.
func (m *Model) viewMessage() string {
	switch {
	case m.open.active:
		return m.open.view(&m.st)
	case m.grid.active():
		return m.grid.view(&m.st)
	case m.quitSure:
		return m.st.warn.Render("unsaved changes (autosaved) — q again quits, ctrl+s saves, any other key stays")
	case m.notice == "":
		return m.st.dim.Render("  " + m.focused().hint(m))
	case m.noticeBad:
		return m.st.err.Render(session.Sanitize(m.notice))
	}
	return session.Sanitize(m.notice)
}

// viewStatus is the bottom line: model, provider, step i/N, it/s, ETA and state.
func (m *Model) viewStatus() string {
	r := &m.render
	provider := "—"
	if r.info != nil {
		provider = r.info.Provider
	}
	parts := []string{
		"model " + session.Sanitize(m.modelLabel),
		provider,
		fmt.Sprintf("step %d/%d", r.step, r.steps),
	}
	if ips := r.itPerSec(); ips > 0 {
		parts = append(parts, fmt.Sprintf("%.1f it/s", ips))
		if r.state == "rendering" {
			parts = append(parts, "ETA "+r.eta().Round(100*time.Millisecond).String())
		}
	}
	state := r.state
	if r.job > 0 {
		state = fmt.Sprintf("#%d %s", r.num, state) // the history number: a failed render takes none
	}
	if r.detail != "" {
		state += ": " + session.Sanitize(r.detail)
	}
	style := m.st.title
	switch r.state {
	case "failed", "invalid", "model failed":
		style = m.st.err
	}
	line := m.st.dim.Render(strings.Join(parts, " · ")+" · ") + style.Render(state)
	if hold := m.control.status(); hold != "" {
		line += m.st.dim.Render(" · ") + m.st.warn.Render(hold)
	}
	return line + m.st.dim.Render(" · "+seedStatus(&m.sess.Params, m.params.seedMode))
}
