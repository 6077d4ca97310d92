package session

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOutputs(t *testing.T) {
	dir := t.TempDir()
	sess := filepath.Join(dir, "s.toml")
	taken := filepath.Join(dir, "taken.png")
	os.WriteFile(taken, []byte("x"), 0o644)
	os.WriteFile(filepath.Join(dir, "b-1.png"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	cases := []struct {
		name, out string
		batch     int
		record    string
		want      string // "" = fine
	}{
		{"new file", filepath.Join(dir, "new.png"), 1, "", ""},
		{"missing folder", filepath.Join(dir, "missing", "x.png"), 1, "", "does not exist"},
		{"folder name", filepath.Join(dir, "sub") + "/", 1, "", "is a folder name"},
		{"existing folder", filepath.Join(dir, "sub"), 1, "", "is a folder"},
		{"existing file", taken, 1, "", "never overwrites"},
		{"batch member exists", filepath.Join(dir, "b.png"), 2, "", "never overwrites"},
		{"record inside", filepath.Join(dir, "sub", "r.png"), 1, sess, ""},
		{"record outside", filepath.Join(t.TempDir(), "r.png"), 1, sess, "outside the session's folder"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := CheckOutputs(c.out, c.batch, c.record)
			if c.want == "" {
				if err != nil {
					t.Fatalf("got %v", err)
				}
				return
			}
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line saying %q", err, c.want)
			}
		})
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Fatalf("the check left files behind: %v", entries)
	}
}

// Ctrl+S numbered images by history length + 1 and overwrote one already there.
func TestSaveNumberedPNGNeverOverwrites(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(dir, "s-001.png")
	os.WriteFile(first, []byte("an earlier image"), 0o644)
	name, err := SaveNumberedPNG(dir, "s", 1, testImage(4, 4, 1), fullSession())
	if err != nil || name != "s-002.png" {
		t.Fatalf("got %q %v, want s-002.png", name, err)
	}
	if data, _ := os.ReadFile(first); string(data) != "an earlier image" {
		t.Fatal("s-001.png was overwritten")
	}
	f, _ := os.Open(filepath.Join(dir, name))
	defer f.Close()
	if texts, err := ReadPNGText(f); err != nil || texts[ChunkSession] == "" {
		t.Fatalf("saved image lacks its session: %v", err)
	}
	if err := WriteFileNew(first, []byte("y")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("WriteFileNew over an existing file: %v", err)
	}
}
