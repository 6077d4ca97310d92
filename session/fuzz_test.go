package session

import (
	"bytes"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParse: the loader never panics; whatever it accepts is valid and survives
// Marshal → Parse unchanged; its errors are printable.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"../examples/demo.toml", "../examples/sega.toml", "../examples/attend-excite.toml", "testdata/golden/blocks.toml", "../techniques/testdata/golden/full.toml"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("version = 1\n[noise]\nseed = \"18446744073709551615\"\n[sag]\nx = [1, {a = 2}]\n"))
	f.Add([]byte("version = 1\n[[history]]\ntime = 2025-01-01\n[history.x]\ny = 1979-05-27T07:32:00\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("f.toml", data)
		if err != nil {
			if strings.ContainsRune(err.Error(), 0x1b) {
				t.Fatalf("raw escape in error: %q", err)
			}
			return
		}
		if verr := s.Validate(); verr != nil {
			t.Fatalf("accepted an invalid session: %v", verr)
		}
		back, err := Parse("g.toml", Marshal(s))
		if err != nil {
			t.Fatalf("re-parse of Marshal output: %v\n%s", err, Marshal(s))
		}
		if !bytes.Equal(Marshal(back), Marshal(s)) || !reflect.DeepEqual(back.Params.Sampler, s.Params.Sampler) {
			t.Fatalf("round trip changed the session\n%s\n%s", Marshal(s), Marshal(back))
		}
	})
}

// FuzzParseA1111: the infotext parser never panics, and a session built from it either
// validates and survives FormatA1111 → ParseA1111, or is reported as invalid.
func FuzzParseA1111(f *testing.F) {
	f.Add("a cat\nNegative prompt: dog\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x512, Model: x")
	f.Add(`p\nSteps: 1, Note: "a \"b\", c", Size: 8x8, SEGA: "{\"concepts\":[{\"prompt\":\"x\"}]}", Attend-and-Excite tokens: "1,2"`)
	f.Add("Skip layers: [7, 8, 9, ], CFG scale: 7.000000, Seed: -1, Sampler: euler_a karras")
	f.Fuzz(func(t *testing.T, text string) {
		it, err := ParseA1111(text)
		if err != nil {
			return
		}
		s, _ := it.Session()
		if s.Validate() != nil {
			return
		}
		again, err := ParseA1111(FormatA1111(s))
		if err != nil {
			t.Fatalf("our own infotext does not parse: %v", err)
		}
		s2, _ := again.Session()
		if s2.Sampler.Steps != s.Sampler.Steps || s2.Noise.Seed != s.Noise.Seed || s2.Width != s.Width {
			t.Fatalf("infotext round trip lost fields:\n%s", FormatA1111(s))
		}
	})
}

// FuzzReadPNGText: any bytes give texts or an *InputError, never a panic.
func FuzzReadPNGText(f *testing.F) {
	var buf bytes.Buffer
	_ = EncodePNG(&buf, testImage(4, 4, 1), fullSession())
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:60])
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x05zTXtk\x00\x00x\x9c"))
	f.Fuzz(func(t *testing.T, data []byte) {
		texts, err := ReadPNGText(bytes.NewReader(data))
		var ie *InputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("error of type %T: %v", err, err)
		}
		for k, v := range texts {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				t.Fatal("text chunk decoded to invalid UTF-8")
			}
		}
	})
}

// FuzzSanitize: the output never carries an escape or control character (other than newline
// and tab), is valid UTF-8, and sanitizing twice changes nothing.
func FuzzSanitize(f *testing.F) {
	f.Add("a\x1b[31mred\x1b]0;t\x07\u009b1m\xff")
	f.Fuzz(func(t *testing.T, s string) {
		out := Sanitize(s)
		if !utf8.ValidString(out) || Sanitize(out) != out {
			t.Fatalf("Sanitize(%q) = %q", s, out)
		}
		for _, r := range out {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r < 0xa0) {
				t.Fatalf("Sanitize(%q) kept U+%04X", s, r)
			}
		}
	})
}

// FuzzIndexLines: the line scanner never panics or stalls, and every line it reports exists.
func FuzzIndexLines(f *testing.F) {
	f.Add("a = \"\"\"\n[x]\n\"\"\"\n[[b]]\nc = [1,\n2]\n")
	f.Add("'''\n\"\\")
	f.Fuzz(func(t *testing.T, src string) {
		lines := strings.Count(src, "\n") + 1
		for k, n := range indexLines(src) {
			if n < 1 || n > lines {
				t.Fatalf("%q on line %d of %d", k, n, lines)
			}
		}
	})
}
