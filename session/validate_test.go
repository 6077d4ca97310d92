package session

import (
	"errors"
	"strings"
	"testing"
)

// TestParseProblems checks that every problem in a file is reported at once, each with its
// line, key and a hint.
func TestParseProblems(t *testing.T) {
	src := `version = 1
prompt = "a cat and a frog"
width = 513
height = 0

[model]
path = "../../etc"

[sampler]
steps = 0
guidance = nan
scheduler = "eulr"
stesp = 3

[noise]
seed = -4

[[toy.items]]
prompt = "x"
weight = "heavy"

[[toy.items]]
prompt = """
multi
line"""
limit = 0
colour = 5

[toy]
positions = [0, 2, 99]

[tyo]
x = 1

[[history]]
time = 2025-01-02T03:04:05Z
output = "../outside.png"
image_sha256 = "nope"

[history.sampler]
guidance = -1
`
	want := []string{
		"f.toml:3: width: 513 is not a multiple of 8 — use 512 or 520",
		"f.toml:4: height: 0 is outside 8…4096",
		"f.toml:7: model.path: climbs out of its folder with ..",
		"f.toml:10: sampler.steps: 0 is outside 1…998",
		"f.toml:11: sampler.guidance: NaN is not a finite number",
		"f.toml:12: sampler.scheduler: \"eulr\" is not known — did you mean euler?",
		"f.toml:13: sampler.stesp: unknown key — did you mean steps?",
		"f.toml:16: noise.seed: -4 is negative",
		"f.toml:20: toy.items[0].weight: is a string, want a number",
		"f.toml:26: toy.items[1].limit: is below 1 — use 1 or more",
		"f.toml:27: toy.items[1].colour: unknown key",
		"f.toml:30: toy.positions[0]: 0 is outside 1…75",
		"f.toml:30: toy.positions[2]: 99 is outside 1…75",
		"f.toml:32: tyo: unknown key — did you mean toy?",
		"f.toml:37: history[0].output: climbs out of its folder with ..",
		"f.toml:38: history[0].image_sha256: \"nope\" is not a SHA-256",
		"f.toml:41: history[0].sampler.guidance: -1 is outside 0…100",
	}
	_, err := Parse("f.toml", []byte(src))
	var ve *ValidationError
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
	var bi interface{ BadInput() bool }
	if !errors.As(err, &bi) || !bi.BadInput() {
		t.Error("validation errors must be BadInput so the CLI exits 2")
	}
}

// TestParseRejects covers input that is refused before field validation, and hostile values.
func TestParseRejects(t *testing.T) {
	big := strings.Repeat("a", 3<<20)
	cases := []struct {
		name, src, want string
	}{
		{"newer version", "version = 2\n", "f.toml: written by a newer nudge (session version 2; this build reads up to 1) — upgrade nudge"},
		{"no version", "prompt = \"x\"\n", "f.toml: no version key"},
		{"version string", "version = \"1\"\n", "f.toml: version must be a whole number ≥ 1, got a string"},
		{"syntax", "version = 1\nprompt = \"unterminated\n", "f.toml:2: TOML syntax:"},
		{"duplicate key", "version = 1\nwidth = 8\nwidth = 16\n", "f.toml:3: TOML syntax:"},
		{"int overflow", "version = 1\nwidth = 99999999999999999999\n", "f.toml:2: TOML syntax:"},
		{"huge int", "version = 1\nwidth = 9223372036854775807\n", "f.toml:2: width: 9223372036854775807 is far out of range"},
		{"inf", "version = 1\n[sampler]\nguidance = inf\n", "f.toml:3: sampler.guidance: +Inf is not a finite number"},
		{"escape in prompt", "version = 1\nprompt = \"x\\u001b]52;c;aGk=\\u0007\"\n", "f.toml:2: prompt: has control character U+001B at byte 1"},
		{"3 MB prompt", "version = 1\nprompt = \"" + big + "\"\n", "f.toml:2: prompt: is 3145728 bytes long, the limit is 32768"},
		{"10 MB file", "version = 1\nprompt = \"" + big + big + big + big + "\"\n", "f.toml: file is larger than 4 MiB"},
		{"bad utf8", "version = 1\nprompt = \"\xff\"\n", "f.toml:2: text is not valid UTF-8"},
		{"absolute output", "version = 1\n[[history]]\ntime = 2025-01-01T00:00:00Z\noutput = \"/etc/x.png\"\nimage_sha256 = \"" + strings.Repeat("0", 64) + "\"\n",
			"f.toml:4: history[0].output: is absolute"},
		{"history table type", "version = 1\nhistory = 3\n", "f.toml:2: history: is an integer, want tables written [[history]]"},
		{"block of the wrong type", "version = 1\ntoy = 3\n", "f.toml:2: toy: is an integer, want a table [toy]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("f.toml", []byte(c.src))
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("got  %s\nwant %s…", truncate(err.Error(), 300), c.want)
			}
			if strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("want one line, got %q", truncate(err.Error(), 300))
			}
		})
	}
}

