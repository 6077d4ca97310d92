package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/session"
)

// onKey routes a key: the help overlay and the open dialog first, then a pane that is
// editing, then the global keys, then the focused pane, then pane-to-pane movement for
// arrows the pane did not use.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.help {
		if key.Matches(msg, m.keys.Help, m.keys.Cancel, m.keys.Quit) {
			m.help = false
			return m.preview.redraw()
		}
		return nil
	}
	if m.open.active {
		return m.openKey(msg)
	}
	if m.grid.active() && msg.String() != "ctrl+c" {
		return m.gridKey(msg)
	}
	if cmd, ok := m.controlKey(msg); ok {
		return cmd
	}
	if p := m.focused(); p.editing() {
		if !m.globalWhileEditing(msg) {
			_, cmd := p.update(m, msg)
			return cmd
		}
		return tea.Batch(p.stopEditing(m, true), m.globalKey(msg))
	}
	m.ageNotice()
	if t, ok := m.focused().(textTaker); ok && t.takesText() && isPrintable(msg) {
		_, cmd := m.focused().update(m, msg)
		return cmd
	}
	if cmd, ok := m.globalKeyOK(msg); ok {
		return cmd
	}
	return m.paneKey(msg)
}

// globalWhileEditing: Ctrl+C, Ctrl+S and Ctrl+R work even inside a text field; the edit
// ends first, keeping what was typed.
func (m *Model) globalWhileEditing(msg tea.KeyPressMsg) bool {
	return key.Matches(msg, m.keys.Save, m.keys.Render) || msg.String() == "ctrl+c"
}

func (m *Model) globalKey(msg tea.KeyPressMsg) tea.Cmd {
	cmd, _ := m.globalKeyOK(msg)
	return cmd
}

// globalKeyOK handles the keys that mean the same in every pane.
func (m *Model) globalKeyOK(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	sure := m.quitSure
	m.quitSure = false
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit(sure), true
	case key.Matches(msg, m.keys.Help):
		m.help = true
	case key.Matches(msg, m.keys.Save):
		m.save()
	case key.Matches(msg, m.keys.Open):
		m.open.begin(modeOpen, m.path, m.rightWidth())
	case key.Matches(msg, m.keys.SaveAs):
		m.open.begin(modeSaveAs, m.path, m.rightWidth())
	case key.Matches(msg, m.keys.Render):
		return m.submit(true), true
	case key.Matches(msg, m.keys.Grid):
		return m.gridKey(msg), true
	case key.Matches(msg, m.keys.Undo):
		return m.undoChange(), true
	case key.Matches(msg, m.keys.Redo):
		return m.redoChange(), true
	case key.Matches(msg, m.keys.Next):
		m.moveFocus(1)
	case key.Matches(msg, m.keys.Prev):
		m.moveFocus(-1)
	default:
		m.quitSure = sure
		return nil, false
	}
	return nil, true
}

// paneKey gives the key to the focused pane; Up/Down it leaves unused move between panes.
func (m *Model) paneKey(msg tea.KeyPressMsg) tea.Cmd {
	handled, cmd := m.focused().update(m, msg)
	if handled {
		return cmd
	}
	switch {
	case key.Matches(msg, m.keys.Up):
		m.moveFocus(-1)
	case key.Matches(msg, m.keys.Down):
		m.moveFocus(1)
	}
	return cmd
}

// onPaste gives pasted text to the open dialog or a pane that is editing; a paste on a
// text pane that is not editing starts its edit, as typing does.
func (m *Model) onPaste(msg tea.PasteMsg) tea.Cmd {
	msg = tea.PasteMsg{Content: session.Sanitize(msg.Content)}
	if m.open.active {
		return m.open.update(msg)
	}
	_, cmd := m.focused().update(m, msg)
	return cmd
}

// textTaker is a pane that printable keys type into, before the global one-letter keys.
type textTaker interface{ takesText() bool }

func (m *Model) moveFocus(d int) {
	m.focus = (m.focus + d + len(m.ring)) % len(m.ring)
	m.undo.breakRun()
}

// The host side of the panes (pane.go).

func (m *Model) current() *session.Params { return &m.sess.Params }
func (m *Model) breakUndo()               { m.undo.breakRun() }
func (m *Model) styles() *styles          { return &m.st }
func (m *Model) keyMap() *keyMap          { return &m.keys }
func (m *Model) columnWidth() int         { return m.rightWidth() }

func (m *Model) tokenizer() *tokenizer.Tokenizer {
	if m.render.info == nil {
		return nil
	}
	return m.render.info.Tokenizer
}

func (m *Model) vocabulary() *textinv.Vocab {
	if m.render.info == nil {
		return nil
	}
	return m.render.info.Vocabulary
}

func (m *Model) modelDir() string {
	if m.render.info == nil {
		return ""
	}
	return m.render.info.Dir
}

// setPrompt edits the prompt as one undoable step; panes that follow the prompt's tokens
// adjust inside the same step, so undo restores both together.
func (m *Model) setPrompt(text string) tea.Cmd {
	return m.change("prompt", func(p *session.Params) {
		if p.Prompt == text {
			return
		}
		for _, pn := range m.ring {
			if f, ok := pn.(promptFollower); ok {
				f.promptEdited(m, p, text)
			}
		}
		p.Prompt = text
	})
}
