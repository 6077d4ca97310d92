package shapes

import (
	"image"
	"image/color"
	"math"
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
	order := nearestFirst(s.Objects)
	lin := make([][3]float64, len(s.Objects))
	for i, o := range s.Objects {
		c := o.Colour.RGB()
		lin[i] = [3]float64{SRGBToLinear(c.R), SRGBToLinear(c.G), SRGBToLinear(c.B)}
	}
	boxes := make([]image.Rectangle, len(s.Objects))
	for i, o := range s.Objects {
		boxes[i] = o.pixelBounds(size)
	}
	counts := make([]int, len(s.Objects))
	const n = supersample * supersample
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			clear(counts)
			var acc [3]float64
			disparity := 0.0
			bg := s.Background.linearAt(px, py, size)
			for sy := 0; sy < supersample; sy++ {
				for sx := 0; sx < supersample; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/supersample) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/supersample) / float64(size)
					hit := -1
					for _, i := range order {
						if image.Pt(px, py).In(boxes[i]) && s.Objects[i].contains(x, y) {
							hit = i
							break
						}
					}
					c := bg
					d := BackgroundDepth
					if hit >= 0 {
						counts[hit]++
						c, d = lin[hit], s.Objects[hit].Depth
					}
					acc[0], acc[1], acc[2] = acc[0]+c[0], acc[1]+c[1], acc[2]+c[2]
					disparity += 1 - d
				}
			}
			// Averaging in linear light is what a camera (and a box filter on the scene) does;
			// averaging sRGB values would darken every edge.
			t.Image.SetRGBA(px, py, color.RGBA{linearToSRGB(acc[0] / n), linearToSRGB(acc[1] / n), linearToSRGB(acc[2] / n), 255})
			t.Depth.SetGray(px, py, color.Gray{uint8(math.Round(255 * disparity / n))})
			for i, k := range counts {
				t.Masks[i].SetAlpha(px, py, color.Alpha{uint8((k*255 + n/2) / n)})
			}
		}
	}
	return t
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

// linearAt is the background's linear-light colour at a pixel. Textures are defined per pixel
// of a size-independent grid (fractions of the side), so a scene looks the same at 128² and 512².
func (b Background) linearAt(px, py, size int) [3]float64 {
	base := b.Colour.RGB()
	delta := 0.0
	fx, fy := (float64(px)+0.5)/float64(size), (float64(py)+0.5)/float64(size)
	switch b.Texture {
	case Stripes:
		if int(math.Floor((fx+fy)*12))%2 == 0 {
			delta = 1
		} else {
			delta = -1
		}
	case Checker:
		if (int(fx*8)+int(fy*8))%2 == 0 {
			delta = 1
		} else {
			delta = -1
		}
	case Noise:
		delta = hash2(b.Seed, int(fx*64), int(fy*64))
	}
	shift := func(v uint8) float64 {
		return SRGBToLinear(uint8(math.Max(0, math.Min(255, float64(v)+delta*textureAmplitude))))
	}
	return [3]float64{shift(base.R), shift(base.G), shift(base.B)}
}

// linearToSRGB is the inverse of SRGBToLinear, rounded to 8 bits.
func linearToSRGB(v float64) uint8 {
	if v <= 0.0031308 {
		v *= 12.92
	} else {
		v = 1.055*math.Pow(v, 1/2.4) - 0.055
	}
	return uint8(math.Max(0, math.Min(255, math.Round(v*255))))
}
