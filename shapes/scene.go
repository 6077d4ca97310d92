package shapes

import (
	"image"
	"image/color"
	"math"
	"slices"
	"sort"
)

// Object is one shape in a scene. X, Y and Radius are fractions of the image side (x right,
// y down), so a scene renders alike at any size.
type Object struct {
	Shape    Shape
	Colour   Colour
	Size     Size
	Position Position
	X, Y     float64 // centre
	Radius   float64 // the shape fits in a disc of this radius (see Shape.Extent)
	Rotation float64 // radians, counter-clockwise; small, so a square stays a square
	Depth    float64 // distance from the viewer: objects in (0, 1), the background at 1
}

// Background is a scene's backdrop: a base colour and a low-contrast texture.
type Background struct {
	Colour  BgColour
	Texture Texture
	Seed    uint64 // the noise texture's seed
}

// Scene is a background and its objects, listed in caption order.
type Scene struct {
	Background Background
	Objects    []Object
}

// BackgroundDepth is the depth of the background in a Scene.
const BackgroundDepth = 1.0

// Truth is a rendered scene with its ground truth.
type Truth struct {
	Image *image.RGBA
	// Masks[i] is object i's visible coverage (0–255, anti-aliased): what nearer objects hide
	// is not part of it, so the masks of a pixel sum to at most 255.
	Masks []*image.Alpha
	// Depth is a disparity-like map as Depth2Image's MiDaS input expects: 255·(1 − depth), so
	// the background is 0 and nearer objects are brighter; anti-aliased at edges.
	Depth *image.Gray
}

// supersample is the number of samples per pixel side: 4 × 4 samples give 17 coverage levels,
// smooth enough edges for a model to learn without stair-steps.
const supersample = 4

// Render draws the scene as a size × size image.
func Render(s Scene, size int) *image.RGBA { return RenderTruth(s, size).Image }

// RenderTruth draws the scene and its per-object masks and depth map.
func RenderTruth(s Scene, size int) Truth {
	rect := image.Rect(0, 0, size, size)
	t := Truth{Image: image.NewRGBA(rect), Depth: image.NewGray(rect)}
	for range s.Objects {
		t.Masks = append(t.Masks, image.NewAlpha(rect))
	}
	r := newRasterizer(s, size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			if !slices.ContainsFunc(r.boxes, image.Pt(px, py).In) {
				// No object can reach this pixel: the background as is (masks and depth stay 0).
				t.Image.SetRGBA(px, py, s.Background.at(px, py, size))
				continue
			}
			r.pixel(px, py, t)
		}
	}
	return t
}

// rasterizer holds what every pixel of one render needs.
type rasterizer struct {
	scene  Scene
	size   int
	tab    *srgbTables
	order  []int             // object indices, nearest first
	lin    [][3]float64      // object colours in linear light
	boxes  []image.Rectangle // pixels each object can touch
	placed []placedObject
	counts []int // per object, samples of the current pixel it covers
}

func newRasterizer(s Scene, size int) *rasterizer {
	r := &rasterizer{scene: s, size: size, tab: newSRGBTables(), order: nearestFirst(s.Objects),
		counts: make([]int, len(s.Objects))}
	for _, o := range s.Objects {
		r.lin = append(r.lin, r.tab.linear(o.Colour.RGB()))
		r.boxes = append(r.boxes, o.pixelBounds(size))
		r.placed = append(r.placed, o.placed())
	}
	return r
}

