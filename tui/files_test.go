package tui

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/session"
)

// writeFolder fills a folder with what the dialog lists and what it must leave out.
func writeFolder(t *testing.T, dir string) {
	t.Helper()
	s := session.Default()
	s.Prompt, s.Width, s.Height = "a lighthouse", 64, 64
	for _, name := range []string{"a.toml", "b.toml.autosave"} {
		if err := session.Save(filepath.Join(dir, name), s); err != nil {
			t.Fatal(err)
		}
	}
	var ours, plain bytes.Buffer
	if err := session.EncodePNG(&ours, gradient(8, 8), s); err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(&plain, gradient(8, 8)); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"c.png": ours.Bytes(), "d.png": plain.Bytes(), "notes.txt": []byte("hi")}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.toml"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestListSessionFiles(t *testing.T) {
	dir := t.TempDir()
	writeFolder(t, dir)
	got, err := listSessionFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]fileKind{}
	for _, e := range got {
		kinds[e.name] = e.kind
	}
	want := map[string]fileKind{"a.toml": kindSession, "b.toml.autosave": kindAutosave, "c.png": kindImage}
	if len(kinds) != len(want) {
		t.Fatalf("listed %v, want %v", kinds, want)
	}
	for n, k := range want {
		if kinds[n] != k {
			t.Fatalf("listed %v, want %v", kinds, want)
		}
	}
	if _, err := listSessionFiles(filepath.Join(dir, "missing")); err == nil || !strings.Contains(err.Error(), "cannot list") {
		t.Fatalf("listing a missing folder: %v", err)
	}
}

func TestFilterFiles(t *testing.T) {
	all := []fileEntry{{name: "sega-demo.toml"}, {name: "session.toml"}, {name: "s-001.png"}}
	cases := []struct {
		pattern string
		want    []string
	}{
		{"", []string{"sega-demo.toml", "session.toml", "s-001.png"}},
		{"sess", []string{"session.toml"}},
		{"SE", []string{"sega-demo.toml", "session.toml"}},
		{"s1p", []string{"s-001.png"}},
		{"sol", []string{"sega-demo.toml", "session.toml"}},
		{"zzz", nil},
	}
	for _, c := range cases {
		var got []string
		for _, e := range filterFiles(all, c.pattern) {
			got = append(got, e.name)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("filter %q: %v, want %v", c.pattern, got, c.want)
		}
	}
}

// Ctrl+O lists the session's folder in the editor column; typing filters; Enter opens the
// highlighted file; an error shows at once with the dialog still open.
func TestOpenDialogListsFiltersAndShowsErrors(t *testing.T) {
	m, _ := newTestModel(t, 100, 30)
	writeFolder(t, filepath.Dir(m.path))
	ready(t, m)
	keys(m, "ctrl+o")
	screen := ansi.Strip(m.View().Content)
	for _, want := range []string{"a.toml", "b.toml.autosave", "c.png", "Open a session"} {
		if !strings.Contains(screen, want) {
			t.Fatalf("the listing lacks %q:\n%s", want, screen)
		}
	}
	if strings.Contains(screen, "d.png") || strings.Contains(screen, "notes.txt") {
		t.Fatalf("a file without a session is listed:\n%s", screen)
	}
	keys(m, "a.t")
	if len(m.open.shown) != 1 || m.open.shown[0].name != "a.toml" {
		t.Fatalf("filter a.t: %+v, want a.toml only", m.open.shown)
	}
	keys(m, "enter")
	if m.open.active || m.sess.Prompt != "a lighthouse" || m.path != filepath.Join(filepath.Dir(m.path), "a.toml") {
		t.Fatalf("enter on a.toml: dialog %v, prompt %q, path %q", m.open.active, m.sess.Prompt, m.path)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(m.path), "broken.toml"), []byte("version = \"x\"\n["), 0o644); err != nil {
		t.Fatal(err)
	}
	keys(m, "ctrl+o", "broken.toml", "enter")
	screen = ansi.Strip(m.View().Content)
	if !m.open.active || m.open.err == "" || !strings.Contains(screen, "broken.toml:") {
		t.Fatalf("a broken file: dialog %v, error %q; the screen:\n%s", m.open.active, m.open.err, screen)
	}
	keys(m, "x")
	if m.open.err != "" {
		t.Fatalf("the error outlived the next edit: %q", m.open.err)
	}
	keys(m, "esc")
	if m.open.active || m.sess.Prompt != "a lighthouse" {
		t.Fatalf("esc: dialog %v, prompt %q", m.open.active, m.sess.Prompt)
	}
}

