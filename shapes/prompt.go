package shapes

import (
	"fmt"
	"strings"
	"unicode"
)

// ObjectSpec is what a prompt says about one object; zero fields were not mentioned.
type ObjectSpec struct {
	Shape    Shape
	Colour   Colour
	Size     Size
	Position Position
}

// BackgroundSpec is what a prompt says about the background: Colour 0 means not mentioned,
// Texture AnyTexture means no texture word.
type BackgroundSpec struct {
	Colour  BgColour
	Texture Texture
}

// Prompt is a caption's meaning: the objects it names, in order, and its background.
type Prompt struct {
	Objects    []ObjectSpec
	Background BackgroundSpec
}

// maxPromptObjects bounds what ParsePrompt accepts; the world never has more than three.
const maxPromptObjects = 8

// Vocabulary. The generator writes only these words and ParsePrompt accepts exactly them; the
// paraphrases (little/small, big/large, center/centre, …) are how captions vary.
var (
	colourWords = map[string]Colour{"red": Red, "green": Green, "blue": Blue, "yellow": Yellow,
		"orange": Orange, "purple": Purple, "white": White, "black": Black}
	shapeWords = map[string]Shape{"circle": Circle, "square": Square, "triangle": Triangle,
		"star": Star, "hexagon": Hexagon, "heart": Heart}
	sizeWords    = map[string]Size{"small": Small, "little": Small, "large": Large, "big": Large}
	sizePhrases  = map[Size][]string{Small: {"small", "little"}, Large: {"large", "big"}}
	textureWords = map[string]Texture{"plain": Plain, "striped": Stripes, "checkered": Checker,
		"chequered": Checker, "speckled": Noise, "noisy": Noise}
	texturePhrases  = map[Texture][]string{Plain: {"plain"}, Stripes: {"striped"}, Checker: {"checkered", "chequered"}, Noise: {"speckled", "noisy"}}
	bgColourPhrases = map[BgColour][]string{BgWhite: {"white"}, BgBlack: {"black"}, BgGrey: {"grey", "gray"},
		BgLightBlue: {"light blue"}, BgBeige: {"beige"}}
	positionPhrases = map[Position][]string{
		Left:   {"on the left", "on the left side", "at the left"},
		Right:  {"on the right", "on the right side", "at the right"},
		Top:    {"at the top", "near the top"},
		Bottom: {"at the bottom", "near the bottom"},
		Centre: {"in the centre", "in the center", "in the middle"},
	}
	// leadPhrases open a caption; the generator writes all but the plural "there are", which
	// ParsePrompt accepts because people write it before a list.
	leadPhrases    = []string{"there is", "a picture of", "an image of", "a drawing of", "a simple drawing of", "there are"}
	bgPrepositions = []string{"on", "against", "with"}
)

// ParsePrompt reads a caption of the shapes world into what it asks for. It accepts every
// caption the generator writes and rejects anything else with an error naming the word.
func ParsePrompt(text string) (Prompt, error) {
	toks, err := tokenize(text)
	if err != nil {
		return Prompt{}, err
	}
	if len(toks) == 0 {
		return Prompt{}, fmt.Errorf("shapes: empty prompt; write e.g. %q", "a red circle")
	}
	p := Prompt{Background: BackgroundSpec{Texture: AnyTexture}}
	objToks := toks
	if i := indexOf(toks, "background"); i >= 0 {
		var bgToks []string
		switch {
		case i == len(toks)-1:
			j := lastPreposition(toks[:i])
			if j < 0 {
				return Prompt{}, fmt.Errorf("shapes: prompt %q: say \"on a … background\" at the end", text)
			}
			bgToks, objToks = toks[j+1:i], toks[:j]
		case i+1 < len(toks) && toks[i+1] == "with":
			bgToks, objToks = toks[:i], toks[i+2:]
		default:
			return Prompt{}, fmt.Errorf("shapes: prompt %q: \"background\" must end the prompt or be followed by \"with\"", text)
		}
		if p.Background, err = parseBackground(bgToks); err != nil {
			return Prompt{}, fmt.Errorf("shapes: prompt %q: %w", text, err)
		}
	}
	if p.Objects, err = parseObjects(stripLead(objToks)); err != nil {
		return Prompt{}, fmt.Errorf("shapes: prompt %q: %w", text, err)
	}
	return p, nil
}

// tokenize lower-cases the text and splits it into words and commas; a final full stop is allowed.
func tokenize(text string) ([]string, error) {
	text = strings.TrimSpace(strings.ToLower(text))
	text = strings.TrimSuffix(text, ".")
	var toks []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			toks = append(toks, word.String())
			word.Reset()
		}
	}
	for i, r := range text {
		switch {
		case r >= 'a' && r <= 'z':
			word.WriteRune(r)
		case r == ',':
			flush()
			toks = append(toks, ",")
		case unicode.IsSpace(r):
			flush()
		default:
			return nil, fmt.Errorf("shapes: prompt: unexpected character %q at byte %d; use letters, spaces and commas", r, i)
		}
	}
	flush()
	return toks, nil
}

func indexOf(toks []string, w string) int {
	for i, t := range toks {
		if t == w {
			return i
		}
	}
	return -1
}

func lastPreposition(toks []string) int {
	for j := len(toks) - 1; j >= 0; j-- {
		for _, p := range bgPrepositions {
			if toks[j] == p {
				return j
			}
		}
	}
	return -1
}

