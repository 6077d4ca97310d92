package tui

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/session"
)

// fileMode is what the file dialog does with the path chosen.
type fileMode int

const (
	modeOpen   fileMode = iota // Ctrl+O: open a session, an autosave or a PNG with a session
	modeSaveAs                 // Ctrl+W: save the session under another name
)

// openDialog is the file dialog of Ctrl+O and Ctrl+W, drawn over the editor column: a path
// field above a listing of the folder it names (files.go), filtered as you type. Errors
// appear at once, under the field, and keep the dialog open.
type openDialog struct {
	active bool
	mode   fileMode
	in     textinput.Model
	base   string // the session's folder: relative paths are taken from here
	dir    string // the folder listed
	all    []fileEntry
	shown  []fileEntry // all, filtered by the typed name
	cursor int
	err    string
	// confirm is the existing file a save-as would replace; Enter again on the same path
	// overwrites it.
	confirm string
}

func newOpenDialog() openDialog { return openDialog{in: newInput("a file name, or ↑/↓ to choose")} }

// begin opens the dialog on the session's folder; save-as starts with the current name.
func (d *openDialog) begin(mode fileMode, sessionPath string, width int) {
	d.active, d.mode, d.err, d.confirm, d.cursor = true, mode, "", "", 0
	d.base, d.dir, d.all = filepath.Dir(sessionPath), "", nil
	d.in.SetValue("")
	if mode == modeSaveAs {
		d.in.SetValue(filepath.Base(sessionPath))
	}
	d.in.CursorEnd()
	d.in.SetWidth(max(width-8, 8))
	d.in.Focus()
	d.refresh()
}

func (d *openDialog) close() {
	d.active, d.err, d.confirm = false, "", ""
	d.in.Blur()
}

func (d *openDialog) update(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	d.in, cmd = d.in.Update(msg)
	d.err, d.confirm = "", ""
	d.refresh()
	return cmd
}

// typed is the field's path resolved against the session's folder, "" when empty.
func (d *openDialog) typed() string {
	t := strings.TrimSpace(d.in.Value())
	if t == "" || filepath.IsAbs(t) {
		return t
	}
	return filepath.Join(d.base, t)
}

// refresh lists the folder the field points into (re-reading it only when that folder
// changed) and filters the listing by the name being typed.
func (d *openDialog) refresh() {
	t := strings.TrimSpace(d.in.Value())
	dir, pattern := d.base, ""
	if t != "" {
		full := d.typed()
		dir, pattern = filepath.Dir(full), filepath.Base(full)
		if strings.HasSuffix(t, "/") {
			dir, pattern = full, ""
		}
	}
	if dir != d.dir {
		d.dir = dir
		var err error
		if d.all, err = listSessionFiles(dir); err != nil && d.err == "" {
			d.err = oneLine(err.Error())
		}
	}
	d.shown = filterFiles(d.all, pattern)
	d.cursor = min(d.cursor, max(len(d.shown)-1, 0))
}

// selected is the highlighted entry's path, "" when the listing is empty.
func (d *openDialog) selected() string {
	if len(d.shown) == 0 {
		return ""
	}
	return filepath.Join(d.dir, d.shown[d.cursor].name)
}

// complete puts the highlighted entry's name in the field (Tab).
func (d *openDialog) complete() {
	sel := d.selected()
	if sel == "" {
		return
	}
	if rel, err := filepath.Rel(d.base, sel); err == nil && !strings.HasPrefix(rel, "..") {
		sel = rel
	}
	d.in.SetValue(sel)
	d.in.CursorEnd()
	d.refresh()
}

// move steps the highlight (arrows and the mouse wheel).
func (d *openDialog) move(delta int) {
	if len(d.shown) > 0 {
		d.cursor = (d.cursor + delta + len(d.shown)) % len(d.shown)
	}
}

