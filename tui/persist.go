package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
)

// DefaultSessionFile is where Ctrl+S writes when no session file was given.
const DefaultSessionFile = "nudge-session.toml"

// AutosavePath is the sibling file the studio writes on quit with unsaved changes; files.go
// has the rule for opening one (SessionPathOf).
func AutosavePath(sessionPath string) string { return sessionPath + autosaveSuffix }

// save writes the session, and the newest finished picture next to it as a PNG carrying the
// parameters that made it (session.EncodePNG) with a history snapshot pointing at it. It
// reports whether the session was written.
func (m *Model) save() bool {
	s := m.sessionToSave()
	out, err := m.saveImage(s)
	if err == nil {
		err = session.Save(m.path, s)
	}
	if err != nil {
		m.say("save failed: "+oneLine(err.Error()), true)
		return false
	}
	m.sess.History = s.History
	m.dirty = false
	if out != "" {
		m.render.last.saved = true
		m.history.markSaved(out)
		m.say("saved "+m.path+" and "+out, false)
	} else {
		m.say("saved "+m.path, false)
	}
	m.dropRecovered()
	return true
}

// sessionToSave is the session with the runtime facts only the studio knows filled in.
func (m *Model) sessionToSave() *session.Session {
	s := *m.sess
	s.Params = cloneParams(m.sess.Params)
	if v := ort.RuntimeVersion(); v != "" {
		s.Runtime.ORTVersion = v
	}
	return &s
}

// saveImage writes the newest render as <session>-NNN.png and appends its snapshot to s.
// Nothing is written when there is no new render since the last save.
func (m *Model) saveImage(s *session.Session) (string, error) {
	last := m.render.last
	if last.img == nil || last.saved {
		return "", nil
	}
	base := strings.TrimSuffix(filepath.Base(m.path), filepath.Ext(m.path))
	rendered := &session.Session{Version: session.Version, Params: last.params}
	rendered.Runtime.ORTVersion = s.Runtime.ORTVersion
	name, err := session.SaveNumberedPNG(filepath.Dir(m.path), base, len(s.History)+1, last.img, rendered)
	if err != nil {
		return "", err
	}
	s.History = append(s.History, session.Snapshot{
		Time: last.at.UTC().Truncate(time.Second), Output: name,
		ImageSHA256: session.ImageHash(last.img), Params: rendered.Params,
	})
	return name, nil
}

// autosave writes the unsaved session to the sibling .autosave file.
func (m *Model) autosave() error {
	return session.Save(AutosavePath(m.path), m.sessionToSave())
}

// quit leaves at once when everything is saved. With unsaved changes the first q autosaves
// and asks; a second q (sure) leaves.
func (m *Model) quit(sure bool) tea.Cmd {
	if m.dirty && !sure {
		if err := m.autosave(); err != nil {
			m.say("autosave failed: "+oneLine(err.Error())+" — q again quits anyway", true)
		}
		m.quitSure = true
		return nil
	}
	if b := m.preview.pvClear(); b != nil {
		return tea.Sequence(tea.Raw(string(b)), tea.Quit)
	}
	return tea.Quit
}

// openSession loads a file chosen after Ctrl+O (openFile: a session, an autosave, a PNG).
// The old session's history strip is replaced; a different model starts a new engine.
func (m *Model) openSession(path string) (tea.Cmd, error) {
	path = strings.TrimSpace(path)
	o, err := openFile(path)
	if err != nil {
		return nil, err
	}
	s := o.sess
	if m.dirty {
		if err := m.autosave(); err != nil {
			return nil, fmt.Errorf("the current session has unsaved changes and autosave failed: %w", err)
		}
	}
	oldModel := m.sess.Model.Path
	m.sess, m.path, m.dirty, m.recovered = s, o.path, o.unsaved, o.recovered
	m.undo = undoStack{}
	m.history.loadSession(s)
	syncCmd := m.broadcast(syncMsg{})
	switch {
	case o.recovered != "":
		m.say("recovered "+path+" — ctrl+s saves it to "+o.path, false)
	case o.unsaved:
		m.say("opened the session in "+path+" — ctrl+s saves it as "+o.path, false)
	default:
		m.say("opened "+path, false)
	}
	if s.Model.Path != oldModel && s.Model.Path != "" && m.openEngine != nil {
		return tea.Batch(syncCmd, m.swapEngine(s.Model.Path, filepath.Dir(path))), nil
	}
	return tea.Batch(syncCmd, m.schedule()), nil
}

// swapEngine closes the current engine and opens the session's model, both off the UI
// goroutine (closing waits for ONNX Runtime to finish its current call).
func (m *Model) swapEngine(ref, base string) tea.Cmd {
	old, open := m.engine, m.openEngine
	m.engine = nil
	m.render = renderState{debounce: m.render.debounce, state: "loading model"}
	m.modelLabel = ref
	m.banner = app.ModelBanner(ref)
	return func() tea.Msg {
		if old != nil {
			old.Close()
		}
		return engineSwapMsg{engine: open(ref, base)}
	}
}

func (m *Model) onEngineSwap(msg engineSwapMsg) tea.Cmd {
	m.engine = msg.engine
	return waitEvent(m.engine)
}

// fileExists reports whether something exists at path. Other stat errors (permissions)
// count as existing, so Load reports them rather than a new session silently replacing it.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}
