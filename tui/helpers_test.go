package tui

import (
	"context"
	"flag"
	"github.com/nudge-studio/nudge/app"
	"image"
	"image/color"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
	"github.com/nudge-studio/nudge/session"
)

var update = flag.Bool("update", false, "rewrite the golden snapshots under testdata/")

// fakeEngine is a scripted Renderer: the tests are about the UI code around the engine.
type fakeEngine struct {
	mu       sync.Mutex
	requests []runtime.Request
	events   chan runtime.Event
	cancels  int
	closed   bool
}

func newFakeEngine() *fakeEngine { return &fakeEngine{events: make(chan runtime.Event, 16)} }

func (f *fakeEngine) Submit(req runtime.Request) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	return len(f.requests)
}
func (f *fakeEngine) Cancel()                      { f.mu.Lock(); f.cancels++; f.mu.Unlock() }
func (f *fakeEngine) Events() <-chan runtime.Event { return f.events }
func (f *fakeEngine) Close()                       { f.mu.Lock(); f.closed = true; f.mu.Unlock() }

func (f *fakeEngine) submitted() []runtime.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]runtime.Request(nil), f.requests...)
}

// tinyDemo generates the tiny demo model once per test binary (a few seconds) for its
// tokenizer and, in the benchmark and e2e test, the real engine.
var tinyDemo = sync.OnceValues(func() (string, error) { return writeDemo("tiny") })

func writeDemo(preset string) (string, error) {
	root, err := os.MkdirTemp("", "nudge-tui-demo-")
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "demo-"+preset)
	return dir, demomodel.Write(context.Background(), dir, demomodel.Options{Preset: preset})
}

// demoTokenizer is the tiny demo model's real CLIP-format tokenizer.
func demoTokenizer(t testing.TB) *tokenizer.Tokenizer {
	t.Helper()
	dir, err := tinyDemo()
	if err != nil {
		t.Fatalf("demo model: %v", err)
	}
	tok, err := tokenizer.Load(filepath.Join(dir, "tokenizer"))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// newTestModel is a studio on a fake engine, with the session at dir/s.toml, sized w×h.
func newTestModel(t testing.TB, w, h int) (*Model, *fakeEngine) {
	t.Helper()
	eng := newFakeEngine()
	s := session.Default()
	s.Width, s.Height, s.Sampler.Steps = 64, 64, 20
	m := New(Config{Session: s, SessionPath: filepath.Join(t.TempDir(), "s.toml"), ModelLabel: "demo:tiny",
		Banner: app.ModelBanner("demo:tiny"), Engine: eng, Debounce: time.Millisecond, Seed: 1})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, eng
}

// ready delivers the engine's Ready with the demo tokenizer, which submits the first render.
func ready(t testing.TB, m *Model) {
	t.Helper()
	dir, err := tinyDemo()
	if err != nil {
		t.Fatalf("demo model: %v", err)
	}
	send(m, engineMsg{src: m.engine, ev: runtime.Ready{Model: &runtime.ModelInfo{Dir: dir, Provider: "cpu", Tokenizer: demoTokenizer(t)}}})
	send(m, sizeRule(dir)()) // the Cmd Ready returned, run here without a time limit
}

// send runs one message through Update and returns the Cmd.
func send(m *Model, msg tea.Msg) tea.Cmd {
	_, cmd := m.Update(msg)
	return cmd
}

// keys sends key presses by their names ("enter", "tab", "ctrl+s") or, for anything else,
// as typed text one rune at a time.
func keys(m *Model, names ...string) {
	for _, n := range names {
		if k, ok := namedKeys[n]; ok {
			send(m, k)
			continue
		}
		for _, r := range n {
			send(m, tea.KeyPressMsg{Code: r, Text: string(r)})
		}
	}
}

var namedKeys = map[string]tea.KeyPressMsg{
	"enter": {Code: tea.KeyEnter}, "esc": {Code: tea.KeyEscape}, "tab": {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift}, "up": {Code: tea.KeyUp}, "down": {Code: tea.KeyDown},
	"left": {Code: tea.KeyLeft}, "right": {Code: tea.KeyRight}, "space": {Code: tea.KeySpace, Text: " "},
	"ctrl+s": {Code: 's', Mod: tea.ModCtrl}, "ctrl+o": {Code: 'o', Mod: tea.ModCtrl},
	"ctrl+r": {Code: 'r', Mod: tea.ModCtrl}, "ctrl+z": {Code: 'z', Mod: tea.ModCtrl},
	"ctrl+y": {Code: 'y', Mod: tea.ModCtrl}, "ctrl+c": {Code: 'c', Mod: tea.ModCtrl},
	"ctrl+u": {Code: 'u', Mod: tea.ModCtrl}, "f1": {Code: tea.KeyF1}, "ctrl+g": {Code: 'g', Mod: tea.ModCtrl},
}

// settle fires the pending debounce, as the timer would.
func settle(m *Model) { send(m, debounceMsg{gen: m.render.gen}) }

// gradient is a deterministic test picture.
func gradient(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 255 / w), uint8(y * 255 / h), 128, 255})
		}
	}
	return img
}

// runCmd executes a Cmd and everything it batches, feeding preview encodes back to Update
// so frames complete. Cmds that wait (the engine listener) are abandoned after a moment;
// debounces are fired by the tests with settle.
func runCmd(m *Model, cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(100 * time.Millisecond):
		return
	}
	switch msg := msg.(type) {
	case tea.BatchMsg:
		for _, c := range msg {
			runCmd(m, c)
		}
	case frameMsg, sizeRuleMsg, historyImageMsg, gridSavedMsg:
		runCmd(m, send(m, msg))
	}
}

// tokensOf is the studio's attend-and-excite pane.
func tokensOf(m *Model) *tokensPane { return m.techPane(attendExciteBlock).(*tokensPane) }

// segaOfModel is the studio's SEGA pane.
func segaOfModel(m *Model) *segaPane { return m.techPane("sega").(*segaPane) }
