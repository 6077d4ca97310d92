package tui

import (
	"fmt"
	"image"
	"path/filepath"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// gridRun is the studio's X/Y grid (app/grid.go): Ctrl+G asks for the X axis, then the
// optional Y axis, on the message line; the cells are then rendered one by one on the
// engine (ordinary renders, so each equals a single render of its settings), the preview
// shows each finished cell, and the labelled sheet is shown and written next to the session
// with one session file per cell. Ctrl+G or Esc cancels. While it runs, edits wait.
type gridRun struct {
	asking  int // 0: no dialog; 1: asking for X; 2: asking for Y
	in      textinput.Model
	err     string
	x       app.GridAxis
	plan    *app.Grid // non-nil while rendering
	cell    int       // the cell being rendered
	job     int       // its engine job
	step    int
	steps   int
	images  []image.Image
	session session.Session // what the cell sessions are written from
}

// gridSavedMsg reports the grid's files written off the UI goroutine.
type gridSavedMsg struct {
	paths []string
	err   error
}

func (g *gridRun) active() bool  { return g.asking > 0 || g.plan != nil }
func (g *gridRun) running() bool { return g.plan != nil }

// gridKey handles Ctrl+G and, while the grid dialog or a grid is active, every key.
func (m *Model) gridKey(msg tea.KeyPressMsg) tea.Cmd {
	g := &m.grid
	cancel := key.Matches(msg, m.keys.Cancel, m.keys.Grid)
	switch {
	case g.running() && cancel:
		return m.cancelGrid()
	case g.running():
		return nil
	case g.asking > 0 && cancel:
		g.asking, g.err = 0, ""
		g.in.Blur()
		return nil
	case g.asking > 0 && key.Matches(msg, m.keys.Edit):
		return m.gridAnswer(strings.TrimSpace(g.in.Value()))
	case g.asking > 0:
		g.err = ""
		var cmd tea.Cmd
		g.in, cmd = g.in.Update(msg)
		return cmd
	}
	g.asking, g.err = 1, ""
	g.in = newInput("guidance=3,5,7.5")
	g.in.SetWidth(max(m.width-40, 12))
	return g.in.Focus()
}

// gridAnswer takes the X axis, then the Y axis (empty: none), and starts the grid.
func (m *Model) gridAnswer(text string) tea.Cmd {
	g := &m.grid
	if g.asking == 1 {
		x, err := app.ParseGridAxis(text)
		if err != nil {
			g.err = oneLine(err.Error())
			return nil
		}
		g.x, g.asking = x, 2
		g.in.SetValue("")
		g.in.Placeholder = "seed=1..4 (enter: no Y axis)"
		return nil
	}
	var y *app.GridAxis
	if text != "" {
		ya, err := app.ParseGridAxis(text)
		if err != nil {
			g.err = oneLine(err.Error())
			return nil
		}
		y = &ya
	}
	plan, err := app.PlanGrid(m.sess.Params, g.x, y)
	if err == nil {
		err = app.SizeProblem(m.sess.Width, m.sess.Height, m.render.downsampling)
	}
	if err != nil {
		g.err = oneLine(err.Error())
		return nil
	}
	if !m.render.ready {
		g.err = "the model is not open yet"
		return nil
	}
	g.asking = 0
	g.in.Blur()
	g.plan, g.images, g.cell = &plan, nil, 0
	g.session = *m.sess
	g.session.History = nil
	return m.submitGridCell()
}

// submitGridCell sends the current cell to the engine (superseding any render).
func (m *Model) submitGridCell() tea.Cmd {
	g := &m.grid
	req, err := app.BuildRequest(g.plan.Cells[g.cell].Params)
	if err != nil {
		m.say("grid: "+oneLine(err.Error()), true)
		g.plan = nil
		return nil
	}
	g.step, g.steps = 0, 0
	g.job = m.engine.Submit(req)
	return nil
}

// ownsGridEvent reports whether an engine event belongs to the running grid.
func (m *Model) ownsGridEvent(ev runtime.Event) bool {
	id := -1
	switch ev := ev.(type) {
	case runtime.Step:
		id = ev.ID
	case runtime.Done:
		id = ev.ID
	case runtime.Failed:
		id = ev.ID
	case runtime.Cancelled:
		id = ev.ID
	case runtime.Started:
		id = ev.ID
	case runtime.Queued:
		id = ev.ID
	}
	return m.grid.running() && id == m.grid.job
}

// onGridEvent follows the grid's current cell.
func (m *Model) onGridEvent(ev runtime.Event) tea.Cmd {
	g := &m.grid
	switch ev := ev.(type) {
	case runtime.Step:
		g.step, g.steps = ev.Step+1, ev.Steps
	case runtime.Failed:
		m.say(fmt.Sprintf("grid cell %s failed: %s", g.plan.CellName(g.cell), oneLine(ev.Err.Error())), true)
		g.plan = nil
		return m.schedule()
	case runtime.Cancelled:
		m.say("grid cancelled", false)
		g.plan = nil
		return m.schedule()
	case runtime.Done:
		g.images = append(g.images, ev.Images[0])
		show := m.preview.showImage(ev.Images[0], fmt.Sprintf("grid cell %d/%d", g.cell+1, len(g.plan.Cells)))
		g.cell++
		if g.cell < len(g.plan.Cells) {
			return tea.Batch(show, m.submitGridCell())
		}
		return m.finishGrid()
	}
	return nil
}

// cancelGrid stops the grid at once (the engine's run-terminate flag).
func (m *Model) cancelGrid() tea.Cmd {
	g := &m.grid
	done, total := g.cell, len(g.plan.Cells)
	g.plan = nil
	m.engine.Cancel()
	m.say(fmt.Sprintf("grid cancelled after %d of %d cells", done, total), false)
	return m.schedule()
}

// finishGrid composes the sheet, shows it and writes it with the cell sessions.
func (m *Model) finishGrid() tea.Cmd {
	g := &m.grid
	plan := *g.plan
	g.plan = nil
	sheet, err := plan.Sheet(g.images)
	if err != nil {
		m.say("grid: "+oneLine(err.Error()), true)
		return nil
	}
	m.say(fmt.Sprintf("grid of %d cells done · writing it beside the session", len(plan.Cells)), false)
	resume := m.schedule() // edits made while the grid ran
	dir := filepath.Dir(m.path)
	base := strings.TrimSuffix(filepath.Base(m.path), filepath.Ext(m.path))
	cellSession := g.session
	save := func() tea.Msg {
		out, err := app.NextGridPath(dir, base, plan)
		if err != nil {
			return gridSavedMsg{err: err}
		}
		paths, err := app.WriteGrid(out, sheet, plan, &cellSession)
		return gridSavedMsg{paths: paths, err: err}
	}
	return tea.Batch(m.preview.showImage(sheet, fmt.Sprintf("grid %s", plan.X.Param)), save, resume)
}

func (m *Model) onGridSaved(msg gridSavedMsg) {
	switch {
	case msg.err != nil:
		m.say("grid not saved: "+oneLine(msg.err.Error()), true)
	case len(msg.paths) > 0:
		m.say(fmt.Sprintf("grid saved: %s (+ %d cell sessions)", msg.paths[0], len(msg.paths)-1), false)
	}
}

// view is the message line while the grid dialog or a grid is active.
func (g *gridRun) view(st *styles) string {
	if g.running() {
		return fmt.Sprintf("grid cell %d/%d (%s) step %d/%d · ctrl+g or esc cancels", g.cell+1, len(g.plan.Cells),
			session.Sanitize(g.plan.CellName(g.cell)), g.step, g.steps)
	}
	label := "grid X axis: "
	if g.asking == 2 {
		label = "grid Y axis: "
	}
	tail := st.dim.Render("  (PARAM=a,b,c or PARAM=a..b[:step]; " + "seed guidance steps scheduler prompt sega.N.weight)")
	if g.err != "" {
		tail = "  " + st.err.Render(session.Sanitize(g.err))
	}
	return label + g.in.View() + tail
}
