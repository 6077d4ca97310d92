package tui

import (
	"fmt"
	"image"
	"slices"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/session"
)

// maxRenderHistory bounds the renders of this run kept in memory with their pictures.
const maxRenderHistory = 32

// maxLoadedSaved bounds the saved entries whose pictures are decoded from disk and kept
// (the oldest loaded is dropped first; it is read again when selected).
const maxLoadedSaved = 16

// historyEntry is one past render: from the session file (saved) or from this run.
type historyEntry struct {
	num    int // the entry's number, never reused in a run (a failed render takes none)
	params session.Params
	key    string // renderKey(params): a render of the same parameters selects this entry
	at     time.Time
	images []*image.RGBA // the batch; nil for saved entries not loaded yet
	output string        // saved image path, relative to the session file; "" if unsaved
	err    string        // why the saved image could not be read
}

// historyPane is the gallery of past renders: selecting an entry shows its picture (each
// image of a batch can be browsed), Enter loads its parameters back, and two entries can
// be compared side by side with the settings that differ (history_compare.go).
type historyPane struct {
	entries []historyEntry
	cursor  int
	image   int // which image of the selected entry's batch is shown
	next    int // the number the next new entry gets
	newest  int // index of the entry of the newest finished render, -1 if none
	markA   int // number of the entry marked A for comparison, 0 if none
	compare bool
	dir     func() string // the session file's folder (saved outputs are relative to it)
	loaded  []int         // numbers of saved entries whose pictures are in memory, oldest first
}

// historyImageMsg brings a saved entry's decoded picture.
type historyImageMsg struct {
	num int
	img *image.RGBA
	err error
}

// loadSession lists the session file's history.
func (h *historyPane) loadSession(s *session.Session) {
	h.entries, h.loaded = h.entries[:0], nil
	h.markA, h.compare, h.newest, h.image = 0, false, -1, 0
	for i, snap := range s.History {
		h.entries = append(h.entries, historyEntry{num: i + 1, params: cloneParams(snap.Params),
			key: renderKey(snap.Params), at: snap.Time, output: snap.Output})
	}
	h.next = len(h.entries) + 1
	h.cursor = max(len(h.entries)-1, 0)
}

// renderKey identifies what a render produces: the parameters without the model's file
// hashes, which a request does not use.
func renderKey(p session.Params) string {
	p.Model = session.Model{Path: p.Model.Path}
	p.Embeddings = nil // recorded after a render from what the prompt used; not a setting
	return string(session.Marshal(&session.Session{Version: session.Version, Params: p}))
}

// addRender records a finished render and selects it. A render of parameters already in the
// history (undo, a restored entry, Ctrl+R) selects that entry instead of adding a duplicate.
// It returns the entry's number.
func (h *historyPane) addRender(l lastImage, images []*image.RGBA) int {
	key := renderKey(l.params)
	if i := slices.IndexFunc(h.entries, func(e historyEntry) bool { return e.key == key }); i >= 0 {
		h.entries[i].images, h.entries[i].err = images, ""
		h.newest, h.cursor, h.image = i, i, 0
		return h.entries[i].num
	}
	h.entries = append(h.entries, historyEntry{num: h.next, params: l.params, key: key, at: l.at, images: images})
	h.next++
	h.dropOldestUnsaved()
	h.newest = len(h.entries) - 1
	h.cursor, h.image = h.newest, 0
	return h.entries[h.newest].num
}

// dropOldestUnsaved keeps at most maxRenderHistory unsaved renders in memory.
func (h *historyPane) dropOldestUnsaved() {
	unsaved := 0
	for _, e := range h.entries {
		if e.output == "" {
			unsaved++
		}
	}
	if unsaved <= maxRenderHistory {
		return
	}
	for i, e := range h.entries {
		if e.output == "" && e.num != h.markA {
			h.entries = slices.Delete(h.entries, i, i+1)
			return
		}
	}
}

// markSaved records that the newest render was saved as output.
func (h *historyPane) markSaved(output string) {
	if h.newest >= 0 && h.newest < len(h.entries) {
		h.entries[h.newest].output = output
	}
}

// numberFor is the number a render of p has or will get, for the status line: its entry's
// when the history already holds those settings, else the next one.
func (h *historyPane) numberFor(p session.Params) int {
	key := renderKey(p)
	if i := slices.IndexFunc(h.entries, func(e historyEntry) bool { return e.key == key }); i >= 0 {
		return h.entries[i].num
	}
	return max(h.next, 1)
}

func (h *historyPane) title(host) string { return "History" }

func (h *historyPane) hint(host) string {
	switch {
	case h.compare:
		return "←/→ choose B · c ends the comparison · m marks another A"
	case len(h.selected().images) > 1:
		return "←/→ entry · [/] image of the batch · enter loads its settings · m mark A · c compare"
	}
	return "←/→ entry (shown at once) · enter loads its settings · m mark A · c compare"
}

func (h *historyPane) helpKeys(hs host) []key.Binding {
	k := hs.keyMap()
	return []key.Binding{relabel(k.Left, "older (shown at once)"), relabel(k.Right, "newer"),
		relabel(k.Edit, "load its settings (undoable)"), k.BatchPrev, k.BatchNext, k.MarkA, k.Compare}
}

func (h *historyPane) editing() bool                  { return false }
func (h *historyPane) stopEditing(host, bool) tea.Cmd { return nil }

// selected is the entry under the cursor (the zero entry when the history is empty).
func (h *historyPane) selected() historyEntry {
	if h.cursor < 0 || h.cursor >= len(h.entries) {
		return historyEntry{}
	}
	return h.entries[h.cursor]
}

