package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/techniques"
)

// Moving around the token pane: word jumps (ctrl+←/→, b/w) and type-to-find ("/" then text,
// the cursor jumps to the first chip at or after it whose text contains what was typed;
// enter keeps, esc returns; n finds the next one). Only navigation: what a chip is and
// where its piece comes from stays with the pane.

// tokenFind is the find field's state.
type tokenFind struct {
	active bool
	in     textinput.Model
	from   int    // the cursor when the find began (esc returns to it)
	last   string // the last text searched, for n
}

// wordStart reports whether chip i begins a word of the prompt (or is a special token).
func (t *tokensPane) wordStart(i int) bool {
	return i == 0 || t.toks[i].Word < 0 || t.toks[i].Word != t.toks[i-1].Word
}

// jumpWord moves the cursor to the start of the next word (d > 0) or to the start of the
// current word, else the previous one (d < 0).
func (t *tokensPane) jumpWord(d int) {
	i := t.cursor
	if d > 0 {
		for i++; i < len(t.toks) && !t.wordStart(i); i++ {
		}
		t.cursor = min(i, len(t.toks)-1)
		return
	}
	for i--; i > 0 && !t.wordStart(i); i-- {
	}
	t.cursor = max(i, 0)
}

// findFrom is the first chip at or after start (wrapping) whose text contains needle, -1 if none.
func (t *tokensPane) findFrom(start int, needle string) int {
	needle = strings.ToLower(needle)
	if needle == "" || len(t.toks) == 0 {
		return -1
	}
	for k := range len(t.toks) {
		i := (start + k) % len(t.toks)
		if strings.Contains(strings.ToLower(chipText(t.toks[i])), needle) {
			return i
		}
	}
	return -1
}

// navKey handles the navigation keys; ok is false for any other key.
func (t *tokensPane) navKey(h host, msg tea.KeyPressMsg) (tea.Cmd, bool) {
	k := h.keyMap()
	switch {
	case key.Matches(msg, k.WordPrev) && len(t.toks) > 0:
		t.jumpWord(-1)
	case key.Matches(msg, k.WordNext) && len(t.toks) > 0:
		t.jumpWord(1)
	case key.Matches(msg, k.Find) && len(t.toks) > 0:
		t.find.active, t.find.from = true, t.cursor
		t.find.in = newInput("text of a token")
		t.find.in.SetWidth(16)
		return t.find.in.Focus(), true
	case key.Matches(msg, k.FindNext) && t.find.last != "":
		if i := t.findFrom(t.cursor+1, t.find.last); i >= 0 {
			t.cursor = i
		} else {
			h.say(fmt.Sprintf("no token contains %q", t.find.last), true)
		}
	default:
		return nil, false
	}
	return nil, true
}

// findKey edits the find field; the cursor follows the first match as the text changes.
func (t *tokensPane) findKey(h host, msg tea.KeyPressMsg) tea.Cmd {
	k := h.keyMap()
	switch {
	case key.Matches(msg, k.Cancel):
		return t.stopEditing(h, false)
	case key.Matches(msg, k.Edit):
		return t.stopEditing(h, true)
	}
	var cmd tea.Cmd
	t.find.in, cmd = t.find.in.Update(msg)
	if i := t.findFrom(t.find.from, t.find.in.Value()); i >= 0 {
		t.cursor = i
	}
	return cmd
}

func (t *tokensPane) editing() bool { return t.find.active }

// stopEditing ends a find: keep stays on the match, else the cursor returns.
func (t *tokensPane) stopEditing(h host, keep bool) tea.Cmd {
	if !t.find.active {
		return nil
	}
	text := t.find.in.Value()
	t.find.active = false
	t.find.in.Blur()
	switch {
	case !keep:
		t.cursor = t.find.from
	case t.findFrom(t.find.from, text) < 0 && text != "":
		h.say(fmt.Sprintf("no token contains %q", text), true)
		t.cursor = t.find.from
	default:
		t.find.last = text
	}
	return nil
}

// pastLimit: a prompt token beyond the positions attend-and-excite can use (CLIP's first
// 75-token chunk; later chunks are encoded separately and the technique never sees them).
func (t *tokensPane) pastLimit(i int) bool {
	return i > techniques.MaxTokenPosition && i < len(t.toks)-1
}

// findLine is the find field under the chips while finding.
func (t *tokensPane) findLine(h host) string {
	st := h.styles()
	tail := ""
	if t.find.in.Value() != "" && t.findFrom(t.find.from, t.find.in.Value()) < 0 {
		tail = st.err.Render("  no match")
	}
	return "/" + t.find.in.View() + tail + st.dim.Render("  enter keeps · esc returns")
}
