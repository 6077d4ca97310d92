package app

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/contactsheet"
	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

func TestParseGridAxis(t *testing.T) {
	for _, tc := range []struct {
		spec, param string
		values      []string
		err         string
	}{
		{spec: "guidance=3,5,7.5", param: "guidance", values: []string{"3", "5", "7.5"}},
		{spec: "seed=1..4", param: "seed", values: []string{"1", "2", "3", "4"}},
		{spec: " Steps = 10..30:10 ", param: "steps", values: []string{"10", "20", "30"}},
		{spec: "guidance=1..2:0.5,9", param: "guidance", values: []string{"1", "1.5", "2", "9"}},
		{spec: "guidance=0..0.3:0.1", param: "guidance", values: []string{"0", "0.1", "0.2", "0.3"}},
		{spec: "sega.1.weight=0,2", param: "sega.1.weight", values: []string{"0", "2"}},
		{spec: "prompt=cat,dog..bird", param: "prompt", values: []string{"cat", "dog..bird"}},
		{spec: "seed", err: "is not PARAM=VALUES"},
		{spec: "colour=red", err: `unknown parameter "colour"`},
		{spec: "sega.x.weight=1", err: "unknown parameter"},
		{spec: "seed=4..1", err: "runs backwards"},
		{spec: "seed=1..9999", err: "more than 100"},
		{spec: "guidance=1..2:0", err: "step must be positive"},
		{spec: "steps=a..b", err: "not A..B"},
		{spec: "prompt=cat", err: "at least one replacement"},
	} {
		a, err := ParseGridAxis(tc.spec)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || !runtime.IsBadInput(err) {
				t.Errorf("%q: error %v, want a bad-input error with %q", tc.spec, err, tc.err)
			}
			continue
		}
		if err != nil || a.Param != tc.param || !slices.Equal(a.Values, tc.values) {
			t.Errorf("%q = %+v, %v; want %s %v", tc.spec, a, err, tc.param, tc.values)
		}
	}
}

func gridBase() session.Params {
	s := session.Default()
	s.Prompt, s.Width, s.Height, s.Sampler.Steps, s.Batch = "a red cat on grass", 64, 64, 3, 2
	return s.Params
}

func mustAxis(t *testing.T, spec string) GridAxis {
	t.Helper()
	a, err := ParseGridAxis(spec)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// Each cell is the base with its two values set, batch 1; the base is left untouched.
func TestPlanGridCells(t *testing.T) {
	base := gridBase()
	sega := techniques.DefaultSEGAConfig()
	sega.Concepts = []techniques.Concept{techniques.DefaultConcept("sunset")}
	base.SetBlock("sega", &sega)
	y := mustAxis(t, "prompt=cat,dog,frog")
	g, err := PlanGrid(base, mustAxis(t, "sega.0.weight=0,2"), &y)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Cells) != 6 {
		t.Fatalf("%d cells, want 2×3", len(g.Cells))
	}
	last := g.Cells[5]
	if last.Col != 1 || last.Row != 2 || last.Params.Prompt != "a red frog on grass" || last.Params.Batch != 1 {
		t.Errorf("cell 5: col %d row %d prompt %q batch %d", last.Col, last.Row, last.Params.Prompt, last.Params.Batch)
	}
	if w := techniques.SEGAOf(&last.Params).Concepts[0].Weight; w != 2 {
		t.Errorf("cell 5 SEGA weight %v, want 2", w)
	}
	if w := techniques.SEGAOf(&g.Cells[0].Params).Concepts[0].Weight; w != 0 {
		t.Errorf("cell 0 SEGA weight %v, want 0 (cells share no block)", w)
	}
	if techniques.SEGAOf(&base).Concepts[0].Weight != sega.Concepts[0].Weight || base.Prompt != "a red cat on grass" {
		t.Error("planning changed the base parameters")
	}
	if g.CellName(5) != "sega.0.weight=2, prompt=frog" {
		t.Errorf("cell name %q", g.CellName(5))
	}
}

func TestPlanGridRefusesBeforeRendering(t *testing.T) {
	y := mustAxis(t, "guidance=1")
	for _, tc := range []struct {
		x    string
		y    *GridAxis
		want string
	}{
		{"sega.0.weight=1", nil, "has 0 SEGA concepts"},
		{"prompt=dog,cat", nil, `does not contain "dog"`},
		{"steps=0,4", nil, "grid cell steps=0"},
		{"scheduler=euler,nonesuch", nil, "grid cell scheduler=nonesuch"},
		{"seed=1,x", nil, "not a number"},
		{"guidance=2", &y, "both the X and the Y axis"},
	} {
		_, err := PlanGrid(gridBase(), mustAxis(t, tc.x), tc.y)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.x, err, tc.want)
		}
	}
}

