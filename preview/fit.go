package preview

import (
	"fmt"
	"image"
	"math"
)

// grid describes how many image pixels one terminal cell holds: cell-pixel protocols
// (kitty, sixel, iTerm2) use the cell's real pixel size, text protocols use 1×2 (half
// blocks), 2×2 (quadrants) or 1×1 (ASCII).
type grid struct{ perCellX, perCellY int }

// layout is where a picture goes: its size in image pixels and the cells it covers.
type layout struct {
	W, H       int // target image size in pixels of the grid
	Cols, Rows int // cells covered, never more than asked for
}

// maxCells and maxPixels bound a preview so that a huge pane or a bogus cell size from a
// terminal reply cannot make us allocate gigabytes.
const (
	maxCells  = 4096
	maxPixels = 4096 * 4096
)

// fitLayout scales an imgW×imgH picture to fit cols×rows cells whose physical size is
// cellW×cellH, keeping the aspect ratio. Each cell holds g.perCellX×g.perCellY grid pixels.
func fitLayout(imgW, imgH, cols, rows, cellW, cellH int, g grid) (layout, error) {
	if imgW <= 0 || imgH <= 0 {
		return layout{}, fmt.Errorf("preview: image is empty (%d×%d pixels)", imgW, imgH)
	}
	if cols <= 0 || rows <= 0 {
		return layout{}, fmt.Errorf("preview: no room to draw (%d×%d cells); make the pane larger", cols, rows)
	}
	cols, rows = min(cols, maxCells), min(rows, maxCells)
	scale := math.Min(float64(cols*cellW)/float64(imgW), float64(rows*cellH)/float64(imgH))
	physW, physH := float64(imgW)*scale, float64(imgH)*scale
	subW := float64(cellW) / float64(g.perCellX)
	subH := float64(cellH) / float64(g.perCellY)
	if over := physW * physH / (subW * subH) / maxPixels; over > 1 {
		physW, physH = physW/math.Sqrt(over), physH/math.Sqrt(over)
	}
	w := clampInt(int(math.Round(physW/subW)), 1, cols*g.perCellX)
	h := clampInt(int(math.Round(physH/subH)), 1, rows*g.perCellY)
	return layout{
		W: w, H: h,
		Cols: clampInt(ceilDiv(w, g.perCellX), 1, cols),
		Rows: clampInt(ceilDiv(h, g.perCellY), 1, rows),
	}, nil
}

// fitPixels is fitLayout for protocols that draw real pixels.
func fitPixels(img image.Image, cols, rows int, o Options) (layout, error) {
	cw, ch := o.cell()
	b := img.Bounds()
	return fitLayout(b.Dx(), b.Dy(), cols, rows, cw, ch, grid{cw, ch})
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func clampInt(v, lo, hi int) int {
	if v < lo {
		return lo
	}
	if v > hi {
		return hi
	}
	return v
}
