package atomicfile

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

func TestTempOwner(t *testing.T) {
	cases := []struct {
		name string
		pid  int
		ok   bool
	}{
		{".s.toml.tmp-1234-abc9", 1234, true},
		{".demo-tiny.partial-77-zz", 77, true},
		{".s.toml.tmp-987654321", 0, true}, // os.CreateTemp's digits, from before the PID
		{".notes.tmp-draft", 0, false},
		{".s.toml.tmp-12-AB", 0, false},
		{"s.toml.tmp-1-a", 0, false},
		{".tmp-1-a", 0, false},
		{".x.tmp-", 0, false},
		{"image.png", 0, false},
	}
	for _, c := range cases {
		if pid, ok := tempOwner(c.name); pid != c.pid || ok != c.ok {
			t.Errorf("tempOwner(%q) = %d, %v; want %d, %v", c.name, pid, ok, c.pid, c.ok)
		}
	}
}

// Leftovers of a dead process (kill -9 between write and rename) go; a live writer's temp
// file and the user's own files stay.
func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := strconv.Itoa(dead.Process.Pid)
	stale := []string{".s.toml.tmp-" + deadPID + "-x1", ".s.toml.tmp-123456", ".demo-tiny.partial-" + deadPID + "-q"}
	kept := []string{".s.toml.tmp-" + strconv.Itoa(os.Getpid()) + "-x2", ".notes.tmp-draft", "s.toml"}
	for _, n := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(dir, stale[2]))
	os.MkdirAll(filepath.Join(dir, stale[2], "unet"), 0o755)
	if got := RemoveStale(dir); len(got) != len(stale) {
		t.Fatalf("removed %v, want %v", got, stale)
	}
	for _, n := range kept {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed", n)
		}
	}
}

// New files follow the umask (0666 &^ umask); a replaced file keeps its mode.
func TestWriteFileModes(t *testing.T) {
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	dir := t.TempDir()
	p := filepath.Join(dir, "a.toml")
	if err := WriteFile(p, []byte("x"), 0o666); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o640 {
		t.Fatalf("new file mode %v, want 0640 under umask 027", st.Mode().Perm())
	}
	os.Chmod(p, 0o600)
	if err := WriteFile(p, []byte("y"), 0o666); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Fatalf("replaced file mode %v, want 0600 kept", st.Mode().Perm())
	}
	if data, _ := os.ReadFile(p); string(data) != "y" {
		t.Fatalf("content %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("leftovers: %v", entries)
	}
}