// openKey: Enter acts, Esc closes, ↑/↓ choose, Tab completes, the rest edits the field.
func (m *Model) openKey(msg tea.KeyPressMsg) tea.Cmd {
	d := &m.open
	switch {
	case key.Matches(msg, m.keys.Cancel):
		d.close()
		return nil
	case key.Matches(msg, m.keys.Up):
		d.move(-1)
		return nil
	case key.Matches(msg, m.keys.Down):
		d.move(1)
		return nil
	case key.Matches(msg, m.keys.Next):
		d.complete()
		return nil
	case key.Matches(msg, m.keys.Edit):
		return m.fileChosen()
	}
	return d.update(msg)
}

// fileChosen acts on Enter: open (the typed file when it exists, else the highlighted one)
// or save as (the typed path).
func (m *Model) fileChosen() tea.Cmd {
	d := &m.open
	if d.mode == modeSaveAs {
		d.err = m.saveAs(d.typed())
		if d.err == "" {
			d.close()
		}
		return nil
	}
	path := d.typed()
	if fi, err := os.Stat(path); (path == "" || err != nil || fi.IsDir()) && d.selected() != "" {
		path = d.selected()
	}
	if path == "" {
		d.err = "type a file name or choose one with ↑/↓"
		return nil
	}
	cmd, err := m.openSession(path)
	if err != nil {
		d.err = oneLine(err.Error())
		return nil
	}
	d.close()
	return cmd
}

// saveAs saves under path after the checks; the reason it did not, or "".
func (m *Model) saveAs(path string) string {
	d := &m.open
	switch {
	case path == "":
		return "type the file name to save as"
	case strings.HasSuffix(path, autosaveSuffix):
		return "autosaves are the studio's own — choose a name without " + autosaveSuffix
	case strings.EqualFold(filepath.Ext(path), ".png"):
		return "a session is saved as .toml; its pictures are written next to it"
	case filepath.Ext(path) == "":
		path += ".toml"
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return path + " is a folder — add a file name"
	}
	if path != m.path && fileExists(path) && d.confirm != path {
		d.confirm = path
		return filepath.Base(path) + " exists — enter again replaces it, esc keeps it"
	}
	old := m.path
	m.path = path
	if !m.save() {
		m.path = old
		return oneLine(m.notice)
	}
	return ""
}

// title is the dialog's heading.
func (d *openDialog) title() string {
	if d.mode == modeSaveAs {
		return "Save the session as"
	}
	return "Open a session, an autosave or a PNG with a session"
}

// hint is the message line while the dialog is open: the error, or how to use it.
func (d *openDialog) hint() string {
	if d.mode == modeSaveAs {
		return "type a name · tab takes the highlighted one · enter saves · esc cancels"
	}
	return "type to filter · ↑/↓ choose · tab completes · enter opens · esc cancels"
}

// view is the message line: the error, or the hint.
func (d *openDialog) view(st *styles) string {
	if d.err != "" {
		return st.err.Render(session.Sanitize(d.err))
	}
	return st.dim.Render("  " + d.hint())
}

// panel draws the dialog in the editor column: title, field, error, listing.
func (d *openDialog) panel(st *styles, width, height int) []string {
	out := []string{st.focused.Render("▶ "+d.title()+" ") + st.dim.Render(session.Sanitize(d.dir)),
		"  " + st.title.Render("file ") + d.in.View()}
	if d.err != "" {
		out = append(out, "  "+st.err.Render(session.Sanitize(d.err)))
	} else {
		out = append(out, st.dim.Render(fmt.Sprintf("  %d of %d files in this folder", len(d.shown), len(d.all))))
	}
	rows := max(height-len(out), 1)
	first := max(min(d.cursor-rows/2, len(d.shown)-rows), 0)
	nameW := nameWidth(d.shown, width)
	for i := first; i < min(first+rows, len(d.shown)); i++ {
		out = append(out, d.shown[i].line(st, i == d.cursor, nameW, width))
	}
	if len(d.shown) == 0 && len(d.all) > 0 {
		out = append(out, st.dim.Render("  no file matches — enter uses the typed path"))
	}
	return pad(out, height)
}

// listTop is the row, within the panel, of the first listed file (for mouse clicks).
func (d *openDialog) listTop(height int) (row, first int) {
	rows := max(height-3, 1)
	return 3, max(min(d.cursor-rows/2, len(d.shown)-rows), 0)
}
