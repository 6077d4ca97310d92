package main

import (
	"context"
	"flag"
	"fmt"
	"image"
	"os"

	"github.com/nudge-studio/nudge/app"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// cmdGrid renders an X/Y grid of a session (app/grid.go) into one labelled PNG, with one
// session file per cell unless --no-sessions.
func cmdGrid(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("grid", flag.ContinueOnError)
	var g globalFlags
	g.register(fs)
	var out, xSpec, ySpec, sessPath, model string
	var noSessions bool
	fs.StringVar(&out, "o", "", "output PNG (never overwritten)")
	fs.StringVar(&xSpec, "x", "", "X axis: PARAM=V1,V2,… or PARAM=A..B[:STEP]; PARAM is one of "+app.GridParams)
	fs.StringVar(&ySpec, "y", "", "Y axis (optional), as --x")
	fs.StringVar(&sessPath, "session", "", "the session to vary (or give it as the argument)")
	fs.StringVar(&model, "model", "", "model for a grid without a session (default: the built-in)")
	fs.BoolVar(&noSessions, "no-sessions", false, "do not write OUT-xC-yR.toml, the session of each cell")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if sessPath != "" {
		pos = append([]string{sessPath}, pos...)
	}
	if len(pos) > 1 || out == "" || xSpec == "" {
		return usagef("grid: usage: nudge grid [--session] [S.toml] --x PARAM=VALUES [--y PARAM=VALUES] -o GRID.png")
	}
	cfg, err := g.load()
	if err != nil {
		return err
	}
	s, base, err := sessionFor(cfg, pos)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		app.FitNewSession(&s.Params, firstNonEmpty(model, s.Model.Path), cfg.Defaults)
		s.Model.Path = firstNonEmpty(model, s.Model.Path)
	}
	grid, err := planGrid(s.Params, xSpec, ySpec)
	if err != nil {
		return err
	}
	if err := app.CheckGridOutputs(out, grid, !noSessions); err != nil {
		return err
	}
	m, err := app.OpenModel(ctx, cfg, s.Model.Path, base, os.Stderr)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := app.CheckSize(m.Dir, s.Width, s.Height); err != nil {
		return err
	}
	images, err := renderGridCells(ctx, m, grid)
	if err != nil {
		return err
	}
	sheet, err := grid.Sheet(images)
	if err != nil {
		return err
	}
	var cellSession *session.Session
	if !noSessions {
		app.StampRuntime(ctx, s, m)
		cellSession = s
	}
	written, err := app.WriteGrid(out, sheet, grid, cellSession)
	for _, p := range written {
		fmt.Fprintf(os.Stderr, "wrote %s\n", session.Sanitize(p))
	}
	return err
}

func planGrid(p session.Params, xSpec, ySpec string) (app.Grid, error) {
	x, err := app.ParseGridAxis(xSpec)
	if err != nil {
		return app.Grid{}, err
	}
	var y *app.GridAxis
	if ySpec != "" {
		ya, err := app.ParseGridAxis(ySpec)
		if err != nil {
			return app.Grid{}, err
		}
		y = &ya
	}
	return app.PlanGrid(p, x, y)
}

// renderGridCells renders cell by cell with a progress bar per cell on stderr.
func renderGridCells(ctx context.Context, m *runtime.Model, grid app.Grid) ([]image.Image, error) {
	var bar *app.Progress
	cur := -1
	images, err := app.RenderGrid(ctx, m, grid, func(cell int, st runtime.StepInfo) {
		if cell != cur {
			if bar != nil {
				bar.Finish()
			}
			cur = cell
			bar = app.NewProgress(os.Stderr, fmt.Sprintf("cell %d/%d %s", cell+1, len(grid.Cells), session.Sanitize(grid.CellName(cell))), "steps")
		}
		bar.Update(st.Step+1, st.Steps)
	})
	if bar != nil {
		bar.Finish()
	}
	return images, err
}
