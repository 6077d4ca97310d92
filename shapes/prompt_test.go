package shapes

import (
	"reflect"
	"testing"
)

func TestParsePrompt(t *testing.T) {
	bg := func(c BgColour, tx Texture) BackgroundSpec { return BackgroundSpec{Colour: c, Texture: tx} }
	none := bg(0, AnyTexture)
	cases := []struct {
		text string
		want Prompt
	}{
		{"a red circle", Prompt{[]ObjectSpec{{Shape: Circle, Colour: Red}}, none}},
		{"A red circle.", Prompt{[]ObjectSpec{{Shape: Circle, Colour: Red}}, none}},
		{"a red circle on a white background", Prompt{[]ObjectSpec{{Shape: Circle, Colour: Red}}, bg(BgWhite, AnyTexture)}},
		{"a blue square and a yellow triangle", Prompt{[]ObjectSpec{{Shape: Square, Colour: Blue}, {Shape: Triangle, Colour: Yellow}}, none}},
		{"a small green star on the left", Prompt{[]ObjectSpec{{Shape: Star, Colour: Green, Size: Small, Position: Left}}, none}},
		{"there is a big purple triangle at the top", Prompt{[]ObjectSpec{{Shape: Triangle, Colour: Purple, Size: Large, Position: Top}}, none}},
		{"a circle on a white background", Prompt{[]ObjectSpec{{Shape: Circle}}, bg(BgWhite, AnyTexture)}},
		{"a striped light blue background with an orange heart in the middle", Prompt{[]ObjectSpec{{Shape: Heart, Colour: Orange, Position: Centre}}, bg(BgLightBlue, Stripes)}},
		{"a red star, a blue square, and a hexagon against a checkered gray background",
			Prompt{[]ObjectSpec{{Shape: Star, Colour: Red}, {Shape: Square, Colour: Blue}, {Shape: Hexagon}}, bg(BgGrey, Checker)}},
		{"an image of a red circle, a black circle, and a blue star against a gray background",
			Prompt{[]ObjectSpec{{Shape: Circle, Colour: Red}, {Shape: Circle, Colour: Black}, {Shape: Star, Colour: Blue}}, bg(BgGrey, AnyTexture)}},
		{"a circle on the left with a plain beige background", Prompt{[]ObjectSpec{{Shape: Circle, Position: Left}}, bg(BgBeige, Plain)}},
	}
	for _, c := range cases {
		got, err := ParsePrompt(c.text)
		if err != nil {
			t.Errorf("%q: %v", c.text, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestParsePromptRejects(t *testing.T) {
	for _, text := range []string{"", "   ", "a red", "a red circle square", "a dog", "a red circle on the moon",
		"a red circle on a pink background", "a circle background", "a red circle; a blue square", "a red red circle",
		"a circle and", "a circle on a background", "ein roter kreis ü", "and , and"} {
		if p, err := ParsePrompt(text); err == nil {
			t.Errorf("%q parsed to %+v; want an error", text, p)
		}
	}
}

func TestSceneFor(t *testing.T) {
	for _, text := range []string{"a small green star on the left", "a blue square and a yellow triangle",
		"a white heart at the top and a black hexagon at the bottom on a grey background", "a large red circle in the centre",
		"a red circle, a green square and a blue triangle"} {
		p, err := ParsePrompt(text)
		if err != nil {
			t.Fatal(err)
		}
		for seed := uint64(0); seed < 50; seed++ {
			sc, err := SceneFor(p, seed, Options{IncludeHeldOut: true})
			if err != nil {
				t.Fatalf("%q seed %d: %v", text, seed, err)
			}
			if msg := trueOf(p, sc); msg != "" || !fits(sc.Objects) {
				t.Fatalf("%q seed %d: scene does not satisfy the prompt: %s", text, seed, msg)
			}
		}
	}
	for _, text := range []string{"a white circle on a white background", "a circle on the left and a square on the left",
		"a circle, a square, a star and a heart"} {
		p, err := ParsePrompt(text)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := SceneFor(p, 1, Options{}); err == nil {
			t.Errorf("%q: SceneFor made a scene; want an error", text)
		}
	}
}

// FuzzParsePrompt: no input panics, and whatever parses re-parses from its String to itself.
func FuzzParsePrompt(f *testing.F) {
	for _, s := range []string{"a red circle", "a small green star on the left", "a blue square and a yellow triangle",
		"a checkered beige background with a heart, a star, and a big black square at the bottom"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		p, err := ParsePrompt(text)
		if err != nil {
			return
		}
		q, err := ParsePrompt(p.String())
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", text, p.String(), err)
		}
		if !reflect.DeepEqual(p, q) {
			t.Fatalf("%q → %+v → %q → %+v", text, p, p.String(), q)
		}
	})
}
