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
		p.SetBlock("toy", randToy(r))
	}
	if r.IntN(4) == 0 {
		p.Extra = map[string]any{"sag": map[string]any{"scale": 0.75, "mode": "blur", "layers": []any{int64(1), int64(2)},
			"inner": map[string]any{"on": true}}}
	}
	return p
}

func randToy(r *rand.Rand) *toyBlock {
	b := &toyBlock{On: r.IntN(2) == 0, Scale: randFloat(r, 0, 10)}
	for i := range r.IntN(4) {
		b.Positions = append(b.Positions, 1+i*3+r.IntN(3))
	}
	for range r.IntN(4) {
		it := toyItem{Prompt: "x" + randText(r, 5), Weight: randFloat(r, -2, 2)}
		if r.IntN(2) == 0 {
			n := 1 + r.IntN(30)
			it.Limit = &n
		}
		b.Items = append(b.Items, it)
	}
	return b
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

// fullSession is a fixed session using every block, for golden files.
func fullSession() *Session {
	s := Default()
	s.Prompt = "a cat and a frog, watercolor"
	s.Negative = "blurry"
	s.Noise.Seed = 42
	s.Runtime.ORTVersion = "1.30.0"
	limit := 3
	s.SetBlock("toy", &toyBlock{On: true, Scale: 0.5, Positions: []int{2, 5},
		Items: []toyItem{{Prompt: "smiling", Weight: 1}, {Prompt: "glasses", Weight: -1, Limit: &limit}}})
	s.Preview = DefaultPreview()
	snap := Snapshot{Time: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), Output: "out/0001.png",
		ImageSHA256: strings.Repeat("ab", 32), Params: s.Params.Clone()}
	s.History = []Snapshot{snap}
	return s
}
