package train

import (
	"encoding/csv"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strconv"
)

// Record is one step of the training log.
type Record struct {
	Step     int
	Loss     float64
	LR       float64
	GradNorm float64
	Seconds  float64 // since the run started
}

// CSVLog writes records as CSV with the header step,loss,lr,grad_norm,seconds.
type CSVLog struct {
	w      *csv.Writer
	header bool
}

// NewCSVLog writes the log to w; writeHeader is false when appending to an existing log
// (a resumed run).
func NewCSVLog(w io.Writer, writeHeader bool) *CSVLog {
	return &CSVLog{w: csv.NewWriter(w), header: !writeHeader}
}

// Write appends one record and flushes it, so the log is complete if the run is killed.
func (l *CSVLog) Write(r Record) error {
	if !l.header {
		if err := l.w.Write([]string{"step", "loss", "lr", "grad_norm", "seconds"}); err != nil {
			return err
		}
		l.header = true
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
	if err := l.w.Write([]string{strconv.Itoa(r.Step), f(r.Loss), f(r.LR), f(r.GradNorm), f(r.Seconds)}); err != nil {
		return err
	}
	l.w.Flush()
	return l.w.Error()
}

// PlotLoss draws losses (one per step) as a PNG of width×height pixels: the raw losses as
// light dots and an exponentially smoothed curve (TensorBoard's smoothing, 0.9) as a dark
// line, on a log-scale y axis with a grid line at every power of ten. Non-positive and
// non-finite losses are skipped.
func PlotLoss(w io.Writer, losses []float64, width, height int) error {
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	fill(img, color.RGBA{255, 255, 255, 255})
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range losses {
		if v > 0 && !math.IsInf(v, 0) {
			lo, hi = math.Min(lo, math.Log10(v)), math.Max(hi, math.Log10(v))
		}
	}
	if lo > hi {
		return png.Encode(w, img)
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	const margin = 8
	x := func(i int) int {
		return margin + int(float64(i)/math.Max(1, float64(len(losses)-1))*float64(width-2*margin-1))
	}
	y := func(v float64) int {
		return height - margin - 1 - int((math.Log10(v)-lo)/(hi-lo)*float64(height-2*margin-1))
	}
	grid := color.RGBA{225, 225, 225, 255}
	for d := math.Ceil(lo); d <= hi; d++ {
		hline(img, y(math.Pow(10, d)), grid)
	}
	dot := color.RGBA{150, 180, 230, 255}
	curve := color.RGBA{20, 60, 160, 255}
	smooth, px, py := math.NaN(), -1, -1
	for i, v := range losses {
		if !(v > 0) || math.IsInf(v, 0) {
			continue
		}
		img.Set(x(i), y(v), dot)
		if smooth != smooth {
			smooth = v
		}
		smooth = 0.9*smooth + 0.1*v
		cx, cy := x(i), y(smooth)
		if px >= 0 {
			line(img, px, py, cx, cy, curve)
		}
		px, py = cx, cy
	}
	return png.Encode(w, img)
}

func fill(img *image.RGBA, c color.RGBA) {
	b := img.Bounds()
	for yy := b.Min.Y; yy < b.Max.Y; yy++ {
		for xx := b.Min.X; xx < b.Max.X; xx++ {
			img.SetRGBA(xx, yy, c)
		}
	}
}

func hline(img *image.RGBA, yy int, c color.RGBA) {
	for xx := img.Bounds().Min.X; xx < img.Bounds().Max.X; xx++ {
		img.SetRGBA(xx, yy, c)
	}
}

// line is Bresenham's line from (x0, y0) to (x1, y1).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		img.SetRGBA(x0, y0, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}
