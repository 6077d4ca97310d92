package tui

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// finishRender plays a whole render of the current job with picture img.
func finishRender(m *Model, img *image.RGBA) {
	runCmd(m, m.onEngine(runtime.Started{ID: m.render.job}))
	runCmd(m, m.onEngine(runtime.Done{ID: m.render.job, Images: []*image.RGBA{img}}))
}

func TestSaveWritesSessionImageAndSnapshot(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "enter", "a red fox", "enter", "tab", "tab", "tab", "a", "snow", "enter", "+")
	settle(m)
	img := gradient(64, 64)
	finishRender(m, img)
	keys(m, "ctrl+s")
	if m.noticeBad || m.dirty {
		t.Fatalf("save: %q (dirty %v)", m.notice, m.dirty)
	}
	s, err := session.Load(m.path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Prompt != "a red fox" || len(techniques.SEGAOf(&s.Params).Concepts) != 1 || techniques.SEGAOf(&s.Params).Concepts[0].Weight != 1.1 {
		t.Fatalf("saved params: prompt %q sega %+v", s.Prompt, techniques.SEGAOf(&s.Params))
	}
	if len(s.History) != 1 || s.History[0].Params.Prompt != "a red fox" || s.History[0].ImageSHA256 != session.ImageHash(img) {
		t.Fatalf("history %+v, want one snapshot of the render with its image hash", s.History)
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(m.path), s.History[0].Output))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := session.ReadPNGText(bytes.NewReader(raw))
	if err != nil || !strings.Contains(texts[session.ChunkSession], `prompt = "a red fox"`) {
		t.Fatalf("PNG metadata: %v %q", err, texts[session.ChunkSession])
	}
	decoded, err := png.Decode(bytes.NewReader(raw))
	if err != nil || session.ImageHash(decoded) != session.ImageHash(img) {
		t.Fatalf("saved pixels differ from the render: %v", err)
	}
	keys(m, "ctrl+s") // no new render: the session is written, no second image
	if s, _ = session.Load(m.path); len(s.History) != 1 {
		t.Fatalf("saving again added a snapshot: %d", len(s.History))
	}
}

func TestOpenSessionWithCtrlO(t *testing.T) {
	m, eng := newTestModel(t, 80, 24)
	ready(t, m)
	other := session.Default()
	other.Prompt, other.Width, other.Height, other.Sampler.Steps = "a lighthouse", 64, 64, 7
	path := filepath.Join(t.TempDir(), "other.toml")
	if err := session.Save(path, other); err != nil {
		t.Fatal(err)
	}
	keys(m, "ctrl+o")
	send(m, namedKeys["ctrl+u"])
	keys(m, path, "enter")
	if m.path != path || m.sess.Prompt != "a lighthouse" || m.prompt.in.Value() != "a lighthouse" {
		t.Fatalf("after open: path %q prompt %q (%q)", m.path, m.sess.Prompt, m.notice)
	}
	settle(m)
	reqs := eng.submitted()
	if last := reqs[len(reqs)-1]; last.Prompt != "a lighthouse" || last.Steps != 7 {
		t.Fatalf("opened session not rendered: %+v", last)
	}
	keys(m, "ctrl+o")
	send(m, namedKeys["ctrl+u"])
	keys(m, filepath.Join(t.TempDir(), "missing.toml"), "enter")
	msg := ansi.Strip(m.viewMessage())
	if !m.open.active || !strings.Contains(msg, "missing.toml") || !strings.Contains(msg, "cannot open") {
		t.Fatalf("opening a missing file: dialog open %v, message line %q", m.open.active, msg)
	}
}

func TestHistoryRestoresParameters(t *testing.T) {
	m, _ := newTestModel(t, 80, 24)
	ready(t, m)
	keys(m, "enter", "first", "enter")
	settle(m)
	finishRender(m, gradient(64, 64))
	keys(m, "enter", "ctrl+u", "second", "enter")
	settle(m)
	finishRender(m, gradient(32, 32))
	keys(m, "shift+tab")
	if m.focused() != pane(m.history) {
		t.Fatalf("focus %d, want history", m.focus)
	}
	keys(m, "left", "enter")
	if m.sess.Prompt != "first" || m.prompt.in.Value() != "first" || m.preview.label != "history 1" {
		t.Fatalf("restoring render 1: prompt %q, preview %q", m.sess.Prompt, m.preview.label)
	}
	keys(m, "right", "enter")
	if m.sess.Prompt != "second" || m.preview.label != "history 2" {
		t.Fatalf("restoring render 2: prompt %q, preview %q", m.sess.Prompt, m.preview.label)
	}
	keys(m, "ctrl+z", "ctrl+z")
	if m.sess.Prompt != "second" {
		t.Fatalf("undoing both restores: prompt %q, want second (the state before them)", m.sess.Prompt)
	}
}
