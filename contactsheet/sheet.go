// Package contactsheet lays equal-sized pictures out as one labelled grid image (an X/Y
// plot, as A1111's "X/Y/Z plot" script draws it): a caption naming the axes, the X values
// over the columns, the Y values left of the rows. Labels use a built-in bitmap font (X11
// misc-fixed 6×13, public domain), so no font file is read. Standard library only.
package contactsheet

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
)

// Glyph metrics of the built-in font.
const (
	GlyphW = 6
	GlyphH = 13
	margin = 4
)

// Sheet is what to draw: Cells row by row (len = len(ColLabels)·max(len(RowLabels),1)),
// all of one size; Caption is the line above everything ("" for none).
type Sheet struct {
	Caption   string
	ColLabels []string
	RowLabels []string // nil: one row, no row labels
	Cells     []image.Image
}

// The sheet's colours: white paper, black text.
var (
	background = color.RGBA{255, 255, 255, 255}
	ink        = color.RGBA{0, 0, 0, 255}
)

// Layout is where each part of a sheet goes, in pixels.
type Layout struct {
	Size          image.Point // the whole image
	CellW, CellH  int
	Left, Top     int // where cell (0,0) starts
	Cols, Rows    int
	CaptionHeight int
}

// Plan checks the sheet and computes its layout.
func (s Sheet) Plan() (Layout, error) {
	cols, rows := len(s.ColLabels), max(len(s.RowLabels), 1)
	if cols == 0 {
		return Layout{}, fmt.Errorf("contact sheet: no columns")
	}
	if len(s.Cells) != cols*rows {
		return Layout{}, fmt.Errorf("contact sheet: %d pictures for %d×%d cells", len(s.Cells), cols, rows)
	}
	b := s.Cells[0].Bounds()
	for i, c := range s.Cells {
		if c.Bounds().Dx() != b.Dx() || c.Bounds().Dy() != b.Dy() {
			return Layout{}, fmt.Errorf("contact sheet: picture %d is %dx%d, the first is %dx%d", i, c.Bounds().Dx(), c.Bounds().Dy(), b.Dx(), b.Dy())
		}
	}
	l := Layout{CellW: b.Dx(), CellH: b.Dy(), Cols: cols, Rows: rows}
	if s.Caption != "" {
		l.CaptionHeight = GlyphH + margin
	}
	l.Top = l.CaptionHeight + GlyphH + margin
	if len(s.RowLabels) > 0 {
		widest := 0
		for _, r := range s.RowLabels {
			widest = max(widest, TextWidth(r))
		}
		l.Left = min(widest, maxRowLabelChars*GlyphW) + 2*margin
	}
	l.Size = image.Pt(max(l.Left+cols*l.CellW, TextWidth(s.Caption)+2*margin), l.Top+rows*l.CellH)
	return l, nil
}

// maxRowLabelChars bounds the row-label column; longer labels are cut.
const maxRowLabelChars = 24

// Compose draws the sheet.
func (s Sheet) Compose() (*image.RGBA, error) {
	l, err := s.Plan()
	if err != nil {
		return nil, err
	}
	img := image.NewRGBA(image.Rectangle{Max: l.Size})
	draw.Draw(img, img.Bounds(), image.NewUniform(background), image.Point{}, draw.Src)
	if s.Caption != "" {
		DrawText(img, margin, margin/2, s.Caption, l.Size.X-margin)
	}
	for c, label := range s.ColLabels {
		x := l.Left + c*l.CellW
		w := TextWidth(label)
		DrawText(img, x+max((l.CellW-w)/2, 0), l.CaptionHeight+margin/2, label, x+l.CellW)
	}
	for r, label := range s.RowLabels {
		y := l.Top + r*l.CellH + (l.CellH-GlyphH)/2
		DrawText(img, margin, y, label, l.Left-margin)
	}
	for i, cell := range s.Cells {
		at := image.Pt(l.Left+(i%l.Cols)*l.CellW, l.Top+(i/l.Cols)*l.CellH)
		draw.Draw(img, image.Rectangle{Min: at, Max: at.Add(image.Pt(l.CellW, l.CellH))}, cell, cell.Bounds().Min, draw.Src)
	}
	return img, nil
}

// CellRect is where cell (col,row) lies in a composed sheet.
func (l Layout) CellRect(col, row int) image.Rectangle {
	at := image.Pt(l.Left+col*l.CellW, l.Top+row*l.CellH)
	return image.Rectangle{Min: at, Max: at.Add(image.Pt(l.CellW, l.CellH))}
}

// TextWidth is the width of s in pixels in the built-in font (one glyph a rune).
func TextWidth(s string) int { return len([]rune(s)) * GlyphW }

// DrawText writes s with its top-left corner at (x,y), in black, stopping before the glyph
// that would cross limitX (the last one shown becomes '~' when text was cut). Runes outside
// printable ASCII are drawn as '?'.
func DrawText(dst *image.RGBA, x, y int, s string, limitX int) {
	runes := []rune(s)
	fits := max((limitX-x)/GlyphW, 0)
	if len(runes) > fits {
		runes = runes[:fits]
		if fits > 0 {
			runes[fits-1] = '~'
		}
	}
	for i, r := range runes {
		drawGlyph(dst, x+i*GlyphW, y, r)
	}
}

func drawGlyph(dst *image.RGBA, x, y int, r rune) {
	if r < 0x20 || r > 0x7e {
		r = '?'
	}
	g := glyphs6x13[int(r-0x20)*2*GlyphH:]
	for row := range GlyphH {
		bits := hexByte(g[2*row], g[2*row+1])
		for col := range GlyphW {
			if bits&(1<<(GlyphW-1-col)) != 0 {
				if p := image.Pt(x+col, y+row); p.In(dst.Bounds()) {
					dst.SetRGBA(p.X, p.Y, ink)
				}
			}
		}
	}
}

func hexByte(hi, lo byte) byte { return hexDigit(hi)<<4 | hexDigit(lo) }

func hexDigit(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}
