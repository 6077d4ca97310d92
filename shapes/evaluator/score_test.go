package evaluator

import (
	"context"
	"errors"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/shapes"
)

func TestScore(t *testing.T) {
	red := Object{Shape: shapes.Circle, Colour: shapes.Red, Size: shapes.Small, Position: shapes.Left}
	blue := Object{Shape: shapes.Square, Colour: shapes.Blue, Size: shapes.Large, Position: shapes.Right}
	wrongColour := Object{Shape: shapes.Circle, Colour: shapes.Green, Size: shapes.Small, Position: shapes.Left}
	parse := func(s string) shapes.Prompt {
		p, err := shapes.ParsePrompt(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		prompt     string
		found      []Object
		countOK    bool
		allCorrect bool
		verdicts   [][4]Verdict // shape, colour, size, position per expected object
	}{
		{"a red circle", []Object{red}, true, true, [][4]Verdict{{Right, Right, Unasked, Unasked}}},
		{"a red circle", []Object{blue, red}, false, true, [][4]Verdict{{Right, Right, Unasked, Unasked}}},
		{"a red circle", nil, false, false, [][4]Verdict{{Wrong, Wrong, Unasked, Unasked}}},
		{"a red circle", []Object{wrongColour}, true, false, [][4]Verdict{{Right, Wrong, Unasked, Unasked}}},
		{"a small red circle on the right", []Object{red}, true, false, [][4]Verdict{{Right, Right, Right, Wrong}}},
		// Order in the prompt does not matter; each found object serves one expected object.
		{"a blue square and a red circle", []Object{red, blue}, true, true,
			[][4]Verdict{{Right, Right, Unasked, Unasked}, {Right, Right, Unasked, Unasked}}},
		{"a red circle and a red circle", []Object{red}, false, false,
			[][4]Verdict{{Right, Right, Unasked, Unasked}, {Wrong, Wrong, Unasked, Unasked}}},
		{"a blue square and a red circle", []Object{blue, wrongColour}, true, false,
			[][4]Verdict{{Right, Right, Unasked, Unasked}, {Right, Wrong, Unasked, Unasked}}},
	}
	for _, c := range cases {
		s := Score(parse(c.prompt), Result{Objects: c.found})
		if s.CountOK != c.countOK || s.AllCorrect != c.allCorrect {
			t.Errorf("%q with %d found: count %v all %v, want %v %v", c.prompt, len(c.found), s.CountOK, s.AllCorrect, c.countOK, c.allCorrect)
		}
		for i, o := range s.Objects {
			if got := [4]Verdict{o.Shape, o.Colour, o.Size, o.Position}; got != c.verdicts[i] {
				t.Errorf("%q object %d: verdicts %v, want %v", c.prompt, i, got, c.verdicts[i])
			}
		}
	}
}

func TestSuite(t *testing.T) {
	kinds := map[Kind]int{}
	for _, c := range Suite() {
		kinds[c.Kind]++
		if _, err := shapes.SceneFor(c.Expected, 1, shapes.Options{}); err != nil {
			t.Errorf("%q: %v", c.Prompt, err)
		}
		for _, o := range c.Expected.Objects {
			if o.Shape.IsHeldOut() {
				t.Errorf("%q names a held-out shape", c.Prompt)
			}
		}
	}
	want := map[Kind]int{Single: 32, WithBackground: 8, Placed: 10, Pair: 12}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%s: %d prompts, want %d", k, kinds[k], n)
		}
	}
}

