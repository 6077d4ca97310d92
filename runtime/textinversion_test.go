package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/safetensors"
)

// tokenRows reads the text encoder's token-embedding rows of words (one token each).
func tokenRows(t *testing.T, m *Model, words ...string) [][]float32 {
	t.Helper()
	g, err := onnxgraph.Load(m.Text.Path)
	if err != nil {
		t.Fatal(err)
	}
	_, _, table := tokenGatherOf(t, g)
	td, err := g.ReadInitializer(table)
	if err != nil || td.DataType != 1 {
		t.Fatalf("table %s: %v", table, err)
	}
	width := int(td.Dims[1])
	var out [][]float32
	for _, w := range words {
		ids := m.Tokenizer.EncodeContent(w)
		if len(ids) != 1 {
			t.Fatalf("%q is %d tokens", w, len(ids))
		}
		row := make([]float32, width)
		for i := range row {
			row[i] = math.Float32frombits(binary.LittleEndian.Uint32(td.Raw[4*(ids[0]*width+i):]))
		}
		out = append(out, row)
	}
	return out
}

func tokenGatherOf(t *testing.T, g *onnxgraph.Model) (int, string, string) {
	for i, n := range g.Graph().Node {
		if n.OpType == "Gather" && len(n.Input) == 2 && strings.Contains(n.Input[0], "token_embedding") {
			return i, n.Output[0], n.Input[0]
		}
	}
	t.Fatal("no token-embedding Gather in the demo text encoder")
	return 0, "", ""
}

// writeEmbedding writes an A1111 .safetensors embedding (emb_params [n, D]).
func writeEmbedding(t *testing.T, path string, rows [][]float32) {
	t.Helper()
	var flat []float32
	for _, r := range rows {
		flat = append(flat, r...)
	}
	var b bytes.Buffer
	tensors := map[string]safetensors.Tensor{"emb_params": safetensors.FromFloat32([]int64{int64(len(rows)), int64(len(rows[0]))}, flat)}
	if err := safetensors.Write(&b, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// An embedding whose vectors are the token-embedding rows of words must condition exactly
// as the words do, bit for bit: the added-token lookup reads the same numbers through the
// same layers. Single- and multi-vector, by file name (A1111) from the folder, with emphasis
// and clip skip on top, and the pieces name the embedding.
func TestEmbeddingEqualsItsWords(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	m := openTinyText(t)
	dir := t.TempDir()
	writeEmbedding(t, filepath.Join(dir, "kitty.safetensors"), tokenRows(t, m, "cat"))
	writeEmbedding(t, filepath.Join(dir, "redfox.safetensors"), tokenRows(t, m, "red", "fox"))
	m.Options.EmbeddingDirs = []string{dir}
	if err := m.useEmbeddings(nil); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cases := []struct{ words, emb string }{
		{"a photo of a cat", "a photo of a kitty"},
		{"a red fox in snow", "a redfox in snow"},
		{"(a red fox:1.3), cat", "(a redfox:1.3), kitty"},
	}
	for _, c := range cases {
		for _, skip := range []int{1, 2} {
			want, err := m.Conditioning(ctx, c.words, 1, TextSpec{ClipSkip: skip})
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Conditioning(ctx, c.emb, 1, TextSpec{ClipSkip: skip})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Embeddings) == 0 || len(want.Embeddings) != 0 {
				t.Fatalf("%q: used %d embeddings, words used %d", c.emb, len(got.Embeddings), len(want.Embeddings))
			}
			if !sameBits(got.Embeds[0].Data, want.Embeds[0].Data) {
				t.Fatalf("%q (clip skip %d) differs from %q", c.emb, skip, c.words)
			}
		}
	}
	c, _ := m.Conditioning(ctx, "a redfox", 1, TextSpec{})
	pieces := m.promptTokens(c)
	if strings.Join(pieces, " ") != "<|startoftext|> a</w> <redfox>#0 <redfox>#1 <|endoftext|>" {
		t.Fatalf("pieces %q", pieces)
	}
}

// A multi-vector embedding takes one position per vector, so it counts toward the 75.
func TestEmbeddingVectorsCountTowardTheChunk(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	m := openTinyText(t)
	dir := t.TempDir()
	rows := tokenRows(t, m, "cat", "cat", "cat", "cat", "cat")
	writeEmbedding(t, filepath.Join(dir, "five.safetensors"), rows)
	if err := m.useEmbeddings([]string{filepath.Join(dir, "five.safetensors")}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// 72 cats and 5 vectors are 77 tokens: the embedding does not fit after 72 and moves to
	// the second chunk whole, as tokenize_line does.
	c, err := m.Conditioning(ctx, cats(72)+" five", 1, TextSpec{})
	if err != nil {
		t.Fatal(err)
	}
	ch := c.Chunks[0]
	if len(ch) != 2 || ch[0].Used != 72 || ch[1].Used != 5 {
		t.Fatalf("chunks %d, used %d/%d", len(ch), ch[0].Used, ch[len(ch)-1].Used)
	}
	want, _ := m.Conditioning(ctx, cats(72)+" BREAK "+cats(5), 1, TextSpec{})
	if !sameBits(c.Embeds[0].Data, want.Embeds[0].Data) {
		t.Fatal("the moved embedding does not encode as its words in the second chunk")
	}
}

func TestEmbeddingOfAnotherWidthRefused(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	m := openTinyText(t)
	path := filepath.Join(t.TempDir(), "sd2style.safetensors")
	width := int(m.hiddenSize()) + 8
	writeEmbedding(t, path, [][]float32{make([]float32, width)})
	if err := m.useEmbeddings([]string{path}); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Conditioning(context.Background(), "a cat", 1, TextSpec{}); err != nil {
		t.Fatalf("a prompt that does not use it failed: %v", err)
	}
	_, err := m.Conditioning(context.Background(), "a sd2style cat", 1, TextSpec{})
	if err == nil || !strings.Contains(err.Error(), "sd2style") || !strings.Contains(err.Error(), "wide") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if err := m.useEmbeddings([]string{filepath.Join(t.TempDir(), "nope.pt")}); err == nil || !strings.Contains(err.Error(), "nope.pt") {
		t.Fatalf("a missing embedding file: %v", err)
	}
}

// The render with an embedding equals the render with its word, image for image, and the
// result names the embedding (by its file, given by path as a session records it).
func TestRenderWithEmbedding(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	m := openTinyText(t)
	path := filepath.Join(t.TempDir(), "kitty.safetensors")
	writeEmbedding(t, path, tokenRows(t, m, "cat"))
	req := Request{Prompt: "a photo of a cat", Negative: "blurry", Width: 64, Height: 64, Steps: 3,
		Batch: 1, Guidance: 7.5, Seed: 7, Embeddings: []string{path}}
	want, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Prompt = "a photo of a kitty"
	got, err := m.Render(context.Background(), req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Images[0].Pix, want.Images[0].Pix) || !sameBits(got.Latents.Data, want.Latents.Data) {
		t.Fatal("the embedding renders differently from its word")
	}
	if len(want.Embeddings) != 0 || len(got.Embeddings) != 1 || got.Embeddings[0].Path != path || len(got.Embeddings[0].SHA256) != 64 {
		t.Fatalf("used embeddings: %d and %v", len(want.Embeddings), got.Embeddings)
	}
}
