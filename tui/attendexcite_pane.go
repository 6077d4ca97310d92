package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/prompt"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// attendExciteBlock is the technique's session block; this file is the only one of the
// studio that names it.
const attendExciteBlock = "attend_excite"

// tokensPane is the attend-and-excite token picker (Chefer et al. 2023): the prompt as
// CLIP token chips with their positions, <|startoftext|> at 0. Selections are stored in the
// session's [attend_excite] block and follow their words when the prompt is edited
// (tokenizer.Remap). It registers itself for that block.
type tokensPane struct {
	toks   []tokenizer.Token // the current prompt's tokens; nil until the model's tokenizer is known
	cursor int
	attn   *tokenAttention
	find   tokenFind // type-to-find (tokens_nav.go)
}

func init() {
	registerTechniquePane(attendExciteBlock, 20, func() pane { return &tokensPane{} })
}

// tokenAttention is what the per-token bars show while rendering: each chosen token's peak
// cross-attention and the attend-and-excite loss of the step.
type tokenAttention struct {
	peaks map[int]float64 // token index → peak attention in [0,1]
	loss  float64
}

// setAttention feeds the live bars; nil peaks hides them.
func (t *tokensPane) setAttention(peaks map[int]float64, loss float64) {
	if peaks == nil {
		t.attn = nil
		return
	}
	t.attn = &tokenAttention{peaks: peaks, loss: loss}
}

func (t *tokensPane) title(host) string { return "Attend-and-Excite tokens (space: choose)" }

func (t *tokensPane) hint(host) string {
	if t.find.active {
		return "type part of a token · enter keeps · esc returns"
	}
	return "←/→ token · ctrl+←/→ or b/w word · / find · space or enter choose · grey: past 75, not choosable"
}

func (t *tokensPane) helpKeys(h host) []key.Binding {
	k := h.keyMap()
	return []key.Binding{relabel(k.Left, "previous token"), relabel(k.Right, "next token"), k.WordPrev, k.WordNext,
		k.Find, k.FindNext, relabel(k.Toggle, "choose / unchoose")}
}

func (t *tokensPane) update(h host, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case syncMsg, readyMsg:
		t.retokenize(h)
	case statsMsg:
		t.showStats(msg.stats)
	case runRestartMsg:
		t.setAttention(nil, 0)
	case tea.KeyPressMsg:
		if t.find.active {
			return true, t.findKey(h, msg)
		}
		if cmd, ok := t.navKey(h, msg); ok {
			return true, cmd
		}
		return t.key(h, msg)
	case tea.PasteMsg:
		if t.find.active {
			var cmd tea.Cmd
			t.find.in, cmd = t.find.in.Update(msg)
			return true, cmd
		}
	}
	return false, nil
}

// retokenize recomputes the chips for the session's prompt (model ready, undo, load).
func (t *tokensPane) retokenize(h host) {
	tok := h.tokenizer()
	if tok == nil {
		t.toks = nil
		return
	}
	t.toks = encoderTokens(h, h.current().Prompt)
	t.cursor = clampInt(t.cursor, 0, len(t.toks)-1)
}

// encoderTokens are the positions the text encoder sees (A1111 syntax parsed, 75-token
// chunks, embeddings as added tokens), which attend-and-excite indices count.
func encoderTokens(h host, prompt string) []tokenizer.Token {
	tok, vocab := h.tokenizer(), h.vocabulary()
	return runtime.EncoderTokens(tok, vocab, runtime.PromptChunks(tok, vocab, prompt))
}

// promptEdited re-tokenizes a new prompt and carries the selection over to it: a selected
// token keeps pointing at its own word past insertions and deletions elsewhere, and is
// dropped when its word is deleted.
func (t *tokensPane) promptEdited(h host, p *session.Params, prompt string) {
	tok := h.tokenizer()
	if tok == nil {
		return
	}
	old := t.toks
	t.toks = encoderTokens(h, prompt)
	t.cursor = clampInt(t.cursor, 0, len(t.toks)-1)
	ae := techniques.AttendExciteOf(p)
	if ae == nil || len(ae.Tokens) == 0 {
		return
	}
	var kept []int
	for _, i := range tokenizer.Remap(old, t.toks, ae.Tokens) {
		if t.selectable(i) && !slices.Contains(kept, i) {
			kept = append(kept, i)
		}
	}
	t.setSelection(h, p, kept)
}

// selectable: positions 1…75 that are prompt tokens (not the start or end token).
func (t *tokensPane) selectable(i int) bool {
	return i >= 1 && i < len(t.toks)-1 && i <= techniques.MaxTokenPosition
}

// setSelection stores sorted indices with their texts; no selection switches the block off.
func (t *tokensPane) setSelection(h host, p *session.Params, sel []int) {
	if len(sel) == 0 {
		p.SetBlock(attendExciteBlock, nil)
		return
	}
	slices.Sort(sel)
	ae := techniques.AttendExciteOf(p)
	if ae == nil {
		d := techniques.DefaultAttendExciteConfig()
		d.AttentionResolution = attentionResolutionFor(h.modelDir(), p.Width, p.Height)
		ae = &d
		p.SetBlock(attendExciteBlock, ae)
	}
	ae.Tokens = sel
	ae.TokenTexts = make([]string, len(sel))
	for k, i := range sel {
		ae.TokenTexts[k] = chipText(t.toks[i])
	}
}

func (t *tokensPane) key(h host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := h.keyMap()
	switch {
	case key.Matches(msg, k.Left) && t.cursor > 0:
		t.cursor--
	case key.Matches(msg, k.Right) && t.cursor < len(t.toks)-1:
		t.cursor++
	case key.Matches(msg, k.Toggle, k.Edit) && len(t.toks) > 0:
		return true, t.toggle(h, t.cursor)
	default:
		return false, nil
	}
	return true, nil
}

