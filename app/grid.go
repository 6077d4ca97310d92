package app

// The X/Y grid (A1111's "X/Y/Z plot" script, two axes): one parameter varies along X and
// optionally another along Y; each cell is an ordinary render of the session with those two
// values set, so a cell is reproducible on its own (GridCell.Params is the session it renders).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io/fs"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/nudge-studio/nudge/contactsheet"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// MaxGridCells bounds a grid: every cell is a full render.
const MaxGridCells = 100

// GridAxis is one axis: a parameter and the values it takes, in order.
type GridAxis struct {
	Param  string   // seed | guidance | steps | scheduler | prompt | sega.N.weight
	Values []string // each as written (a range already expanded)
}

// GridParams are the parameters an axis can vary, for help texts.
const GridParams = "seed, guidance, steps, scheduler, prompt (search/replace: the first value is replaced by each), sega.N.weight"

func gridError(spec, what, hint string) error {
	return &session.InputError{Where: "grid axis " + strconv.Quote(spec), What: what, Hint: hint}
}

// ParseGridAxis reads "PARAM=V1,V2,…" where a value may be a range "A..B" (integers, step
// 1) or "A..B:STEP" (numbers). Prompt values are taken as written (no ranges).
func ParseGridAxis(spec string) (GridAxis, error) {
	name, list, ok := strings.Cut(spec, "=")
	name = strings.ToLower(strings.TrimSpace(name))
	if !ok || name == "" || strings.TrimSpace(list) == "" {
		return GridAxis{}, gridError(spec, "is not PARAM=VALUES", "e.g. guidance=3,5,7.5 or seed=1..4")
	}
	if !knownGridParam(name) {
		return GridAxis{}, gridError(spec, "unknown parameter "+strconv.Quote(name), "use one of: "+GridParams)
	}
	a := GridAxis{Param: name}
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(item)
		if name != "prompt" && strings.Contains(item, "..") {
			vals, err := expandRange(item)
			if err != nil {
				return GridAxis{}, gridError(spec, err.Error(), "write A..B (integers) or A..B:STEP")
			}
			a.Values = append(a.Values, vals...)
		} else {
			a.Values = append(a.Values, item)
		}
		if len(a.Values) > MaxGridCells {
			return GridAxis{}, gridError(spec, fmt.Sprintf("more than %d values", MaxGridCells), "use a shorter range or a larger step")
		}
	}
	if name == "prompt" && len(a.Values) < 2 {
		return GridAxis{}, gridError(spec, "prompt search/replace needs the text to find and at least one replacement", "e.g. prompt=cat,dog,frog")
	}
	return a, nil
}

func knownGridParam(name string) bool {
	if slices.Contains([]string{"seed", "guidance", "steps", "scheduler", "prompt"}, name) {
		return true
	}
	_, err := segaWeightIndex(name)
	return err == nil
}

// segaWeightIndex reads N from "sega.N.weight".
func segaWeightIndex(name string) (int, error) {
	rest, ok := strings.CutPrefix(name, "sega.")
	idx, ok2 := strings.CutSuffix(rest, ".weight")
	n, err := strconv.Atoi(idx)
	if !ok || !ok2 || err != nil || n < 0 {
		return 0, fmt.Errorf("not sega.N.weight")
	}
	return n, nil
}