// The grid on the tiny demo model with real ONNX Runtime: the sheet has the cells' size
// plus labels, and each cell is byte for byte the image a single render of that cell's
// parameters gives.
func TestRenderGridOnTinyDemo(t *testing.T) {
	t.Setenv(ort.LibraryEnv, ort.ResolveLibrary(""))
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	orttest.Setup(t)
	dir := filepath.Join(t.TempDir(), "model")
	if err := demomodel.Write(context.Background(), dir, demomodel.Options{Preset: "tiny"}); err != nil {
		t.Fatal(err)
	}
	m, err := runtime.Open(dir, runtime.Options{Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	y := mustAxis(t, "seed=1..2")
	g, err := PlanGrid(gridBase(), mustAxis(t, "guidance=3,7.5"), &y)
	if err != nil {
		t.Fatal(err)
	}
	var steps []int
	perCell := 0
	cells, err := RenderGrid(context.Background(), m, g, func(cell int, st runtime.StepInfo) {
		steps, perCell = append(steps, cell), st.Steps
	})
	if err != nil {
		t.Fatal(err)
	}
	if perCell == 0 || len(steps) != 4*perCell || !slices.IsSorted(steps) || steps[len(steps)-1] != 3 {
		t.Errorf("progress cells %v, want %d steps for each of 4 cells in order", steps, perCell)
	}
	sheet, err := g.Sheet(cells)
	if err != nil {
		t.Fatal(err)
	}
	layout, _ := contactsheet.Sheet{Caption: "x: guidance   y: seed", ColLabels: g.X.Values, RowLabels: g.Y.Values, Cells: cells}.Plan()
	if sheet.Bounds().Size() != layout.Size || layout.Size.X < 2*64 || layout.Size.Y <= 2*64 {
		t.Fatalf("sheet %v, want %v (2×2 cells of 64² and labels)", sheet.Bounds().Size(), layout.Size)
	}
	if !hasDarkPixels(sheet, image.Rect(0, 0, sheet.Bounds().Dx(), layout.Top)) {
		t.Error("no label ink above the cells")
	}
	for i, c := range g.Cells {
		req, err := BuildRequest(c.Params)
		if err != nil {
			t.Fatal(err)
		}
		single, err := m.Render(context.Background(), req, nil)
		if err != nil {
			t.Fatal(err)
		}
		want := single.Images[0]
		got := image.NewRGBA(want.Bounds())
		r := layout.CellRect(c.Col, c.Row)
		for yy := range r.Dy() {
			copy(got.Pix[yy*got.Stride:(yy+1)*got.Stride], sheet.Pix[sheet.PixOffset(r.Min.X, r.Min.Y+yy):])
		}
		if !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("cell %d (%s) differs from a single render of its parameters", i, g.CellName(i))
		}
	}
	if bytes.Equal(cells[0].(*image.RGBA).Pix, cells[1].(*image.RGBA).Pix) {
		t.Error("guidance 3 and 7.5 gave the same image: the axis did nothing")
	}
}

func hasDarkPixels(img *image.RGBA, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if c := img.RGBAAt(x, y); c.R < 64 && c.G < 64 && c.B < 64 {
				return true
			}
		}
	}
	return false
}

// WriteGrid never overwrites and writes one loadable session per cell.
func TestWriteGridFiles(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "grid.png")
	g, err := PlanGrid(gridBase(), mustAxis(t, "seed=5,6"), nil)
	if err != nil {
		t.Fatal(err)
	}
	cells := []image.Image{image.NewRGBA(image.Rect(0, 0, 8, 8)), image.NewRGBA(image.Rect(0, 0, 8, 8))}
	sheet, err := g.Sheet(cells)
	if err != nil {
		t.Fatal(err)
	}
	s := session.Default()
	s.Model.Path = "demo:tiny"
	if err := CheckGridOutputs(out, g, true); err != nil {
		t.Fatal(err)
	}
	written, err := WriteGrid(out, sheet, g, s)
	if err != nil || len(written) != 3 {
		t.Fatalf("wrote %v, %v", written, err)
	}
	data, _ := os.ReadFile(out)
	if img, err := png.Decode(bytes.NewReader(data)); err != nil || img.Bounds() != sheet.Bounds() {
		t.Fatalf("grid.png: %v", err)
	}
	loaded, err := session.Load(filepath.Join(dir, "grid-x2-y1.toml"))
	if err != nil || loaded.Noise.Seed != 6 || loaded.Model.Path != "demo:tiny" || loaded.Batch != 1 {
		t.Fatalf("cell session: %+v, %v", loaded, err)
	}
	if err := CheckGridOutputs(out, g, true); err == nil || !strings.Contains(err.Error(), "never overwrites") {
		t.Errorf("second check: %v, want a refusal to overwrite", err)
	}
}

// FuzzParseGridAxis: any text gives an axis within the cell bound or a bad-input error,
// never a panic.
func FuzzParseGridAxis(f *testing.F) {
	for _, s := range []string{"guidance=3,5,7.5", "seed=1..4", "steps=10..30:10", "prompt=cat,dog", "sega.0.weight=0..2:0.5", "seed=1e308..1e309", "x", "=", "seed=..", "guidance=0..1:1e-300"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		a, err := ParseGridAxis(spec)
		if err != nil {
			if !runtime.IsBadInput(err) {
				t.Fatalf("%q: %v is not a bad-input error", spec, err)
			}
			return
		}
		if len(a.Values) == 0 || len(a.Values) > MaxGridCells {
			t.Fatalf("%q: %d values", spec, len(a.Values))
		}
	})
}
