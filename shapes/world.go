package shapes

import (
	"image/color"
	"math"
)

// Shape is an object's outline. The zero value means "not specified" (in a Prompt).
type Shape uint8

// The shapes of the world. Hexagon and Heart are HeldOut: the base training set never shows them,
// so textual inversion and DreamBooth have something new to teach.
const (
	Circle Shape = iota + 1
	Square
	Triangle
	Star
	Hexagon
	Heart
)

// AllShapes lists every shape, held-out ones included, in a fixed order.
var AllShapes = []Shape{Circle, Square, Triangle, Star, Hexagon, Heart}

// HeldOut lists the shapes kept out of the base training set.
var HeldOut = []Shape{Hexagon, Heart}

// BaseShapes lists the shapes of the base training set.
var BaseShapes = []Shape{Circle, Square, Triangle, Star}

var shapeNames = [...]string{"", "circle", "square", "triangle", "star", "hexagon", "heart"}

func (s Shape) String() string {
	if int(s) < len(shapeNames) {
		return shapeNames[s]
	}
	return "shape?"
}

// IsHeldOut reports whether s is kept out of the base training set.
func (s Shape) IsHeldOut() bool { return s == Hexagon || s == Heart }

// Colour is an object's flat fill colour. The zero value means "not specified".
type Colour uint8

// The object palette.
const (
	Red Colour = iota + 1
	Green
	Blue
	Yellow
	Orange
	Purple
	White
	Black
)

// AllColours lists the object palette in a fixed order.
var AllColours = []Colour{Red, Green, Blue, Yellow, Orange, Purple, White, Black}

var colourNames = [...]string{"", "red", "green", "blue", "yellow", "orange", "purple", "white", "black"}

// The palette values were chosen for a minimum CIELAB distance of about 40 between any two
// (TestPaletteSeparated checks it), so a blurry model output still lands nearest the right one.
var colourRGB = [...]color.RGBA{
	{},
	{220, 30, 30, 255},   // red
	{30, 160, 50, 255},   // green
	{30, 70, 230, 255},   // blue
	{250, 220, 20, 255},  // yellow
	{250, 135, 15, 255},  // orange
	{165, 35, 165, 255},  // purple
	{250, 250, 250, 255}, // white
	{20, 20, 20, 255},    // black
}

func (c Colour) String() string {
	if int(c) < len(colourNames) {
		return colourNames[c]
	}
	return "colour?"
}

// RGB is the colour's sRGB value.
func (c Colour) RGB() color.RGBA {
	if int(c) < len(colourRGB) {
		return colourRGB[c]
	}
	return color.RGBA{A: 255}
}

// Size is an object's size class. The zero value means "not specified".
type Size uint8

// The two size classes (radii in Radius).
const (
	Small Size = iota + 1
	Large
)

// AllSizes lists both size classes.
var AllSizes = []Size{Small, Large}

func (s Size) String() string {
	switch s {
	case Small:
		return "small"
	case Large:
		return "large"
	}
	return ""
}

// Radius is the range of radii (fractions of the image side) of a size class. At 128² a small
// circle has a radius of about 14–16 px and a large one 22–24 px: big enough for a 5 M-parameter
// model to draw, and a factor of about 1.5 apart so the evaluator's size threshold
// (SizeThreshold) has margin on both sides.
func (s Size) Radius() (lo, hi float64) {
	if s == Small {
		return 0.13, 0.145
	}
	return 0.20, 0.22
}

// SizeThreshold is the radius (fraction of the image side) between the two size classes: the
// geometric mean of the small maximum and the large minimum.
func SizeThreshold() float64 {
	_, smallMax := Small.Radius()
	largeMin, _ := Large.Radius()
	return math.Sqrt(smallMax * largeMin)
}

// Position is where an object's centre lies. The zero value means "not specified".
type Position uint8

// The five positions of the world, each an anchor point (Anchor) objects are placed near.
const (
	Left Position = iota + 1
	Right
	Top
	Bottom
	Centre
)

// AllPositions lists the five positions.
var AllPositions = []Position{Left, Right, Top, Bottom, Centre}

var positionNames = [...]string{"", "left", "right", "top", "bottom", "centre"}

func (p Position) String() string {
	if int(p) < len(positionNames) {
		return positionNames[p]
	}
	return "position?"
}

// anchorOffset is how far the side anchors sit from the centre (fraction of the side): far enough
// apart that left and right objects never touch, near enough that a large object stays inside.
const anchorOffset = 0.26

