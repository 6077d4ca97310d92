package techniques

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/session"
)

// Attend-and-Excite's [attend_excite] block in a session file (docs/session-format.md):
// AttendExciteConfig reads, checks and writes itself.

// Infotext keys: the chosen positions, and their words so an edited prompt can re-map them.
const (
	aeTokensKey = "Attend-and-Excite tokens"
	aeWordsKey  = "Attend-and-Excite words"
)

// MaxTokenPosition is the last CLIP position a prompt token can have (77 − 2: the start
// token and the final position are dropped before the softmax).
const MaxTokenPosition = maxTokenPosition

var _ session.Block = (*AttendExciteConfig)(nil)

// AttendExciteOf returns the session's Attend-and-Excite settings, nil when the block is
// absent.
func AttendExciteOf(p *session.Params) *AttendExciteConfig {
	a, _ := p.Blocks["attend_excite"].(*AttendExciteConfig)
	return a
}

// decodeAttendExciteBlock reads [attend_excite]; absent keys keep diffusers' defaults.
func decodeAttendExciteBlock(t session.Table) session.Block {
	a := DefaultAttendExciteConfig()
	t.Bool("enabled", &a.Enabled)
	a.Tokens = t.Ints("tokens")
	a.TokenTexts = t.Strings("token_texts")
	if th, ok := t.Sub("thresholds"); ok {
		a.Thresholds = map[int]float64{}
		for _, k := range th.Keys() {
			step, err := strconv.Atoi(k)
			if err != nil || step < 0 || step > session.MaxSteps {
				th.Problem(k, "step key must be a whole number 0…1000", `write e.g. 10 = 0.5`)
				continue
			}
			var v float64
			th.Float(k, &v)
			a.Thresholds[step] = v
		}
	}
	t.Float("scale_factor", &a.ScaleFactor)
	t.Int("max_iter_to_alter", &a.MaxIterToAlter)
	t.Int("max_refinement_steps", &a.MaxRefinementSteps)
	t.Int("attention_resolution", &a.AttentionResolution)
	return &a
}

// CheckBlock reports token positions outside the prompt (against its real token count when
// opts has a counter), duplicates, and values out of range, each located at its key.
func (a *AttendExciteConfig) CheckBlock(c session.Checker, p *session.Params, opts session.ValidateOptions) {
	limit, why := maxTokenPosition, "CLIP positions run 1…75"
	if opts.TokenCount != nil {
		n := opts.TokenCount(p.Prompt)
		limit, why = min(limit, n), "the prompt has "+strconv.Itoa(n)+" tokens"
	}
	seen := map[int]bool{}
	for i, tok := range a.Tokens {
		k := "tokens[" + strconv.Itoa(i) + "]"
		switch {
		case tok < 1 || tok > limit:
			c.Add(k, strconv.Itoa(tok)+" is outside the prompt ("+why+")", "count from 1 for the first word; 0 is the start token")
		case seen[tok]:
			c.Add(k, strconv.Itoa(tok)+" is listed twice", "remove the duplicate")
		}
		seen[tok] = true
	}
	if len(a.TokenTexts) != 0 && len(a.TokenTexts) != len(a.Tokens) {
		c.Add("token_texts", "has "+strconv.Itoa(len(a.TokenTexts))+" entries for "+strconv.Itoa(len(a.Tokens))+" tokens",
			"give one text per token, or none")
	}
	for i, t := range a.TokenTexts {
		c.Text("token_texts["+strconv.Itoa(i)+"]", t, session.MaxNameBytes, false)
	}
	th := c.Sub("thresholds")
	for _, step := range session.SortedInts(a.Thresholds) {
		k := strconv.Itoa(step)
		if step < 0 || step > session.MaxSteps {
			th.Add(k, "step is outside 0…1000", "use a step index")
		}
		th.Number(k, a.Thresholds[step], 0, 1)
	}
	c.Number("scale_factor", a.ScaleFactor, 0, maxMagnitude)
	c.IntRange("max_iter_to_alter", a.MaxIterToAlter, 0, session.MaxSteps)
	c.IntRange("max_refinement_steps", a.MaxRefinementSteps, 0, 100)
	if a.AttentionResolution != 0 {
		c.IntRange("attention_resolution", a.AttentionResolution, 1, 256)
	}
}

// WriteBlock writes [attend_excite] and its thresholds table.
func (a *AttendExciteConfig) WriteBlock(w session.BlockWriter) {
	w.KV("enabled", a.Enabled)
	tokens := make([]any, len(a.Tokens))
	for i, t := range a.Tokens {
		tokens[i] = int64(t)
	}
	w.KV("tokens", tokens)
	if len(a.TokenTexts) > 0 {
		texts := make([]any, len(a.TokenTexts))
		for i, t := range a.TokenTexts {
			texts[i] = t
		}
		w.KV("token_texts", texts)
	}
	w.KV("scale_factor", a.ScaleFactor)
	w.KV("max_iter_to_alter", int64(a.MaxIterToAlter))
	w.KV("max_refinement_steps", int64(a.MaxRefinementSteps))
	w.KV("attention_resolution", int64(a.AttentionResolution))
	th := w.Table("thresholds")
	for _, step := range session.SortedInts(a.Thresholds) {
		th.KV(strconv.Itoa(step), a.Thresholds[step])
	}
}

// CloneBlock deep-copies the settings.
func (a *AttendExciteConfig) CloneBlock() session.Block {
	c := *a
	c.Tokens = append([]int(nil), a.Tokens...)
	c.TokenTexts = append([]string(nil), a.TokenTexts...)
	if a.Thresholds != nil {
		c.Thresholds = make(map[int]float64, len(a.Thresholds))
		for k, v := range a.Thresholds {
			c.Thresholds[k] = v
		}
	}
	return &c
}

// Infotext adds the chosen positions and their words when tokens are chosen.
func (a *AttendExciteConfig) Infotext(add func(key, value string)) {
	if !a.Enabled || len(a.Tokens) == 0 {
		return
	}
	toks := make([]string, len(a.Tokens))
	for i, t := range a.Tokens {
		toks[i] = strconv.Itoa(t)
	}
	add(aeTokensKey, strings.Join(toks, ","))
	if len(a.TokenTexts) > 0 {
		data, _ := json.Marshal(a.TokenTexts)
		add(aeWordsKey, string(data))
	}
}

// attendExciteFromInfotext reads the positions or their words back from infotext.
func attendExciteFromInfotext(p *session.Params, key, value string, note func(string, ...any)) {
	a := AttendExciteOf(p)
	if a == nil {
		d := DefaultAttendExciteConfig()
		a = &d
		p.SetBlock("attend_excite", a)
	}
	if key == aeWordsKey {
		if json.Unmarshal([]byte(value), &a.TokenTexts) != nil {
			note("%s is not a JSON list; token texts left empty", key)
		}
		return
	}
	for _, f := range strings.Split(value, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			note("%s %q is not a list of numbers; attend-and-excite left off", key, truncateNote(value, 30))
			p.SetBlock("attend_excite", nil)
			return
		}
		a.Tokens = append(a.Tokens, n)
	}
}

// truncateNote shortens text quoted in a note.
func truncateNote(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
