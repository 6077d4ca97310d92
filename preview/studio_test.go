package preview

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestFrameRawIsPlaced: raw protocols leave blank cells in the View and return their bytes
// wrapped in DECSC, an absolute CUP to the area and DECRC.
func TestFrameRawIsPlaced(t *testing.T) {
	img := sceneImage(64, 64)
	for _, p := range []Protocol{KittyDirect, Sixel, ITerm} {
		t.Run(string(p), func(t *testing.T) {
			pv, err := NewPreviewer(p, Options{CellW: 8, CellH: 16})
			if err != nil {
				t.Fatal(err)
			}
			f, err := pv.Frame(img, 5, 3, 16, 8)
			if err != nil || f.Fallback != nil {
				t.Fatal(err, f.Fallback)
			}
			prefix := "\x1b7\x1b[4;6H"
			if !bytes.HasPrefix(f.Raw, []byte(prefix)) || !bytes.HasSuffix(f.Raw, []byte("\x1b8")) {
				t.Fatalf("raw bytes not wrapped in save/CUP/restore: %q…%q", f.Raw[:min(12, len(f.Raw))], f.Raw[max(0, len(f.Raw)-4):])
			}
			lines := strings.Split(f.Cells, "\n")
			if len(lines) != f.Rows || f.Cols != 16 || f.Rows != 8 || strings.TrimSpace(f.Cells) != "" {
				t.Fatalf("cells %q for %d×%d; want 8 lines of 16 blanks (128×128 px)", f.Cells, f.Cols, f.Rows)
			}
			for _, l := range lines {
				if ansi.StringWidth(l) != f.Cols {
					t.Fatalf("line width %d, want %d", ansi.StringWidth(l), f.Cols)
				}
			}
		})
	}
}

// TestFrameWidths: the text of every cell protocol is exactly Rows lines of Cols cells
// as lipgloss measures them, so it can be laid out like any other view text.
func TestFrameWidths(t *testing.T) {
	img := sceneImage(300, 200)
	for _, p := range []Protocol{Kitty, Blocks, Quadrants, Text, None} {
		t.Run(string(p), func(t *testing.T) {
			pv, _ := NewPreviewer(p, Options{ImageID: 9})
			f, err := pv.Frame(img, 0, 0, 30, 10)
			if err != nil || f.Raw != nil {
				t.Fatal(err, f.Raw != nil)
			}
			lines := strings.Split(f.Cells, "\n")
			if len(lines) != f.Rows || f.Rows == 0 {
				t.Fatalf("%d lines for %d rows", len(lines), f.Rows)
			}
			for i, l := range lines {
				if w := ansi.StringWidth(l); w != f.Cols {
					t.Fatalf("line %d is %d cells wide, want %d", i, w, f.Cols)
				}
			}
		})
	}
}

func TestFrameEmptyArea(t *testing.T) {
	pv, _ := NewPreviewer(Sixel, Options{})
	f, err := pv.Frame(sceneImage(8, 8), 0, 0, 0, 0)
	if err != nil || f.Cells != "" || f.Raw != nil {
		t.Errorf("0×0 area gave %+v, %v; want an empty frame", f, err)
	}
}

// TestFrameFallsBackToBlocks: a sixel that cannot fit the byte limit degrades to half
// blocks instead of failing or sending a sequence tmux would drop.
func TestFrameFallsBackToBlocks(t *testing.T) {
	pv, _ := NewPreviewer(Sixel, Options{MaxBytes: 10})
	f, err := pv.Frame(noiseImage(64, 64, 1), 0, 0, 10, 5)
	if err != nil || f.Fallback == nil || f.Raw != nil || !strings.Contains(f.Cells, upperHalf) {
		t.Errorf("err %v, fallback %v, raw %v; want half blocks with the reason", err, f.Fallback, f.Raw != nil)
	}
}

func TestPreviewerClear(t *testing.T) {
	k, _ := NewPreviewer(Kitty, Options{ImageID: 5, InTmux: true})
	if !bytes.Contains(k.Clear(), []byte("a=d,d=I,q=2,i=5")) || !bytes.HasPrefix(k.Clear(), []byte("\x1bPtmux;")) {
		t.Errorf("kitty clear %q", k.Clear())
	}
	b, _ := NewPreviewer(Blocks, Options{})
	if b.Clear() != nil {
		t.Error("blocks need no clear")
	}
	if _, err := NewPreviewer(Auto, Options{}); err == nil {
		t.Error("auto must be resolved before placing previews")
	}
}
