package tui

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

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

// paramsPane is the parameter panel's own state; the values live in the session.
type paramsPane struct {
	cursor     paramField
	seedLocked bool // unlocked: every render draws a new seed
}

// Slider ranges for keyboard nudges; typed values may go further, within the session's limits.
const (
	guidanceStep = 0.5
	guidanceMax  = 30.0
	sizeStep     = 8 // the VAE's factor: sizes stay multiples of 8
	batchMaxUI   = 8
)

func (m *Model) paramsKey(msg tea.KeyPressMsg) (bool, tea.Cmd) {
	p := &m.params
	switch {
	case key.Matches(msg, m.keys.Up) && p.cursor > 0:
		p.cursor--
		m.undo.breakRun()
	case key.Matches(msg, m.keys.Down) && p.cursor < paramFieldCount-1:
		p.cursor++
		m.undo.breakRun()
	case key.Matches(msg, m.keys.Left, m.keys.Dec):
		return true, m.nudgeParam(-1)
	case key.Matches(msg, m.keys.Right, m.keys.Inc):
		return true, m.nudgeParam(1)
	case key.Matches(msg, m.keys.Edit):
		m.beginEdit(editParam, m.paramText(p.cursor))
	case p.cursor == fieldSeed && key.Matches(msg, m.keys.Randomise):
		seed := m.rng.Uint64() >> 1
		return true, m.change("seed", func(q *session.Params) { q.Noise.Seed = seed })
	case p.cursor == fieldSeed && key.Matches(msg, m.keys.Lock):
		p.seedLocked = !p.seedLocked
	default:
		return false, nil
	}
	return true, nil
}

// nudgeParam moves the selected value one step in direction d (±1).
func (m *Model) nudgeParam(d int) tea.Cmd {
	f := m.params.cursor
	return m.change("param."+paramNames[f], func(p *session.Params) {
		switch f {
		case fieldSteps:
			p.Sampler.Steps = clampInt(p.Sampler.Steps+d, 1, session.MaxSteps)
		case fieldGuidance:
			p.Sampler.Guidance = clampFloat(math.Round((p.Sampler.Guidance+float64(d)*guidanceStep)*2)/2, 0, guidanceMax)
		case fieldSeed:
			p.Noise.Seed = uint64(int64(p.Noise.Seed) + int64(d))
		case fieldSize:
			p.Width = clampInt(p.Width+d*sizeStep, sizeStep, session.MaxSide)
			p.Height = clampInt(p.Height+d*sizeStep, sizeStep, session.MaxSide)
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
func (m *Model) paramText(f paramField) string {
	p := &m.sess.Params
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

// commitParam parses a typed value for the selected field.
func (m *Model) commitParam(text string) (tea.Cmd, error) {
	f := m.params.cursor
	text = strings.TrimSpace(text)
	q := cloneParams(m.sess.Params)
	if err := setParam(&q, f, text); err != nil {
		return nil, err
	}
	if err := (&session.Session{Version: session.Version, Params: q}).Validate(); err != nil {
		return nil, fmt.Errorf("%s %q: %s", paramNames[f], text, oneLine(err.Error()))
	}
	return m.change("param.typed", func(p *session.Params) { *p = q }), nil
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

// viewParams draws the parameter panel: a title and one row per field.
func (m *Model) viewParams(width int) []string {
	out := []string{m.paneTitle(paneParams, "Parameters", width)}
	p := &m.sess.Params
	for f := range paramFieldCount {
		val := m.paramText(f)
		switch f {
		case fieldGuidance:
			val = fmt.Sprintf("%-5s %s", val, m.slider(p.Sampler.Guidance/guidanceMax, 10))
		case fieldSeed:
			val += m.seedMode()
		}
		if m.editing == editParam && m.params.cursor == f {
			val = m.fieldView()
		}
		out = append(out, m.row(m.focus == paneParams && m.params.cursor == f, fmt.Sprintf("%-10s", paramNames[f]), val))
	}
	return out
}

func (m *Model) seedMode() string {
	if m.params.seedLocked {
		return "  locked (l: unlock, r: random)"
	}
	return "  new every render (l: lock)"
}

// row draws one selectable row: the label reversed when selected (so it shows without
// colour too).
func (m *Model) row(selected bool, label, value string) string {
	if selected {
		return "  " + m.st.selected.Render(label) + " " + value
	}
	return "  " + label + " " + value
}

// slider is a bar of n cells filled to fraction f in [0,1].
func (m *Model) slider(f float64, n int) string {
	k := clampInt(int(math.Round(clampFloat(f, 0, 1)*float64(n))), 0, n)
	return m.st.bar.Render(strings.Repeat("█", k)) + m.st.barOff.Render(strings.Repeat("░", n-k))
}

func clampInt(v, lo, hi int) int { return min(max(v, lo), hi) }

func clampFloat(v, lo, hi float64) float64 {
	if math.IsNaN(v) {
		return lo
	}
	return math.Min(math.Max(v, lo), hi)
}
