package tui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime/scheduler"
	"github.com/nudge-studio/nudge/session"
)

// paramField is one row of the parameter panel.
type paramField int

const (
	fieldSteps paramField = iota
	fieldGuidance
	fieldSeed
	fieldSize
	fieldScheduler
	fieldBatch
	paramFieldCount
)

var paramNames = [paramFieldCount]string{"steps", "guidance", "seed", "size", "scheduler", "batch"}

// paramsPane is the parameter panel: steps, guidance, seed, size, scheduler and batch. The
// values live in the session; the pane has the cursor, the seed mode and its value editor.
type paramsPane struct {
	cursor   paramField
	seedMode seedMode // fixed, random or increment (seedmode.go)
	field    textinput.Model
	active   bool // a typed value is being edited
	rng      func() uint64
	// downsampling is the model's size rule (app.SizeMultiple): size steps move between
	// sizes that fit and a typed size that does not is refused. 1 until the model is open.
	downsampling int
}

func newParamsPane() *paramsPane {
	return &paramsPane{seedMode: seedFixed, field: newInput(""), downsampling: 1}
}

// Slider ranges for keyboard nudges; typed values may go further, within the session's limits.
const (
	guidanceStep = 0.5
	guidanceMax  = 30.0
	batchMaxUI   = 8
)

func (pp *paramsPane) title(host) string { return "Parameters" }

func (pp *paramsPane) hint(host) string {
	if pp.active {
		return "type a value · enter sets it · esc cancels"
	}
	if pp.cursor == fieldSeed {
		return "←/→ step · enter type a seed (-1: random mode) · r random · l mode: fixed/random/increment"
	}
	return "↑/↓ choose · ←/→ or +/- change · enter type a value"
}

func (pp *paramsPane) helpKeys(h host) []key.Binding {
	k := h.keyMap()
	return []key.Binding{relabel(k.Left, "decrease"), relabel(k.Right, "increase"), relabel(k.Edit, "type a value"), k.Randomise, k.Lock}
}

func (pp *paramsPane) editing() bool { return pp.active }

func (pp *paramsPane) update(h host, msg tea.Msg) (bool, tea.Cmd) {
	switch msg := msg.(type) {
	case sizeRuleMsg:
		pp.downsampling = msg.downsampling
	case tea.KeyPressMsg:
		if pp.active {
			return true, pp.editKey(h, msg)
		}
		return pp.key(h, msg)
	case tea.PasteMsg:
		if pp.active {
			var cmd tea.Cmd
			pp.field, cmd = pp.field.Update(msg)
			return true, cmd
		}
	}
	return false, nil
}

func (pp *paramsPane) key(h host, msg tea.KeyPressMsg) (bool, tea.Cmd) {
	k := h.keyMap()
	switch {
	case key.Matches(msg, k.Up) && pp.cursor > 0:
		pp.cursor--
		h.breakUndo()
	case key.Matches(msg, k.Down) && pp.cursor < paramFieldCount-1:
		pp.cursor++
		h.breakUndo()
	case key.Matches(msg, k.Left, k.Dec):
		return true, pp.nudge(h, -1)
	case key.Matches(msg, k.Right, k.Inc):
		return true, pp.nudge(h, 1)
	case key.Matches(msg, k.Edit):
		pp.active = true
		pp.field.SetValue(paramText(h.current(), pp.cursor))
		pp.field.CursorEnd()
		pp.field.SetWidth(max(h.columnWidth()-16, 8))
		return true, pp.field.Focus()
	case pp.cursor == fieldSeed && key.Matches(msg, k.Randomise) && pp.rng != nil:
		seed := pp.rng() >> 1
		return true, h.change("seed", func(q *session.Params) { q.Noise.Seed = seed })
	case pp.cursor == fieldSeed && key.Matches(msg, k.Lock):
		pp.seedMode = pp.seedMode.next()
		h.say("seed mode: "+pp.seedMode.String(), false)
	default:
		return false, nil
	}
	return true, nil
}

// editKey: Enter sets the typed value (a bad one keeps the editor open with the reason on
// the message line), Esc drops it.
func (pp *paramsPane) editKey(h host, msg tea.KeyPressMsg) tea.Cmd {
	return editFieldKey(h, msg, &pp.field, pp.stopEditing)
}

func (pp *paramsPane) stopEditing(h host, keep bool) tea.Cmd {
	if !pp.active {
		return nil
	}
	var cmd tea.Cmd
	if keep {
		var err error
		if cmd, err = pp.commit(h, pp.field.Value()); err != nil {
			h.say(oneLine(err.Error()), true)
			return nil
		}
	}
	pp.active = false
	pp.field.Blur()
	h.breakUndo()
	return cmd
}

// nudge moves the selected value one step in direction d (±1).
func (pp *paramsPane) nudge(h host, d int) tea.Cmd {
	f := pp.cursor
	return h.change("param."+paramNames[f], func(p *session.Params) {
		switch f {
		case fieldSteps:
			p.Sampler.Steps = clampInt(p.Sampler.Steps+d, 1, session.MaxSteps)
		case fieldGuidance:
			p.Sampler.Guidance = clampFloat(math.Round((p.Sampler.Guidance+float64(d)*guidanceStep)*2)/2, 0, guidanceMax)
		case fieldSeed:
			p.Noise.Seed = uint64(int64(p.Noise.Seed) + int64(d))
		case fieldSize:
			p.Width = min(app.StepSize(p.Width, d, pp.downsampling), session.MaxSide)
			p.Height = min(app.StepSize(p.Height, d, pp.downsampling), session.MaxSide)
		case fieldScheduler:
			p.Sampler.Scheduler = cycle(schedulerChoices(), p.Sampler.Scheduler, d)
		case fieldBatch:
			p.Batch = clampInt(p.Batch+d, 1, batchMaxUI)
		}
	})
}

