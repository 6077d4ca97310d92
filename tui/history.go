package tui

import (
	"fmt"
	"image"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
)

// maxRenderHistory bounds the renders of this run kept in memory with their pictures.
const maxRenderHistory = 32

// historyEntry is one past render: from the session file (saved) or from this run.
type historyEntry struct {
	params session.Params
	at     time.Time
	img    *image.RGBA // nil for entries loaded from the session file
	output string      // saved image path, relative to the session file; "" if unsaved
}

// historyPane is the strip of past renders; Enter restores an entry's parameters.
type historyPane struct {
	entries []historyEntry
	cursor  int
}

// loadSession lists the session file's history.
func (h *historyPane) loadSession(s *session.Session) {
	h.entries = h.entries[:0]
	for _, snap := range s.History {
		h.entries = append(h.entries, historyEntry{params: cloneParams(snap.Params), at: snap.Time, output: snap.Output})
	}
	h.cursor = max(len(h.entries)-1, 0)
}

// addRender appends a finished render and selects it, dropping the oldest unsaved render
// beyond the memory bound.
func (h *historyPane) addRender(l lastImage) {
	h.entries = append(h.entries, historyEntry{params: l.params, at: l.at, img: l.img})
	unsaved := 0
	for _, e := range h.entries {
		if e.output == "" {
			unsaved++
		}
	}
	if unsaved > maxRenderHistory {
		for i, e := range h.entries {
			if e.output == "" {
				h.entries = append(h.entries[:i:i], h.entries[i+1:]...)
				break
			}
		}
	}
	h.cursor = len(h.entries) - 1
}

// markSaved records that the newest render was saved as output.
func (h *historyPane) markSaved(output string) {
	if n := len(h.entries); n > 0 {
		h.entries[n-1].output = output
	}
}

func (m *Model) historyKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	h := &m.history
	switch {
	case key.Matches(msg, m.keys.Left) && h.cursor > 0:
		h.cursor--
	case key.Matches(msg, m.keys.Right) && h.cursor < len(h.entries)-1:
		h.cursor++
	case key.Matches(msg, m.keys.Edit) && len(h.entries) > 0:
		e := h.entries[h.cursor]
		m.say(fmt.Sprintf("restored the parameters of render %d", h.cursor+1), false)
		cmds := []tea.Cmd{m.restore(e.params, true)}
		if e.img != nil {
			cmds = append(cmds, m.preview.showImage(e.img, fmt.Sprintf("history %d", h.cursor+1)))
		}
		return true, tea.Batch(cmds...)
	default:
		return false, nil
	}
	return true, nil
}

// viewHistory is one line: numbered entries around the selection and its details.
func (m *Model) viewHistory(width int) string {
	h := &m.history
	label := "  History "
	if m.focus == paneHistory {
		label = m.st.focused.Render("▶ History ")
	} else {
		label = m.st.title.Render(label)
	}
	if len(h.entries) == 0 {
		return label + m.st.dim.Render("no renders yet")
	}
	first := max(h.cursor-4, 0)
	last := min(first+8, len(h.entries))
	line := label
	for i := first; i < last; i++ {
		n := fmt.Sprintf(" %d", i+1)
		if h.entries[i].output != "" {
			n += "*"
		}
		if i == h.cursor {
			n = m.st.selected.Render(n)
		}
		line += n
	}
	e := h.entries[h.cursor].params
	detail := fmt.Sprintf("  seed %d · %s %d steps · %q", e.Noise.Seed, e.Sampler.Scheduler, e.Sampler.Steps,
		truncate(oneLine(session.Sanitize(e.Prompt)), 30))
	return line + m.st.dim.Render(detail)
}
