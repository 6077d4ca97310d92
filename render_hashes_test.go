package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
)

var updateHashes = flag.Bool("update-hashes", false, "rewrite testdata/render-hashes.txt from this build's renders")

// renderCases are the sessions whose pixels must not change when code is moved around: every
// shipped example, the golden sessions (shrunk to 64×64 so they run in a test), both
// techniques together, and `--excite` given as words.
func renderCases(t *testing.T) map[string][]string {
	dir := t.TempDir()
	cases := map[string][]string{}
	examples, _ := filepath.Glob("examples/*.toml")
	for _, ex := range examples {
		cases[filepath.Base(ex)] = []string{ex}
	}
	small := []string{"--size", "64x64", "--steps", "12"}
	cases["golden/default.toml 64x64"] = append([]string{"session/testdata/golden/default.toml"}, small...)
	full := string(mustRead(t, "techniques/testdata/golden/full.toml"))
	full = strings.ReplaceAll(full, "attention_resolution = 16", "attention_resolution = 8")
	both := filepath.Join(dir, "both.toml")
	if err := os.WriteFile(both, []byte(full), 0o644); err != nil {
		t.Fatal(err)
	}
	cases["golden/full.toml 64x64 res 8"] = append([]string{both}, small...)
	cases["flags --excite cat,frog --excite-res 8"] = append([]string{"--model", "demo:tiny", "--prompt", "a cat and a frog", "--seed", "3", "--excite", "cat,frog", "--excite-res", "8"}, small...)
	return cases
}

// TestRendersKeepTheirPixels renders each case through the CLI and compares the pixel hashes
// with testdata/render-hashes.txt, written by the code before a refactor. ORT's CPU kernels
// may round differently on another version or architecture, so the list names the one it
// was made with and other platforms skip.
func TestRendersKeepTheirPixels(t *testing.T) {
	got := map[string]string{}
	for name, args := range renderCases(t) {
		out := filepath.Join(t.TempDir(), "out.png")
		if code, stderr := nudge(t, append([]string{"render", "-o", out}, args...)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", name, code, stderr)
		}
		img, err := png.Decode(bytes.NewReader(mustRead(t, out)))
		if err != nil {
			t.Fatal(err)
		}
		got[name] = session.ImageHash(img)
	}
	platform := fmt.Sprintf("ort %s %s", ort.RuntimeVersion(), goruntime.GOARCH)
	want, wantPlatform := readHashes(t)
	if !*updateHashes && wantPlatform != platform {
		t.Skipf("hashes are for %q, this is %q", wantPlatform, platform)
	}
	// The attention-resolution rule picks 8 on the tiny demo, so --excite needs no flag.
	auto := filepath.Join(t.TempDir(), "auto.png")
	autoArgs := []string{"render", "-o", auto, "--model", "demo:tiny", "--prompt", "a cat and a frog", "--seed", "3", "--excite", "cat,frog", "--size", "64x64", "--steps", "12"}
	if code, stderr := nudge(t, autoArgs...); code != 0 {
		t.Fatalf("--excite with no resolution: exit %d: %s", code, stderr)
	} else if img, err := png.Decode(bytes.NewReader(mustRead(t, auto))); err != nil || session.ImageHash(img) != got["flags --excite cat,frog --excite-res 8"] {
		t.Errorf("--excite with no resolution differs from --excite-res 8 (%v)", err)
	}
	if *updateHashes {
		writeHashes(t, platform, got)
		return
	}
	for name, h := range got {
		if want[name] != h {
			t.Errorf("%s: pixels %s, before %q", name, h, want[name])
		}
	}
	if len(want) != len(got) {
		t.Errorf("%d cases rendered, %d hashes listed", len(got), len(want))
	}
}

const hashesFile = "testdata/render-hashes.txt"

func readHashes(t *testing.T) (map[string]string, string) {
	f, err := os.Open(hashesFile)
	if err != nil {
		if *updateHashes {
			return nil, ""
		}
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	platform := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if p, ok := strings.CutPrefix(line, "# platform: "); ok {
			platform = p
			continue
		}
		if h, name, ok := strings.Cut(line, "  "); ok && !strings.HasPrefix(line, "#") {
			out[name] = h
		}
	}
	return out, platform
}

func writeHashes(t *testing.T, platform string, got map[string]string) {
	var names []string
	for n := range got {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "# Pixel SHA-256 (session.ImageHash) of each case in render_hashes_test.go.\n# platform: %s\n", platform)
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", got[n], n)
	}
	if err := os.WriteFile(hashesFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
