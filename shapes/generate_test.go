package shapes

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
)

func generate(t testing.TB, seed uint64, opts Options) Sample {
	t.Helper()
	s, err := Generate(seed, opts)
	if err != nil {
		t.Fatalf("Generate(%d): %v", seed, err)
	}
	return s
}

func TestGenerateDeterministic(t *testing.T) {
	for _, seed := range []uint64{0, 1, 42, 1 << 40} {
		a, b := generate(t, seed, Options{}), generate(t, seed, Options{})
		if !bytes.Equal(a.Image.Pix, b.Image.Pix) || !bytes.Equal(a.Depth.Pix, b.Depth.Pix) ||
			!bytes.Equal(a.Edit.AfterImage.Pix, b.Edit.AfterImage.Pix) || a.Caption != b.Caption ||
			a.Edit.Instruction != b.Edit.Instruction {
			t.Errorf("seed %d: two runs differ", seed)
		}
		for i := range a.Masks {
			if !bytes.Equal(a.Masks[i].Pix, b.Masks[i].Pix) {
				t.Errorf("seed %d: mask %d differs between runs", seed, i)
			}
		}
	}
	seen := map[string]uint64{}
	for seed := uint64(0); seed < 50; seed++ {
		key := string(generate(t, seed, Options{}).Image.Pix)
		if prev, ok := seen[key]; ok {
			t.Errorf("seeds %d and %d give identical images", prev, seed)
		}
		seen[key] = seed
	}
}

func TestOptionsRejected(t *testing.T) {
	for _, o := range []Options{{Size: 8}, {MaxObjects: 4}, {MaxObjects: -1}, {Shapes: []Shape{0}}, {Shapes: []Shape{99}}} {
		if _, err := Generate(1, o); err == nil {
			t.Errorf("Generate with %+v: no error", o)
		}
	}
}

// TestOnlyShapes: a DreamBooth-style set of one shape draws only it, edits included.
func TestOnlyShapes(t *testing.T) {
	for seed := uint64(0); seed < 100; seed++ {
		s := generate(t, seed, Options{Size: 32, Shapes: []Shape{Heart}})
		for _, sc := range []Scene{s.Scene, s.Edit.After} {
			for _, o := range sc.Objects {
				if o.Shape != Heart {
					t.Fatalf("seed %d: a %s in a hearts-only set", seed, o.Shape)
				}
			}
		}
	}
}

// TestHeldOutShapes checks the base set never draws a held-out shape and the full set does.
func TestHeldOutShapes(t *testing.T) {
	counts := map[bool]map[Shape]int{false: {}, true: {}}
	for seed := uint64(0); seed < 3000; seed++ {
		for _, held := range []bool{false, true} {
			r := newRNG(seed)
			o, _ := Options{IncludeHeldOut: held}.withDefaults()
			for _, obj := range randomScene(r, o).Objects {
				counts[held][obj.Shape]++
			}
		}
	}
	for _, s := range HeldOut {
		if counts[false][s] != 0 {
			t.Errorf("base set drew %d %ss", counts[false][s], s)
		}
	}
	for _, s := range AllShapes {
		if counts[true][s] < 300 {
			t.Errorf("full set drew only %d %ss in 3000 scenes", counts[true][s], s)
		}
	}
}

// TestCaptionsRoundTrip parses 10 000 generated captions: each must parse to exactly what the
// generator meant, and that meaning must be true of the scene.
func TestCaptionsRoundTrip(t *testing.T) {
	opts, _ := Options{IncludeHeldOut: true}.withDefaults()
	for seed := uint64(0); seed < 10000; seed++ {
		r := newRNG(seed)
		sc := randomScene(r, opts)
		meant := describe(r, sc)
		caption := meant.words(r)
		got, err := ParsePrompt(caption)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if !reflect.DeepEqual(got, meant) {
			t.Fatalf("seed %d: %q parsed to %+v, meant %+v", seed, caption, got, meant)
		}
		if err := trueOf(meant, sc); err != "" {
			t.Fatalf("seed %d: %q is false: %s", seed, caption, err)
		}
	}
}

// trueOf checks a prompt against a scene, object i against object i.
func trueOf(p Prompt, sc Scene) string {
	if len(p.Objects) != len(sc.Objects) {
		return "object count differs"
	}
	for i, s := range p.Objects {
		o := sc.Objects[i]
		if s.Shape != o.Shape || s.Colour != 0 && s.Colour != o.Colour || s.Size != 0 && s.Size != o.Size ||
			s.Position != 0 && s.Position != o.Position {
			return "object " + o.Colour.String() + " " + o.Shape.String() + " does not match"
		}
		if NearestPosition(o.X, o.Y) != o.Position {
			return "object off its position"
		}
		if (o.Size == Small) != (o.Radius < SizeThreshold()) {
			return "object radius not of its size"
		}
	}
	b := p.Background
	if b.Colour != 0 && b.Colour != sc.Background.Colour || b.Texture != AnyTexture && b.Texture != sc.Background.Texture {
		return "background does not match"
	}
	return ""
}

func TestCaptionsCoverIssueExamples(t *testing.T) {
	want := []string{"a red circle", "a red circle on a white background", "a blue square and a yellow triangle",
		"a small green star on the left", "there is a big purple triangle at the top"}
	for _, w := range want {
		p, err := ParsePrompt(w)
		if err != nil {
			t.Fatalf("%q: %v", w, err)
		}
		found := false
		opts, _ := Options{}.withDefaults()
		for seed := uint64(0); seed < 200000 && !found; seed++ {
			r := newRNG(seed)
			sc := randomScene(r, opts)
			m := describe(r, sc)
			found = reflect.DeepEqual(m, p)
		}
		if !found {
			t.Errorf("the generator never means %q in 200 000 scenes", w)
		}
	}
}