// TestRunOracle runs the suite on the world's own pictures: every rate must be near perfect, and
// a renderer that gets colours wrong must show it in the colour column alone.
func TestRunOracle(t *testing.T) {
	seeds := []int64{1, 2}
	calls := 0
	rep, err := Run(context.Background(), Suite(), seeds, Oracle(shapes.Options{}), func(done, total int) {
		calls++
		if done != calls || total != len(Suite())*len(seeds) {
			t.Fatalf("progress(%d, %d) on call %d", done, total, calls)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("oracle:\n%s", rep.Table())
	for _, k := range Kinds {
		tl := rep.ByKind[k]
		for name, r := range map[string]float64{"shape": Rate(tl.Shape), "colour": Rate(tl.Colour), "all": Rate([2]int{tl.AllRight, tl.Images})} {
			if r < 0.98 {
				t.Errorf("oracle %s: %s rate %.3f", k, name, r)
			}
		}
	}
	if !strings.Contains(rep.Table(), "two objects") {
		t.Errorf("table lacks the two-object row:\n%s", rep.Table())
	}

	recolour := func(ctx context.Context, prompt string, seed int64) (image.Image, error) {
		p, err := shapes.ParsePrompt(prompt)
		if err != nil {
			return nil, err
		}
		for i := range p.Objects {
			p.Objects[i].Colour = swapped(p.Objects[i].Colour)
		}
		p.Background.Colour = shapes.BgGrey
		return shapes.RenderPrompt(p, uint64(seed), shapes.Options{})
	}
	bad, err := Run(context.Background(), Suite()[:32], seeds, recolour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c, s := Rate(bad.All.Colour), Rate(bad.All.Shape); c > 0.02 || s < 0.98 {
		t.Errorf("wrong-colour renderer: colour %.3f, shape %.3f; want ≈0 and ≈1\n%s", c, s, bad.Table())
	}
}

// swapped is a different colour, visible on grey.
func swapped(c shapes.Colour) shapes.Colour {
	if c == shapes.AllColours[len(shapes.AllColours)-1] {
		return shapes.AllColours[0]
	}
	return c + 1
}

func TestRunStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Run(ctx, Suite(), []int64{1}, func(ctx context.Context, p string, s int64) (image.Image, error) {
		n++
		if n == 3 {
			cancel()
		}
		return image.NewRGBA(image.Rect(0, 0, 32, 32)), nil
	}, nil)
	if !errors.Is(err, context.Canceled) || n != 3 {
		t.Errorf("after cancel: err %v after %d renders", err, n)
	}
	boom := errors.New("boom")
	_, err = Run(context.Background(), Suite(), []int64{1}, func(context.Context, string, int64) (image.Image, error) { return nil, boom }, nil)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "a red circle") {
		t.Errorf("render error: %v", err)
	}
}

// TestDetectOddImages: tiny, empty, uniform and non-RGBA images give sensible results, no panic.
func TestDetectOddImages(t *testing.T) {
	uniform := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for i := range uniform.Pix {
		uniform.Pix[i] = 200
	}
	for name, img := range map[string]image.Image{
		"empty": image.NewRGBA(image.Rect(0, 0, 0, 0)), "4×4": image.NewRGBA(image.Rect(0, 0, 4, 4)),
		"uniform": uniform, "offset gray": image.NewGray(image.Rect(10, 10, 90, 70)),
	} {
		if r := Detect(img); len(r.Objects) != 0 {
			t.Errorf("%s: found %d objects", name, len(r.Objects))
		}
	}
	s, err := shapes.Generate(5, shapes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	nrgba := image.NewNRGBA(s.Image.Bounds())
	for y := 0; y < s.Image.Bounds().Dy(); y++ {
		for x := 0; x < s.Image.Bounds().Dx(); x++ {
			nrgba.Set(x, y, s.Image.At(x, y))
		}
	}
	if a, b := Detect(s.Image), Detect(nrgba); len(a.Objects) != len(b.Objects) || len(a.Objects) != len(s.Scene.Objects) {
		t.Errorf("RGBA found %d, NRGBA %d, scene has %d", len(a.Objects), len(b.Objects), len(s.Scene.Objects))
	}
}

// TestSEGAHelpers: the object mask matches the ground truth, IoU and colour share read what
// they should, and mismatched sizes are an error.
func TestSEGAHelpers(t *testing.T) {
	p, err := shapes.ParsePrompt("a red circle on a white background")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := shapes.SceneFor(p, 3, shapes.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tr := shapes.RenderTruth(sc, 128)
	truth := Mask{W: 128, H: 128, On: make([]bool, 128*128)}
	for i, a := range tr.Masks[0].Pix {
		truth.On[i] = a >= 128
	}
	m := ObjectMask(tr.Image)
	if iou, err := IoU(m, truth); err != nil || iou < 0.97 {
		t.Errorf("object mask IoU with the truth %.3f (%v)", iou, err)
	}
	if iou, _ := IoU(m, m); iou != 1 {
		t.Errorf("IoU of a mask with itself %.3f", iou)
	}
	if _, err := IoU(m, Mask{W: 64, H: 64, On: make([]bool, 64*64)}); err == nil {
		t.Error("IoU of different sizes: no error")
	}
	// Edge pixels at least half covered are in the mask but are a mix of red and white.
	if s, _ := ColourShare(tr.Image, m, shapes.Red); s < 0.95 {
		t.Errorf("red share of a red circle %.3f", s)
	}
	// Paint the left half of the circle blue: the red share halves.
	half := image.NewRGBA(tr.Image.Bounds())
	copy(half.Pix, tr.Image.Pix)
	cx := int(sc.Objects[0].X * 128)
	for i, on := range m.On {
		if on && i%128 < cx {
			half.Set(i%128, i/128, color.RGBA{30, 70, 230, 255})
		}
	}
	red, _ := ColourShare(half, m, shapes.Red)
	blue, _ := ColourShare(half, m, shapes.Blue)
	if red < 0.4 || red > 0.6 || blue < 0.4 || blue > 0.6 {
		t.Errorf("half-painted circle: red %.3f, blue %.3f", red, blue)
	}
	if _, err := ColourShare(half, Mask{W: 1, H: 1, On: []bool{true}}, shapes.Red); err == nil {
		t.Error("ColourShare with a wrong-size mask: no error")
	}
}
