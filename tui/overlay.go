package tui

// viewEditor is the editor column: the panes, or a dialog drawn over them (the file dialog,
// the model picker). The preview column stays visible beside a dialog.
func (m *Model) viewEditor(g geometry) []string {
	switch {
	case m.open.active:
		return m.open.panel(&m.st, g.rightW, g.bodyH)
	}
	return m.viewRight(g)
}
