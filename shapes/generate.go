package shapes

import (
	"errors"
	"fmt"
	"image"
	"math"
	"slices"
)

// Options shape what Generate makes. The zero value is the base training set: 128² images,
// one to three objects, held-out shapes excluded.
type Options struct {
	Size           int     // image side in pixels; 0 means 128
	MaxObjects     int     // 1–3; 0 means 3
	IncludeHeldOut bool    // also draw Hexagon and Heart
	Shapes         []Shape // when set, draw only these shapes (e.g. only hearts for DreamBooth)
}

// DefaultSize is the image side Generate uses when Options.Size is 0.
const DefaultSize = 128

// MaxObjects is the most objects a scene holds: beyond three, large objects no longer fit at
// 128² without touching.
const MaxObjects = 3

func (o Options) withDefaults() (Options, error) {
	if o.Size == 0 {
		o.Size = DefaultSize
	}
	if o.MaxObjects == 0 {
		o.MaxObjects = MaxObjects
	}
	if o.Size < 32 || o.Size > 4096 {
		return o, fmt.Errorf("shapes: image size %d out of range; use 32–4096", o.Size)
	}
	if o.MaxObjects < 1 || o.MaxObjects > MaxObjects {
		return o, fmt.Errorf("shapes: MaxObjects %d out of range; use 1–%d", o.MaxObjects, MaxObjects)
	}
	if len(o.Shapes) == 0 {
		o.Shapes = BaseShapes
		if o.IncludeHeldOut {
			o.Shapes = AllShapes
		}
	}
	for _, s := range o.Shapes {
		if s < Circle || s > Heart {
			return o, fmt.Errorf("shapes: unknown shape %d in Options.Shapes", s)
		}
	}
	return o, nil
}

// Sample is one generated example: the scene, a caption true of it (and what the caption
// mentions), the rendered ground truth and an edit pair.
type Sample struct {
	Seed      uint64
	Scene     Scene
	Caption   string
	Mentioned Prompt // the caption's meaning; ParsePrompt(Caption) returns it
	Truth
	Edit Edit
}

// Generate makes the sample named by seed: the same seed and options give the same sample,
// byte for byte, on every machine.
func Generate(seed uint64, opts Options) (Sample, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Sample{}, err
	}
	r := newRNG(seed)
	scene := randomScene(r, opts)
	s := Sample{Seed: seed, Scene: scene, Truth: RenderTruth(scene, opts.Size)}
	s.Mentioned = describe(r, scene)
	s.Caption = s.Mentioned.words(r)
	if s.Edit, err = makeEdit(r, scene, opts.Shapes); err != nil {
		return Sample{}, err
	}
	s.Edit.AfterImage = Render(s.Edit.After, opts.Size)
	return s, nil
}

// randomScene draws a background and one to MaxObjects objects, dropping to fewer objects in
// the rare case no layout is found.
func randomScene(r *rng, opts Options) Scene {
	bg := randomBackground(r)
	n := 1 + r.intn(opts.MaxObjects)
	for ; n > 1; n-- {
		if sc, ok := layout(r, make([]ObjectSpec, n), bg, opts.Shapes); ok {
			return sc
		}
	}
	sc, _ := layout(r, make([]ObjectSpec, 1), bg, opts.Shapes)
	return sc
}

func randomBackground(r *rng) Background {
	b := Background{Colour: pick(r, AllBgColours), Seed: r.uint64()}
	if r.chance(0.35) {
		b.Texture = pick(r, AllTextures[1:])
	}
	return b
}

// SceneFor makes a scene that satisfies the prompt, filling what it leaves open at random from
// seed; the evaluator's oracle renderer and edit checks use it.
func SceneFor(p Prompt, seed uint64, opts Options) (Scene, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Scene{}, err
	}
	if len(p.Objects) == 0 || len(p.Objects) > MaxObjects {
		return Scene{}, fmt.Errorf("shapes: a scene holds 1–%d objects, the prompt names %d", MaxObjects, len(p.Objects))
	}
	r := newRNG(seed)
	bg := randomBackground(r)
	if p.Background.Colour != 0 {
		bg.Colour = p.Background.Colour
	} else if cs := backgroundsShowing(p.Objects); len(cs) > 0 {
		bg.Colour = pick(r, cs)
	}
	if p.Background.Texture != AnyTexture {
		bg.Texture = p.Background.Texture
	}
	for _, o := range p.Objects {
		if o.Colour != 0 && !Visible(o.Colour, bg.Colour) {
			return Scene{}, fmt.Errorf("shapes: a %s object cannot be seen on a %s background", o.Colour, bg.Colour)
		}
	}
	sc, ok := layout(r, p.Objects, bg, opts.Shapes)
	if !ok {
		return Scene{}, errors.New("shapes: no layout fits the prompt (two objects at one position, or too many large ones)")
	}
	return sc, nil
}

// layoutAttempts bounds the rejection sampling; at three objects about one draw in four fits.
const layoutAttempts = 60

// layout fills the specs' open attributes at random and places the objects at their positions'
// anchors, retrying until no two objects come within layoutGap of each other. Objects never
// overlap, so the evaluator sees every silhouette whole; the renderer still handles occlusion
// by depth for hand-made scenes.
func layout(r *rng, specs []ObjectSpec, bg Background, shapes []Shape) (Scene, bool) {
	for attempt := 0; attempt < layoutAttempts; attempt++ {
		objs, ok := fillSpecs(r, specs, bg, shapes, attempt > layoutAttempts/2)
		if ok && fits(objs) {
			for i := range objs {
				objs[i].Depth = r.between(0.3, 0.9)
			}
			return Scene{Background: bg, Objects: objs}, true
		}
	}
	return Scene{}, false
}

