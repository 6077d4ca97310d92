package runtime_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
	"github.com/nudge-studio/nudge/runtime/tokenizer"
)

// A model folder without tokenizer/ gets CLIP's real vocabulary, unless its text encoder says
// it has fewer embedding rows than CLIP's 49,408 ids; then Open names the file and the fix.
func TestOpenWithoutTokenizerFolder(t *testing.T) {
	orttest.Setup(t)
	cases := []struct {
		name       string
		textConfig func(path string) error
		wantErr    string
	}{
		{"text encoder too small for CLIP", func(string) error { return nil }, "vocab_size"},
		{"no vocab_size to check", os.Remove, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			if err := demomodel.Write(context.Background(), dir, demomodel.Options{}); err != nil {
				t.Fatal(err)
			}
			if err := os.RemoveAll(filepath.Join(dir, "tokenizer")); err != nil {
				t.Fatal(err)
			}
			if err := c.textConfig(filepath.Join(dir, "text_encoder", "config.json")); err != nil {
				t.Fatal(err)
			}
			m, err := runtime.Open(dir, runtime.Options{Threads: 1})
			if c.wantErr != "" {
				var bad interface{ BadInput() bool }
				if err == nil || !strings.Contains(err.Error(), c.wantErr) || !errors.As(err, &bad) {
					t.Fatalf("Open: %v, want a bad-input error naming %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			if m.Tokenizer.Source() != tokenizer.EmbeddedCLIPSource || m.Tokenizer.VocabSize() != 49408 {
				t.Errorf("tokenizer from %s with %d ids, want CLIP's embedded 49,408", m.Tokenizer.Source(), m.Tokenizer.VocabSize())
			}
		})
	}
}
