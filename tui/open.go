package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// openDialog is the Ctrl+O path field on the message line. A path that cannot be opened
// keeps the dialog open with the reason beside it.
type openDialog struct {
	active bool
	in     textinput.Model
	err    string
}

func newOpenDialog() openDialog { return openDialog{in: newInput("session file")} }

func (d *openDialog) begin(path string, width int) {
	d.active, d.err = true, ""
	d.in.SetValue(path)
	d.in.CursorEnd()
	d.in.SetWidth(max(width-4, 8))
	d.in.Focus()
}

func (d *openDialog) close() {
	d.active, d.err = false, ""
	d.in.Blur()
}

func (d *openDialog) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	return cmd
}

// openKey: Enter opens the typed path, Esc closes the dialog.
func (m *Model) openKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case key.Matches(msg, m.keys.Cancel):
		m.open.close()
		return nil
	case key.Matches(msg, m.keys.Edit):
		cmd, err := m.openSession(m.open.in.Value())
		if err != nil {
			m.open.err = oneLine(err.Error())
			return nil
		}
		m.open.close()
		return cmd
	}
	m.open.err = ""
	return m.open.update(msg)
}

// view is the dialog's line: the field, then the error or how to use it.
func (d *openDialog) view(st *styles) string {
	tail := st.dim.Render("  (enter opens, esc cancels)")
	if d.err != "" {
		tail = "  " + st.err.Render(d.err)
	}
	return "open session: " + d.in.View() + tail
}
