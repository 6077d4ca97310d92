package tui

import (
	"image"
	"math/rand/v2"
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

// pane is one focusable area, in Tab order.
type pane int

const (
	panePrompt pane = iota
	paneNegative
	paneParams
	paneSEGA
	paneTokens
	paneHistory
	paneCount
)

// editTarget says which text field, if any, has the keyboard.
type editTarget int

const (
	editNone editTarget = iota
	editPrompt
	editNegative
	editParam         // a value in the parameter panel
	editConceptPrompt // the selected SEGA concept's prompt
	editConceptNew    // the prompt of a concept being added
	editConceptField  // a SEGA number typed in
	editOpen          // the path for Ctrl+O
)

// Config is what the studio model is built from; Run fills it from Options.
type Config struct {
	Session     *session.Session
	SessionPath string // where Ctrl+S writes; autosave goes to SessionPath + ".autosave"
	ModelLabel  string // shown in the status bar (sanitised before display)
	Demo        bool   // the model is a built-in demo with random weights: show the banner
	Engine      Renderer
	// OpenEngine starts an engine for another model reference (a session opened with Ctrl+O
	// that names a different model). Nil keeps the current engine.
	OpenEngine func(ref, base string) Renderer
	Debounce   time.Duration
	Preview    PreviewSetup
	Seed       uint64 // seeds the studio's own generator for "randomise seed"
}

// Model is the studio's root bubbletea model. All fields are touched only on the UI
// goroutine (Update and View); engine work happens behind Renderer.
type Model struct {
	keys keyMap
	st   styles

	sess       *session.Session
	path       string
	modelLabel string
	demo       bool
	engine     Renderer
	openEngine func(ref, base string) Renderer
	rng        *rand.Rand

	width, height int
	focus         pane
	help          bool
	editing       editTarget
	prompt        textinput.Model
	negative      textinput.Model
	field         textinput.Model

	render    renderState
	params    paramsPane
	sega      segaPane
	tokens    tokensPane
	history   historyPane
	preview   previewPane
	undo      undoStack
	dirty     bool
	quitSure  bool // q pressed once with unsaved changes; a second q quits
	notice    string
	noticeBad bool
}

// New builds the studio model. The first render starts when the engine reports Ready.
func New(c Config) *Model {
	m := &Model{
		keys: newKeyMap(), st: newStyles(), sess: c.Session, path: c.SessionPath,
		modelLabel: c.ModelLabel, demo: c.Demo, engine: c.Engine, openEngine: c.OpenEngine,
		rng:   rand.New(rand.NewPCG(c.Seed, 0x6e75646765)),
		width: 80, height: 24,
		render: renderState{debounce: c.Debounce, state: "loading model"},
	}
	if m.render.debounce <= 0 {
		m.render.debounce = 250 * time.Millisecond
	}
	m.params.seedLocked = true
	m.prompt = newInput("prompt")
	m.negative = newInput("negative prompt")
	m.field = newInput("")
	m.syncInputs()
	m.preview = newPreviewPane(c.Preview)
	m.history.loadSession(m.sess)
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

// syncInputs loads the prompt editors from the session (after load, undo or restore).
func (m *Model) syncInputs() {
	m.prompt.SetValue(session.Sanitize(m.sess.Prompt))
	m.negative.SetValue(session.Sanitize(m.sess.Negative))
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
		if msg.gen == m.render.gen {
			return m, m.submit(false)
		}
		return m, nil
	case frameMsg:
		return m, m.preview.onFrame(msg)
	case engineSwapMsg:
		return m, m.onEngineSwap(msg)
	case tea.KeyPressMsg:
		return m, m.onKey(msg)
	case tea.PasteMsg:
		if m.editing != editNone {
			return m, m.onEditKey(msg)
		}
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
