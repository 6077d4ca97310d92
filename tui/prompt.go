package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
)

// clipTokens is how many prompt tokens CLIP reads (77 positions less the start and end
// tokens); the rest of a longer prompt is cut off by the text encoder.
const clipTokens = 75

// promptPane edits the prompt or the negative prompt. Typing on it edits at once (the first
// printable key starts the edit), every keystroke applies live, Enter keeps the text and Esc
// puts back the text from before the edit.
type promptPane struct {
	negative bool
	in       textinput.Model
	active   bool
	before   string // the text when the edit began, for Esc
}

func newPromptPane(negative bool) *promptPane {
	p := &promptPane{negative: negative, in: newInput("prompt")}
	if negative {
		p.in = newInput("negative prompt")
	}
	return p
}

func (p *promptPane) text(h host) string {
	if p.negative {
		return h.current().Negative
	}
	return h.current().Prompt
}

// apply stores text as the pane's prompt.
func (p *promptPane) apply(h host, text string) tea.Cmd {
	if p.negative {
		return h.change("negative", func(q *session.Params) { q.Negative = text })
	}
	return h.setPrompt(text)
}

func (p *promptPane) title(h host) string {
	name := "Prompt"
	if p.negative {
		name = "Negative prompt"
	}
	if n, ok := tokenCount(h, p.text(h)); ok {
		name += fmt.Sprintf(" · %d/%d tokens", n, clipTokens)
		if n > clipTokens {
			name += fmt.Sprintf(" — CLIP ignores the last %d", n-clipTokens)
		}
	}
	if p.active {
		name += " · editing"
	}
	return name
}

// tokenCount is the prompt's CLIP token count without the start and end tokens, once the
// model's tokenizer is known.
func tokenCount(h host, text string) (int, bool) {
	tok := h.tokenizer()
	if tok == nil {
		return 0, false
	}
	return max(len(tok.Tokenize(text))-2, 0), true
}

func (p *promptPane) hint(host) string {
	if p.active {
		return "typing edits live · enter keeps · esc puts the old text back"
	}
	return "type to edit · tab next pane · f1 help · ctrl+c quits"
}

func (p *promptPane) helpKeys(h host) []key.Binding {
	k := h.keyMap()
	return []key.Binding{relabel(k.Edit, "edit / keep"), relabel(k.Cancel, "put the old text back")}
}

func (p *promptPane) editing() bool { return p.active }

// takesText: printable keys type into the prompt even before Enter.
func (p *promptPane) takesText() bool { return true }

func (p *promptPane) update(h host, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case syncMsg:
		p.in.SetValue(session.Sanitize(p.text(h)))
	case tea.PasteMsg:
		if !p.active {
			p.begin(h)
		}
		return true, p.typeIn(h, msg)
	case tea.KeyPressMsg:
		return p.key(h, msg)
	}
	return false, nil
}

func (p *promptPane) key(h host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := h.keyMap()
	switch {
	case !p.active && key.Matches(msg, k.Edit):
		return true, p.begin(h)
	case !p.active && isPrintable(msg):
		return true, tea.Batch(p.begin(h), p.typeIn(h, msg))
	case !p.active:
		return false, nil
	case key.Matches(msg, k.Edit):
		return true, p.stopEditing(h, true)
	case key.Matches(msg, k.Cancel):
		return true, p.stopEditing(h, false)
	}
	return true, p.typeIn(h, msg)
}

func (p *promptPane) begin(h host) tea.Cmd {
	p.active, p.before = true, p.text(h)
	p.in.SetValue(session.Sanitize(p.before))
	p.in.SetWidth(max(h.columnWidth()-4, 8))
	p.in.CursorEnd()
	h.breakUndo()
	return p.in.Focus()
}

// typeIn feeds a key or paste (sanitised by the root) to the editor and applies the text
// live; the editor turns newlines into spaces, which CLIP treats alike.
func (p *promptPane) typeIn(h host, msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	p.in, cmd = p.in.Update(msg)
	return tea.Batch(cmd, p.apply(h, p.in.Value()))
}

func (p *promptPane) stopEditing(h host, keep bool) tea.Cmd {
	if !p.active {
		return nil
	}
	p.active = false
	p.in.Blur()
	var cmd tea.Cmd
	if !keep {
		p.in.SetValue(session.Sanitize(p.before))
		cmd = p.apply(h, p.before)
	}
	h.breakUndo()
	return cmd
}

func (p *promptPane) view(h host, _ bool, width, _ int) []string {
	st := h.styles()
	line := st.dim.Render("(empty — type to write it)")
	switch value := p.text(h); {
	case p.active:
		line = p.in.View()
	case value != "":
		line = truncate(oneLine(session.Sanitize(value)), width-2)
	}
	return []string{"  " + line}
}

// isPrintable: a key that types text (no Ctrl or Alt).
func isPrintable(msg tea.KeyPressMsg) bool {
	return msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0
}