func (h *historyPane) update(hs host, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case historyImageMsg:
		return true, h.onImage(hs, msg)
	case tea.KeyPressMsg:
		return h.key(hs, msg)
	}
	return false, nil
}

func (h *historyPane) key(hs host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := hs.keyMap()
	switch {
	case key.Matches(msg, k.Left) && h.cursor > 0:
		return true, h.selectEntry(hs, h.cursor-1)
	case key.Matches(msg, k.Right) && h.cursor < len(h.entries)-1:
		return true, h.selectEntry(hs, h.cursor+1)
	case key.Matches(msg, k.BatchPrev, k.BatchNext) && len(h.entries) > 0:
		return true, h.stepImage(hs, key.Matches(msg, k.BatchNext))
	case key.Matches(msg, k.Edit) && len(h.entries) > 0:
		return true, h.loadSettings(hs)
	case key.Matches(msg, k.MarkA) && len(h.entries) > 0:
		return true, h.toggleMark(hs)
	case key.Matches(msg, k.Compare) && len(h.entries) > 0:
		return true, h.toggleCompare(hs)
	case key.Matches(msg, k.Left, k.Right):
		return true, nil // at either end: stay in the pane
	}
	return false, nil
}

// selectEntry moves the cursor and shows the entry's picture at once (saved pictures are
// read from disk in a Cmd).
func (h *historyPane) selectEntry(hs host, i int) tea.Cmd {
	h.cursor, h.image = i, 0
	return h.show(hs)
}

// stepImage browses the selected entry's batch.
func (h *historyPane) stepImage(hs host, forward bool) tea.Cmd {
	n := len(h.selected().images)
	if n < 2 {
		hs.say("this entry has one image", false)
		return nil
	}
	d := -1
	if forward {
		d = 1
	}
	h.image = (h.image + d + n) % n
	return h.show(hs)
}

// loadSettings puts the entry's parameters back into the session as one undoable step; the
// seed mode becomes fixed so the next render is that entry again.
func (h *historyPane) loadSettings(hs host) tea.Cmd {
	e := h.selected()
	msg := fmt.Sprintf("loaded the settings of render %d (ctrl+z undoes)", e.num)
	if hs.fixSeed() {
		msg += " · seed mode now fixed"
	}
	hs.say(msg, false)
	return tea.Batch(hs.restore(e.params, true), h.show(hs))
}

// show puts the selected entry (or the comparison) in the preview.
func (h *historyPane) show(hs host) tea.Cmd {
	if h.compare {
		return h.showComparison(hs)
	}
	e := h.selected()
	if len(e.images) == 0 {
		return h.load(hs, e)
	}
	label := fmt.Sprintf("history %d", e.num)
	if len(e.images) > 1 {
		label += fmt.Sprintf(" · image %d/%d", h.image+1, len(e.images))
	}
	return hs.showImage(e.images[min(h.image, len(e.images)-1)], label)
}

// load reads a saved entry's picture off the UI goroutine.
func (h *historyPane) load(hs host, e historyEntry) tea.Cmd {
	if e.output == "" || h.dir == nil {
		return nil
	}
	if e.err != "" {
		hs.say(fmt.Sprintf("render %d: %s", e.num, e.err), true)
		return nil
	}
	dir, num, out := h.dir(), e.num, e.output
	return func() tea.Msg {
		img, err := app.LoadHistoryImage(dir, out)
		return historyImageMsg{num: num, img: img, err: err}
	}
}

// onImage keeps a decoded saved picture (at most maxLoadedSaved of them) and shows it if its
// entry is still the one selected.
func (h *historyPane) onImage(hs host, msg historyImageMsg) tea.Cmd {
	i := slices.IndexFunc(h.entries, func(e historyEntry) bool { return e.num == msg.num })
	if i < 0 {
		return nil
	}
	if msg.err != nil {
		h.entries[i].err = oneLine(msg.err.Error())
		if i == h.cursor {
			hs.say(fmt.Sprintf("render %d: %s", msg.num, h.entries[i].err), true)
		}
		return nil
	}
	h.entries[i].images = []*image.RGBA{msg.img}
	h.loaded = append(h.loaded, msg.num)
	if len(h.loaded) > maxLoadedSaved {
		drop := h.loaded[0]
		h.loaded = h.loaded[1:]
		if j := slices.IndexFunc(h.entries, func(e historyEntry) bool { return e.num == drop }); j >= 0 && j != h.cursor {
			h.entries[j].images = nil
		}
	}
	if i == h.cursor || h.compare {
		return h.show(hs)
	}
	return nil
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
		e := h.entries[i]
		n := fmt.Sprintf(" %d", e.num)
		if e.output != "" {
			n += "*"
		}
		if e.num == h.markA {
			n += "ᴬ"
		}
		if i == h.cursor {
			n = st.selected.Render(n)
		}
		line += n
	}
	if h.compare {
		return []string{line + st.dim.Render("  "+h.comparisonText())}
	}
	e := h.selected()
	p := e.params
	detail := fmt.Sprintf("  seed %d · %s %d steps · cfg %g · %q", p.Noise.Seed, p.Sampler.Scheduler, p.Sampler.Steps,
		p.Sampler.Guidance, truncate(oneLine(session.Sanitize(p.Prompt)), 30))
	if len(e.images) > 1 {
		detail = fmt.Sprintf("  image %d/%d ·", h.image+1, len(e.images)) + detail
	}
	return []string{line + st.dim.Render(detail)}
}