// Anchor is the position's point as fractions of the image (x right, y down).
func (p Position) Anchor() (x, y float64) {
	switch p {
	case Left:
		return 0.5 - anchorOffset, 0.5
	case Right:
		return 0.5 + anchorOffset, 0.5
	case Top:
		return 0.5, 0.5 - anchorOffset
	case Bottom:
		return 0.5, 0.5 + anchorOffset
	}
	return 0.5, 0.5
}

// NearestPosition is the position whose anchor is nearest the point (fractions of the image).
func NearestPosition(x, y float64) Position {
	best, bestD := Centre, math.Inf(1)
	for _, p := range AllPositions {
		ax, ay := p.Anchor()
		if d := math.Hypot(x-ax, y-ay); d < bestD {
			best, bestD = p, d
		}
	}
	return best
}

// BgColour is a background's base colour. The zero value means "not specified".
type BgColour uint8

// The background colours.
const (
	BgWhite BgColour = iota + 1
	BgBlack
	BgGrey
	BgLightBlue
	BgBeige
)

// AllBgColours lists the background colours.
var AllBgColours = []BgColour{BgWhite, BgBlack, BgGrey, BgLightBlue, BgBeige}

var bgNames = [...]string{"", "white", "black", "grey", "light blue", "beige"}

var bgRGB = [...]color.RGBA{
	{},
	{240, 240, 236, 255}, // white
	{28, 28, 32, 255},    // black
	{128, 128, 128, 255}, // grey
	{170, 200, 235, 255}, // light blue
	{225, 210, 175, 255}, // beige
}

func (b BgColour) String() string {
	if int(b) < len(bgNames) {
		return bgNames[b]
	}
	return "background?"
}

// RGB is the background's base sRGB value.
func (b BgColour) RGB() color.RGBA {
	if int(b) < len(bgRGB) {
		return bgRGB[b]
	}
	return color.RGBA{A: 255}
}

// Texture is a background's low-contrast pattern over its base colour.
type Texture uint8

// The textures. Plain is the zero value, so an unspecified texture reads as plain in a Scene;
// in a Prompt, AnyTexture means "not specified".
const (
	Plain Texture = iota
	Stripes
	Checker
	Noise
	AnyTexture Texture = 255
)

// AllTextures lists the textures.
var AllTextures = []Texture{Plain, Stripes, Checker, Noise}

func (t Texture) String() string {
	switch t {
	case Plain:
		return "plain"
	case Stripes:
		return "striped"
	case Checker:
		return "checkered"
	case Noise:
		return "speckled"
	}
	return ""
}

// textureAmplitude is the textures' contrast in 8-bit levels either side of the base: low, so
// that the evaluator's background threshold and a small model are not confused by it.
const textureAmplitude = 10

// MinObjectContrast is the least CIELAB distance allowed between an object's colour and its
// background's base colour: closer pairs (a white star on a white background) are never made.
const MinObjectContrast = 30

// Visible reports whether an object of colour c stands out on background b.
func Visible(c Colour, b BgColour) bool {
	return DeltaE(LabOf(c.RGB()), LabOf(b.RGB())) >= MinObjectContrast
}

// Lab is a CIELAB colour (D65 white), the space the evaluator compares colours in because its
// distances follow perceived difference far better than RGB's.
type Lab [3]float64

// LabOf converts an sRGB colour to CIELAB (IEC 61966-2-1 transfer, D65).
func LabOf(c color.RGBA) Lab {
	return LabOfLinear(SRGBToLinear(c.R), SRGBToLinear(c.G), SRGBToLinear(c.B))
}

// SRGBToLinear is the sRGB electro-optical transfer function for one 8-bit channel.
func SRGBToLinear(v uint8) float64 {
	c := float64(v) / 255
	if c <= 0.04045 {
		return c / 12.92
	}
	return math.Pow((c+0.055)/1.055, 2.4)
}

// LabOfLinear converts linear-light sRGB to CIELAB.
func LabOfLinear(r, g, b float64) Lab {
	x := (0.4124564*r + 0.3575761*g + 0.1804375*b) / 0.95047
	y := 0.2126729*r + 0.7151522*g + 0.0721750*b
	z := (0.0193339*r + 0.1191920*g + 0.9503041*b) / 1.08883
	fx, fy, fz := labF(x), labF(y), labF(z)
	return Lab{116*fy - 16, 500 * (fx - fy), 200 * (fy - fz)}
}

func labF(t float64) float64 {
	const eps = 216.0 / 24389
	if t > eps {
		return math.Cbrt(t)
	}
	return (24389.0/27*t + 16) / 116
}

// DeltaE is the CIE76 distance between two Lab colours.
func DeltaE(a, b Lab) float64 {
	return math.Sqrt((a[0]-b[0])*(a[0]-b[0]) + (a[1]-b[1])*(a[1]-b[1]) + (a[2]-b[2])*(a[2]-b[2]))
}
