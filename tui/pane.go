package tui

import (
	"image"
	"sort"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/session"
)

// pane is one focusable area of the studio. It owns its state, answers its own keys and
// draws itself; the root model (model.go) routes messages to it and lays it out.
type pane interface {
	// title is the pane's heading.
	title(h host) string
	// hint is the one line shown under the panes while this one has the focus.
	hint(h host) string
	// keys are the pane's own bindings, for the help overlay.
	helpKeys(h host) []key.Binding
	// update handles a key while the pane has the focus (handled reports whether it used
	// it) and, for every pane, the broadcasts below (syncMsg, readyMsg, statsMsg).
	update(h host, msg tea.Msg) (handled bool, cmd tea.Cmd)
	// view draws the pane's body (the root draws the title) in at most height lines.
	view(h host, focused bool, width, height int) []string
	// editing reports whether a text field of the pane has the keyboard: every key but the
	// global ones goes to it.
	editing() bool
	// stopEditing ends an edit; keep applies what was typed (Ctrl+S while editing), else
	// the value before the edit is restored.
	stopEditing(h host, keep bool) tea.Cmd
}

// host is what a pane may use of the studio: the parameters, edits that go through undo,
// the message line, the looks, and what the model has told.
type host interface {
	current() *session.Params
	// change applies one edit as an undoable step (kind coalesces a run of edits).
	change(kind string, apply func(p *session.Params)) tea.Cmd
	// setPrompt edits the prompt; panes that follow the prompt (promptFollower) adjust
	// within the same step.
	setPrompt(text string) tea.Cmd
	// restore replaces the parameters wholesale (a history entry), as one undoable step.
	restore(p session.Params, record bool) tea.Cmd
	// fixSeed sets the seed mode to fixed; it reports whether it changed (seedmode.go).
	fixSeed() bool
	// showImage puts a picture in the preview.
	showImage(img image.Image, label string) tea.Cmd
	say(text string, bad bool)
	breakUndo()
	styles() *styles
	keyMap() *keyMap
	tokenizer() *tokenizer.Tokenizer // nil until the model is open
	vocabulary() *textinv.Vocab      // the embeddings folder's added tokens; nil until the model is open
	modelDir() string                // "" until the model is open
	columnWidth() int                // the editor column's width
}

// promptFollower is a pane whose state depends on the prompt's text (token positions):
// promptEdited runs inside the prompt's edit, on the parameters being changed.
type promptFollower interface {
	promptEdited(h host, p *session.Params, prompt string)
}

// Broadcasts every pane receives, focused or not.
type (
	// syncMsg: the parameters were replaced wholesale (undo, redo, history, open); panes
	// reload what they show from them.
	syncMsg struct{}
	// readyMsg: the model is open (its tokenizer and folder are now known).
	readyMsg struct{ info *runtime.ModelInfo }
	// statsMsg: a render step's technique statistics (runtime.StatsReporter).
	statsMsg struct{ stats []runtime.TechniqueStats }
	// runRestartMsg: a new render was submitted; live figures of the last one are stale.
	runRestartMsg struct{}
	// sizeRuleMsg: how often the open model's UNet halves the latent (app.SizeMultiple).
	sizeRuleMsg struct{ downsampling int }
)

// techniquePane is how a technique's pane registers: the technique's session block name
// (techniques.Registration.Name), where it stands among the technique panes, and its
// constructor. Each pane file registers itself in init, so the studio names no technique
// outside that file (the pattern of techniques.Register, one level up).
type techniquePane struct {
	block string
	order int
	new   func() pane
}

// techniquePanes is written only by registerTechniquePane, from init functions.
var techniquePanes []techniquePane

func registerTechniquePane(block string, order int, newPane func() pane) {
	techniquePanes = append(techniquePanes, techniquePane{block: block, order: order, new: newPane})
	sort.SliceStable(techniquePanes, func(i, j int) bool { return techniquePanes[i].order < techniquePanes[j].order })
}

// namedPane is a technique pane with its block name, as the root keeps them.
type namedPane struct {
	block string
	pane
}

func newTechniquePanes() []namedPane {
	out := make([]namedPane, len(techniquePanes))
	for i, t := range techniquePanes {
		out[i] = namedPane{block: t.block, pane: t.new()}
	}
	return out
}

// editFieldKey is a typed field's keys: Enter keeps what was typed (stop decides whether it is
// valid), Esc drops it, every other key edits the field.
func editFieldKey(h host, msg tea.KeyPressMsg, in *textinput.Model, stop func(host, bool) tea.Cmd) tea.Cmd {
	k := h.keyMap()
	switch {
	case key.Matches(msg, k.Cancel):
		return stop(h, false)
	case key.Matches(msg, k.Edit):
		return stop(h, true)
	}
	var cmd tea.Cmd
	*in, cmd = in.Update(msg)
	return cmd
}
