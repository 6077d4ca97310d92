package preview

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"image"
	"io"
	"strconv"
	"strings"
	"testing"
)

// kittyCmd is one parsed graphics command.
type kittyCmd struct {
	keys    map[string]string
	payload string
}

// parseKitty splits a stream into graphics commands, failing on anything else; it unwraps
// tmux passthrough first when tmux is set, checking that every ESC inside was doubled.
func parseKitty(t *testing.T, stream []byte, tmux bool) []kittyCmd {
	t.Helper()
	if tmux {
		stream = unwrapTmux(t, stream)
	}
	var cmds []kittyCmd
	for len(stream) > 0 {
		if !bytes.HasPrefix(stream, []byte("\x1b_G")) {
			t.Fatalf("stream does not continue with a graphics APC: %q", stream[:min(20, len(stream))])
		}
		end := bytes.Index(stream, []byte("\x1b\\"))
		if end < 0 {
			t.Fatal("unterminated APC")
		}
		body := string(stream[3:end])
		ctrl, payload, _ := strings.Cut(body, ";")
		keys := map[string]string{}
		for _, kv := range strings.Split(ctrl, ",") {
			k, v, _ := strings.Cut(kv, "=")
			keys[k] = v
		}
		cmds = append(cmds, kittyCmd{keys, payload})
		stream = stream[end+2:]
	}
	return cmds
}

// unwrapTmux removes `ESC P tmux ; … ESC \` wrappers and undoubles ESC.
func unwrapTmux(t *testing.T, s []byte) []byte {
	t.Helper()
	var out []byte
	for len(s) > 0 {
		if !bytes.HasPrefix(s, []byte("\x1bPtmux;")) {
			t.Fatalf("not a tmux passthrough: %q", s[:min(20, len(s))])
		}
		s = s[len("\x1bPtmux;"):]
		for {
			if len(s) < 2 {
				t.Fatal("unterminated tmux passthrough")
			}
			if s[0] == 0x1b && s[1] == 0x1b {
				out, s = append(out, 0x1b), s[2:]
				continue
			}
			if s[0] == 0x1b && s[1] == '\\' {
				s = s[2:]
				break
			}
			if s[0] == 0x1b {
				t.Fatalf("undoubled ESC inside tmux passthrough")
			}
			out, s = append(out, s[0]), s[1:]
		}
	}
	return out
}

// decodeKitty checks the chunking rules and returns the transmitted pixels.
func decodeKitty(t *testing.T, cmds []kittyCmd) (*image.RGBA, map[string]string) {
	t.Helper()
	var b64 strings.Builder
	for i, c := range cmds {
		last := i == len(cmds)-1
		if want := map[bool]string{true: "0", false: "1"}[last]; c.keys["m"] != want {
			t.Fatalf("chunk %d of %d: m=%s, want %s", i, len(cmds), c.keys["m"], want)
		}
		if len(c.payload) > kittyChunk || (!last && len(c.payload)%4 != 0) {
			t.Fatalf("chunk %d: payload of %d bytes breaks the 4096/multiple-of-4 rule", i, len(c.payload))
		}
		if i > 0 && len(c.keys) != 1 {
			t.Fatalf("chunk %d repeats keys %v; follow-up chunks carry only m", i, c.keys)
		}
		b64.WriteString(c.payload)
	}
	keys := cmds[0].keys
	z, err := base64.StdEncoding.DecodeString(b64.String())
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	w, _ := strconv.Atoi(keys["s"])
	h, _ := strconv.Atoi(keys["v"])
	if len(raw) != 3*w*h {
		t.Fatalf("decompressed %d bytes for s=%d v=%d f=24", len(raw), w, h)
	}
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range w * h {
		copy(m.Pix[4*i:4*i+3], raw[3*i:3*i+3])
		m.Pix[4*i+3] = 255
	}
	return m, keys
}

func TestKittyGolden(t *testing.T) {
	img := sceneImage(4, 3)
	for _, tc := range []struct {
		name string
		p    Protocol
		tmux bool
	}{
		{"kitty_4x3.golden", Kitty, false},
		{"kitty_direct_4x3.golden", KittyDirect, false},
		{"kitty_tmux_4x3.golden", Kitty, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, _ := NewEncoder(tc.p, Options{ImageID: 42, InTmux: tc.tmux})
			var buf bytes.Buffer
			if err := enc.Encode(&buf, img, 10, 10); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, buf.Bytes())
		})
	}
}

func TestKittyRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		img        *image.RGBA
		p          Protocol
		tmux       bool
		cols, rows int
		wantKeys   map[string]string
	}{
		{"small placeholders", sceneImage(4, 3), Kitty, false, 10, 10,
			map[string]string{"a": "T", "f": "24", "o": "z", "q": "2", "i": "42", "U": "1", "s": "4", "v": "3", "c": "10", "r": "4"}}, // 100×75 px shown: terminal scales up
		{"noise, many chunks", noiseImage(120, 80, 1), Kitty, false, 30, 30,
			map[string]string{"U": "1", "s": "120", "v": "80", "c": "30", "r": "10"}}, // 300×200 px
		{"direct placement", sceneImage(64, 64), KittyDirect, false, 80, 24,
			map[string]string{"p": "1", "C": "1", "s": "64", "v": "64"}},
		{"through tmux", noiseImage(90, 50, 2), Kitty, true, 40, 20,
			map[string]string{"U": "1", "s": "90", "v": "50"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, _ := NewEncoder(tc.p, Options{ImageID: 42, InTmux: tc.tmux})
			var buf bytes.Buffer
			if err := enc.Encode(&buf, tc.img, tc.cols, tc.rows); err != nil {
				t.Fatal(err)
			}
			got, keys := decodeKitty(t, parseKitty(t, buf.Bytes(), tc.tmux))
			for k, v := range tc.wantKeys {
				if keys[k] != v {
					t.Errorf("key %s=%q, want %q (all: %v)", k, keys[k], v, keys)
				}
			}
			if !bytes.Equal(got.Pix, tc.img.Pix) {
				t.Error("decoded pixels differ from the image")
			}
		})
	}
}

func TestKittyScalesDownToPane(t *testing.T) {
	img := sceneImage(512, 512)
	enc, _ := NewEncoder(Kitty, Options{CellW: 8, CellH: 16})
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img, 20, 10); err != nil {
		t.Fatal(err)
	}
	got, keys := decodeKitty(t, parseKitty(t, buf.Bytes(), false))
	// 20×10 cells of 8×16 px is 160×160 px; the square image fills it.
	if got.Rect.Dx() != 160 || got.Rect.Dy() != 160 || keys["c"] != "20" || keys["r"] != "10" {
		t.Errorf("sent %v with c=%s r=%s, want 160×160 in 20×10 cells", got.Rect, keys["c"], keys["r"])
	}
	want := Resize(img, 160, 160)
	if !bytes.Equal(got.Pix, want.Pix) {
		t.Error("pixels are not the box-filtered image")
	}
}

func TestKittyDelete(t *testing.T) {
	if got := string(KittyDelete(7, false)); got != "\x1b_Ga=d,d=I,q=2,i=7\x1b\\" {
		t.Errorf("KittyDelete = %q", got)
	}
	if got := unwrapTmux(t, KittyDelete(7, true)); string(got) != string(KittyDelete(7, false)) {
		t.Errorf("tmux-wrapped delete unwraps to %q", got)
	}
}
