package tui

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime/ort"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// TestEndToEndInTmux drives the real studio binary in tmux: it opens on the tiny demo model
// (generated into a temporary cache), types a prompt, waits for the render to finish, adds
// a SEGA concept and raises its weight, saves, quits, and checks the saved files. The binary
// is nudge itself (the module root), run with no command, which opens the studio.
func TestEndToEndInTmux(t *testing.T) {
	if _, err := exec.LookPath("tmux"); err != nil {
		const why = "SKIP: tmux is not installed, so the studio's end-to-end test cannot run (.ci/run installs it)"
		fmt.Fprintln(os.Stderr, "tui:", why) // shown even without -v
		t.Skip(why)
	}
	if testing.Short() {
		t.Skip("SKIP: -short leaves out the studio's end-to-end test")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "nudge-studio")
	build := exec.Command("go", "build", "-o", bin, "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the studio: %v\n%s", err, out)
	}
	tm := startTmux(t, dir, bin)

	tm.waitFor("the first render", 90*time.Second, func(s string) bool { return tm.doneJob(s) >= 1 })
	first := tm.doneJob(tm.screen())

	tm.text("a red fox") // typed on the focused prompt without pressing Enter first
	tm.keys("Enter")
	tm.waitFor("a render of the typed prompt", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "a red fox") && tm.doneJob(s) > first
	})
	second := tm.doneJob(tm.screen())

	tm.keys("Tab", "Tab", "Down", "Down", "Down", "Right")
	tm.waitFor("a render at the next size the tiny UNet takes", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "80x80") && tm.doneJob(s) > second
	})
	if s := tm.screen(); strings.Contains(s, "Error") || strings.Contains(s, "Concat") {
		t.Fatalf("ORT's text reached the screen:\n%s", s)
	}
	eighty := tm.doneJob(tm.screen())
	// Back to 64×64: the same settings as the fox render, so its history entry is selected
	// again (no duplicate entry, the same number) — and the SEGA render below is not mistaken
	// for this one.
	tm.keys("Left")
	tm.waitFor("the fox render's entry again at 64x64", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "64x64") && tm.doneJob(s) == second
	})
	second = eighty
	tm.keys("Tab", "a")
	tm.text("sno")
	tm.waitFor("the first concept's input", 10*time.Second, func(s string) bool { return strings.Contains(s, "+ sno") })
	tm.text("w")
	tm.keys("Enter", "+")
	tm.waitFor("a render with the SEGA concept", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "weight 1.1") && tm.doneJob(s) > second
	})

	tm.keys("C-s")
	tm.waitFor("the save notice", 10*time.Second, func(s string) bool { return strings.Contains(s, "saved ") })
	tm.keys("q")
	tm.waitFor("the studio to exit", 10*time.Second, func(s string) bool { return strings.Contains(s, "studio exited 0") })

	checkSaved(t, filepath.Join(dir, "e2e.toml"))
}

func checkSaved(t *testing.T, path string) {
	t.Helper()
	s, err := session.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Prompt != "a red fox" || techniques.SEGAOf(&s.Params) == nil || len(techniques.SEGAOf(&s.Params).Concepts) != 1 ||
		techniques.SEGAOf(&s.Params).Concepts[0].Prompt != "snow" || techniques.SEGAOf(&s.Params).Concepts[0].Weight != 1.1 {
		t.Fatalf("saved session: prompt %q, sega %+v", s.Prompt, techniques.SEGAOf(&s.Params))
	}
	if len(s.History) != 1 || techniques.SEGAOf(&s.History[0].Params) == nil || techniques.SEGAOf(&s.History[0].Params).Concepts[0].Weight != 1.1 {
		t.Fatalf("saved history %+v, want one snapshot of the SEGA render", s.History)
	}
	png, err := os.ReadFile(filepath.Join(filepath.Dir(path), s.History[0].Output))
	if err != nil {
		t.Fatal(err)
	}
	texts, err := session.ReadPNGText(bytes.NewReader(png))
	if err != nil || !strings.Contains(texts[session.ChunkParameters], "a red fox") {
		t.Fatalf("saved image metadata: %v %q", err, texts)
	}
}

// tmuxDriver runs one tmux server of its own (a private socket), so it never touches the
// user's sessions.
type tmuxDriver struct {
	t           *testing.T
	socket, dir string
}

var doneRe = regexp.MustCompile(`#(\d+) done`)

func startTmux(t *testing.T, dir, bin string) *tmuxDriver {
	tm := &tmuxDriver{t: t, socket: filepath.Join(dir, "tmux.sock"), dir: dir}
	lib := ort.ResolveLibrary("") // before XDG_CACHE_HOME is pointed at the temporary cache
	cmd := fmt.Sprintf("cd %q && env XDG_CACHE_HOME=%q XDG_CONFIG_HOME=%q NUDGE_ORT_LIBRARY=%q %q --model demo:tiny --session e2e.toml --preview blocks --debounce 100ms --threads 2 2>err.txt; echo studio exited $?; sleep 60",
		dir, filepath.Join(dir, "cache"), filepath.Join(dir, "config"), lib, bin)
	tm.run("new-session", "-d", "-s", "studio", "-x", "100", "-y", "30", cmd)
	t.Cleanup(func() { _ = exec.Command("tmux", "-S", tm.socket, "kill-server").Run() })
	return tm
}

func (tm *tmuxDriver) run(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", tm.socket}, args...)...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (tm *tmuxDriver) keys(k ...string) {
	tm.run(append([]string{"send-keys", "-t", "studio"}, k...)...)
}
func (tm *tmuxDriver) text(s string)  { tm.run("send-keys", "-t", "studio", "-l", s) }
func (tm *tmuxDriver) screen() string { return tm.run("capture-pane", "-p", "-t", "studio") }

// doneJob is the job number of a finished render on the status bar, 0 if none.
func (tm *tmuxDriver) doneJob(screen string) int {
	m := doneRe.FindStringSubmatch(screen)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

func (tm *tmuxDriver) waitFor(what string, limit time.Duration, ok func(string) bool) {
	tm.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		s := tm.screen()
		if ok(s) {
			return
		}
		if time.Now().After(deadline) {
			stderr, _ := os.ReadFile(filepath.Join(tm.dir, "err.txt"))
			tm.t.Fatalf("waited %v for %s; the screen shows:\n%s\nstderr: %s", limit, what, s, stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
