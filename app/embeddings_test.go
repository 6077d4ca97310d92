package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/session"
)

// An A1111 PNG's TI hashes name embeddings; import finds each in the configured folder by
// name (checking the hash) or says in one line which is missing.
func TestResolveImportedEmbeddings(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile("../runtime/textinv/testdata/a1111-single.pt")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "kitty.pt")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	emb, err := textinv.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	it, err := session.ParseA1111("a kitty, redfox\nSteps: 20, Seed: 1, TI hashes: \"kitty: " + emb.SHA256[:12] + ", redfox: 0123456789ab\"")
	if err != nil {
		t.Fatal(err)
	}
	s, _ := it.Session()
	cfg := session.DefaultConfig()
	cfg.Models.Embeddings = dir
	notes := ResolveEmbeddings(cfg, s)
	if len(notes) != 1 || !strings.Contains(notes[0], `"redfox"`) || !strings.Contains(notes[0], dir) || strings.Contains(notes[0], "\n") {
		t.Fatalf("notes %q: want one line naming redfox and the folder", notes)
	}
	if s.Embeddings[0].Path != path || s.Embeddings[0].SHA256 != emb.SHA256 {
		t.Fatalf("kitty resolved to %+v", s.Embeddings[0])
	}

	s, _ = it.Session()
	s.Embeddings[0].SHA256 = "ffffffffffff"
	notes = ResolveEmbeddings(cfg, s)
	if len(notes) != 2 || !strings.Contains(notes[0], "not the file A1111 used") {
		t.Fatalf("a changed file: %q", notes)
	}
	s, _ = it.Session()
	if notes := ResolveEmbeddings(session.DefaultConfig(), s); len(notes) != 2 || !strings.Contains(notes[0], "no embeddings folder") {
		t.Fatalf("without a folder: %q", notes)
	}
}

func TestRecordEmbeddings(t *testing.T) {
	p := session.DefaultParams()
	p.Embeddings = []session.Embedding{{Name: "old", Path: "/x.pt", SHA256: strings.Repeat("a", 64)}}
	RecordEmbeddings(&p, []*textinv.Embedding{
		{Name: "kitty", Path: "kitty.pt", SHA256: strings.Repeat("b", 64)},
		{Name: "learned_embeds", Token: "<cat-toy>", Path: "/e/learned_embeds.bin", SHA256: strings.Repeat("c", 64)},
	})
	if len(p.Embeddings) != 2 || !filepath.IsAbs(p.Embeddings[0].Path) || p.Embeddings[1].Name != "<cat-toy>" {
		t.Fatalf("recorded %+v", p.Embeddings)
	}
	req, err := BuildRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Embeddings) != 2 || req.Embeddings[1] != "/e/learned_embeds.bin" {
		t.Fatalf("request embeddings %v", req.Embeddings)
	}
}
