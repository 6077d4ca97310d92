package techniques_test

import (
	"bytes"
	"errors"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/golden/full.toml")

// fullSession uses both technique blocks; testdata/golden/full.toml pins how it is written
// (render_hashes_test.go at the repository root renders it too).
func fullSession() *session.Session {
	s := session.Default()
	s.Prompt, s.Negative, s.Noise.Seed = "a cat and a frog, watercolor", "blurry", 42
	s.Runtime.ORTVersion = "1.30.0"
	sega := techniques.DefaultSEGAConfig(techniques.DefaultConcept("smiling"), techniques.DefaultConcept("glasses"))
	sega.Concepts[1].Reverse = true
	s.SetBlock("sega", &sega)
	ae := techniques.DefaultAttendExciteConfig(2, 5)
	ae.TokenTexts = []string{"cat", "frog"}
	s.SetBlock("attend_excite", &ae)
	s.Preview = session.DefaultPreview()
	s.History = []session.Snapshot{{Time: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), Output: "out/0001.png",
		ImageSHA256: strings.Repeat("ab", 32), Params: s.Params.Clone()}}
	return s
}

// TestGoldenFullSession: the technique blocks are written as before they moved out of
// package session, and the file loads back to the same session.
func TestGoldenFullSession(t *testing.T) {
	path := filepath.Join("testdata", "golden", "full.toml")
	got := session.Marshal(fullSession())
	if *updateGolden {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Marshal output changed; run go test ./techniques -run Golden -update if intended\n%s", got)
	}
	back, err := session.Parse(path, want)
	if err != nil || !reflect.DeepEqual(back, fullSession()) {
		t.Fatalf("the golden file does not load back to the session: %v", err)
	}
}

func randFloat(r *rand.Rand, lo, hi float64) float64 {
	if r.IntN(3) == 0 {
		return float64(int(lo + r.Float64()*(hi-lo))) // a whole number, written as 7.0
	}
	return lo + r.Float64()*(hi-lo)
}

var prompts = []string{"smiling", "a \"quoted\" cat", "é 猫", "multi\nline", "a, b: c"}

func randSEGA(r *rand.Rand) *techniques.SEGAConfig {
	s := &techniques.SEGAConfig{Enabled: r.IntN(2) == 0, MomentumScale: randFloat(r, 0, 1), MomentumBeta: randFloat(r, 0, 0.99)}
	for range r.IntN(4) {
		c := techniques.Concept{Prompt: prompts[r.IntN(len(prompts))], Weight: randFloat(r, -2, 2),
			EditGuidance: randFloat(r, 0, 20), WarmUp: r.IntN(20), Threshold: randFloat(r, 0, 0.99), Reverse: r.IntN(2) == 0}
		if r.IntN(2) == 0 {
			cd := c.WarmUp + 1 + r.IntN(30)
			c.CoolDown = &cd
		}
		s.Concepts = append(s.Concepts, c)
	}
	return s
}

func randAttendExcite(r *rand.Rand) *techniques.AttendExciteConfig {
	a := &techniques.AttendExciteConfig{Enabled: r.IntN(2) == 0, Thresholds: map[int]float64{},
		ScaleFactor: randFloat(r, 0, 40), MaxIterToAlter: r.IntN(50), MaxRefinementSteps: r.IntN(30),
		AttentionResolution: r.IntN(3) * 16}
	for i := range r.IntN(4) {
		a.Tokens = append(a.Tokens, 1+i*3+r.IntN(3))
	}
	if r.IntN(2) == 0 {
		for range a.Tokens {
			a.TokenTexts = append(a.TokenTexts, []string{"cat", "é", "\"q\"", "a,b"}[r.IntN(4)])
		}
	}
	for range r.IntN(4) {
		a.Thresholds[r.IntN(50)] = randFloat(r, 0, 1)
	}
	return a
}

func randBlocks(r *rand.Rand, p *session.Params) {
	if r.IntN(2) == 0 {
		p.SetBlock("sega", randSEGA(r))
	}
	if r.IntN(2) == 0 {
		p.SetBlock("attend_excite", randAttendExcite(r))
	}
	if r.IntN(2) == 0 {
		p.SetBlock("image", randImage(r))
	}
}