// parseBackground reads "[a|an] [texture] colour" (the words before "background").
func parseBackground(toks []string) (BackgroundSpec, error) {
	b := BackgroundSpec{Texture: AnyTexture}
	if len(toks) > 0 && (toks[0] == "a" || toks[0] == "an") {
		toks = toks[1:]
	}
	if len(toks) > 0 {
		if t, ok := textureWords[toks[0]]; ok {
			b.Texture, toks = t, toks[1:]
		}
	}
	rest := strings.Join(toks, " ")
	for c, names := range bgColourPhrases {
		for _, n := range names {
			if rest == n {
				b.Colour = c
				return b, nil
			}
		}
	}
	return b, fmt.Errorf("unknown background %q; backgrounds are white, black, grey, light blue or beige", rest)
}

// stripLead removes an opening phrase such as "there is" or "a picture of".
func stripLead(toks []string) []string {
	for _, l := range leadPhrases {
		lw := strings.Fields(l)
		if hasPrefix(toks, lw) {
			return toks[len(lw):]
		}
	}
	return toks
}

func hasPrefix(toks, prefix []string) bool {
	if len(toks) < len(prefix) {
		return false
	}
	for i, w := range prefix {
		if toks[i] != w {
			return false
		}
	}
	return true
}

// parseObjects splits the object list on "and" and commas and reads each phrase.
func parseObjects(toks []string) ([]ObjectSpec, error) {
	var out []ObjectSpec
	var cur []string
	flush := func() error {
		if len(cur) == 0 {
			return nil
		}
		o, err := parseObject(cur)
		if err != nil {
			return err
		}
		if len(out) == maxPromptObjects {
			return fmt.Errorf("more than %d objects", maxPromptObjects)
		}
		out = append(out, o)
		cur = nil
		return nil
	}
	for i, t := range toks {
		if t == "and" || t == "," {
			// Only ", and" may follow a separator (the serial comma); anything else leaves an
			// object out.
			if i == len(toks)-1 || len(cur) == 0 && !(t == "and" && i > 0 && toks[i-1] == ",") {
				return nil, fmt.Errorf("a missing object around %q", t)
			}
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		cur = append(cur, t)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no object; name a shape (circle, square, triangle, star, hexagon, heart)")
	}
	return out, nil
}

// parseObject reads "[a|an|one] {size|colour} shape [position phrase]".
func parseObject(toks []string) (ObjectSpec, error) {
	var o ObjectSpec
	if toks[0] == "a" || toks[0] == "an" || toks[0] == "one" {
		toks = toks[1:]
	}
	for len(toks) > 0 && o.Shape == 0 {
		w := toks[0]
		toks = toks[1:]
		switch {
		case sizeWords[w] != 0 && o.Size == 0:
			o.Size = sizeWords[w]
		case colourWords[w] != 0 && o.Colour == 0:
			o.Colour = colourWords[w]
		case shapeWords[w] != 0:
			o.Shape = shapeWords[w]
		default:
			return o, fmt.Errorf("unexpected word %q; an object is [size] [colour] shape [position]", w)
		}
	}
	if o.Shape == 0 {
		return o, fmt.Errorf("an object without a shape; name one of circle, square, triangle, star, hexagon, heart")
	}
	if len(toks) == 0 {
		return o, nil
	}
	rest := strings.Join(toks, " ")
	for p, names := range positionPhrases {
		for _, n := range names {
			if rest == n {
				o.Position = p
				return o, nil
			}
		}
	}
	return o, fmt.Errorf("unknown position %q; say on the left, on the right, at the top, at the bottom or in the centre", rest)
}

// String is the prompt in its plainest wording, e.g. "a small green star on the left on a white background".
func (p Prompt) String() string { return p.words(nil) }

// words writes the prompt; with a generator it picks among the paraphrases, without one it
// takes the first of each.
func (p Prompt) words(r *rng) string {
	choose := func(xs []string) string {
		if r == nil {
			return xs[0]
		}
		return pick(r, xs)
	}
	phrases := make([]string, len(p.Objects))
	for i, o := range p.Objects {
		phrases[i] = o.words(choose)
	}
	objects := joinObjects(phrases, r != nil && r.chance(0.5))
	b := p.Background
	if b.Colour == 0 {
		if r != nil && r.chance(0.25) {
			return choose(leadPhrases[:len(leadPhrases)-1]) + " " + objects
		}
		return objects
	}
	bg := choose(bgColourPhrases[b.Colour])
	if b.Texture != AnyTexture {
		bg = choose(texturePhrases[b.Texture]) + " " + bg
	}
	if r != nil && r.chance(0.2) {
		return withArticle(bg) + " background with " + objects
	}
	prep := "on"
	if r != nil {
		prep = choose(bgPrepositions)
	}
	return objects + " " + prep + " " + withArticle(bg) + " background"
}

func (o ObjectSpec) words(choose func([]string) string) string {
	var w []string
	if o.Size != 0 {
		w = append(w, choose(sizePhrases[o.Size]))
	}
	if o.Colour != 0 {
		w = append(w, o.Colour.String())
	}
	w = append(w, o.Shape.String())
	s := withArticle(strings.Join(w, " "))
	if o.Position != 0 {
		s += " " + choose(positionPhrases[o.Position])
	}
	return s
}

func joinObjects(phrases []string, oxford bool) string {
	switch len(phrases) {
	case 1:
		return phrases[0]
	case 2:
		return phrases[0] + " and " + phrases[1]
	}
	head := strings.Join(phrases[:len(phrases)-1], ", ")
	if oxford {
		return head + ", and " + phrases[len(phrases)-1]
	}
	return head + " and " + phrases[len(phrases)-1]
}

// withArticle prefixes "a" or "an" by the next word's first letter (every word here that starts
// with a vowel letter also starts with a vowel sound).
func withArticle(s string) string {
	if strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}
