package session

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func makeModelDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"unet/model.onnx": "graph", "unet/weights.pb": strings.Repeat("w", 5<<20), "text_encoder/model.onnx": "te",
		"text_encoder/model.onnx_data": "ted", "tokenizer/vocab.json": "{}", "README.md": "skip me",
		".git/config": "skip me", "vae_decoder/model.onnx": "vae",
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestFingerprintDir checks every hash against the sha256sum tool and the file selection.
func TestFingerprintDir(t *testing.T) {
	dir := makeModelDir(t)
	fp, err := FingerprintDir(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fp.Files {
		names = append(names, f.Path)
	}
	want := "text_encoder/model.onnx text_encoder/model.onnx_data tokenizer/vocab.json unet/model.onnx unet/weights.pb vae_decoder/model.onnx"
	if strings.Join(names, " ") != want {
		t.Fatalf("files %v, want %s", names, want)
	}
	if _, err := exec.LookPath("sha256sum"); err == nil {
		for _, f := range fp.Files {
			out, err := exec.Command("sha256sum", filepath.Join(dir, f.Path)).Output()
			if err != nil || strings.Fields(string(out))[0] != f.SHA256 {
				t.Errorf("%s: %s, sha256sum says %s", f.Path, f.SHA256, out)
			}
		}
	}
	if len(fp.Combined) != 64 || fp.Combined != combinedHash(fp.Files) {
		t.Error("combined hash")
	}
	m := &Model{}
	fp.Apply(m)
	if m.Fingerprint != fp.Combined || len(m.Files) != 6 {
		t.Errorf("Apply: %+v", m)
	}
	if _, err := FingerprintDir(context.Background(), t.TempDir(), ""); err == nil {
		t.Error("an empty folder has a fingerprint")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := FingerprintDir(ctx, dir, ""); err == nil {
		t.Error("cancelled fingerprint succeeded")
	}
}

// TestFingerprintCache proves the cache is used while size and mtime hold: contents changed
// behind an unchanged size and mtime keep the cached hash; a new mtime forces a re-hash.
func TestFingerprintCache(t *testing.T) {
	dir := makeModelDir(t)
	cache := filepath.Join(t.TempDir(), "sub", "fingerprints.json")
	first, err := FingerprintDir(context.Background(), dir, cache)
	if err != nil {
		t.Fatal(err)
	}
	weights := filepath.Join(dir, "unet", "weights.pb")
	info, _ := os.Stat(weights)
	if err := os.WriteFile(weights, []byte(strings.Repeat("X", int(info.Size()))), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(weights, info.ModTime(), info.ModTime()); err != nil {
		t.Fatal(err)
	}
	cached, err := FingerprintDir(context.Background(), dir, cache)
	if err != nil || cached.Combined != first.Combined {
		t.Fatalf("cache not used: %v", err)
	}
	later := info.ModTime().Add(time.Second)
	if err := os.Chtimes(weights, later, later); err != nil {
		t.Fatal(err)
	}
	fresh, err := FingerprintDir(context.Background(), dir, cache)
	if err != nil || fresh.Combined == first.Combined {
		t.Fatalf("changed file not re-hashed: %v", err)
	}
	if err := os.WriteFile(cache, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, err := FingerprintDir(context.Background(), dir, cache); err != nil || again.Combined != fresh.Combined {
		t.Fatalf("damaged cache: %v", err)
	}
	if loadHashCache(cache).Entries == nil || len(loadHashCache(cache).Entries) != 6 {
		t.Error("damaged cache was not rewritten")
	}
}

// BenchmarkFingerprintUncached measures hashing throughput (MB/s) on a 64 MiB file.
func BenchmarkFingerprintUncached(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "weights.pb"), make([]byte, 64<<20), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(64 << 20)
	for b.Loop() {
		if _, err := FingerprintDir(context.Background(), dir, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFingerprintCached measures the cost of a fingerprint whose files are all cached.
func BenchmarkFingerprintCached(b *testing.B) {
	dir := makeModelDir(b)
	cache := filepath.Join(b.TempDir(), "fp.json")
	if _, err := FingerprintDir(context.Background(), dir, cache); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := FingerprintDir(context.Background(), dir, cache); err != nil {
			b.Fatal(err)
		}
	}
}