// expandRange turns "A..B" or "A..B:STEP" into its values, A and B included.
func expandRange(item string) ([]string, error) {
	body, stepText, hasStep := strings.Cut(item, ":")
	lo, hi, _ := strings.Cut(body, "..")
	a, err1 := strconv.ParseFloat(strings.TrimSpace(lo), 64)
	b, err2 := strconv.ParseFloat(strings.TrimSpace(hi), 64)
	step := 1.0
	var err3 error
	if hasStep {
		step, err3 = strconv.ParseFloat(strings.TrimSpace(stepText), 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || math.IsNaN(a+b+step) || math.IsInf(a+b+step, 0) {
		return nil, fmt.Errorf("range %q is not A..B or A..B:STEP with numbers", item)
	}
	if step <= 0 {
		return nil, fmt.Errorf("range %q: the step must be positive", item)
	}
	if b < a {
		return nil, fmt.Errorf("range %q runs backwards", item)
	}
	if (b-a)/step >= MaxGridCells {
		return nil, fmt.Errorf("range %q has more than %d values", item, MaxGridCells)
	}
	var out []string
	for i := 0; ; i++ {
		v := a + float64(i)*step
		if v > b+step*1e-9 {
			break
		}
		out = append(out, strconv.FormatFloat(math.Round(v*1e9)/1e9, 'f', -1, 64))
	}
	return out, nil
}

// apply sets value i of the axis on p.
func (a GridAxis) apply(p *session.Params, i int) error {
	v := a.Values[i]
	bad := func(what string) error {
		return gridError(a.Param+"="+strings.Join(a.Values, ","), fmt.Sprintf("value %q: %s", v, what), "")
	}
	var err error
	switch a.Param {
	case "seed":
		p.Noise.Seed, err = strconv.ParseUint(v, 10, 64)
	case "guidance":
		p.Sampler.Guidance, err = strconv.ParseFloat(v, 64)
	case "steps":
		p.Sampler.Steps, err = strconv.Atoi(v)
	case "scheduler":
		p.Sampler.Scheduler = v
	case "prompt":
		if !strings.Contains(p.Prompt, a.Values[0]) {
			return bad("the prompt does not contain " + strconv.Quote(a.Values[0]) + " (the first value is what each value replaces)")
		}
		p.Prompt = strings.ReplaceAll(p.Prompt, a.Values[0], v)
	default:
		return a.applySEGAWeight(p, v, bad)
	}
	if err != nil {
		return bad("not a number for " + a.Param)
	}
	return nil
}

func (a GridAxis) applySEGAWeight(p *session.Params, v string, bad func(string) error) error {
	n, _ := segaWeightIndex(a.Param)
	s := techniques.SEGAOf(p)
	if s == nil || n >= len(s.Concepts) {
		have := 0
		if s != nil {
			have = len(s.Concepts)
		}
		return bad(fmt.Sprintf("the session has %d SEGA concepts (sega.0 … sega.%d)", have, have-1))
	}
	w, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return bad("not a number for " + a.Param)
	}
	s.Concepts[n].Weight = w
	return nil
}

// Grid is a planned X/Y grid: every cell's parameters, checked before any render.
type Grid struct {
	X, Y  GridAxis // Y.Param == "": one row
	Cells []GridCell
}

// GridCell is one render of the grid: column Col of row Row.
type GridCell struct {
	Col, Row int
	Params   session.Params
}

// PlanGrid builds every cell from base (batch 1 each) and checks it as a session and as a
// request, so a bad value is reported before the first render.
func PlanGrid(base session.Params, x GridAxis, y *GridAxis) (Grid, error) {
	g := Grid{X: x}
	rows := 1
	if y != nil {
		if y.Param == x.Param {
			return Grid{}, gridError(y.Param, "is both the X and the Y axis", "vary two different parameters")
		}
		g.Y, rows = *y, len(y.Values)
	}
	if len(x.Values)*rows > MaxGridCells {
		return Grid{}, gridError(x.Param, fmt.Sprintf("%d×%d cells is more than %d", len(x.Values), rows, MaxGridCells), "use fewer values")
	}
	for r := range rows {
		for c := range x.Values {
			p := base.Clone()
			p.Batch = 1
			if err := x.apply(&p, c); err != nil {
				return Grid{}, err
			}
			if y != nil {
				if err := y.apply(&p, r); err != nil {
					return Grid{}, err
				}
			}
			if err := checkCell(p); err != nil {
				return Grid{}, fmt.Errorf("grid cell %s: %w", g.cellName(c, r), err)
			}
			g.Cells = append(g.Cells, GridCell{Col: c, Row: r, Params: p})
		}
	}
	return g, nil
}

func checkCell(p session.Params) error {
	if err := (&session.Session{Version: session.Version, Params: p}).Validate(); err != nil {
		return err
	}
	req, err := BuildRequest(p)
	if err != nil {
		return err
	}
	return req.Validate()
}

// cellName is "guidance=5" or "guidance=5, seed=2".
func (g Grid) cellName(c, r int) string {
	s := g.X.Param + "=" + g.X.Values[c]
	if g.Y.Param != "" {
		s += ", " + g.Y.Param + "=" + g.Y.Values[r]
	}
	return s
}

// CellName names a cell by its axis values.
func (g Grid) CellName(i int) string { return g.cellName(g.Cells[i].Col, g.Cells[i].Row) }

// Sheet lays the cells' pictures (one per cell, in order) out as a labelled contact sheet.
func (g Grid) Sheet(images []image.Image) (*image.RGBA, error) {
	caption := "x: " + g.X.Param
	s := contactsheet.Sheet{ColLabels: g.X.Values, Cells: images}
	if g.Y.Param != "" {
		caption += "   y: " + g.Y.Param
		s.RowLabels = g.Y.Values
	}
	s.Caption = session.Sanitize(caption)
	return s.Compose()
}

// RenderGrid renders the cells one by one on m; onStep reports cell i's steps. It stops at
// the first error or when ctx ends.
func RenderGrid(ctx context.Context, m *runtime.Model, g Grid, onStep func(cell int, st runtime.StepInfo)) ([]image.Image, error) {
	out := make([]image.Image, 0, len(g.Cells))
	for i, c := range g.Cells {
		req, err := BuildRequest(c.Params)
		if err != nil {
			return nil, err
		}
		res, err := m.Render(ctx, req, func(st runtime.StepInfo) { onStep(i, st) })
		if err != nil {
			return nil, fmt.Errorf("grid cell %s: %w", g.CellName(i), err)
		}
		out = append(out, res.Images[0])
	}
	return out, nil
}

// GridSessionPaths are the session files written beside a grid PNG, one per cell:
// OUT-x1-y1.toml … (1-based column and row), so each cell can be rendered again alone.
func GridSessionPaths(out string, g Grid) []string {
	base := strings.TrimSuffix(out, ".png")
	paths := make([]string, len(g.Cells))
	for i, c := range g.Cells {
		paths[i] = fmt.Sprintf("%s-x%d-y%d.toml", base, c.Col+1, c.Row+1)
	}
	return paths
}

// CheckGridOutputs says before any render whether the grid PNG and the cell sessions can
// be written: all new files (nudge never overwrites) in a folder that takes files.
func CheckGridOutputs(out string, g Grid, withSessions bool) error {
	if err := session.CheckOutputs(out, 1, ""); err != nil {
		return err
	}
	if !withSessions {
		return nil
	}
	for _, p := range GridSessionPaths(out, g) {
		if err := session.CheckOutputs(p, 1, ""); err != nil {
			return err
		}
	}
	return nil
}

// WriteGrid writes the sheet as a new PNG and, with cellSessions (the session each cell
// came from, its model and runtime), one session file per cell; it returns the paths written.
func WriteGrid(out string, sheet image.Image, g Grid, cellSession *session.Session) ([]string, error) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, sheet); err != nil {
		return nil, err
	}
	if err := session.WriteFileNew(out, buf.Bytes()); err != nil {
		return nil, err
	}
	written := []string{out}
	if cellSession == nil {
		return written, nil
	}
	for i, path := range GridSessionPaths(out, g) {
		s := *cellSession
		s.Params, s.History = g.Cells[i].Params.Clone(), nil
		s.Model = cellSession.Model // with the fingerprint StampRuntime recorded
		if err := session.WriteFileNew(path, session.Marshal(&s)); err != nil {
			return written, err
		}
		written = append(written, path)
	}
	return written, nil
}

// NextGridPath is the first DIR/BASE-grid-NNN.png whose grid PNG and cell sessions are all
// free, for the studio's grids.
func NextGridPath(dir, base string, g Grid) (string, error) {
	for n := 1; n < 10000; n++ {
		out := filepath.Join(dir, fmt.Sprintf("%s-grid-%03d.png", base, n))
		if err := CheckGridOutputs(out, g, true); err == nil {
			return out, nil
		} else if !errors.Is(err, fs.ErrExist) && !strings.Contains(err.Error(), "never overwrites") {
			return "", err
		}
	}
	return "", &session.InputError{Where: filepath.Join(dir, base+"-grid-NNN.png"), What: "every number is taken", Hint: "move old grids away"}
}