// TestBlockGetsValidateOptions: a block's check sees the options (a token counter) and the
// parameters it belongs to.
func TestBlockGetsValidateOptions(t *testing.T) {
	s := Default()
	s.Prompt = "a cat and a frog"
	s.SetBlock("toy", &toyBlock{Scale: 1, Positions: []int{2, 5, 6}})
	words := func(p string) int { return len(strings.Fields(p)) }
	if err := s.Validate(); err != nil {
		t.Fatalf("without a counter, 6 ≤ 75 is fine: %v", err)
	}
	err := s.ValidateWith(ValidateOptions{TokenCount: words})
	if err == nil || err.Error() != "toy.positions[2]: 6 is outside 1…5 — use a whole number from 1 to 5" {
		t.Errorf("got %v", err)
	}
}

// TestCloneSharesNoBlockMemory: editing a clone's block leaves the original alone.
func TestCloneSharesNoBlockMemory(t *testing.T) {
	p := fullSession().Params
	q := p.Clone()
	b := toyOf(&q)
	b.Items[1].Prompt, *b.Items[1].Limit, b.Positions[0] = "changed", 99, 7
	if a := toyOf(&p); a.Items[1].Prompt != "glasses" || *a.Items[1].Limit != 3 || a.Positions[0] != 2 {
		t.Fatalf("the clone shares memory with the original: %+v", a)
	}
	q.SetBlock("toy", nil)
	if q.Blocks != nil || toyOf(&p) == nil {
		t.Fatalf("removing the clone's last block: clone %v, original %v", q.Blocks, p.Blocks)
	}
}

// TestUnknownTablesKept checks that an unknown technique block from a later version
// survives a load/save cycle, while a near-miss of a known block is an error.
func TestUnknownTablesKept(t *testing.T) {
	src := "version = 1\n[sag]\nscale = 0.75\n[[sag.layers]]\nname = \"mid\"\n[[history]]\ntime = 2025-01-01T00:00:00Z\nimage_sha256 = \"" +
		strings.Repeat("1", 64) + "\"\n[history.sag]\nscale = 0.5\n"
	s, err := Parse("f.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if s.Extra["sag"].(map[string]any)["scale"] != 0.75 || s.History[0].Params.Extra["sag"].(map[string]any)["scale"] != 0.5 {
		t.Fatalf("extra blocks lost: %#v", s.Extra)
	}
	back, err := Parse("g.toml", Marshal(s))
	if err != nil {
		t.Fatal(err)
	}
	layers := back.Extra["sag"].(map[string]any)["layers"].([]map[string]any)
	if len(layers) != 1 || layers[0]["name"] != "mid" {
		t.Errorf("array of tables in an extra block lost: %#v", back.Extra)
	}
}

func TestValidateInMemory(t *testing.T) {
	s := Default()
	s.Sampler.Steps = 5000
	s.Prompt = "ok\x1b[2J"
	err := s.Validate()
	want := "prompt: has control character U+001B at byte 2 — remove it\nsampler.steps: 5000 is outside 1…998 — use a whole number from 1 to 998"
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}
