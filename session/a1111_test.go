package session

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestParseA1111(t *testing.T) {
	cases := []struct {
		name, text       string
		prompt, negative string
		params           []Param
	}{
		{
			name: "A1111 1.10 with quoted Lora hashes",
			text: "masterpiece, best quality, 1girl, (blue eyes:1.2), [smile]\n" +
				"Negative prompt: lowres, bad anatomy, (worst quality:1.4)\n" +
				`Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 965400086, Size: 512x768, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "add_detail: 7c6bad76eb54, more: 3b8aa1d351ef", Version: v1.10.1`,
			prompt:   "masterpiece, best quality, 1girl, (blue eyes:1.2), [smile]",
			negative: "lowres, bad anatomy, (worst quality:1.4)",
			params: []Param{{"Steps", "20"}, {"Sampler", "DPM++ 2M"}, {"Schedule type", "Karras"}, {"CFG scale", "7"},
				{"Seed", "965400086"}, {"Size", "512x768"}, {"Model hash", "6ce0161689"}, {"Model", "v1-5-pruned-emaonly"},
				{"Lora hashes", "add_detail: 7c6bad76eb54, more: 3b8aa1d351ef"}, {"Version", "v1.10.1"}},
		},
		{
			name:   "old style, no negative, multi-line prompt, escaped quotes",
			text:   "a photo of\n  a \"quoted\" cat  \nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 7.5, Seed: 1, Size: 512x512, Note: \"say \\\"hi\\\", ok\"",
			prompt: "a photo of\na \"quoted\" cat",
			params: []Param{{"Steps", "30"}, {"Sampler", "DPM++ 2M Karras"}, {"CFG scale", "7.5"}, {"Seed", "1"},
				{"Size", "512x512"}, {"Note", `say "hi", ok`}},
		},
		{
			name:     "multi-line negative",
			text:     "cat\nNegative prompt: dog,\nbird\nSteps: 5, Sampler: Euler a, CFG scale: 3, Seed: 9",
			prompt:   "cat",
			negative: "dog,\nbird",
			params:   []Param{{"Steps", "5"}, {"Sampler", "Euler a"}, {"CFG scale", "3"}, {"Seed", "9"}},
		},
		{
			name:   "prompt only: last line has fewer than 3 pairs",
			text:   "portrait, style: baroque, light: soft",
			prompt: "portrait, style: baroque, light: soft",
		},
		{
			name:   "sd.cpp with an unquoted bracket list",
			text:   "a cat\nSteps: 20, CFG scale: 7.000000, Seed: 42, Size: 512x512, Model: sd-v1-5, RNG: cuda, Sampler: euler_a karras, Skip layers: [7, 8, 9, ], Version: stable-diffusion.cpp",
			prompt: "a cat",
			params: []Param{{"Steps", "20"}, {"CFG scale", "7.000000"}, {"Seed", "42"}, {"Size", "512x512"},
				{"Model", "sd-v1-5"}, {"RNG", "cuda"}, {"Sampler", "euler_a karras"}, {"Skip layers", "[7"},
				{"Version", "stable-diffusion.cpp"}},
		},
		{
			name:     "empty prompt",
			text:     "Negative prompt: ugly\nSteps: 20, Sampler: Euler, CFG scale: 7, Seed: 3",
			negative: "ugly",
			params:   []Param{{"Steps", "20"}, {"Sampler", "Euler"}, {"CFG scale", "7"}, {"Seed", "3"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			it, err := ParseA1111(c.text)
			if err != nil {
				t.Fatal(err)
			}
			if it.Prompt != c.prompt || it.Negative != c.negative {
				t.Errorf("prompt %q negative %q, want %q %q", it.Prompt, it.Negative, c.prompt, c.negative)
			}
			if !reflect.DeepEqual(it.Params, c.params) {
				t.Errorf("params\n got %q\nwant %q", it.Params, c.params)
			}
		})
	}
	if _, err := ParseA1111(`{"prompt": "fooocus"}`); err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Errorf("Fooocus JSON: %v", err)
	}
}

