package runtime

import (
	"math"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// Every finite half value converts to float32 and back to itself; known bit patterns
// decode to their IEEE values.
func TestFloat16RoundTripAtTheBoundary(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := onnxgraph.Float16ToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if got := onnxgraph.Float32ToFloat16(f); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Fatalf("NaN %#04x → %#04x", h, got)
			}
			continue
		}
		if got := onnxgraph.Float32ToFloat16(f); got != uint16(h) {
			t.Fatalf("%#04x → %v → %#04x", h, f, got)
		}
	}
}

func TestFloat16KnownValues(t *testing.T) {
	cases := []struct {
		f float32
		h uint16
	}{
		{1, 0x3c00}, {-2, 0xc000}, {65504, 0x7bff}, {6.103515625e-05, 0x0400},
		{5.960464477539063e-08, 0x0001}, {0.1, 0x2e66}, {1e6, 0x7c00}, {1e-9, 0},
		{1 + 1.0/2048, 0x3c00},     // halfway, rounds to even (down)
		{1 + 3.0/2048, 0x3c02},     // halfway, rounds to even (up)
		{2.980232238769531e-08, 0}, // half of the smallest subnormal: ties to even (0)
	}
	for _, c := range cases {
		if got := onnxgraph.Float32ToFloat16(c.f); got != c.h {
			t.Errorf("onnxgraph.Float32ToFloat16(%v) = %#04x, want %#04x", c.f, got, c.h)
		}
	}
}

// The byte codec ORT sees is little-endian and round-trips every half value.
func TestFloat16Bytes(t *testing.T) {
	src := []float32{1, -2, 0.5, 65504}
	b := encodeF16(src)
	if b[0] != 0x00 || b[1] != 0x3c {
		t.Fatalf("1.0 encoded as % x, want 00 3c", b[:2])
	}
	for i, v := range decodeF16(b) {
		if v != src[i] {
			t.Fatalf("decode[%d] = %v, want %v", i, v, src[i])
		}
	}
}
