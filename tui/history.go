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

func (h *historyPane) title(host) string { return "History" }

func (h *historyPane) hint(host) string {
	return "←/→ entry · enter restores its parameters"
}

func (h *historyPane) helpKeys(hs host) []key.Binding {
	k := hs.keyMap()
	return []key.Binding{relabel(k.Left, "older"), relabel(k.Right, "newer"), relabel(k.Edit, "restore its parameters")}
}

func (h *historyPane) editing() bool                  { return false }
func (h *historyPane) stopEditing(host, bool) tea.Cmd { return nil }

func (h *historyPane) update(hs host, msg tea.Msg) (bool, tea.Cmd) {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return false, nil
	}
	keys := hs.keyMap()
	switch {
	case key.Matches(k, keys.Left) && h.cursor > 0:
		h.cursor--
	case key.Matches(k, keys.Right) && h.cursor < len(h.entries)-1:
		h.cursor++
	case key.Matches(k, keys.Edit) && len(h.entries) > 0:
		e := h.entries[h.cursor]
		hs.say(fmt.Sprintf("restored the parameters of render %d", h.cursor+1), false)
		cmds := []tea.Cmd{hs.restore(e.params, true)}
		if e.img != nil {
			cmds = append(cmds, hs.showImage(e.img, fmt.Sprintf("history %d", h.cursor+1)))
		}
		return true, tea.Batch(cmds...)
	default:
		return false, nil
	}
	return true, nil
}

// view is one line: numbered entries around the selection and its details.
func (h *historyPane) view(hs host, focused bool, width, _ int) []string {
	st := hs.styles()
	label := st.title.Render("  History ")
	if focused {
		label = st.focused.Render("▶ History ")
	}
	if len(h.entries) == 0 {
		return []string{label + st.dim.Render("no renders yet")}
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
			n = st.selected.Render(n)
		}
		line += n
	}
	e := h.entries[h.cursor].params
	detail := fmt.Sprintf("  seed %d · %s %d steps · %q", e.Noise.Seed, e.Sampler.Scheduler, e.Sampler.Steps,
		truncate(oneLine(session.Sanitize(e.Prompt)), 30))
	return []string{line + st.dim.Render(detail)}
}
