package preview

import (
	"bytes"
	"strings"
	"testing"
)

func TestTextGolden(t *testing.T) {
	img := sceneImage(8, 6)
	for _, p := range []Protocol{Blocks, Quadrants, Text} {
		t.Run(string(p), func(t *testing.T) {
			enc, _ := NewEncoder(p, Options{})
			var buf bytes.Buffer
			if err := enc.Encode(&buf, img, 4, 2); err != nil {
				t.Fatal(err)
			}
			golden(t, "text_"+string(p)+"_8x6.golden", buf.Bytes())
		})
	}
}

// TestASCIIRamp checks the plain-text encoder on known greys: black is blank, white '@',
// and there are no escape sequences at all.
func TestASCIIRamp(t *testing.T) {
	img := sceneImage(10, 1)
	for x := range 10 {
		v := uint8(x * 255 / 9)
		copy(img.Pix[4*x:], []byte{v, v, v, 255})
	}
	enc, _ := NewEncoder(Text, Options{CellW: 1, CellH: 1})
	var buf bytes.Buffer
	if err := enc.Encode(&buf, img, 10, 1); err != nil {
		t.Fatal(err)
	}
	if got := buf.String(); got != asciiRamp+"\n" {
		t.Errorf("ramp = %q, want %q", got, asciiRamp+"\n")
	}
}

func TestTextEncodersRejectEmptyArea(t *testing.T) {
	for _, p := range []Protocol{Kitty, KittyDirect, Sixel, ITerm, Blocks, Quadrants, Text} {
		enc, _ := NewEncoder(p, Options{})
		var buf bytes.Buffer
		err := enc.Encode(&buf, sceneImage(8, 8), 0, 0)
		if err == nil || buf.Len() != 0 || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: err=%v, wrote %d bytes; want a one-line error and no output", p, err, buf.Len())
		}
	}
}