// toggle selects or unselects the chip at index i.
func (t *tokensPane) toggle(h host, i int) tea.Cmd {
	if t.pastLimit(i) {
		h.say(fmt.Sprintf("token %d is past the %d-token limit: attend-and-excite sees positions 1…%d only (shorten the prompt)", i, techniques.MaxTokenPosition, techniques.MaxTokenPosition), true)
		return nil
	}
	if !t.selectable(i) {
		h.say(fmt.Sprintf("token %d cannot be chosen: pick a word of the prompt (positions 1…%d)", i, min(len(t.toks)-2, techniques.MaxTokenPosition)), true)
		return nil
	}
	return h.change("", func(p *session.Params) {
		var sel []int
		if ae := techniques.AttendExciteOf(p); ae != nil {
			sel = slices.Clone(ae.Tokens)
		}
		if k := slices.Index(sel, i); k >= 0 {
			sel = slices.Delete(sel, k, k+1)
		} else {
			sel = append(sel, i)
		}
		t.setSelection(h, p, sel)
	})
}

// showStats takes the technique's per-token peaks and loss (first image of the batch) from a
// step event's stats, for the bars.
func (t *tokensPane) showStats(stats []runtime.TechniqueStats) {
	for _, ts := range stats {
		if ts.Technique != attendExciteBlock {
			continue
		}
		var tokens, peaks []float64
		loss := 0.0
		for _, st := range ts.Stats {
			switch st.Name {
			case "token":
				tokens = st.Values
			case "peak":
				peaks = st.Values
			case "loss":
				loss = st.Value
			}
		}
		if len(tokens) == 0 || len(tokens) != len(peaks) {
			return
		}
		byIndex := map[int]float64{}
		for i, tk := range tokens {
			byIndex[int(tk)] = peaks[i]
		}
		t.setAttention(byIndex, loss)
	}
}

// chipText is a token as shown on its chip: readable, without the end-of-word mark.
func chipText(tok tokenizer.Token) string {
	switch tok.Word {
	case -1:
		if strings.Contains(tok.Piece, "start") {
			return "<sot>"
		}
		return "<eot>"
	}
	return strings.TrimSuffix(tokenizer.Readable(tok.Piece), "</w>")
}

// view draws the chips, wrapped to width, then the attention bars when a render supplies them.
func (t *tokensPane) view(h host, focused bool, width, height int) []string {
	if height <= 0 {
		return nil
	}
	st := h.styles()
	if t.toks == nil {
		return []string{st.dim.Render("  waiting for the model's tokenizer…")}
	}
	lines, cursorLine := t.chipLines(h, focused, width-2)
	bars := t.attentionBars(h, width-2)
	chipRows := max(height-len(bars), 1)
	var out []string
	if t.find.active {
		chipRows = max(chipRows-1, 1)
	}
	for _, l := range scrollTo(lines, cursorLine, 1, chipRows) {
		out = append(out, "  "+l)
	}
	if t.find.active {
		out = append(out, "  "+t.findLine(h))
	}
	for _, b := range bars {
		out = append(out, "  "+b)
	}
	return out
}

// chipLines lays the chips out in lines of at most width cells; it also says which line
// holds the cursor.
func (t *tokensPane) chipLines(h host, focused bool, width int) ([]string, int) {
	st := h.styles()
	var sel []int
	if ae := techniques.AttendExciteOf(h.current()); ae != nil {
		sel = ae.Tokens
	}
	var lines []string
	var cur strings.Builder
	curW, cursorLine := 0, 0
	for i, tok := range t.toks {
		text := fmt.Sprintf("%d:%s", i, chipText(tok))
		chunk := i / (prompt.ChunkLength + 2)
		style := st.chip
		if chunk%2 == 1 {
			style = st.dim // alternate chunks read apart
		}
		if chunk > 0 && i%(prompt.ChunkLength+2) == 0 {
			text = fmt.Sprintf("┃chunk %d┃ %s", chunk+1, text)
		}
		switch {
		case slices.Contains(sel, i):
			text, style = "["+text+"]", st.chipOn
		case t.pastLimit(i):
			style = st.dim // past the limit: shown, not choosable
		}
		chip := style.Render(text)
		if i == t.cursor && focused {
			chip = st.selected.Render(text)
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

// attentionBars is one bar per selected token and the loss, while a render supplies them.
func (t *tokensPane) attentionBars(h host, width int) []string {
	a, ae := t.attn, techniques.AttendExciteOf(h.current())
	if a == nil || ae == nil {
		return nil
	}
	st := h.styles()
	var out []string
	for k, i := range ae.Tokens {
		label := fmt.Sprintf("%d", i)
		if k < len(ae.TokenTexts) {
			label = fmt.Sprintf("%d:%s", i, ae.TokenTexts[k])
		}
		out = append(out, fmt.Sprintf("%-12s %s %.2f", truncate(label, 12), st.slider(a.peaks[i], max(width-20, 4)), a.peaks[i]))
	}
	return append(out, fmt.Sprintf("loss %.3f", a.loss))
}

// attentionResolutionFor picks attend-and-excite's map size for a new selection by the rule
// `render --excite` and `prepare` use (app.AttentionResolution): diffusers' 16 where the
// UNet has it at this size, else the nearest it has (tiny demo: 8), so toggling a token
// works at once. Before the model is known it is diffusers' 16.
func attentionResolutionFor(modelDir string, width, height int) int {
	if modelDir != "" {
		if res, err := app.AttentionResolutionOf(modelDir, width, height); err == nil {
			return res
		}
	}
	return app.DiffusersAttentionResolution
}