// schedulerChoices are the schedulers both the session format and the runtime know.
func schedulerChoices() []string {
	var out []string
	for _, n := range session.Schedulers() {
		if slices.Contains(scheduler.Names(), n) {
			out = append(out, n)
		}
	}
	return out
}

func cycle(list []string, cur string, d int) string {
	i := slices.Index(list, cur)
	if i < 0 {
		return list[0]
	}
	return list[(i+d+len(list))%len(list)]
}

// paramText is a field's value as the editor shows it.
func paramText(p *session.Params, f paramField) string {
	switch f {
	case fieldSteps:
		return strconv.Itoa(p.Sampler.Steps)
	case fieldGuidance:
		return strconv.FormatFloat(p.Sampler.Guidance, 'g', -1, 64)
	case fieldSeed:
		return strconv.FormatUint(p.Noise.Seed, 10)
	case fieldSize:
		return fmt.Sprintf("%dx%d", p.Width, p.Height)
	case fieldScheduler:
		return p.Sampler.Scheduler
	}
	return strconv.Itoa(p.Batch)
}

// commit parses a typed value for the selected field.
func (pp *paramsPane) commit(h host, text string) (tea.Cmd, error) {
	f := pp.cursor
	text = strings.TrimSpace(text)
	if f == fieldSeed && text == "-1" { // A1111: -1 means a random seed for every render
		pp.seedMode = seedRandom
		h.say("seed mode: random", false)
		return nil, nil
	}
	q := cloneParams(*h.current())
	if err := setParam(&q, f, text); err != nil {
		return nil, err
	}
	if err := (&session.Session{Version: session.Version, Params: q}).Validate(); err != nil {
		return nil, fmt.Errorf("%s %q: %s", paramNames[f], text, oneLine(err.Error()))
	}
	if f == fieldSize {
		if err := app.SizeProblem(q.Width, q.Height, pp.downsampling); err != nil {
			return nil, err
		}
	}
	return h.change("param.typed", func(p *session.Params) { *p = q }), nil
}

func setParam(p *session.Params, f paramField, text string) error {
	var err error
	switch f {
	case fieldSteps:
		p.Sampler.Steps, err = strconv.Atoi(text)
	case fieldGuidance:
		p.Sampler.Guidance, err = strconv.ParseFloat(text, 64)
	case fieldSeed:
		p.Noise.Seed, err = strconv.ParseUint(text, 10, 64)
	case fieldSize:
		w, h, ok := strings.Cut(strings.ToLower(text), "x")
		if !ok {
			return fmt.Errorf("size %q: write WIDTHxHEIGHT, e.g. 512x512", text)
		}
		if p.Width, err = strconv.Atoi(strings.TrimSpace(w)); err == nil {
			p.Height, err = strconv.Atoi(strings.TrimSpace(h))
		}
	case fieldScheduler:
		if !slices.Contains(schedulerChoices(), text) {
			return fmt.Errorf("scheduler %q: use one of %s", text, strings.Join(schedulerChoices(), ", "))
		}
		p.Sampler.Scheduler = text
	case fieldBatch:
		p.Batch, err = strconv.Atoi(text)
	}
	if err != nil {
		return fmt.Errorf("%s %q: not a number", paramNames[f], text)
	}
	return nil
}

// view draws one row per field.
func (pp *paramsPane) view(h host, focused bool, _, _ int) []string {
	var out []string
	p, st := h.current(), h.styles()
	for f := range paramFieldCount {
		val := paramText(p, f)
		switch f {
		case fieldGuidance:
			val = fmt.Sprintf("%-5s %s", val, st.slider(p.Sampler.Guidance/guidanceMax, 10))
		case fieldSeed:
			val += pp.seedModeText()
		}
		if pp.active && pp.cursor == f {
			val = pp.field.View()
		}
		out = append(out, st.row(focused && pp.cursor == f, fmt.Sprintf("%-10s", paramNames[f]), val))
	}
	return out
}

func (pp *paramsPane) seedModeText() string {
	switch pp.seedMode {
	case seedRandom:
		return "  random: new every render (l: mode)"
	case seedIncrement:
		return "  increment: +1 every render (l: mode)"
	}
	return "  fixed (l: mode, r: random seed)"
}

// row draws one selectable row: the label reversed when selected (so it shows without
// colour too).
func (st *styles) row(selected bool, label, value string) string {
	if selected {
		return "  " + st.selected.Render(label) + " " + value
	}
	return "  " + label + " " + value
}

// slider is a bar of n cells filled to fraction f in [0,1].
func (st *styles) slider(f float64, n int) string {
	k := clampInt(int(math.Round(clampFloat(f, 0, 1)*float64(n))), 0, n)
	return st.bar.Render(strings.Repeat("█", k)) + st.barOff.Render(strings.Repeat("░", n-k))
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

func clampFloat(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Min(math.Max(v, lo), hi)
}