// Opening an autosave edits the session it belongs to: Ctrl+S writes s.toml and s-001.png,
// never s.toml.autosave or s.toml-001.png, and the autosave goes once saved.
func TestOpenAutosaveSavesToTheSession(t *testing.T) {
	m, _ := newTestModel(t, 100, 30)
	dir, sessionPath := filepath.Dir(m.path), m.path
	ready(t, m)
	keys(m, "unsaved words", "enter")
	if err := m.autosave(); err != nil {
		t.Fatal(err)
	}
	keys(m, "ctrl+o", "s.toml.autosave", "enter")
	if m.path != sessionPath || !m.dirty || m.sess.Prompt != "unsaved words" {
		t.Fatalf("after opening the autosave: path %q (want %q), dirty %v, prompt %q", m.path, sessionPath, m.dirty, m.sess.Prompt)
	}
	settle(m)
	finishRender(m, gradient(64, 64))
	keys(m, "ctrl+s")
	names := dirNames(t, dir)
	if !slices.Equal(names, []string{"s-001.png", "s.toml"}) {
		t.Fatalf("after ctrl+s the folder holds %v, want s-001.png and s.toml", names)
	}
	if s, err := session.Load(sessionPath); err != nil || s.Prompt != "unsaved words" {
		t.Fatalf("saved session: %v %+v", err, s)
	}
}

// A PNG's session is saved beside it under its own name; the PNG is never written.
func TestOpenPNGSavesBesideIt(t *testing.T) {
	m, _ := newTestModel(t, 100, 30)
	dir := filepath.Dir(m.path)
	writeFolder(t, dir)
	ready(t, m)
	keys(m, "ctrl+o", "c.png", "enter")
	if want := filepath.Join(dir, "c.toml"); m.path != want || !m.dirty || m.sess.Prompt != "a lighthouse" {
		t.Fatalf("after opening c.png: path %q (want %q), dirty %v, prompt %q", m.path, want, m.dirty, m.sess.Prompt)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "c.png"))
	keys(m, "ctrl+s")
	after, _ := os.ReadFile(filepath.Join(dir, "c.png"))
	if !bytes.Equal(before, after) || !fileExists(filepath.Join(dir, "c.toml")) {
		t.Fatalf("saving a PNG's session: png unchanged %v, c.toml written %v", bytes.Equal(before, after), fileExists(filepath.Join(dir, "c.toml")))
	}
	if got := freeSessionName(filepath.Join(dir, "c.png")); got != filepath.Join(dir, "c-2.toml") {
		t.Fatalf("next free name beside c.png: %q", got)
	}
}

// Ctrl+W saves under a new name and keeps editing it; an existing file is replaced only
// after Enter a second time.
func TestSaveAs(t *testing.T) {
	m, _ := newTestModel(t, 100, 30)
	dir := filepath.Dir(m.path)
	ready(t, m)
	keys(m, "first", "enter", "ctrl+w", "ctrl+u", "copy", "enter")
	copyPath := filepath.Join(dir, "copy.toml")
	if m.open.active || m.path != copyPath || m.dirty {
		t.Fatalf("save as copy: dialog %v, path %q, dirty %v (%q)", m.open.active, m.path, m.dirty, m.notice)
	}
	if s, err := session.Load(copyPath); err != nil || s.Prompt != "first" {
		t.Fatalf("copy.toml: %v %+v", err, s)
	}
	if err := os.WriteFile(filepath.Join(dir, "keep.toml"), []byte("not mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	keys(m, "ctrl+w", "ctrl+u", "keep.toml", "enter")
	kept, _ := os.ReadFile(filepath.Join(dir, "keep.toml"))
	if !m.open.active || !strings.Contains(m.open.err, "exists") || string(kept) != "not mine" {
		t.Fatalf("save as an existing file: dialog %v, error %q, file %q", m.open.active, m.open.err, kept)
	}
	keys(m, "enter")
	if s, err := session.Load(filepath.Join(dir, "keep.toml")); err != nil || s.Prompt != "first" || m.open.active {
		t.Fatalf("second enter: %v, dialog %v", err, m.open.active)
	}
	keys(m, "ctrl+w", "ctrl+u", "x.png", "enter")
	if !strings.Contains(m.open.err, ".toml") {
		t.Fatalf("save as a PNG name: %q", m.open.err)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}
