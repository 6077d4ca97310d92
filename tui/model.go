package tui

import (
	"image"
	"math/rand/v2"
	"path/filepath"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// Renderer is what the studio needs from a runtime.Engine. It is an interface so that the
// UI's tests can drive Update with scripted events; *runtime.Engine implements it.
type Renderer interface {
	Submit(req runtime.Request) int
	Cancel()
	Events() <-chan runtime.Event
	Close()
}

// Config is what the studio model is built from; Run fills it from Options.
type Config struct {
	Session     *session.Session
	SessionPath string // where Ctrl+S writes; autosave goes to SessionPath + ".autosave"
	ModelLabel  string // shown in the status bar (sanitised before display)
	Banner      string // what the header says about a built-in model (app.ModelBanner)
	Engine      Renderer
	// OpenEngine starts an engine for another model reference (a session opened with Ctrl+O
	// that names a different model). Nil keeps the current engine.
	OpenEngine func(ref, base string) Renderer
	Debounce   time.Duration
	Preview    PreviewSetup
	Seed       uint64 // seeds the studio's own generator for "randomise seed"
}

// Model is the studio's root bubbletea model: it holds the session, routes messages to the
// panes (pane.go) and lays them out (layout.go). All fields are touched only on the UI
// goroutine (Update and View); engine work happens behind Renderer.
type Model struct {
	keys keyMap
	st   styles

	sess       *session.Session
	path       string
	modelLabel string
	banner     string
	engine     Renderer
	openEngine func(ref, base string) Renderer
	rng        *rand.Rand

	width, height int
	help          bool

	// The focus ring, in Tab order: prompt, negative prompt, parameters, the technique
	// panes (registered by their files), history.
	ring     []pane
	focus    int
	prompt   *promptPane
	negative *promptPane
	params   *paramsPane
	techs    []namedPane
	history  *historyPane
	preview  previewPane
	open     openDialog
	grid     gridRun // the X/Y grid dialog and run (grid.go)

	render    renderState
	control   renderControl // stop and pause (cancel.go)
	undo      undoStack
	dirty     bool
	recovered string // the autosave this session was opened from (files.go)
	quitSure  bool   // q pressed once with unsaved changes; a second q quits
	notice    string
	noticeBad bool
	// noticeFresh: the notice was set by the latest key; the next key clears it.
	noticeFresh bool
}

// New builds the studio model. The first render starts when the engine reports Ready.
func New(c Config) *Model {
	m := &Model{
		keys: newKeyMap(), st: newStyles(), sess: c.Session, path: c.SessionPath,
		modelLabel: c.ModelLabel, banner: c.Banner, engine: c.Engine, openEngine: c.OpenEngine,
		rng:   rand.New(rand.NewPCG(c.Seed, 0x6e75646765)),
		width: 80, height: 24,
		render: renderState{debounce: c.Debounce, state: "loading model"},
	}
	if m.render.debounce <= 0 {
		m.render.debounce = 250 * time.Millisecond
	}
	m.prompt = newPromptPane(false)
	m.negative = newPromptPane(true)
	m.params = newParamsPane()
	m.params.rng = m.rng.Uint64
	m.techs = newTechniquePanes()
	m.history = &historyPane{newest: -1, dir: func() string { return filepath.Dir(m.path) }}
	m.ring = []pane{m.prompt, m.negative, m.params}
	for _, t := range m.techs {
		m.ring = append(m.ring, t.pane)
	}
	m.ring = append(m.ring, m.history)
	m.open = newOpenDialog()
	m.preview = newPreviewPane(c.Preview)
	m.history.loadSession(m.sess)
	m.broadcast(syncMsg{})
	return m
}

// newInput is a one-line editor with a steady cursor (no blink ticks, so idle costs nothing
// and snapshots are stable).
func newInput(placeholder string) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	in.Placeholder = placeholder
	in.CharLimit = session.MaxTextBytes
	s := in.Styles()
	s.Cursor.Blink = false
	in.SetStyles(s)
	return in
}

// broadcast gives a message to every pane.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for _, p := range m.ring {
		_, cmd := p.update(m, msg)
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// focused is the pane with the keyboard.
func (m *Model) focused() pane { return m.ring[m.focus] }

// techPane returns the pane registered for a technique block, nil if none.
func (m *Model) techPane(block string) pane {
	for _, t := range m.techs {
		if t.block == block {
			return t.pane
		}
	}
	return nil
}

// Init starts listening to the engine; the first render is submitted on Ready.
func (m *Model) Init() tea.Cmd {
	return waitEvent(m.engine)
}

// Session is the session as currently edited (for tests and the caller after Run).
func (m *Model) Session() *session.Session { return m.sess }

// Update routes one message. It never blocks: engine work is behind Renderer, waits are
// tea.Cmds, and preview encoding runs in a Cmd.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, m.layoutChanged()
	case engineMsg:
		if msg.src != m.engine {
			return m, nil // a closed engine's last word; its waiter is not re-issued
		}
		return m, tea.Batch(m.onEngine(msg.ev), waitEvent(m.engine))
	case engineClosedMsg:
		m.render.state = "engine stopped"
		return m, nil
	case debounceMsg:
		return m, m.onDebounce(msg)
	case frameMsg:
		return m, m.preview.onFrame(msg)
	case engineSwapMsg:
		return m, m.onEngineSwap(msg)
	case sizeRuleMsg:
		return m, m.onSizeRule(msg)
	case gridSavedMsg:
		m.onGridSaved(msg)
		return m, nil
	case historyImageMsg:
		_, cmd := m.history.update(m, msg)
		return m, cmd
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.PasteMsg:
		return m, m.onPaste(msg)
	}
	return m, nil
}

// View draws the whole screen; see layout.go.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render2D())
	v.AltScreen = true
	v.WindowTitle = "nudge studio"
	return v
}

// lastImage is the latest finished picture and the parameters that made it.
type lastImage struct {
	img    *image.RGBA
	params session.Params
	at     time.Time
	saved  bool // written by Ctrl+S already
}
