package ort

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAtLeast(t *testing.T) {
	cases := []struct {
		v, min string
		want   bool
	}{
		{"1.30.0", "1.24.0", true}, {"1.24.0", "1.24.0", true}, {"1.23.2", "1.24.0", false},
		{"2.0.0", "1.24.0", true}, {"1.9.0", "1.24.0", false}, {"1.24", "1.24.0", true}, {"1.30.0-dev", "1.24.0", true},
	}
	for _, c := range cases {
		if got := AtLeast(c.v, c.min); got != c.want {
			t.Errorf("AtLeast(%q, %q) = %v", c.v, c.min, got)
		}
	}
}

// Missing and broken libraries give one clear line naming the file; the real one loads.
// The order matters: ORT can only be initialised once per process.
func TestInitReportsBadLibraries(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "libonnxruntime.so.1")
	err := Init(missing)
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "make setup") {
		t.Fatalf("missing library: %v", err)
	}
	junk := filepath.Join(t.TempDir(), "libjunk.so")
	os.WriteFile(junk, []byte("not a shared library"), 0o644)
	if err := Init(junk); err == nil || strings.Contains(err.Error(), "\n") {
		t.Fatalf("junk library: %v", err)
	}
	if err := Init(ResolveLibrary("")); err != nil {
		t.Fatalf("real library: %v", err)
	}
	if !AtLeast(RuntimeVersion(), MinVersion) {
		t.Fatalf("loaded version %s", RuntimeVersion())
	}
	if err := Init(junk); err == nil {
		t.Fatal("switching libraries after loading must be refused")
	}
}

func TestResolveLibraryOrder(t *testing.T) {
	t.Setenv(LibraryEnv, "/env/lib.so")
	if got := ResolveLibrary("/cfg/lib.so"); got != "/cfg/lib.so" {
		t.Fatalf("config should win: %s", got)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	if got := ResolveLibrary("~/ort/lib.so"); got != filepath.Join(home, "ort", "lib.so") {
		t.Fatalf("~ not expanded: %s", got)
	}
	if got := ResolveLibrary(""); got != "/env/lib.so" {
		t.Fatalf("env should be next: %s", got)
	}
	t.Setenv(LibraryEnv, "")
	t.Setenv("XDG_CACHE_HOME", "/cache")
	if got := ResolveLibrary(""); got != "/cache/nudge/ort/1.30.0/libonnxruntime.so.1" {
		t.Fatalf("cache default: %s", got)
	}
}
