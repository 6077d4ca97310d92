package evaluator

import (
	"fmt"
	"image"
	"math"
	"testing"

	"github.com/nudge-studio/nudge/shapes"
)

func clean(img *image.RGBA, _ uint64) *image.RGBA { return img }

// soft is what the issue asks the evaluator to survive: a Gaussian blur of σ = 1 px and mild
// noise, as a small model's output looks.
func soft(img *image.RGBA, seed uint64) *image.RGBA { return addNoise(blur(img, 1), 3, seed) }

// rough is well past that: σ = 1.5 px and noise of σ = 8 levels.
func rough(img *image.RGBA, seed uint64) *image.RGBA { return addNoise(blur(img, 1.5), 8, seed) }

// wobbly is soft after a smooth warp of up to amp pixels: outlines that wobble.
func wobbly(amp float64) func(*image.RGBA, uint64) *image.RGBA {
	return func(img *image.RGBA, seed uint64) *image.RGBA { return soft(warp(img, amp, seed), seed) }
}

// cast is soft plus a colour cast of up to ±30 levels per channel.
func cast(img *image.RGBA, seed uint64) *image.RGBA { return soft(colourCast(img, 30, seed), seed) }

// recovery tallies attributes read back right over generated samples.
type recovery struct {
	attrs, right, images, countRight int
	perAttr                          map[string][2]int
}

func (r *recovery) add(name string, ok bool) {
	v := r.perAttr[name]
	v[1]++
	r.attrs++
	if ok {
		v[0]++
		r.right++
	}
	r.perAttr[name] = v
}

func (r recovery) rate() float64 { return float64(r.right) / float64(r.attrs) }

func (r recovery) String() string {
	s := fmt.Sprintf("%.2f%% of %d attributes, count %d/%d", 100*r.rate(), r.attrs, r.countRight, r.images)
	for _, a := range []string{"shape", "colour", "size", "position"} {
		v := r.perAttr[a]
		s += fmt.Sprintf(", %s %.2f%%", a, 100*float64(v[0])/float64(v[1]))
	}
	return s
}

// measureRecovery scores Detect on n generated samples against their ground truth, every
// attribute of every object asked.
func measureRecovery(t *testing.T, n int, opts shapes.Options, degrade func(*image.RGBA, uint64) *image.RGBA) recovery {
	t.Helper()
	rec := recovery{perAttr: map[string][2]int{}}
	for seed := uint64(0); seed < uint64(n); seed++ {
		s, err := shapes.Generate(seed+1_000_000, opts)
		if err != nil {
			t.Fatal(err)
		}
		res := Detect(degrade(s.Image, seed))
		sc := Score(truthPrompt(s.Scene), res)
		rec.images++
		if sc.CountOK {
			rec.countRight++
		}
		for _, o := range sc.Objects {
			rec.add("shape", o.Shape == Right)
			rec.add("colour", o.Colour == Right)
			rec.add("size", o.Size == Right)
			rec.add("position", o.Position == Right)
		}
	}
	return rec
}

// truthPrompt asks for every attribute of every object in the scene.
func truthPrompt(sc shapes.Scene) shapes.Prompt {
	p := shapes.Prompt{Background: shapes.BackgroundSpec{Colour: sc.Background.Colour, Texture: shapes.AnyTexture}}
	for _, o := range sc.Objects {
		p.Objects = append(p.Objects, shapes.ObjectSpec{Shape: o.Shape, Colour: o.Colour, Size: o.Size, Position: o.Position})
	}
	return p
}

// TestDetectRecoversGenerated is the evaluator's acceptance check: on the generator's own
// images it must read back at least 98 % of the attributes (and the object count), clean and
// after blur and noise.
func TestDetectRecoversGenerated(t *testing.T) {
	base, all := shapes.Options{}, shapes.Options{IncludeHeldOut: true}
	cases := []struct {
		name    string
		opts    shapes.Options
		n       int
		degrade func(*image.RGBA, uint64) *image.RGBA
		min     float64
	}{
		{"base, clean", base, 500, clean, 0.98},
		{"base, blur σ=1 + noise σ=3", base, 500, soft, 0.98},
		{"base, blur σ=1.5 + noise σ=8", base, 200, rough, 0.95},
		{"base, blur σ=1 + noise σ=3 + colour cast ±30", base, 200, cast, 0.98},
		{"base, blur σ=1 + noise σ=3 + warp 1.5 px", base, 200, wobbly(1.5), 0.98},
		{"base, blur σ=1 + noise σ=3 + warp 2.5 px", base, 200, wobbly(2.5), 0.9},
		{"base at 256², blur σ=1 + noise σ=3", shapes.Options{Size: 256}, 60, soft, 0.98},
		{"with held-out, clean", all, 200, clean, 0.98},
		{"with held-out, blur σ=1 + noise σ=3", all, 200, soft, 0.98},
	}
	for _, c := range cases {
		rec := measureRecovery(t, c.n, c.opts, c.degrade)
		t.Logf("%s: %s", c.name, rec)
		if rec.rate() < c.min || float64(rec.countRight) < c.min*float64(rec.images) {
			t.Errorf("%s: %s; want ≥ %.0f%%", c.name, rec, 100*c.min)
		}
	}
}

// TestPrototypes re-measures each shape's mean features on clean renders and checks the
// classifier's table is within 0.01 of them.
func TestPrototypes(t *testing.T) {
	sums := map[shapes.Shape][9]float64{}
	counts := map[shapes.Shape]int{}
	for seed := uint64(0); seed < 200; seed++ {
		s, err := shapes.Generate(seed, shapes.Options{IncludeHeldOut: true})
		if err != nil {
			t.Fatal(err)
		}
		res := Detect(s.Image)
		for _, o := range s.Scene.Objects {
			for _, f := range res.Objects {
				if math.Hypot(f.X-o.X, f.Y-o.Y) < 0.03 {
					v := f.Features.vector()
					acc := sums[o.Shape]
					for k := range v {
						acc[k] += v[k]
					}
					sums[o.Shape] = acc
					counts[o.Shape]++
				}
			}
		}
	}
	for _, p := range prototypes {
		n := float64(counts[p.shape])
		if n < 20 {
			t.Fatalf("only %v %ss found", n, p.shape)
		}
		for k, want := range p.f {
			if got := sums[p.shape][k] / n; math.Abs(got-want) > 0.01 {
				t.Errorf("%s feature %d: measured mean %.3f, table %.3f", p.shape, k, got, want)
			}
		}
	}
}

// BenchmarkDetect times one image at the world's 128² and at Stable Diffusion's 512².
func BenchmarkDetect(b *testing.B) {
	for _, size := range []int{128, 512} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			var imgs []*image.RGBA
			for seed := uint64(0); seed < 16; seed++ {
				s, err := shapes.Generate(seed, shapes.Options{Size: size})
				if err != nil {
					b.Fatal(err)
				}
				imgs = append(imgs, s.Image)
			}
			for i := 0; b.Loop(); i++ {
				Detect(imgs[i%len(imgs)])
			}
		})
	}
}
