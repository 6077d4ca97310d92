package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// tokensPane is the attend-and-excite token picker (Chefer et al. 2023): the prompt as
// CLIP token chips with their positions, <|startoftext|> at 0. Selections are stored in the
// session's [attend_excite] block and follow their words when the prompt is edited
// (tokenizer.Remap).
type tokensPane struct {
	toks   []tokenizer.Token // the current prompt's tokens; nil until the model's tokenizer is known
	cursor int
	attn   *tokenAttention
	// modelDir is the open model's folder, for the attention-resolution rule; "" until Ready.
	modelDir string
}

// tokenAttention is what the per-token bars show while rendering: each chosen token's peak
// cross-attention and the attend-and-excite loss of the step.
type tokenAttention struct {
	peaks map[int]float64 // token index → peak attention in [0,1]
	loss  float64
}

// setAttention feeds attend-and-excite's live bars (render.go showAttention calls it after
// every step with the technique's LastStats): each chosen token's peak attention and the
// step's loss. nil peaks hides the bars.
func (t *tokensPane) setAttention(peaks map[int]float64, loss float64) {
	if peaks == nil {
		t.attn = nil
		return
	}
	t.attn = &tokenAttention{peaks: peaks, loss: loss}
}

func (m *Model) tokenizer() *tokenizer.Tokenizer {
	if m.render.info == nil {
		return nil
	}
	return m.render.info.Tokenizer
}

// retokenize recomputes the chips for the session's prompt (model ready, undo, load).
func (t *tokensPane) retokenize(m *Model) {
	tok := m.tokenizer()
	if tok == nil {
		t.toks = nil
		return
	}
	t.toks = tok.Tokenize(m.sess.Prompt)
	t.cursor = clampInt(t.cursor, 0, len(t.toks)-1)
}

// promptEdited re-tokenizes a new prompt and carries the selection over to it: a selected
// token keeps pointing at its own word past insertions and deletions elsewhere, and is
// dropped when its word is deleted.
func (t *tokensPane) promptEdited(m *Model, p *session.Params, prompt string) {
	tok := m.tokenizer()
	if tok == nil {
		return
	}
	old := t.toks
	t.toks = tok.Tokenize(prompt)
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
	t.setSelection(p, kept)
}

// selectable: positions 1…75 that are prompt tokens (not the start or end token).
func (t *tokensPane) selectable(i int) bool {
	return i >= 1 && i < len(t.toks)-1 && i <= techniques.MaxTokenPosition
}

// setSelection stores sorted indices with their texts; no selection switches the block off.
func (t *tokensPane) setSelection(p *session.Params, sel []int) {
	if len(sel) == 0 {
		p.SetBlock("attend_excite", nil)
		return
	}
	slices.Sort(sel)
	ae := techniques.AttendExciteOf(p)
	if ae == nil {
		d := techniques.DefaultAttendExciteConfig()
		d.AttentionResolution = attentionResolutionFor(t.modelDir, p.Width, p.Height)
		ae = &d
		p.SetBlock("attend_excite", ae)
	}
	ae.Tokens = sel
	ae.TokenTexts = make([]string, len(sel))
	for k, i := range sel {
		ae.TokenTexts[k] = chipText(t.toks[i])
	}
}

func (m *Model) tokensKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	t := &m.tokens
	switch {
	case key.Matches(msg, m.keys.Left) && t.cursor > 0:
		t.cursor--
	case key.Matches(msg, m.keys.Right) && t.cursor < len(t.toks)-1:
		t.cursor++
	case key.Matches(msg, m.keys.Toggle, m.keys.Edit) && len(t.toks) > 0:
		return true, m.toggleToken(t.cursor)
	default:
		return false, nil
	}
	return true, nil
}

// toggleToken selects or unselects the chip at index i.
func (m *Model) toggleToken(i int) tea.Cmd {
	t := &m.tokens
	if !t.selectable(i) {
		m.say(fmt.Sprintf("token %d cannot be chosen: pick a word of the prompt (positions 1…%d)", i, min(len(t.toks)-2, techniques.MaxTokenPosition)), true)
		return nil
	}
	return m.change("", func(p *session.Params) {
		var sel []int
		if ae := techniques.AttendExciteOf(p); ae != nil {
			sel = slices.Clone(ae.Tokens)
		}
		if k := slices.Index(sel, i); k >= 0 {
			sel = slices.Delete(sel, k, k+1)
		} else {
			sel = append(sel, i)
		}
		t.setSelection(p, sel)
	})
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
