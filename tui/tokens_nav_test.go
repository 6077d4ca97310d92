package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// tokenPaneWith sets the prompt through the session and focuses the token pane.
func tokenPaneWith(t *testing.T, prompt string) (*Model, *tokensPane) {
	t.Helper()
	m, _ := newTestModel(t, 120, 40)
	ready(t, m)
	m.restore(withPrompt(m, prompt), false)
	tp := tokensOf(m)
	focusPane(t, m, tp)
	return m, tp
}

// Word jumps move between the starts of words: a word of several BPE pieces is one jump.
func TestTokenWordJumps(t *testing.T) {
	m, tp := tokenPaneWith(t, "a zqxjvkw cat")
	if len(tp.toks) < 6 {
		t.Fatalf("tokens %d: want the nonsense word split into several pieces", len(tp.toks))
	}
	catAt := len(tp.toks) - 2
	ctrlRight := tea.KeyPressMsg{Code: tea.KeyRight, Mod: tea.ModCtrl}
	ctrlLeft := tea.KeyPressMsg{Code: tea.KeyLeft, Mod: tea.ModCtrl}
	steps := []struct {
		key  tea.KeyPressMsg
		want int
	}{
		{tea.KeyPressMsg{Code: 'w', Text: "w"}, 1},
		{ctrlRight, 2},
		{ctrlRight, catAt},
		{ctrlRight, catAt + 1},
		{ctrlRight, catAt + 1},
		{ctrlLeft, catAt},
		{tea.KeyPressMsg{Code: 'b', Text: "b"}, 2},
		{tea.KeyPressMsg{Code: 'b', Text: "b"}, 1},
	}
	for i, s := range steps {
		send(m, s.key)
		if tp.cursor != s.want {
			t.Fatalf("step %d (%s): cursor %d, want %d", i, s.key.String(), tp.cursor, s.want)
		}
	}
	tp.cursor = 3 // inside the nonsense word: b goes to its start
	send(m, tea.KeyPressMsg{Code: 'b', Text: "b"})
	if tp.cursor != 2 {
		t.Errorf("b inside a word: cursor %d, want its start 2", tp.cursor)
	}
}

// "/" then text moves the cursor to the first match as it is typed; q types, not quits;
// enter keeps, esc returns, n finds the next.
func TestTokenTypeToFind(t *testing.T) {
	m, tp := tokenPaneWith(t, "a cat and a quick cat")
	var cats []int
	for i, tok := range tp.toks {
		if chipText(tok) == "cat" {
			cats = append(cats, i)
		}
	}
	keys(m, "/", "qu")
	if !tp.editing() || !strings.HasPrefix(chipText(tp.toks[tp.cursor]), "qu") {
		t.Fatalf("finding qu: editing %v, cursor on %q", tp.editing(), chipText(tp.toks[tp.cursor]))
	}
	if !strings.Contains(ansi.Strip(strings.Join(tp.view(m, true, 100, 6), "\n")), "/qu") {
		t.Error("the find field is not drawn")
	}
	keys(m, "esc")
	if tp.editing() || tp.cursor != 0 {
		t.Fatalf("esc: editing %v, cursor %d, want back at 0", tp.editing(), tp.cursor)
	}
	keys(m, "/", "cat", "enter")
	if tp.cursor != cats[0] {
		t.Fatalf("enter on cat: cursor %d, want %d", tp.cursor, cats[0])
	}
	keys(m, "n")
	if tp.cursor != cats[1] {
		t.Fatalf("n: cursor %d, want the second cat %d", tp.cursor, cats[1])
	}
	keys(m, "/", "zebra", "enter")
	if tp.cursor != cats[1] || !strings.Contains(m.notice, `no token contains "zebra"`) {
		t.Fatalf("no match: cursor %d, notice %q", tp.cursor, m.notice)
	}
}

// Tokens past position 75 are drawn but cannot be chosen, with the reason.
func TestTokensPastTheLimitAreNotChoosable(t *testing.T) {
	m, tp := tokenPaneWith(t, strings.Repeat("cat ", 80))
	// Two chunks as the encoder sees them: 75 words and 5, each between its start and end.
	if len(tp.toks) != 84 {
		t.Fatalf("%d tokens, want 80 words + start and end of two chunks", len(tp.toks))
	}
	tp.cursor = techniques.MaxTokenPosition + 2
	keys(m, "space")
	if techniques.AttendExciteOf(&m.sess.Params) != nil || !m.noticeBad || !strings.Contains(m.notice, "past the 75-token limit") {
		t.Fatalf("choosing token 77: block %+v, notice %q", techniques.AttendExciteOf(&m.sess.Params), m.notice)
	}
	tp.cursor = techniques.MaxTokenPosition
	keys(m, "space")
	if ae := techniques.AttendExciteOf(&m.sess.Params); ae == nil || ae.Tokens[0] != techniques.MaxTokenPosition {
		t.Fatalf("token 75 is choosable: %+v", ae)
	}
	grey := m.st.dim.Render("78:cat") // 77 opens the second chunk
	if view := strings.Join(tp.view(m, false, 120, 30), "\n"); !strings.Contains(view, grey) {
		t.Error("token 78 is not drawn greyed")
	}
}

func withPrompt(m *Model, prompt string) session.Params {
	p := m.sess.Params.Clone()
	p.Prompt = prompt
	return p
}
