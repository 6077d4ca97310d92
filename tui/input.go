package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// onKey handles a key outside text fields: global keys first, then the focused pane, then
// pane-to-pane movement for arrows a pane did not use.
func (m *Model) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if m.help {
		if key.Matches(msg, m.keys.Help, m.keys.Cancel, m.keys.Quit) {
			m.help = false
			return m.preview.redraw()
		}
		return nil
	}
	if m.editing != editNone && !m.globalWhileEditing(msg) {
		return m.onEditKey(msg)
	}
	sure := m.quitSure
	m.quitSure = false
	switch {
	case key.Matches(msg, m.keys.Quit):
		return m.quit(sure)
	case key.Matches(msg, m.keys.Help):
		m.help = true
	case key.Matches(msg, m.keys.Save):
		m.save()
	case key.Matches(msg, m.keys.Open):
		m.beginEdit(editOpen, m.path)
	case key.Matches(msg, m.keys.Render):
		return m.submit(true)
	case key.Matches(msg, m.keys.Undo):
		return m.undoChange()
	case key.Matches(msg, m.keys.Redo):
		return m.redoChange()
	case key.Matches(msg, m.keys.Next):
		m.moveFocus(1)
	case key.Matches(msg, m.keys.Prev):
		m.moveFocus(-1)
	default:
		return m.paneKey(msg)
	}
	return nil
}

// globalWhileEditing: Ctrl+C, Ctrl+S and Ctrl+R work even inside a text field; the field's
// edit ends first, with what was typed so far kept only for the live prompt editors.
func (m *Model) globalWhileEditing(msg tea.KeyPressMsg) bool {
	if !key.Matches(msg, m.keys.Save, m.keys.Render) && msg.String() != "ctrl+c" {
		return false
	}
	if m.editing == editPrompt || m.editing == editNegative {
		m.endPromptEdit()
	} else {
		m.endEdit()
	}
	return true
}

// paneKey gives the key to the focused pane; Up/Down it leaves unused move between panes.
func (m *Model) paneKey(msg tea.KeyPressMsg) tea.Cmd {
	var handled bool
	var cmd tea.Cmd
	switch m.focus {
	case panePrompt, paneNegative:
		handled, cmd = m.promptKey(msg)
	case paneParams:
		handled, cmd = m.paramsKey(msg)
	case paneSEGA:
		handled, cmd = m.segaKey(msg)
	case paneTokens:
		handled, cmd = m.tokensKey(msg)
	case paneHistory:
		handled, cmd = m.historyKey(msg)
	}
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

func (m *Model) moveFocus(d int) {
	m.focus = pane((int(m.focus) + d + int(paneCount)) % int(paneCount))
	m.undo.breakRun()
}

// beginEdit gives the keyboard to the shared one-line field, pre-filled with value.
func (m *Model) beginEdit(t editTarget, value string) {
	m.editing = t
	m.field.SetValue(value)
	m.field.CursorEnd()
	m.field.SetWidth(max(m.rightWidth()-4, 8))
	m.field.Focus()
}

// onEditKey handles keys while a text field has the keyboard. The prompt editors apply
// every keystroke live; the other fields apply on Enter and drop the edit on Esc.
func (m *Model) onEditKey(msg tea.Msg) tea.Cmd {
	k, isKey := msg.(tea.KeyPressMsg)
	switch m.editing {
	case editPrompt, editNegative:
		if isKey && (key.Matches(k, m.keys.Edit) || key.Matches(k, m.keys.Cancel)) {
			m.endPromptEdit()
			return nil
		}
		return m.typeInPrompt(msg)
	}
	if isKey && key.Matches(k, m.keys.Cancel) {
		m.endEdit()
		return nil
	}
	if isKey && key.Matches(k, m.keys.Edit) {
		return m.commitField()
	}
	var cmd tea.Cmd
	m.field, cmd = m.field.Update(msg)
	return cmd
}

func (m *Model) endEdit() {
	m.editing = editNone
	m.field.Blur()
	m.undo.breakRun()
}

// commitField applies the shared field's text to whatever it edits. A value that does not
// parse keeps the field open with the reason on the message line.
func (m *Model) commitField() tea.Cmd {
	text := m.field.Value()
	var cmd tea.Cmd
	var err error
	switch m.editing {
	case editParam:
		cmd, err = m.commitParam(text)
	case editConceptPrompt, editConceptNew:
		cmd, err = m.commitConceptPrompt(text)
	case editConceptField:
		cmd, err = m.commitConceptField(text)
	case editOpen:
		cmd, err = m.openSession(text)
	}
	if err != nil {
		m.say(oneLine(err.Error()), true)
		return nil
	}
	m.endEdit()
	return cmd
}

// fieldView is the shared field as drawn inside a pane.
func (m *Model) fieldView() string { return m.field.View() }
