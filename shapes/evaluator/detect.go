package evaluator

import (
	"image"
	"image/color"
	"math"
	"slices"
	"sort"

	"github.com/nudge-studio/nudge/shapes"
)

// Object is one object the evaluator found.
type Object struct {
	Shape    shapes.Shape
	Colour   shapes.Colour
	Size     shapes.Size
	Position shapes.Position
	X, Y     float64 // centroid, fractions of the image's width and height
	Radius   float64 // radius read from the area and shape (fraction of the image side), comparable to shapes.Object.Radius
	Area     float64 // pixels (coverage-weighted)
	Mask     Mask    // pixels at least half covered by the object
	Features Features
}

// Result is what Detect found in one image.
type Result struct {
	Width, Height int
	Background    shapes.BgColour // nearest background colour to the border's median
	Objects       []Object        // largest first
}

// Thresholds in CIELAB ΔE. The world keeps every object at least shapes.MinObjectContrast (30)
// from its background and the textures within about 5, so 15 separates them with margin either
// side. A foreground pixel within 40 of a palette colour is that colour's "core": generous, as a
// model's colours drift (any two palette colours are at least 43 apart); the mixed colours along
// a blurred edge that also pass form thin rings, which coreRegions drops.
const (
	backgroundThreshold = 15
	coreThreshold       = 40
)

// pixels is an image in CIELAB (for colour names) and linear light (for coverage: a blurred or
// anti-aliased edge is a linear-light mix of the two sides), row-major, with the palette in Lab.
type pixels struct {
	w, h    int
	lab     []shapes.Lab
	lin     [][3]float32
	palette []shapes.Lab // indexed like shapes.AllColours
}

func toLab(img image.Image) pixels {
	b := img.Bounds()
	n := b.Dx() * b.Dy()
	p := pixels{w: b.Dx(), h: b.Dy(), lab: make([]shapes.Lab, n), lin: make([][3]float32, n)}
	for _, c := range shapes.AllColours {
		p.palette = append(p.palette, shapes.LabOf(c.RGB()))
	}
	var lut [256]float64
	for i := range lut {
		lut[i] = shapes.SRGBToLinear(uint8(i))
	}
	// The world's images hold few distinct colours, so a small direct-mapped cache saves most
	// of the cube roots; a noisy model output just misses it.
	var cache [4096]struct {
		key uint32
		lab shapes.Lab
	}
	rgba, _ := img.(*image.RGBA)
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			var c color.RGBA
			if rgba != nil {
				c = rgba.RGBAAt(b.Min.X+x, b.Min.Y+y)
			} else {
				c = color.RGBAModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.RGBA)
			}
			i := y*p.w + x
			key := uint32(c.R)<<16 | uint32(c.G)<<8 | uint32(c.B) | 1<<24
			slot := &cache[(key*2654435761)>>20]
			if slot.key != key {
				slot.key, slot.lab = key, shapes.LabOfLinear(lut[c.R], lut[c.G], lut[c.B])
			}
			p.lab[i] = slot.lab
			p.lin[i] = [3]float32{float32(lut[c.R]), float32(lut[c.G]), float32(lut[c.B])}
		}
	}
	return p
}

// Detect finds the background and the objects of an image of the shapes world: pixels far from
// the border's colour are foreground; foreground pixels near a palette colour are grouped into
// connected regions of one colour; thin or tiny regions (blurred edges, specks) are dropped; each
// region then claims the edge pixels around it, weighted by how much of its colour they hold,
// and its outline is classified (see classify).
func Detect(img image.Image) Result {
	p := toLab(img)
	res := Result{Width: p.w, Height: p.h}
	if p.w < 8 || p.h < 8 {
		return res
	}
	bgLin, bg := border(p)
	res.Background = nearestBackground(bg)
	regions := coreRegions(p, bg)
	owner, alpha := claimEdges(p, bgLin, regions)
	side := math.Sqrt(float64(p.w * p.h))
	for k, reg := range regions {
		o, ok := describeRegion(p, k, reg, owner, alpha, side)
		if ok {
			res.Objects = append(res.Objects, o)
		}
	}
	sort.SliceStable(res.Objects, func(i, j int) bool { return res.Objects[i].Area > res.Objects[j].Area })
	return res
}

// border is the per-channel median colour of the outermost pixels, in linear light and in Lab:
// objects keep clear of the border, so it is the background's colour even when textured.
func border(p pixels) ([3]float64, shapes.Lab) {
	ring := max(1, min(p.w, p.h)/64)
	var idx []int32
	for y := 0; y < p.h; y++ {
		for x := 0; x < p.w; x++ {
			if x < ring || y < ring || x >= p.w-ring || y >= p.h-ring {
				idx = append(idx, int32(y*p.w+x))
			}
		}
	}
	return medians(p, idx)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func nearestBackground(l shapes.Lab) shapes.BgColour {
	best, bestD := shapes.BgColour(0), math.Inf(1)
	for _, b := range shapes.AllBgColours {
		if d := shapes.DeltaE(l, shapes.LabOf(b.RGB())); d < bestD {
			best, bestD = b, d
		}
	}
	return best
}

// nearestColour is the palette colour nearest l and its distance.
func (p pixels) nearestColour(l shapes.Lab) (shapes.Colour, float64) {
	best, bestD := shapes.Colour(0), math.Inf(1)
	for i, c := range shapes.AllColours {
		if d := shapes.DeltaE(l, p.palette[i]); d < bestD {
			best, bestD = c, d
		}
	}
	return best, bestD
}
