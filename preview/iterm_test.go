package preview

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
	"testing"
)

// parseITerm reads `ESC ] 1337 ; File=args : base64 BEL` and decodes the file.
func parseITerm(t *testing.T, seq []byte) (map[string]string, image.Image, string) {
	t.Helper()
	s := string(seq)
	if !strings.HasPrefix(s, "\x1b]1337;File=") || !strings.HasSuffix(s, "\a") {
		t.Fatalf("not an OSC 1337 File sequence: %q", s[:min(30, len(s))])
	}
	argText, b64, ok := strings.Cut(strings.TrimSuffix(strings.TrimPrefix(s, "\x1b]1337;File="), "\a"), ":")
	if !ok {
		t.Fatal("no ':' before the payload")
	}
	args := map[string]string{}
	for _, kv := range strings.Split(argText, ";") {
		k, v, _ := strings.Cut(kv, "=")
		args[k] = v
	}
	file, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := strconv.Atoi(args["size"]); n != len(file) {
		t.Errorf("size=%s but the file has %d bytes", args["size"], len(file))
	}
	img, format, err := image.Decode(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	return args, img, format
}

func TestITerm(t *testing.T) {
	img := sceneImage(120, 90)
	tests := []struct {
		name       string
		opts       Options
		format     string
		maxErr     int
		cols, rows string
	}{
		{"jpeg", Options{}, "jpeg", 40, "12", "5"},
		{"png lossless", Options{PNG: true}, "png", 0, "12", "5"},
		{"through tmux", Options{InTmux: true, JPEGQuality: 95}, "jpeg", 24, "12", "5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			enc, _ := NewEncoder(ITerm, tc.opts)
			var buf bytes.Buffer
			if err := enc.Encode(&buf, img, 12, 10); err != nil {
				t.Fatal(err)
			}
			seq := buf.Bytes()
			if tc.opts.InTmux {
				seq = unwrapTmux(t, seq)
			}
			args, got, format := parseITerm(t, seq)
			if format != tc.format || args["inline"] != "1" || args["width"] != tc.cols || args["height"] != tc.rows {
				t.Fatalf("format %s args %v", format, args)
			}
			worst := 0
			rgba := toRGBA(got)
			for i := 0; i < len(rgba.Pix); i += 4 {
				for ch := range 3 {
					worst = max(worst, absDiff(rgba.Pix[i+ch], img.Pix[i+ch]))
				}
			}
			if worst > tc.maxErr {
				t.Errorf("worst channel error %d, want ≤ %d", worst, tc.maxErr)
			}
		})
	}
}

func TestITermGolden(t *testing.T) {
	enc, _ := NewEncoder(ITerm, Options{PNG: true})
	var buf bytes.Buffer
	if err := enc.Encode(&buf, sceneImage(4, 3), 2, 2); err != nil {
		t.Fatal(err)
	}
	golden(t, "iterm_png_4x3.golden", buf.Bytes())
}

var _ = jpeg.Decode // both decoders are registered for parseITerm
var _ = png.Decode
