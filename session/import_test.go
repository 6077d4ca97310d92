package session

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// pngWithTexts writes a PNG carrying the given tEXt chunks (as other tools write them).
func pngWithTexts(t *testing.T, texts ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := pngEncoderForTest()
	if err := enc.Encode(&buf, testImage(8, 8, 2)); err != nil {
		t.Fatal(err)
	}
	var chunks []byte
	for _, kv := range texts {
		chunks = append(chunks, textChunk(kv[0], kv[1], false)...)
	}
	out, err := insertBeforeIDAT(buf.Bytes(), chunks)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImport(t *testing.T) {
	dir := t.TempDir()
	full := fullSession()
	ours := writeFile(t, dir, "ours.png", encodeTest(t, testImage(8, 8, 1), full))
	a1111 := writeFile(t, dir, "a1111.png", pngWithTexts(t, [2]string{"parameters",
		"a cat\nNegative prompt: dog\nSteps: 30, Sampler: Euler a, CFG scale: 6, Seed: 77, Size: 512x768, RNG: CPU"}))
	comfy := writeFile(t, dir, "comfy.png", pngWithTexts(t, [2]string{"prompt", `{"3":{}}`}, [2]string{"workflow", "{}"}))
	bare := writeFile(t, dir, "bare.png", pngWithTexts(t))
	badA1111 := writeFile(t, dir, "bad.png", pngWithTexts(t, [2]string{"parameters", "x\nSteps: 5000, Sampler: Euler, CFG scale: 7, Size: 513x512"}))
	jpeg := writeFile(t, dir, "x.jpg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0})
	sessionFile := writeFile(t, dir, "s.toml", []byte("version = 1\nprompt = \"hi\"  # comment\n"))

	s, src, err := Import(ours)
	if err != nil || src.Kind != FromNudgePNG || !reflect.DeepEqual(s, AsRendered(full)) {
		t.Errorf("nudge PNG: %v %v", src, err)
	}
	s, src, err = Import(a1111)
	if err != nil || src.Kind != FromA1111PNG || s.Prompt != "a cat" || s.Negative != "dog" || s.Sampler.Steps != 30 ||
		s.Sampler.Scheduler != "euler_a" || s.Sampler.Guidance != 6 || s.Noise.Seed != 77 || s.Width != 512 || s.Height != 768 {
		t.Errorf("A1111 PNG: %+v %v %v", s, src, err)
	}
	s, src, err = Import(sessionFile)
	if err != nil || src.Kind != FromSession || s.Prompt != "hi" {
		t.Errorf("session file: %v %v", src, err)
	}
	errCases := map[string]string{
		comfy:                             `no nudge or A1111 metadata; found text chunks "prompt", "workflow" (a ComfyUI graph`,
		bare:                              "the image has no text metadata at all",
		badA1111:                          "bad.png [A1111 parameters]: sampler.steps: 5000 is outside 1…998",
		jpeg:                              "only PNG images carry metadata",
		filepath.Join(dir, "missing.png"): "cannot open",
	}
	for path, want := range errCases {
		if _, _, err := Import(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want …%s…", filepath.Base(path), err, want)
		}
	}
}

func TestImportTruncatedKeepsMetadata(t *testing.T) {
	dir := t.TempDir()
	file := encodeTest(t, testImage(32, 32, 1), fullSession())
	cut := writeFile(t, dir, "cut.png", file[:len(file)-40])
	s, src, err := Import(cut)
	if err != nil || s.Prompt != fullSession().Prompt || len(src.Notes) != 1 || !strings.Contains(src.Notes[0], "truncated") {
		t.Errorf("truncated PNG: %v %v", src, err)
	}
}

func TestImportTo(t *testing.T) {
	dir := t.TempDir()
	in := writeFile(t, dir, "in.toml", []byte("version = 1\nprompt = \"hi\"\n[model]\npath = \"./models/sd15\"\n"))
	var stdout, stderr bytes.Buffer
	if err := ImportTo(in, "", &stdout, &stderr, nil); err != nil {
		t.Fatal(err)
	}
	s, err := Parse("stdout", stdout.Bytes())
	if err != nil || s.Model.Path != filepath.Join(dir, "models", "sd15") {
		t.Errorf("normalised session: %v, model %q", err, s.Model.Path)
	}
	out := filepath.Join(dir, "out.toml")
	stderr.Reset()
	if err := ImportTo(in, out, &stdout, &stderr, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(out); err != nil || !strings.Contains(stderr.String(), "wrote") {
		t.Errorf("-o: %v %q", err, stderr.String())
	}
	evil := writeFile(t, dir, "evil.png", pngWithTexts(t, [2]string{"parameters",
		"x\nSteps: 5, Sampler: Evil\x1b]0;pwned\x07, CFG scale: 7, Seed: 1, RNG: CPU"}))
	stderr.Reset()
	if err := ImportTo(evil, "", &stdout, &stderr, nil); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsRune(stderr.String(), 0x1b) || !strings.Contains(stderr.String(), "sampler") {
		t.Errorf("notes not sanitized: %q", stderr.String())
	}
}

func pngEncoderForTest() *png.Encoder { return &png.Encoder{CompressionLevel: png.DefaultCompression} }
