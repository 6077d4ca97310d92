package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/nudge-studio/nudge/session"
)

// The autosave path rule. The studio autosaves the session at PATH to PATH + ".autosave"
// (AutosavePath), and opening an autosave — with Ctrl+O or `nudge studio --session` —
// edits the session it belongs to: the path is PATH again (SessionPathOf), so Ctrl+S
// writes PATH and PATH's stem numbers the pictures, never "x.toml.autosave" or
// "x.toml-002.png". The recovered session counts as unsaved, and once it is saved to PATH
// the autosave it came from is removed.
const autosaveSuffix = ".autosave"

// SessionPathOf is the session file an autosave belongs to; other paths are returned as they are.
func SessionPathOf(path string) string { return strings.TrimSuffix(path, autosaveSuffix) }

// opened is a file the studio opened, and what saving it will do.
type opened struct {
	sess *session.Session
	path string // where Ctrl+S writes
	// unsaved: the session is not in path yet (an autosave, or a PNG's parameters).
	unsaved bool
	// recovered is the autosave the session came from, removed after the next save.
	recovered string
}

// openFile reads a session file, an autosave or a PNG carrying a session (ours, or A1111's
// parameters). A PNG is never written to: its session is saved as the first free of
// STEM.toml, STEM-2.toml, … beside it.
func openFile(path string) (opened, error) {
	if strings.EqualFold(filepath.Ext(path), ".png") {
		s, _, err := session.Import(path)
		if err != nil {
			return opened{}, err
		}
		return opened{sess: s, path: freeSessionName(path), unsaved: true}, nil
	}
	s, err := session.Load(path)
	if err != nil {
		return opened{}, err
	}
	if SessionPathOf(path) != path {
		return opened{sess: s, path: SessionPathOf(path), unsaved: true, recovered: path}, nil
	}
	return opened{sess: s, path: path}, nil
}

// freeSessionName is the first session name beside a PNG that no file uses.
func freeSessionName(png string) string {
	stem := strings.TrimSuffix(png, filepath.Ext(png))
	name := stem + ".toml"
	for n := 2; fileExists(name) && n < 10000; n++ {
		name = fmt.Sprintf("%s-%d.toml", stem, n)
	}
	return name
}

// dropRecovered removes the autosave a session was recovered from, once the session has
// been saved to its own path: the autosave then holds nothing the session file does not.
func (m *Model) dropRecovered() {
	if m.recovered == "" || SessionPathOf(m.recovered) != m.path {
		return
	}
	if err := os.Remove(m.recovered); err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.say("saved "+m.path+", but the old autosave stays: "+oneLine(err.Error()), true)
	}
	m.recovered = ""
}

// fileKind is what a listed file holds.
type fileKind int

const (
	kindSession fileKind = iota
	kindAutosave
	kindImage
)

// fileEntry is one file of the dialog's listing.
type fileEntry struct {
	name string
	kind fileKind
	mod  time.Time
}

// maxListed bounds a listing; a folder of thousands of renders shows the newest.
const maxListed = 500

// listSessionFiles lists what the studio can open in dir — session files, autosaves and
// PNGs carrying a session (session.HasSessionChunk reads their chunk headers only) —
// newest first.
func listSessionFiles(dir string) ([]fileEntry, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("cannot list %s: %w", dir, errors.Unwrap(err))
	}
	var out []fileEntry
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		entry := fileEntry{name: e.Name(), mod: fi.ModTime()}
		switch {
		case strings.HasSuffix(e.Name(), ".toml"+autosaveSuffix):
			entry.kind = kindAutosave
		case strings.EqualFold(filepath.Ext(e.Name()), ".toml"):
			entry.kind = kindSession
		case strings.EqualFold(filepath.Ext(e.Name()), ".png") && pngHasSession(filepath.Join(dir, e.Name())):
			entry.kind = kindImage
		default:
			continue
		}
		out = append(out, entry)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].mod.Equal(out[j].mod) {
			return out[i].mod.After(out[j].mod)
		}
		return out[i].name < out[j].name
	})
	return out[:min(len(out), maxListed)], nil
}

func pngHasSession(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	return session.HasSessionChunk(f)
}

// filterFiles keeps the entries whose name contains pattern's letters in order (case
// folded), names containing it whole first; the newest-first order holds within each group.
func filterFiles(all []fileEntry, pattern string) []fileEntry {
	if pattern == "" {
		return all
	}
	p := strings.ToLower(pattern)
	var whole, scattered []fileEntry
	for _, e := range all {
		n := strings.ToLower(e.name)
		switch {
		case strings.Contains(n, p):
			whole = append(whole, e)
		case isSubsequence(p, n):
			scattered = append(scattered, e)
		}
	}
	return append(whole, scattered...)
}

func isSubsequence(p, s string) bool {
	rs := []rune(s)
	i := 0
	for _, r := range p {
		for i < len(rs) && rs[i] != r {
			i++
		}
		if i == len(rs) {
			return false
		}
		i++
	}
	return true
}

// line draws one listed file: its name in a column nameW wide, then what it is and when it
// was written (cut first when the column is narrow).
func (e fileEntry) line(st *styles, selected bool, nameW, width int) string {
	what := map[fileKind]string{kindSession: "session", kindAutosave: "autosave of " + SessionPathOf(e.name),
		kindImage: "image with its session"}[e.kind]
	right := what + " · " + e.mod.Format("2006-01-02 15:04")
	name := fit(session.Sanitize(e.name), nameW)
	marker := "  "
	if selected {
		marker, name = "▸ ", st.selected.Render(name)
	}
	return fit(marker+name+"  "+st.dim.Render(session.Sanitize(right)), width)
}

// nameWidth is the name column of a listing: its longest name, at most two thirds of width.
func nameWidth(entries []fileEntry, width int) int {
	w := 8
	for _, e := range entries {
		w = max(w, ansi.StringWidth(session.Sanitize(e.name)))
	}
	return min(w, width*2/3)
}