func randImage(r *rand.Rand) *techniques.ImageConfig {
	c := techniques.DefaultImageConfig()
	c.Path = []string{"in.png", "dir/é.jpg", "a \"q\".png"}[r.IntN(3)]
	c.Strength, c.ImageGuidance = randFloat(r, 0, 1), randFloat(r, 0, 10)
	if r.IntN(2) == 0 {
		c.SHA256 = strings.Repeat("0f", 32)
	}
	if r.IntN(2) == 0 {
		c.DepthPath, c.DepthSHA256 = "depth.png", strings.Repeat("a1", 32)
	}
	c.Pipeline = []string{"", "img2img", "instruct-pix2pix", "depth2img"}[r.IntN(4)]
	return &c
}

// TestBlocksRoundTrip: random SEGA and A&E blocks, in the session and its history, survive
// Marshal → Parse exactly, and Marshal is stable.
func TestBlocksRoundTrip(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 5))
		s := session.Default()
		randBlocks(r, &s.Params)
		snap := session.Snapshot{Time: time.Unix(r.Int64N(4e9), 0).UTC(), ImageSHA256: strings.Repeat("0", 64),
			Params: session.DefaultParams()}
		randBlocks(r, &snap.Params)
		s.History = append(s.History, snap)
		data := session.Marshal(s)
		got, err := session.Parse("rt.toml", data)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, data)
		}
		if !reflect.DeepEqual(got, s) {
			t.Fatalf("seed %d: round trip differs\n%s", seed, data)
		}
		if !bytes.Equal(session.Marshal(got), data) {
			t.Fatalf("seed %d: Marshal is not stable", seed)
		}
	}
}

// TestBlockProblemsLocated: problems inside the technique blocks are reported with file,
// line and key like the session's own, all at once.
func TestBlockProblemsLocated(t *testing.T) {
	src := `version = 1
prompt = "a cat and a frog"

[[sega.concepts]]
prompt = "x"
weight = "heavy"

[[sega.concepts]]
prompt = ""
threshold = 2
cooldown = 5
colour = 1

[attend_excite]
tokens = [0, 2, 2, 99]
token_texts = ["a"]

[attend_excite.thresholds]
x = 0.5
`
	want := []string{
		"f.toml:6: sega.concepts[0].weight: is a string, want a number",
		"f.toml:9: sega.concepts[1].prompt: is empty",
		"f.toml:10: sega.concepts[1].threshold: threshold 2 is outside [0,1) — use a fraction such as 0.9",
		"f.toml:11: sega.concepts[1].cooldown: is not after warmup, so the concept never applies",
		"f.toml:12: sega.concepts[1].colour: unknown key",
		"f.toml:15: attend_excite.tokens[0]: 0 is outside the prompt (CLIP positions run 1…75)",
		"f.toml:15: attend_excite.tokens[2]: 2 is listed twice",
		"f.toml:15: attend_excite.tokens[3]: 99 is outside the prompt",
		"f.toml:16: attend_excite.token_texts: has 1 entries for 4 tokens",
		"f.toml:19: attend_excite.thresholds.x: step key must be a whole number 0…1000",
	}
	_, err := session.Parse("f.toml", []byte(src))
	var ve *session.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %v", err)
	}
	if len(ve.Problems) != len(want) {
		t.Errorf("got %d problems, want %d:\n%v", len(ve.Problems), len(want), err)
	}
	for i, w := range want {
		if i < len(ve.Problems) && !strings.HasPrefix(ve.Problems[i].String(), w) {
			t.Errorf("problem %d:\n got %s\nwant %s…", i, ve.Problems[i], w)
		}
	}
}

func TestTooManyConcepts(t *testing.T) {
	src := "version = 1\n" + strings.Repeat("[[sega.concepts]]\nprompt = \"x\"\n", techniques.MaxConcepts+1)
	_, err := session.Parse("f.toml", []byte(src))
	if err == nil || !strings.HasPrefix(err.Error(), "f.toml:2: sega.concepts: has 17 concepts — use at most 16") {
		t.Fatalf("got %v", err)
	}
}

