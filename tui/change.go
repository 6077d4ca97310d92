package tui

import (
	"reflect"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
)

// change applies one parameter edit: it records the previous state for undo, marks the
// session unsaved and restarts the render debounce. kind names the field edited, for undo
// coalescing. An edit that changes nothing does none of this.
func (m *Model) change(kind string, apply func(p *session.Params)) tea.Cmd {
	before := cloneParams(m.sess.Params)
	apply(&m.sess.Params)
	if reflect.DeepEqual(before, m.sess.Params) {
		return nil
	}
	m.undo.record(kind, before)
	m.dirty, m.quitSure = true, false
	return m.schedule()
}

// restore replaces the parameters wholesale (undo, redo, a history entry). A history entry
// is an undoable change itself (record); undo and redo keep their own stacks.
func (m *Model) restore(p session.Params, record bool) tea.Cmd {
	if record {
		m.undo.record("", cloneParams(m.sess.Params))
	}
	m.sess.Params = cloneParams(p)
	m.dirty, m.quitSure = true, false
	return tea.Batch(m.broadcast(syncMsg{}), m.schedule())
}

func (m *Model) undoChange() tea.Cmd {
	p, ok := m.undo.undo(cloneParams(m.sess.Params))
	if !ok {
		m.say("nothing to undo", false)
		return nil
	}
	m.say("undone", false)
	return m.restore(p, false)
}

func (m *Model) redoChange() tea.Cmd {
	p, ok := m.undo.redo(cloneParams(m.sess.Params))
	if !ok {
		m.say("nothing to redo", false)
		return nil
	}
	m.say("redone", false)
	return m.restore(p, false)
}

// say sets the message line; bad marks an error. The notice stays for the key that caused
// it and the next one (ageNotice), so it never describes an older action.
func (m *Model) say(text string, bad bool) {
	m.notice, m.noticeBad, m.noticeFresh = text, bad, true
}

// ageNotice runs before each key outside an edit: a notice already seen once is cleared.
func (m *Model) ageNotice() {
	if !m.noticeFresh {
		m.notice, m.noticeBad = "", false
	}
	m.noticeFresh = false
}