// TestMasksAndDepth checks the ground truth against the scene: masks sum to at most full
// coverage, each object's coverage matches its analytic area, and depth reads the object's depth
// inside it and the background's outside every object.
func TestMasksAndDepth(t *testing.T) {
	for seed := uint64(0); seed < 40; seed++ {
		s := generate(t, seed, Options{IncludeHeldOut: true})
		size := float64(s.Image.Bounds().Dx())
		for i, o := range s.Scene.Objects {
			sum := 0.0
			for _, a := range s.Masks[i].Pix {
				sum += float64(a) / 255
			}
			want := o.Shape.AreaFactor() * o.Radius * o.Radius * size * size
			if math.Abs(sum-want) > 0.03*want {
				t.Errorf("seed %d object %d (%s): mask area %.1f px, analytic %.1f", seed, i, o.Shape, sum, want)
			}
		}
		for p := range s.Depth.Pix {
			total, full := 0, -1
			for i := range s.Masks {
				a := int(s.Masks[i].Pix[p])
				total += a
				if a == 255 {
					full = i
				}
			}
			if total > 255 {
				t.Fatalf("seed %d pixel %d: masks sum to %d", seed, p, total)
			}
			d := int(s.Depth.Pix[p])
			switch {
			case total == 0 && d != 0:
				t.Fatalf("seed %d pixel %d: background depth %d, want 0", seed, p, d)
			case full >= 0 && math.Abs(float64(d)-255*(1-s.Scene.Objects[full].Depth)) > 0.51:
				t.Fatalf("seed %d pixel %d: depth %d inside object %d at depth %.3f", seed, p, d, full, s.Scene.Objects[full].Depth)
			}
		}
	}
}

// TestOcclusion renders two overlapping objects: the nearer one hides the farther one's pixels.
func TestOcclusion(t *testing.T) {
	sc := Scene{Background: Background{Colour: BgGrey}, Objects: []Object{
		{Shape: Square, Colour: Red, X: 0.45, Y: 0.5, Radius: 0.3, Depth: 0.8},
		{Shape: Circle, Colour: Blue, X: 0.6, Y: 0.5, Radius: 0.25, Depth: 0.4},
	}}
	tr := RenderTruth(sc, 64)
	far, near := tr.Masks[0], tr.Masks[1]
	hidden := 0
	for p := range far.Pix {
		if near.Pix[p] == 255 {
			if far.Pix[p] != 0 {
				t.Fatalf("pixel %d: far mask %d under a fully covering near object", p, far.Pix[p])
			}
			if sc.Objects[0].placed().contains(float64(p%64)/64+0.5/64, float64(p/64)/64+0.5/64) {
				hidden++
			}
		}
	}
	if hidden < 100 {
		t.Errorf("only %d square pixels hidden by the circle; the test scene should overlap more", hidden)
	}
	if c := tr.Image.RGBAAt(38, 32); c != Blue.RGB() {
		t.Errorf("overlap pixel is %v, want the near object's blue", c)
	}
}

// TestEditPairs checks each edit changes exactly one attribute of one object, says so, and
// leaves a valid scene.
func TestEditPairs(t *testing.T) {
	kinds := map[EditKind]int{}
	for seed := uint64(0); seed < 400; seed++ {
		s := generate(t, seed, Options{Size: 32})
		e := s.Edit
		kinds[e.Kind]++
		if len(e.After.Objects) != len(s.Scene.Objects) || e.After.Background != s.Scene.Background {
			t.Fatalf("seed %d: edit changed the scene's make-up", seed)
		}
		changed := 0
		for i, a := range s.Scene.Objects {
			b := e.After.Objects[i]
			diffs := attributeDiffs(a, b)
			if i != e.Object && len(diffs) > 0 {
				t.Fatalf("seed %d: edit of object %d also changed object %d", seed, e.Object, i)
			}
			if i == e.Object {
				if len(diffs) != 1 || diffs[0] != e.Kind {
					t.Fatalf("seed %d: %q changed %v, want only %s", seed, e.Instruction, diffs, e.Kind)
				}
				changed++
				if !strings.Contains(e.Instruction, a.Shape.String()) {
					t.Errorf("seed %d: %q does not name the %s", seed, e.Instruction, a.Shape)
				}
			}
		}
		if changed != 1 || !fits(e.After.Objects) || bytes.Equal(e.AfterImage.Pix, s.Image.Pix) {
			t.Fatalf("seed %d: edit %q is not a valid one-object change", seed, e.Instruction)
		}
	}
	for _, k := range []EditKind{EditColour, EditShape, EditSize, EditPosition} {
		if kinds[k] < 40 {
			t.Errorf("only %d %s edits in 400 samples", kinds[k], k)
		}
	}
}

func attributeDiffs(a, b Object) []EditKind {
	var d []EditKind
	if a.Colour != b.Colour {
		d = append(d, EditColour)
	}
	if a.Shape != b.Shape {
		d = append(d, EditShape)
	}
	if a.Size != b.Size {
		d = append(d, EditSize)
	}
	if a.Position != b.Position {
		d = append(d, EditPosition)
	}
	return d
}

func BenchmarkGenerate(b *testing.B) {
	for i := 0; b.Loop(); i++ {
		if _, err := Generate(uint64(i), Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
