package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/techniques"
)

// The SAG pane's +/- switch SAG on and step the scale; e switches it off; the edit is what
// the next render gets.
func TestSAGPaneSlider(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	p := m.techPane("sag").(*sagPane)
	press := func(r rune) { p.update(m, tea.KeyPressMsg{Code: r, Text: string(r)}) }
	press('+')
	press('+')
	if c := techniques.SAGOf(m.current()); c == nil || !c.Enabled || c.Scale != 0.1 {
		t.Fatalf("after + +: %+v", c)
	}
	press('e')
	if c := techniques.SAGOf(m.current()); c.Enabled {
		t.Fatal("e did not switch SAG off")
	}
}
