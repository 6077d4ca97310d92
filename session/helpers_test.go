package session

import (
	"math/rand/v2"
	"strings"
	"time"
)

// pieces of text that stress quoting: TOML and A1111 delimiters, escapes, non-ASCII.
var textPieces = []string{"a", "cat", " ", ",", ":", "\"", "'", "\\", "\n", "\t", "#", "[x]", "=", "{", "}",
	"(red:1.2)", `"""`, "'''", "é", "猫", "🙂", "\\n", "Negative", "Steps: 20"}

func randText(r *rand.Rand, n int) string {
	var b strings.Builder
	for range r.IntN(n + 1) {
		b.WriteString(textPieces[r.IntN(len(textPieces))])
	}
	return b.String()
}

func randHex(r *rand.Rand) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 64)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

func randFloat(r *rand.Rand, lo, hi float64) float64 {
	switch r.IntN(4) {
	case 0:
		return lo
	case 1:
		return float64(int(lo + r.Float64()*(hi-lo))) // a whole number, written as 7.0
	}
	return lo + r.Float64()*(hi-lo)
}

func pick(r *rand.Rand, list []string) string { return list[r.IntN(len(list))] }

// randParams returns valid random parameters covering every field.
func randParams(r *rand.Rand) Params {
	p := DefaultParams()
	p.Prompt, p.Negative = randText(r, 12), randText(r, 6)
	p.Width, p.Height, p.Batch = 8*(1+r.IntN(256)), 8*(1+r.IntN(256)), 1+r.IntN(8)
	p.Model.Path = pick(r, []string{"demo:tiny", "demo:sd15", "sd15", "/models/sd 1.5", "models/é"})
	if r.IntN(2) == 0 {
		p.Model.Fingerprint = randHex(r)
		p.Model.Files = map[string]string{"unet/model.onnx": randHex(r), "weights.pb": randHex(r)}
	}
	p.Runtime = Runtime{Provider: pick(r, Providers()), Precision: pick(r, Precisions()), ORTVersion: pick(r, []string{"", "1.30.0"})}
	p.Sampler = Sampler{Scheduler: pick(r, Schedulers()), Steps: 1 + r.IntN(MaxSteps),
		Guidance: randFloat(r, 0, 30), Eta: randFloat(r, 0, 1), Karras: r.IntN(2) == 0}
	if r.IntN(3) == 0 {
		p.Sampler.Options = map[string]any{"timestep_spacing": "leading", "steps_offset": int64(1), "clip": true, "beta": 0.00085}
	}
	p.Noise = Noise{Seed: r.Uint64() >> r.IntN(64), Generator: pick(r, []string{"torch_cpu", "philox"})}
	if r.IntN(2) == 0 {
		p.SEGA = randSEGA(r)
	}
	if r.IntN(2) == 0 {
		p.AttendExcite = randAttendExcite(r)
	}
	if r.IntN(4) == 0 {
		p.Extra = map[string]any{"sag": map[string]any{"scale": 0.75, "mode": "blur", "layers": []any{int64(1), int64(2)},
			"inner": map[string]any{"on": true}}}
	}
	return p
}

func randSEGA(r *rand.Rand) *SEGA {
	s := &SEGA{Enabled: r.IntN(2) == 0, MomentumScale: randFloat(r, 0, 1), MomentumBeta: randFloat(r, 0, 0.99)}
	for range r.IntN(4) {
		c := Concept{Prompt: "x" + randText(r, 5), Weight: randFloat(r, -2, 2), Guidance: randFloat(r, 0, 20),
			Warmup: r.IntN(20), Threshold: randFloat(r, 0, 1), Reverse: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			cd := c.Warmup + 1 + r.IntN(30)
			c.Cooldown = &cd
		}
		s.Concepts = append(s.Concepts, c)
	}
	return s
}

func randAttendExcite(r *rand.Rand) *AttendExcite {
	a := &AttendExcite{Enabled: r.IntN(2) == 0, Thresholds: map[int]float64{},
		ScaleFactor: randFloat(r, 0, 40), MaxIterToAlter: r.IntN(50), MaxRefinementSteps: r.IntN(30),
		AttentionResolution: r.IntN(3) * 16}
	for i := range r.IntN(4) {
		a.Tokens = append(a.Tokens, 1+i*3+r.IntN(3))
	}
	if r.IntN(2) == 0 {
		for range a.Tokens {
			a.TokenTexts = append(a.TokenTexts, pick(r, []string{"cat", "é", "\"q\"", "a,b"}))
		}
	}
	for range r.IntN(4) {
		a.Thresholds[r.IntN(50)] = randFloat(r, 0, 1)
	}
	return a
}

// randSession returns a valid random session.
func randSession(r *rand.Rand) *Session {
	s := &Session{Version: Version, Params: randParams(r)}
	if r.IntN(2) == 0 {
		s.Preview = &Preview{Protocol: pick(r, PreviewProtocols()), Decoder: pick(r, PreviewDecoders()), Every: 1 + r.IntN(10)}
	}
	for range r.IntN(3) {
		s.History = append(s.History, Snapshot{
			Time:   time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC(),
			Output: pick(r, []string{"", "out/0001.png", "renders/猫 1.png"}), ImageSHA256: randHex(r), Params: randParams(r)})
	}
	return s
}

// fullSession is a fixed session using every block, for golden files and examples.
func fullSession() *Session {
	s := Default()
	s.Prompt = "a cat and a frog, watercolor"
	s.Negative = "blurry"
	s.Noise.Seed = 42
	s.Runtime.ORTVersion = "1.30.0"
	s.SEGA = DefaultSEGA()
	s.SEGA.Concepts = []Concept{DefaultConcept("smiling"), DefaultConcept("glasses")}
	s.SEGA.Concepts[1].Reverse = true
	s.AttendExcite = DefaultAttendExcite()
	s.AttendExcite.Tokens = []int{2, 5}
	s.AttendExcite.TokenTexts = []string{"cat", "frog"}
	s.Preview = DefaultPreview()
	snap := Snapshot{Time: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), Output: "out/0001.png",
		ImageSHA256: strings.Repeat("ab", 32), Params: s.Params}
	s.History = []Snapshot{snap}
	return s
}
