package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// forbiddenMentions are paths that exist only on the machine the repo was written on: a
// sibling shared/ folder and absolute home or work folders. A tracked file that cites one
// points readers at something a clean clone lacks. The patterns are joined from pieces so
// this file does not match itself.
var forbiddenMentions = []string{
	".." + "/shared",
	"/" + "work/",
	"/" + "home/",
	"/" + "root/",
	"/" + "Users/",
	// The private reference notes by name: cite the public source they summarise instead.
	"shared" + "/reference",
	"techniques" + ".md §",
	"onnx-models" + ".md",
	"peers" + ".md",
	"terminal-graphics" + ".md",
}

// TestRepoStandsAlone fails, naming file:line, for any tracked text file that mentions a path
// outside the repository; comments cite papers, diffusers functions, specs or docs/ instead.
func TestRepoStandsAlone(t *testing.T) {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil || len(out) == 0 {
		t.Skipf("not in a git checkout (git ls-files: %v)", err)
	}
	var found []string
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if bytes.IndexByte(data, 0) >= 0 {
			continue // binary: images, the gzipped CLIP merges
		}
		found = append(found, forbiddenLines(name, data)...)
	}
	if len(found) > 0 {
		t.Errorf("tracked files cite paths outside the repo (cite a public source or docs/ instead):\n%s",
			strings.Join(found, "\n"))
	}
}

// forbiddenLines returns "file:line: pattern" for each line of data that mentions one.
func forbiddenLines(name string, data []byte) []string {
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), len(data)+1)
	for line := 1; sc.Scan(); line++ {
		for _, p := range forbiddenMentions {
			if strings.Contains(sc.Text(), p) {
				found = append(found, fmt.Sprintf("%s:%d: %s", name, line, p))
			}
		}
	}
	return found
}

// The scan must catch each pattern and leave ordinary paths alone.
func TestForbiddenLines(t *testing.T) {
	cases := []struct {
		text string
		want int
	}{
		{"// see docs/autodiff.md\n", 0},
		{"x := \"/opt/ort\"\n", 0},
		{"a\n// from " + ".." + "/shared/" + "reference/x.md\n", 2},
		{"HOME=/" + "home/u\n", 1},
		{"/" + "root/.cache and /" + "Users/me\n", 2},
		{"cd /" + "work/clean\n", 1},
	}
	for _, c := range cases {
		if got := forbiddenLines("f", []byte(c.text)); len(got) != c.want {
			t.Errorf("%q: found %v, want %d", c.text, got, c.want)
		}
	}
	if got := forbiddenLines("f.go", []byte("a\nb /"+"home/x\n")); len(got) != 1 || !strings.HasPrefix(got[0], "f.go:2:") {
		t.Errorf("line number: %v", got)
	}
}
