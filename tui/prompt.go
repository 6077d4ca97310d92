package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
)

// promptKey: Enter starts editing the focused prompt; nothing else is the pane's.
func (m *Model) promptKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	if !key.Matches(msg, m.keys.Edit) {
		return false, nil
	}
	in, target := &m.prompt, editPrompt
	if m.focus == paneNegative {
		in, target = &m.negative, editNegative
	}
	m.editing = target
	in.SetWidth(max(m.rightWidth()-4, 8))
	in.CursorEnd()
	return true, in.Focus()
}

// typeInPrompt feeds a key or paste to the prompt editor and applies the text live. Pasted
// text is sanitised first (a prompt copied from the web can carry escape sequences); the
// editor itself turns newlines into spaces, which CLIP treats alike.
func (m *Model) typeInPrompt(msg tea.Msg) tea.Cmd {
	in, kind := &m.prompt, "prompt"
	if m.editing == editNegative {
		in, kind = &m.negative, "negative"
	}
	if p, ok := msg.(tea.PasteMsg); ok {
		msg = tea.PasteMsg{Content: session.Sanitize(p.Content)}
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	text := in.Value()
	return tea.Batch(cmd, m.change(kind, func(p *session.Params) {
		if kind == "prompt" {
			if p.Prompt != text {
				m.tokens.promptEdited(m, p, text)
			}
			p.Prompt = text
		} else {
			p.Negative = text
		}
	}))
}

func (m *Model) endPromptEdit() {
	m.prompt.Blur()
	m.negative.Blur()
	m.editing = editNone
	m.undo.breakRun()
}

// viewPrompt draws the prompt or negative-prompt pane: a title and one line of text.
func (m *Model) viewPrompt(which pane, width int) []string {
	title, in, value := "Prompt", &m.prompt, m.sess.Prompt
	editing := m.editing == editPrompt
	if which == paneNegative {
		title, in, value = "Negative prompt", &m.negative, m.sess.Negative
		editing = m.editing == editNegative
	}
	line := m.st.dim.Render("(empty — enter to edit)")
	switch {
	case editing:
		line = in.View()
	case value != "":
		line = truncate(oneLine(session.Sanitize(value)), width-2)
	}
	return []string{m.paneTitle(which, title, width), "  " + line}
}
