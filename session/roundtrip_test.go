package session

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestRoundTrip: random valid sessions → Marshal → Parse → equal, and Save → Load → equal.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 7))
		want := randSession(r)
		if err := want.Validate(); err != nil {
			t.Fatalf("seed %d: generator made an invalid session: %v", seed, err)
		}
		data := Marshal(want)
		got, err := Parse("rt.toml", data)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", seed, err, data)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: round trip differs\nwant %#v\ngot  %#v\n%s", seed, want, got, data)
		}
		if !bytes.Equal(Marshal(got), data) {
			t.Fatalf("seed %d: Marshal is not stable", seed)
		}
		if seed%50 == 0 {
			path := filepath.Join(dir, "s.toml")
			if err := Save(path, want); err != nil {
				t.Fatal(err)
			}
			loaded, err := Load(path)
			if err != nil || !reflect.DeepEqual(loaded, want) {
				t.Fatalf("seed %d: Save/Load differs: %v", seed, err)
			}
		}
	}
}

// TestGolden pins the written format: a change to it must be deliberate (go test -update).
func TestGolden(t *testing.T) {
	for name, s := range map[string]*Session{"default.toml": Default(), "blocks.toml": fullSession()} {
		path := filepath.Join("testdata", "golden", name)
		got := Marshal(s)
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Marshal output changed; run go test ./session -run Golden -update if intended\n%s", name, got)
		}
		back, err := Parse(path, want)
		if err != nil || !reflect.DeepEqual(back, s) {
			t.Errorf("%s: golden file does not load back to the session: %v", name, err)
		}
	}
}

// TestPythonTOMLAgrees reads Marshal output with an independent TOML parser (Python's
// tomllib) and checks the values that quoting could get wrong.
func TestPythonTOMLAgrees(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	if exec.Command(py, "-c", "import tomllib").Run() != nil {
		t.Skip("python3 has no tomllib")
	}
	const script = `import sys, tomllib, json
out = []
for doc in json.load(sys.stdin):
    d = tomllib.loads(doc)
    out.append({"prompt": d["prompt"], "negative": d["negative"], "seed": str(d["noise"]["seed"]),
        "guidance": d["sampler"]["guidance"], "items": [c["prompt"] for c in d.get("toy", {}).get("items", [])]})
print(json.dumps(out))`
	var sessions []*Session
	var docs []string
	for seed := range uint64(100) {
		s := randSession(rand.New(rand.NewPCG(seed, 11)))
		sessions = append(sessions, s)
		docs = append(docs, string(Marshal(s)))
	}
	in, _ := json.Marshal(docs)
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tomllib rejected our TOML: %v", err)
	}
	var got []struct {
		Prompt, Negative, Seed string
		Guidance               float64
		Items                  []string
	}
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(sessions) {
		t.Fatalf("python output: %v", err)
	}
	for i, s := range sessions {
		items := toyPrompts(&s.Params)
		g := got[i]
		if g.Prompt != s.Prompt || g.Negative != s.Negative || g.Guidance != s.Sampler.Guidance ||
			len(g.Items) != len(items) || (len(items) > 0 && !reflect.DeepEqual(g.Items, items)) ||
			g.Seed != seedText(s.Noise.Seed) {
			t.Fatalf("session %d: tomllib read %+v, want prompt %q negative %q guidance %v seed %d items %q",
				i, g, s.Prompt, s.Negative, s.Sampler.Guidance, s.Noise.Seed, items)
		}
	}
}

func seedText(seed uint64) string {
	b, _ := json.Marshal(seedValue(seed))
	var s any
	_ = json.Unmarshal(b, &s)
	if str, ok := s.(string); ok {
		return str
	}
	return string(b)
}

// TestExamplesLoad checks every shipped example loads and validates.
func TestExamplesLoad(t *testing.T) {
	files, _ := filepath.Glob("../examples/*.toml")
	if len(files) < 3 {
		t.Fatalf("want the 3 examples, found %v", files)
	}
	for _, f := range files {
		if _, err := Load(f); err != nil {
			t.Errorf("%v", err)
		}
	}
}
