package tui

import "charm.land/lipgloss/v2"

// styles are the studio's colours. They are plain ANSI-16 colours plus bold and reverse, so
// bubbletea's colour-profile downsampling keeps them meaningful down to 16 colours, and the
// layout never depends on colour (focus is also shown by a marker).
type styles struct {
	title, focused, dim, warn, err, selected, chip, chipOn, cursor, bar, barOff lipgloss.Style
}

func newStyles() styles {
	return styles{
		title:    lipgloss.NewStyle().Bold(true),
		focused:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Cyan),
		dim:      lipgloss.NewStyle().Foreground(lipgloss.BrightBlack),
		warn:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Yellow),
		err:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Red),
		selected: lipgloss.NewStyle().Reverse(true),
		chip:     lipgloss.NewStyle(),
		chipOn:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Green),
		cursor:   lipgloss.NewStyle().Underline(true),
		bar:      lipgloss.NewStyle().Foreground(lipgloss.Green),
		barOff:   lipgloss.NewStyle().Foreground(lipgloss.BrightBlack),
	}
}