// fillSpecs turns specs into concrete objects; preferSmall biases open sizes to small once
// larger layouts have failed for a while.
func fillSpecs(r *rng, specs []ObjectSpec, bg Background, shapes []Shape, preferSmall bool) ([]Object, bool) {
	taken := map[Position]bool{}
	for _, s := range specs {
		if s.Position != 0 {
			if taken[s.Position] {
				return nil, false
			}
			taken[s.Position] = true
		}
	}
	objs := make([]Object, len(specs))
	for i, s := range specs {
		o := Object{Shape: s.Shape, Colour: s.Colour, Size: s.Size, Position: s.Position}
		if o.Shape == 0 {
			o.Shape = pick(r, shapes)
		}
		if o.Colour == 0 {
			o.Colour = pick(r, visibleColours(bg.Colour))
		}
		if slices.ContainsFunc(objs[:i], func(p Object) bool { return p.Shape == o.Shape && p.Colour == o.Colour }) {
			return nil, false // two identical objects could not be told apart in an edit instruction
		}
		if o.Size == 0 {
			o.Size = pick(r, AllSizes)
			if preferSmall && r.chance(0.7) {
				o.Size = Small
			}
		}
		if o.Position == 0 {
			o.Position = freePosition(r, taken)
			taken[o.Position] = true
		}
		place(r, &o)
		objs[i] = o
	}
	return objs, true
}

// backgroundsShowing lists the background colours every named colour is visible on.
func backgroundsShowing(specs []ObjectSpec) []BgColour {
	var out []BgColour
	for _, b := range AllBgColours {
		if !slices.ContainsFunc(specs, func(s ObjectSpec) bool { return s.Colour != 0 && !Visible(s.Colour, b) }) {
			out = append(out, b)
		}
	}
	return out
}

func visibleColours(bg BgColour) []Colour {
	var out []Colour
	for _, c := range AllColours {
		if Visible(c, bg) {
			out = append(out, c)
		}
	}
	return out
}

func freePosition(r *rng, taken map[Position]bool) Position {
	var free []Position
	for _, p := range AllPositions {
		if !taken[p] {
			free = append(free, p)
		}
	}
	return pick(r, free)
}

// positionJitter is how far (fraction of the side) a centre may stray from its anchor: enough
// variety for a model, small enough that NearestPosition always names the right anchor.
const positionJitter = 0.02

// maxRotation keeps rotations small (±10°) so a square never reads as a diamond.
const maxRotation = 10 * math.Pi / 180

// place sets the object's geometry from its size and position.
func place(r *rng, o *Object) {
	ax, ay := o.Position.Anchor()
	o.X = ax + r.between(-positionJitter, positionJitter)
	o.Y = ay + r.between(-positionJitter, positionJitter)
	o.Radius = radiusFor(r, o.Size)
	o.Rotation = r.between(-maxRotation, maxRotation)
}

func radiusFor(r *rng, s Size) float64 {
	return r.between(s.Radius())
}

// layoutGap is the least distance (fraction of the side) between two objects' outlines' bounding
// discs, and borderGap between an object and the image's edge.
const (
	layoutGap = 0.02
	borderGap = 0.01
)

// fits reports whether every object lies inside the image and no two come close.
func fits(objs []Object) bool {
	for i, a := range objs {
		ra := a.Radius * a.Shape.Extent()
		if a.X-ra < borderGap || a.X+ra > 1-borderGap || a.Y-ra < borderGap || a.Y+ra > 1-borderGap {
			return false
		}
		for _, b := range objs[:i] {
			rb := b.Radius * b.Shape.Extent()
			if math.Hypot(a.X-b.X, a.Y-b.Y) < ra+rb+layoutGap {
				return false
			}
		}
	}
	return true
}

// describe chooses what the caption mentions: every object's shape, usually its colour, and
// sometimes its size, its position and the background. All of it is true by construction.
func describe(r *rng, sc Scene) Prompt {
	p := Prompt{Background: BackgroundSpec{Texture: AnyTexture}}
	for _, o := range sc.Objects {
		s := ObjectSpec{Shape: o.Shape}
		if r.chance(0.9) {
			s.Colour = o.Colour
		}
		if r.chance(0.35) {
			s.Size = o.Size
		}
		if r.chance(0.4) {
			s.Position = o.Position
		}
		p.Objects = append(p.Objects, s)
	}
	if r.chance(0.4) {
		p.Background.Colour = sc.Background.Colour
		switch {
		case sc.Background.Texture != Plain && r.chance(0.6):
			p.Background.Texture = sc.Background.Texture
		case sc.Background.Texture == Plain && r.chance(0.15):
			p.Background.Texture = Plain
		}
	}
	return p
}

// RenderPrompt is SceneFor then Render: the world's own picture of a prompt, the evaluator's
// oracle (a perfect model would draw this).
func RenderPrompt(p Prompt, seed uint64, opts Options) (image.Image, error) {
	sc, err := SceneFor(p, seed, opts)
	if err != nil {
		return nil, err
	}
	o, _ := opts.withDefaults()
	return Render(sc, o.Size), nil
}