// TestTokenCounter checks token positions against a tokenizer-supplied count.
func TestTokenCounter(t *testing.T) {
	s := session.Default()
	s.Prompt = "a cat and a frog"
	ae := techniques.DefaultAttendExciteConfig(2, 5, 6)
	s.SetBlock("attend_excite", &ae)
	words := func(p string) int { return len(strings.Fields(p)) }
	if err := s.Validate(); err != nil {
		t.Fatalf("without a counter, 6 ≤ 75 is fine: %v", err)
	}
	err := s.ValidateWith(session.ValidateOptions{TokenCount: words})
	if err == nil || !strings.Contains(err.Error(), "attend_excite.tokens[2]: 6 is outside the prompt (the prompt has 5 tokens)") {
		t.Errorf("got %v", err)
	}
}

// TestBlocksThroughInfotext: SEGA's concepts and A&E's tokens survive A1111 infotext (the
// PNG's `parameters` text) when the technique is on.
func TestBlocksThroughInfotext(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 9))
		s := session.Default()
		randBlocks(r, &s.Params)
		text := session.FormatA1111(s)
		it, err := session.ParseA1111(text)
		if err != nil {
			t.Fatal(err)
		}
		got, notes := it.Session()
		if w := techniques.SEGAOf(&s.Params); w != nil && w.Enabled && len(w.Concepts) > 0 {
			if g := techniques.SEGAOf(&got.Params); g == nil || !reflect.DeepEqual(g.Concepts, w.Concepts) ||
				g.MomentumScale != w.MomentumScale || g.MomentumBeta != w.MomentumBeta {
				t.Fatalf("seed %d: SEGA lost\n%s\nnotes %q", seed, text, notes)
			}
		}
		if w := techniques.ImageOf(&s.Params); w != nil && w.Enabled {
			if g := techniques.ImageOf(&got.Params); g == nil || g.Strength != w.Strength || g.Enabled ||
				(w.ImageGuidance != techniques.DefaultImageGuidance && g.ImageGuidance != w.ImageGuidance) {
				t.Fatalf("seed %d: img2img strength lost (or the block switched on without its image)\n%s", seed, text)
			}
		}
		if w := techniques.AttendExciteOf(&s.Params); w != nil && w.Enabled && len(w.Tokens) > 0 {
			g := techniques.AttendExciteOf(&got.Params)
			if g == nil || !reflect.DeepEqual(g.Tokens, w.Tokens) || (len(w.TokenTexts) > 0 && !reflect.DeepEqual(g.TokenTexts, w.TokenTexts)) {
				t.Fatalf("seed %d: attend-and-excite tokens lost\n%s", seed, text)
			}
		}
	}
}

// FuzzSessionBlocks: the technique blocks' readers never panic; what they accept is valid
// and survives Marshal → Parse unchanged.
func FuzzSessionBlocks(f *testing.F) {
	for _, name := range []string{"../examples/sega.toml", "../examples/attend-excite.toml", "../examples/sag.toml", "testdata/golden/full.toml"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("version = 1\n[sega]\n[[sega.concepts]]\ncooldown = 3\n[attend_excite]\ntokens = [1, \"x\"]\n[attend_excite.thresholds]\n1 = 0.5\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := session.Parse("f.toml", data)
		if err != nil {
			return
		}
		if verr := s.Validate(); verr != nil {
			t.Fatalf("accepted an invalid session: %v", verr)
		}
		back, err := session.Parse("g.toml", session.Marshal(s))
		if err != nil {
			t.Fatalf("re-parse of Marshal output: %v\n%s", err, session.Marshal(s))
		}
		if !bytes.Equal(session.Marshal(back), session.Marshal(s)) {
			t.Fatalf("round trip changed the session\n%s\n%s", session.Marshal(s), session.Marshal(back))
		}
	})
}