// pixel supersamples one pixel: each sample takes the nearest object covering it, or the
// background, and the pixel's colour, depth and masks are the samples' means.
func (r *rasterizer) pixel(px, py int, t Truth) {
	const n = supersample * supersample
	clear(r.counts)
	var acc [3]float64
	disparity := 0.0
	bg := r.tab.linear(r.scene.Background.at(px, py, r.size))
	for sy := 0; sy < supersample; sy++ {
		for sx := 0; sx < supersample; sx++ {
			x := (float64(px) + (float64(sx)+0.5)/supersample) / float64(r.size)
			y := (float64(py) + (float64(sy)+0.5)/supersample) / float64(r.size)
			c, d := bg, BackgroundDepth
			for _, i := range r.order {
				if image.Pt(px, py).In(r.boxes[i]) && r.placed[i].contains(x, y) {
					r.counts[i]++
					c, d = r.lin[i], r.scene.Objects[i].Depth
					break
				}
			}
			acc[0], acc[1], acc[2] = acc[0]+c[0], acc[1]+c[1], acc[2]+c[2]
			disparity += 1 - d
		}
	}
	// Averaging in linear light is what a camera (and a box filter on the scene) does;
	// averaging sRGB values would darken every edge.
	t.Image.SetRGBA(px, py, color.RGBA{r.tab.encode(acc[0] / n), r.tab.encode(acc[1] / n), r.tab.encode(acc[2] / n), 255})
	t.Depth.SetGray(px, py, color.Gray{uint8(math.Round(255 * disparity / n))})
	for i, k := range r.counts {
		t.Masks[i].SetAlpha(px, py, color.Alpha{uint8((k*255 + n/2) / n)})
	}
}

// nearestFirst lists object indices from the nearest (smallest depth) to the farthest, so the
// first object that covers a sample is the one seen there.
func nearestFirst(objs []Object) []int {
	order := make([]int, len(objs))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return objs[order[a]].Depth < objs[order[b]].Depth })
	return order
}

// pixelBounds is the pixel rectangle the object can touch.
func (o Object) pixelBounds(size int) image.Rectangle {
	s := float64(size)
	return image.Rect(int(math.Floor((o.X-o.Radius)*s))-1, int(math.Floor((o.Y-o.Radius)*s))-1,
		int(math.Ceil((o.X+o.Radius)*s))+1, int(math.Ceil((o.Y+o.Radius)*s))+1)
}

// at is the background's colour at a pixel. Textures are defined on a size-independent grid
// (fractions of the side), so a scene looks the same at 128² and 512².
func (b Background) at(px, py, size int) color.RGBA {
	base := b.Colour.RGB()
	delta := 0.0
	fx, fy := (float64(px)+0.5)/float64(size), (float64(py)+0.5)/float64(size)
	switch b.Texture {
	case Stripes:
		delta = 1 - 2*float64(int(math.Floor((fx+fy)*12))%2)
	case Checker:
		delta = 1 - 2*float64((int(fx*8)+int(fy*8))%2)
	case Noise:
		delta = hash2(b.Seed, int(fx*64), int(fy*64))
	}
	shift := func(v uint8) uint8 {
		return uint8(math.Max(0, math.Min(255, math.Round(float64(v)+delta*textureAmplitude))))
	}
	return color.RGBA{shift(base.R), shift(base.G), shift(base.B), 255}
}

// srgbTables convert between 8-bit sRGB and linear light without a power function per pixel.
type srgbTables struct {
	toLinear [256]float64
	// cut[k] is the linear value halfway (in sRGB terms) between codes k and k+1: a linear value
	// encodes to the number of cuts at or below it, which is the rounded sRGB code.
	cut [255]float64
}

func newSRGBTables() *srgbTables {
	t := &srgbTables{}
	for i := range t.toLinear {
		t.toLinear[i] = SRGBToLinear(uint8(i))
	}
	for k := range t.cut {
		v := (float64(k) + 0.5) / 255
		if v <= 0.04045 {
			t.cut[k] = v / 12.92
		} else {
			t.cut[k] = math.Pow((v+0.055)/1.055, 2.4)
		}
	}
	return t
}

func (t *srgbTables) linear(c color.RGBA) [3]float64 {
	return [3]float64{t.toLinear[c.R], t.toLinear[c.G], t.toLinear[c.B]}
}

func (t *srgbTables) encode(v float64) uint8 {
	k, _ := slices.BinarySearch(t.cut[:], v)
	for k < len(t.cut) && t.cut[k] <= v {
		k++
	}
	return uint8(k)
}
