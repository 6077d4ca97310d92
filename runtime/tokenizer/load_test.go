package tokenizer

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeHFFolder writes a Hugging Face tokenizer folder with CLIP's full vocabulary, built by
// the reference implementation, plus the given extra files.
func writeHFFolder(t testing.TB, dir string, extra map[string]string) {
	t.Helper()
	ref := newRefTokenizer(t)
	vocab, err := json.Marshal(ref.encoder)
	if err != nil {
		t.Fatal(err)
	}
	type ranked struct {
		pair [2]string
		rank int
	}
	merges := make([]ranked, 0, len(ref.ranks))
	for p, r := range ref.ranks {
		merges = append(merges, ranked{p, r})
	}
	slices.SortFunc(merges, func(a, b ranked) int { return a.rank - b.rank })
	var sb strings.Builder
	sb.WriteString("#version: 0.2\n")
	for _, m := range merges {
		sb.WriteString(m.pair[0] + " " + m.pair[1] + "\n")
	}
	files := map[string]string{hfVocabFile: string(vocab), hfMergesFile: sb.String()}
	for name, body := range extra {
		files[name] = body
	}
	writeFiles(t, dir, files)
}

func writeFiles(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// An HF folder with CLIP's vocabulary must tokenise exactly like CLIP's own file, found from
// any of the paths users give; special-token settings (SD 2's "!" padding) must apply.
func TestLoadHFFolder(t *testing.T) {
	model := t.TempDir()
	dir := filepath.Join(model, "tokenizer")
	writeHFFolder(t, dir, map[string]string{
		hfSpecialsFile: `{"bos_token": {"content": "<|startoftext|>", "lstrip": false}, "eos_token": "<|endoftext|>", "pad_token": "!", "unk_token": "<|endoftext|>"}`,
		hfConfigFile:   `{"model_max_length": 77, "pad_token": "<|endoftext|>", "do_lower_case": true}`,
	})
	clip := loadCLIP(t)
	for _, path := range []string{dir, model, filepath.Join(dir, hfVocabFile), filepath.Join(dir, hfMergesFile)} {
		tok, err := Load(path)
		if err != nil {
			t.Fatalf("Load(%s): %v", path, err)
		}
		if tok.Pad() != 0 || tok.Piece(tok.Pad()) != "!" || tok.BOS() != clip.BOS() || tok.EOS() != clip.EOS() ||
			tok.VocabSize() != clip.VocabSize() || tok.MaxLen() != 77 {
			t.Fatalf("Load(%s): pad %d bos %d eos %d vocab %d maxlen %d", path, tok.Pad(), tok.BOS(), tok.EOS(), tok.VocabSize(), tok.MaxLen())
		}
		for _, c := range readGolden(t) {
			if got := tokenIDs(tok.Tokenize(c.Prompt)); !slices.Equal(got, c.IDs) {
				t.Errorf("Load(%s) %q: got %v want %v", path, c.Prompt, got, c.IDs)
			}
		}
	}
	if tok, err := LoadModel(model); err != nil || tok.Source() != dir {
		t.Fatalf("LoadModel: %v, source %v", err, tok)
	}
}

// A demo model's small vocabulary puts the special tokens at other ids; nothing may assume
// CLIP's numbering, and pieces the vocabulary lacks become the unknown token.
func TestSmallVocabulary(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		hfVocabFile: `{"<|startoftext|>": 0, "<|endoftext|>": 1, "c": 2, "a": 3, "t</w>": 4, "ca": 5,
			"cat</w>": 6, "a</w>": 7, "<pad>": 8}`,
		hfMergesFile:   "#version: 0.2\nc a\nca t</w>\n",
		hfSpecialsFile: `{"pad_token": "<pad>"}`,
		hfConfigFile:   `{"model_max_length": 1000000000000000019884624838656}`,
	})
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		prompt string
		ids    []int
		pieces []string
	}{
		{"a cat", []int{0, 7, 6, 1}, []string{"<|startoftext|>", "a</w>", "cat</w>", "<|endoftext|>"}},
		{"cab", []int{0, 5, 1, 1}, []string{"<|startoftext|>", "ca", "b</w>", "<|endoftext|>"}},
		{"tac", []int{0, 1, 3, 1, 1}, []string{"<|startoftext|>", "t", "a", "c</w>", "<|endoftext|>"}},
	}
	for _, c := range cases {
		toks := tok.Tokenize(c.prompt)
		if !slices.Equal(tokenIDs(toks), c.ids) || !slices.Equal(tokenPieces(toks), c.pieces) {
			t.Errorf("%q: got %v %q, want %v %q", c.prompt, tokenIDs(toks), tokenPieces(toks), c.ids, c.pieces)
		}
	}
	if ids, _ := tok.Encode("a cat", 6); !slices.Equal(ids, []int64{0, 7, 6, 1, 8, 8}) || tok.MaxLen() != DefaultMaxLen || tok.Unk() != 1 {
		t.Errorf("Encode = %v, MaxLen = %d, Unk = %d", ids, tok.MaxLen(), tok.Unk())
	}
}

