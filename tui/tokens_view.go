package tui

import (
	"fmt"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/techniques"
)

// viewTokens draws the chips, wrapped to width, in height rows (the title included), then
// the attention bars when the hook has supplied them.
func (m *Model) viewTokens(width, height int) []string {
	out := []string{m.paneTitle(paneTokens, "Attend-and-Excite tokens (space: choose)", width)}
	if height <= 1 {
		return out[:max(height, 0)]
	}
	t := &m.tokens
	if t.toks == nil {
		return append(out, m.st.dim.Render("  waiting for the model's tokenizer…"))
	}
	lines, cursorLine := m.chipLines(width - 2)
	bars := m.attentionBars(width - 2)
	chipRows := max(height-1-len(bars), 1)
	for _, l := range scrollTo(lines, cursorLine, 1, chipRows) {
		out = append(out, "  "+l)
	}
	for _, b := range bars {
		out = append(out, "  "+b)
	}
	return out
}

// chipLines lays the chips out in lines of at most width cells; it also says which line
// holds the cursor.
func (m *Model) chipLines(width int) ([]string, int) {
	t := &m.tokens
	var sel []int
	if ae := techniques.AttendExciteOf(&m.sess.Params); ae != nil {
		sel = ae.Tokens
	}
	var lines []string
	var cur strings.Builder
	curW, cursorLine := 0, 0
	for i, tok := range t.toks {
		text := fmt.Sprintf("%d:%s", i, chipText(tok))
		style := m.st.chip
		if slices.Contains(sel, i) {
			text, style = "["+text+"]", m.st.chipOn
		}
		chip := style.Render(text)
		if i == t.cursor && m.focus == paneTokens {
			chip = m.st.selected.Render(text)
		}
		w := ansi.StringWidth(text) + 1
		if curW > 0 && curW+w > width {
			lines, cur, curW = append(lines, cur.String()), strings.Builder{}, 0
		}
		if i == t.cursor {
			cursorLine = len(lines)
		}
		cur.WriteString(chip + " ")
		curW += w
	}
	return append(lines, cur.String()), cursorLine
}

// attentionBars is one bar per selected token and the loss, while the hook supplies them.
func (m *Model) attentionBars(width int) []string {
	a, ae := m.tokens.attn, techniques.AttendExciteOf(&m.sess.Params)
	if a == nil || ae == nil {
		return nil
	}
	var out []string
	for k, i := range ae.Tokens {
		label := fmt.Sprintf("%d", i)
		if k < len(ae.TokenTexts) {
			label = fmt.Sprintf("%d:%s", i, ae.TokenTexts[k])
		}
		out = append(out, fmt.Sprintf("%-12s %s %.2f", truncate(label, 12), m.slider(a.peaks[i], max(width-20, 4)), a.peaks[i]))
	}
	return append(out, fmt.Sprintf("loss %.3f", a.loss))
}
