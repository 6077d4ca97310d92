package textinv

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/safetensors"
)

func ramp(n int, scale, shift float32) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = float32(i)*scale + shift
	}
	return out
}

func f16Tensor(shape []int64, values []float32) safetensors.Tensor {
	data := make([]byte, 2*len(values))
	for i, v := range values {
		binary.LittleEndian.PutUint16(data[2*i:], onnxgraph.Float32ToFloat16(v))
	}
	return safetensors.Tensor{DType: "F16", Shape: shape, Data: data}
}

func writeSafetensors(t *testing.T, path string, tensors map[string]safetensors.Tensor) {
	t.Helper()
	var b bytes.Buffer
	if err := safetensors.Write(&b, tensors, nil); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Every layout, from files laid out as the published formats (the .pt and .bin from
// scripts/make-torch-fixtures.py, the safetensors written here). The ramps are exact in
// float16, so every value must come back bit for bit.
func TestReadLayouts(t *testing.T) {
	dir := t.TempDir()
	writeSafetensors(t, filepath.Join(dir, "a1111-st.safetensors"),
		map[string]safetensors.Tensor{"emb_params": f16Tensor([]int64{2, 8}, ramp(16, 0.125, -1))})
	writeSafetensors(t, filepath.Join(dir, "learned_embeds.safetensors"),
		map[string]safetensors.Tensor{"<fox-style>": safetensors.FromFloat32([]int64{8}, ramp(8, 0.5, 2))})
	cases := []struct {
		path, name, token string
		vectors           int
		want              []float32 // all vectors, flattened
	}{
		{"testdata/a1111-single.pt", "a1111-single", "", 1, ramp(8, 0.25, -1)},
		{"testdata/a1111-multi-f16.pt", "a1111-multi-f16", "", 3, ramp(24, 0.125, -1)},
		{"testdata/learned_embeds.bin", "learned_embeds", "<cat-toy>", 1, ramp(8, 0.5, -1)},
		{filepath.Join(dir, "a1111-st.safetensors"), "a1111-st", "", 2, ramp(16, 0.125, -1)},
		{filepath.Join(dir, "learned_embeds.safetensors"), "learned_embeds", "<fox-style>", 1, ramp(8, 0.5, 2)},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			e, err := ReadFile(c.path)
			if err != nil {
				t.Fatal(err)
			}
			if e.Name != c.name || e.Token != c.token || len(e.Vectors) != c.vectors || e.Width() != 8 || len(e.SHA256) != 64 {
				t.Fatalf("got name %q token %q, %d vectors of %d", e.Name, e.Token, len(e.Vectors), e.Width())
			}
			var got []float32
			for _, v := range e.Vectors {
				got = append(got, v...)
			}
			for i := range c.want {
				if got[i] != c.want[i] {
					t.Fatalf("value %d = %v, want %v", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestBadEmbeddingsRefused(t *testing.T) {
	dir := t.TempDir()
	files := []struct {
		name    string
		tensors map[string]safetensors.Tensor
		want    string
	}{
		{"sdxl.safetensors", map[string]safetensors.Tensor{
			"clip_l": safetensors.FromFloat32([]int64{1, 8}, ramp(8, 1, 0)),
			"clip_g": safetensors.FromFloat32([]int64{1, 8}, ramp(8, 1, 0))}, "SDXL"},
		{"two.safetensors", map[string]safetensors.Tensor{
			"a": safetensors.FromFloat32([]int64{8}, ramp(8, 1, 0)),
			"b": safetensors.FromFloat32([]int64{8}, ramp(8, 1, 0))}, "no embedding in it"},
		{"cube.safetensors", map[string]safetensors.Tensor{
			"emb_params": safetensors.FromFloat32([]int64{1, 2, 4}, ramp(8, 1, 0))}, "want [width] or [vectors, width]"},
		{"ints.safetensors", map[string]safetensors.Tensor{
			"emb_params": {DType: "I32", Shape: []int64{2}, Data: make([]byte, 8)}}, "dtype I32"},
		{"long.safetensors", map[string]safetensors.Tensor{
			"emb_params": safetensors.FromFloat32([]int64{76, 1}, ramp(76, 1, 0))}, "76 vectors"},
	}
	for _, f := range files {
		writeSafetensors(t, filepath.Join(dir, f.name), f.tensors)
	}
	if err := os.WriteFile(filepath.Join(dir, "text.pt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, struct {
		name    string
		tensors map[string]safetensors.Tensor
		want    string
	}{"text.pt", nil, "safetensors"}) {
		_, err := ReadFile(filepath.Join(dir, f.name))
		if err == nil || !strings.Contains(err.Error(), f.want) || !strings.Contains(err.Error(), f.name) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err = %v, want one line naming the file and %q", f.name, err, f.want)
		}
	}
	_, err := ReadFile("../torchpickle/testdata/evil-global.pt")
	if err == nil || !strings.Contains(err.Error(), "refusing Python global posix.system") {
		t.Errorf("a pickle calling os.system: %v", err)
	}
}

// words is a stand-in tokenizer: one id per space-separated word, by a fixed table.
func words(table map[string]int) func(string) []int {
	return func(s string) []int {
		var out []int
		for _, w := range strings.Fields(s) {
			out = append(out, table[w])
		}
		return out
	}
}

func TestVocabMatch(t *testing.T) {
	table := map[string]int{"a": 1, "fox": 2, "style": 3, "<cat-toy>": 4, "in": 5}
	lib := &Library{Embeddings: []*Embedding{
		{Name: "fox style", Vectors: make([][]float32, 3)},
		{Name: "fox", Vectors: make([][]float32, 1)},
		{Name: "learned_embeds", Token: "<cat-toy>", Vectors: make([][]float32, 2)},
	}}
	v := NewVocab(words(table), 100, lib)
	cases := []struct {
		prompt   string
		pos      int
		vectors  []int
		consumed int
	}{
		{"a fox style", 1, []int{100, 101, 102}, 2}, // longest name first
		{"a fox in", 1, []int{103}, 1},
		{"a <cat-toy>", 1, []int{104, 105}, 1},
		{"a fox", 0, nil, 0},
	}
	for _, c := range cases {
		vec, n := v.Match(words(table)(c.prompt), c.pos)
		if n != c.consumed || len(vec) != len(c.vectors) || (n > 0 && vec[0] != c.vectors[0]) {
			t.Errorf("%q at %d: %v, %d; want %v, %d", c.prompt, c.pos, vec, n, c.vectors, c.consumed)
		}
	}
	if r, ok := v.Row(105); !ok || r.Emb != lib.Embeddings[2] || r.Index != 1 {
		t.Errorf("Row(105) = %+v", r)
	}
	if used := v.Used([]int{1, 104, 2, 100, 105}); len(used) != 2 || used[0] != lib.Embeddings[2] || used[1] != lib.Embeddings[0] {
		t.Errorf("Used = %v", used)
	}
}

func TestResolveFolder(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "styles")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/a1111-single.pt")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(sub, "nice.pt"), filepath.Join(dir, "broken.safetensors")} {
		content := data
		if strings.HasSuffix(p, "broken.safetensors") {
			content = []byte("junk")
		}
		if err := os.WriteFile(p, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var c Cache
	lib, err := c.Resolve([]string{"testdata/learned_embeds.bin"}, []string{dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(lib.Embeddings) != 2 || len(lib.Problems) != 1 || !strings.Contains(lib.Problems[0], "broken.safetensors") {
		t.Fatalf("embeddings %d, problems %q", len(lib.Embeddings), lib.Problems)
	}
	if e, ok := lib.Find("nice"); !ok || e.Name != "nice" {
		t.Fatal("nice.pt not found by its file name")
	}
	if _, ok := lib.Find("<cat-toy>"); !ok {
		t.Fatal("the diffusers token did not name its embedding")
	}
	again, _ := c.Resolve([]string{"testdata/learned_embeds.bin"}, []string{dir})
	if again.Embeddings[0] != lib.Embeddings[0] {
		t.Fatal("an unchanged file was read again")
	}
	if _, err := c.Resolve([]string{filepath.Join(dir, "missing.pt")}, nil); err == nil || !strings.Contains(err.Error(), "missing.pt") {
		t.Fatalf("a missing path: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	var b bytes.Buffer
	_ = safetensors.Write(&b, map[string]safetensors.Tensor{"emb_params": f16Tensor([]int64{2, 4}, ramp(8, 1, 0))}, nil)
	f.Add(b.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := Parse("fuzz.pt", data)
		if err != nil {
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("a multi-line error: %q", err)
			}
			return
		}
		if len(e.Vectors) == 0 || len(e.Vectors) > maxVectors || e.Width() == 0 {
			t.Fatalf("accepted %d vectors of %d", len(e.Vectors), e.Width())
		}
	})
}
