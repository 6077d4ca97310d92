package app

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

func TestResolveModelNames(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"session/local", "store/sd15", "elsewhere/real"} {
		os.MkdirAll(filepath.Join(root, d), 0o755)
	}
	names := ModelNames{Aliases: map[string]string{"mine": filepath.Join(root, "elsewhere/real")}, Dirs: []string{filepath.Join(root, "store")}}
	base := filepath.Join(root, "session")
	cases := map[string]string{
		"local":                           filepath.Join(base, "local"),          // relative to the session file
		"sd15":                            filepath.Join(root, "store/sd15"),     // found in a configured folder
		"mine":                            filepath.Join(root, "elsewhere/real"), // alias
		filepath.Join(root, "store/sd15"): filepath.Join(root, "store/sd15"),     // absolute
	}
	for ref, want := range cases {
		got, err := ResolveModel(context.Background(), ref, base, names, nil)
		if err != nil || got != want {
			t.Errorf("ResolveModel(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
	if _, err := ResolveModel(context.Background(), "missing", base, names, nil); err == nil {
		t.Error("a missing model must be an error")
	}
}