func TestInfotextSession(t *testing.T) {
	it, _ := ParseA1111("a cat\nNegative prompt: dog\nSteps: 30, Sampler: DPM++ 2M Karras, CFG scale: 6.5, Seed: 18446744073709551615, Size: 640x384, Model: sd15, Clip skip: 2, Hires upscale: 2")
	s, notes := it.Session()
	p := s.Params
	if p.Prompt != "a cat" || p.Negative != "dog" || p.Sampler.Steps != 30 || p.Sampler.Scheduler != "dpmpp_2m" ||
		!p.Sampler.Karras || p.Sampler.Guidance != 6.5 || p.Noise.Seed != 1<<64-1 || p.Width != 640 || p.Height != 384 ||
		p.Model.Path != "sd15" || p.ClipSkip != 2 {
		t.Errorf("imported %+v", p)
	}
	joined := strings.Join(notes, "\n")
	if strings.Contains(joined, "Clip skip") {
		t.Errorf("Clip skip is imported, yet noted:\n%s", joined)
	}
	for _, want := range []string{"GPU RNG", "Hires upscale", `model "sd15"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("notes lack %q:\n%s", want, joined)
		}
	}
	it, _ = ParseA1111("x\nSteps: 3, Sampler: DPM++ SDE, CFG scale: 1, Seed: 1, RNG: CPU")
	_, notes = it.Session()
	if len(notes) != 1 || !strings.Contains(notes[0], `sampler "DPM++ SDE" has no nudge scheduler`) {
		t.Errorf("unknown sampler notes: %q", notes)
	}
}

func TestSchedulerFromA1111(t *testing.T) {
	cases := []struct {
		name, sched string
		karras, ok  bool
	}{
		{"Euler a", "euler_a", false, true}, {"Euler", "euler", false, true}, {"DDIM", "ddim", false, true},
		{"PLMS", "pndm", false, true}, {"PNDM", "pndm", false, true}, {"DPM++ 2M", "dpmpp_2m", false, true},
		{"DPM++ 2M Karras", "dpmpp_2m", true, true}, {"LMS Karras", "lms", true, true},
		{"euler_a karras", "euler_a", true, true}, {"DPM++ SDE", "", false, false}, {"", "", false, false},
	}
	for _, c := range cases {
		s, k, ok := SchedulerFromA1111(c.name)
		if s != c.sched || k != c.karras || ok != c.ok {
			t.Errorf("%q → %q %v %v, want %q %v %v", c.name, s, k, ok, c.sched, c.karras, c.ok)
		}
	}
	for _, s := range Schedulers() {
		if got, _, ok := SchedulerFromA1111(A1111SamplerName(s)); !ok || got != s {
			t.Errorf("%s → %q → %q", s, A1111SamplerName(s), got)
		}
	}
}

// a1111Normalise makes text what A1111's writer/parser pair preserves: trimmed lines.
func a1111Normalise(s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// TestA1111RoundTrip: random sessions → FormatA1111 → ParseA1111 → Session keep the fields
// infotext carries.
// TestA1111PromptSyntaxRoundTrip: A1111's prompt syntax and Clip skip survive infotext
// export and import unchanged (the prompt is stored as typed).
func TestA1111PromptSyntaxRoundTrip(t *testing.T) {
	s := Default()
	s.Prompt = `(masterpiece:1.2), best quality, BREAK a [red:blue:0.5] fox, [background], \(literal\) [a|b]`
	s.Negative = "(worst quality:1.4), easynegative"
	s.ClipSkip = 2
	text := FormatA1111(s)
	if !strings.Contains(text, "Clip skip: 2") {
		t.Fatalf("no Clip skip in\n%s", text)
	}
	it, err := ParseA1111(text)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := it.Session()
	if got.Prompt != s.Prompt || got.Negative != s.Negative || got.ClipSkip != 2 {
		t.Fatalf("round trip changed the prompt or clip skip:\n%q\n%q %d", got.Prompt, got.Negative, got.ClipSkip)
	}
}

func TestA1111RoundTrip(t *testing.T) {
	for seed := range uint64(300) {
		s := randSession(rand.New(rand.NewPCG(seed, 3)))
		s.Prompt, s.Negative = a1111Normalise(s.Prompt), a1111Normalise(s.Negative)
		text := FormatA1111(s)
		it, err := ParseA1111(text)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := it.Session()
		w, g := s.Params, got.Params
		if g.Prompt != w.Prompt || g.Negative != w.Negative || g.Sampler.Steps != w.Sampler.Steps ||
			g.Sampler.Scheduler != w.Sampler.Scheduler || g.Sampler.Karras != w.Sampler.Karras ||
			g.Sampler.Guidance != w.Sampler.Guidance || g.Sampler.Eta != w.Sampler.Eta || g.Noise.Seed != w.Noise.Seed ||
			g.Width != w.Width || g.Height != w.Height || g.Runtime != w.Runtime {
			t.Fatalf("seed %d: infotext lost fields\n%s\nwant %+v\ngot  %+v", seed, text, w, g)
		}
		if b := toyOf(&w); b != nil && b.On && len(b.Items) > 0 {
			if gb := toyOf(&g); gb == nil || len(gb.Items) != 1 || gb.Items[0].Prompt != b.Items[0].Prompt {
				t.Fatalf("seed %d: the block's infotext key was not read back\n%s", seed, text)
			}
		}
	}
}

// TestQuoteA1111MatchesPython compares quoteA1111 with Python's json.dumps(ensure_ascii=False),
// which A1111's quote() calls.
func TestQuoteA1111MatchesPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	values := []string{"a, b", "k: v", "line\nbreak", `back\slash, "quote"`, "tab\t, é 猫 🙂", "ctl\x01\x1f,", "<&>, \u2028"}
	in, _ := json.Marshal(values)
	cmd := exec.Command(py, "-c", "import sys, json\nfor v in json.load(sys.stdin): print(json.dumps(v, ensure_ascii=False))")
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	for i, v := range values {
		if got := quoteA1111(v); got != want[i] {
			t.Errorf("quote(%q) = %s, Python gives %s", v, got, want[i])
		}
	}
}
