package session

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The shipped example must load as is, and give the defaults.
func TestConfigExampleLoads(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "config.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Runtime.Provider != "cpu" || cfg.Preview.DebounceMS != 250 || cfg.Models.Default != "" {
		t.Fatalf("unexpected values: %+v", cfg)
	}
}

func TestConfigUnknownKeysHaveLines(t *testing.T) {
	src := "[runtime]\nprovider = \"cpu\"\nthreds = 4\n\n[preview]\nprotocol = \"hologram\"\n[extra]\nx = 1\n"
	_, err := ParseConfig("c.toml", []byte(src))
	if err == nil {
		t.Fatal("want errors")
	}
	msg := err.Error()
	for _, want := range []string{"c.toml:3", "runtime.threds", "c.toml:6", "hologram", "c.toml:8"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
}

func TestConfigMissingFiles(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	cfg, err := LoadConfig("")
	if err != nil || cfg.Runtime.Provider != "cpu" {
		t.Fatalf("missing default config: %v %+v", err, cfg)
	}
	if _, err := LoadConfig(filepath.Join(t.TempDir(), "nope.toml")); err == nil {
		t.Fatal("a missing --config file must be an error")
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[runtime\n"), 0o644)
	if _, err := LoadConfig(bad); err == nil || !strings.Contains(err.Error(), "bad.toml:") || !strings.Contains(err.Error(), "TOML") {
		t.Fatalf("syntax error: %v", err)
	}
}

func TestConfigApply(t *testing.T) {
	cfg, err := ParseConfig("c.toml", []byte("[defaults]\nsteps = 12\nwidth = 256\nheight = 128\nprompt = \"x\"\n[models]\ndefault = \"demo:small\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultParams()
	cfg.Apply(&p)
	if p.Sampler.Steps != 12 || p.Width != 256 || p.Height != 128 || p.Prompt != "x" || p.Model.Path != "demo:small" {
		t.Fatalf("Apply: %+v", p)
	}
}

// FuzzParseConfig: any bytes give a config or a one-line-per-problem error, never a panic.
func FuzzParseConfig(f *testing.F) {
	example, _ := os.ReadFile(filepath.Join("..", "config.example.toml"))
	f.Add(example)
	f.Add([]byte("[runtime]\nthreads = -1\n"))
	f.Add([]byte("[models.aliases]\nx = 1\n"))
	f.Add([]byte("[preview]\nprotocol = \"\x1b[31m\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("f.toml", data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without an error")
		}
		if err != nil && strings.ContainsRune(err.Error(), '\x1b') {
			t.Fatalf("escape sequence in error: %q", err.Error())
		}
	})
}

func TestConfigErrorsAreSanitised(t *testing.T) {
	_, err := ParseConfig("c.toml", []byte("[runtime]\n\"evil\\u001b[2J\" = 1\n"))
	if err == nil || strings.ContainsRune(err.Error(), '\x1b') {
		t.Fatalf("want a sanitised error, got %q", err)
	}
}