// Broken vocabularies must give one-line BadInput errors that name the file, never a panic.
func TestLoadErrors(t *testing.T) {
	good := map[string]string{hfVocabFile: `{"<|startoftext|>": 0, "<|endoftext|>": 1, "a": 2, "b": 3, "ab": 4}`, hfMergesFile: "a b\n"}
	with := func(name, body string) map[string]string {
		files := map[string]string{}
		for k, v := range good {
			files[k] = v
		}
		files[name] = body
		return files
	}
	cases := []struct {
		name  string
		files map[string]string
		path  string // relative to the folder; "" is the folder
		want  string
	}{
		{"missing path", nil, "nope", "no such file"},
		{"empty folder", map[string]string{"x.txt": ""}, "", "no vocab.json"},
		{"missing merges", map[string]string{hfVocabFile: good[hfVocabFile]}, "", "merges.txt: no such file"},
		{"vocab not JSON", with(hfVocabFile, "{oops"), "", "not a vocabulary"},
		{"vocab ids not ints", with(hfVocabFile, `{"a": "x"}`), "", "not a vocabulary"},
		{"negative id", with(hfVocabFile, `{"a": -1}`), "", "outside"},
		{"huge id", with(hfVocabFile, `{"a": 99999999999}`), "", "outside"},
		{"shared id", with(hfVocabFile, `{"<|startoftext|>": 0, "<|endoftext|>": 0}`), "", "given to two pieces"},
		{"empty piece", with(hfVocabFile, `{"": 0}`), "", "empty piece"},
		{"three-symbol merge", with(hfMergesFile, "a b\na b c\n"), "", "merges.txt:2: found 3 symbols"},
		{"merge outside vocab", with(hfMergesFile, "a c\n"), "", `needs "c"`},
		{"merged piece outside vocab", with(hfMergesFile, "b a\n"), "", `needs "ba"`},
		{"no BOS", with(hfVocabFile, `{"<|endoftext|>": 1, "a": 2, "b": 3, "ab": 4}`), "", `"<|startoftext|>" is not in the vocabulary`},
		{"unknown pad", with(hfSpecialsFile, `{"pad_token": "<pad>"}`), "", `"<pad>" is not in the vocabulary`},
		{"bad settings", with(hfConfigFile, `{"pad_token": 5}`), "", "tokenizer_config.json: not a tokenizer settings object"},
		{"CLIP file too short", map[string]string{"bpe.txt": "#version: 0.2\na b\n"}, "bpe.txt", "has 1 merges, CLIP needs 48894"},
		{"CLIP file bad line", map[string]string{"bpe.txt": "#version: 0.2\na b\nabc\n"}, "bpe.txt", "bpe.txt:3: a merge line needs two symbols"},
		{"CLIP file bad gzip", map[string]string{"bpe.txt.gz": "\x1f\x8bnot gzip"}, "bpe.txt.gz", "not a readable gzip file"},
		{"control characters in names", with(hfMergesFile, "a \x1b[2J\n"), "", `needs "\x1b[2J"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.files != nil {
				writeFiles(t, dir, c.files)
			}
			_, err := Load(filepath.Join(dir, c.path))
			checkBadInput(t, err, dir)
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not say %q", err, c.want)
			}
		})
	}
}

func checkBadInput(t *testing.T, err error, mentions string) {
	t.Helper()
	var bi interface{ BadInput() bool }
	if err == nil || !errors.As(err, &bi) || !bi.BadInput() {
		t.Fatalf("want a BadInput error, got %v", err)
	}
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\r\x1b") || !strings.Contains(msg, mentions) {
		t.Errorf("error is not one clean line naming %s: %q", mentions, msg)
	}
}

// A truncated copy of CLIP's real file is caught by its merge count.
func TestLoadTruncatedCLIPFile(t *testing.T) {
	data, err := os.ReadFile(clipVocabPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "bpe_simple_vocab_16e6.txt.gz")
	if err := os.WriteFile(path, data[:len(data)/10], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(path)
	checkBadInput(t, err, path)
}

// A model folder without tokenizer files gets CLIP's real vocabulary (checked against the
// Python golden ids); half a tokenizer folder, or no folder at all, is an error.
func TestLoadModelWithoutTokenizerFiles(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string // under modelDir; nil writes nothing
		missing bool              // modelDir itself is absent
		want    string            // "" expects the embedded CLIP tokenizer
	}{
		{"no tokenizer folder", map[string]string{"unet/model.onnx": "x"}, false, ""},
		{"empty tokenizer folder", map[string]string{"tokenizer/README": "x"}, false, ""},
		{"only merges.txt", map[string]string{"tokenizer/merges.txt": "a b\n"}, false, "no vocab.json"},
		{"only vocab.json", map[string]string{"tokenizer/vocab.json": `{"a": 0}`}, false, "merges.txt: no such file"},
		{"no model folder", nil, true, "no such file"},
	}
	golden := readGolden(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			if !c.missing {
				for name, body := range c.files {
					writeFiles(t, filepath.Join(dir, filepath.Dir(name)), map[string]string{filepath.Base(name): body})
				}
			}
			tok, err := LoadModel(dir)
			if c.want != "" {
				checkBadInput(t, err, dir)
				if !strings.Contains(err.Error(), c.want) {
					t.Errorf("error %q does not say %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tok.Source() != EmbeddedCLIPSource || tok.VocabSize() != 49408 || tok.Pad() != tok.EOS() {
				t.Fatalf("source %q, %d ids, pad %d", tok.Source(), tok.VocabSize(), tok.Pad())
			}
			for _, g := range golden {
				if got := tokenIDs(tok.Tokenize(g.Prompt)); !slices.Equal(got, g.IDs) {
					t.Errorf("%q: got %v want %v", g.Prompt, got, g.IDs)
				}
			}
		})
	}
}
