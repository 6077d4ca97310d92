package session

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// crashChildEnv makes TestCrashDuringSave's subprocess act as the saving process.
const crashChildEnv = "NUDGE_SESSION_TEST_CRASH_CHILD"

// TestCrashDuringSave kills a process between writing the temporary file and renaming it:
// the old session must survive byte for byte and still load.
func TestCrashDuringSave(t *testing.T) {
	if target := os.Getenv(crashChildEnv); target != "" {
		s := fullSession()
		s.Prompt = "the new version that must never half-appear"
		_ = Save(target, s) // blocks in holdBeforeRename until killed
		return
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "studio.toml")
	if err := Save(target, Default()); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(target)
	marker := filepath.Join(dir, "ready")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashDuringSave$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+target, holdEnv+"="+marker)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, marker)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	now, err := os.ReadFile(target)
	if err != nil || !bytes.Equal(now, old) {
		t.Fatalf("the old file did not survive the crash: %v\n%s", err, now)
	}
	if _, err := Load(target); err != nil {
		t.Fatal(err)
	}
	temps, _ := filepath.Glob(filepath.Join(dir, ".studio.toml.tmp-*"))
	if len(temps) != 1 {
		t.Fatalf("want the killed save's temp file left beside it, found %v", temps)
	}
	// The next save works, and removes the dead process's temp file.
	if err := Save(target, fullSession()); err != nil {
		t.Fatal(err)
	}
	if temps, _ := filepath.Glob(filepath.Join(dir, ".studio.toml.tmp-*")); len(temps) != 0 {
		t.Fatalf("the killed save's temp file is still there: %v", temps)
	}
	if s, err := Load(target); err != nil || s.Prompt != fullSession().Prompt {
		t.Fatalf("save after crash: %v", err)
	}
}

func waitFor(t *testing.T, path string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the saving subprocess never reached the rename")
}

// TestSaveFailures checks that a refused or failed save leaves the old file intact.
func TestSaveFailures(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "s.toml")
	if err := Save(target, Default()); err != nil {
		t.Fatal(err)
	}
	old, _ := os.ReadFile(target)
	bad := Default()
	bad.Width = 7
	if err := Save(target, bad); err == nil || !strings.Contains(err.Error(), "width: 7 is outside") {
		t.Errorf("invalid session saved: %v", err)
	}
	if err := Save(filepath.Join(dir, "missing", "s.toml"), Default()); err == nil {
		t.Error("save into a missing folder succeeded")
	}
	if now, _ := os.ReadFile(target); !bytes.Equal(now, old) {
		t.Error("old file changed by failed saves")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("failed saves left files: %v", entries)
	}
}

// TestSaveKeepsMode checks a replaced file keeps its permissions.
func TestSaveKeepsMode(t *testing.T) {
	target := filepath.Join(t.TempDir(), "s.toml")
	if err := Save(target, Default()); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Save(target, fullSession()); err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(target); info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", info.Mode().Perm())
	}
}

// Saved files follow the umask (they were chmod'ed 0644 whatever it said).
func TestSaveFollowsUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	p := filepath.Join(t.TempDir(), "s.toml")
	if err := Save(p, fullSession()); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v (%v), want 0600 under umask 077", st.Mode().Perm(), err)
	}
}
