package demomodel

import (
	"math"
	"testing"
)

func TestFloat16KnownValues(t *testing.T) {
	cases := []struct {
		in   float32
		want uint16
	}{
		{0, 0x0000}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3c00}, {-2, 0xc000},
		{0.1, 0x2e66}, {65504, 0x7bff}, {65520, 0x7c00}, {1e6, 0x7c00},
		{float32(math.Ldexp(1, -24)), 0x0001}, {float32(math.Ldexp(1, -25)), 0x0000}, // tie → even (0)
		{float32(math.Ldexp(3, -25)), 0x0002},     // 1.5 ulp → 2 (even)
		{float32(math.Ldexp(1, -14)), 0x0400},     // smallest normal
		{1 + float32(math.Ldexp(1, -11)), 0x3c00}, // tie → even
		{1 + float32(math.Ldexp(3, -11)), 0x3c02}, // tie → even (up)
		{float32(math.Inf(-1)), 0xfc00},
	}
	for _, c := range cases {
		if got := float16Bits(c.in); got != c.want {
			t.Errorf("float16Bits(%g) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
	if h := float16Bits(float32(math.NaN())); h&0x7c00 != 0x7c00 || h&0x3ff == 0 {
		t.Errorf("NaN → %#04x", h)
	}
}

// TestFloat16RoundTripAndNearest checks every finite half: widening is exact (against a
// float64 formula), narrowing it back is the identity, and a value just off a half rounds
// to the nearest one.
func TestFloat16RoundTripAndNearest(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		bits := uint16(h)
		if bits&0x7c00 == 0x7c00 {
			continue
		}
		exp, mant := int(bits>>10)&0x1f, float64(bits&0x3ff)
		want := math.Ldexp(mant, -24)
		if exp > 0 {
			want = math.Ldexp(1024+mant, exp-25)
		}
		if bits&0x8000 != 0 {
			want = -want
		}
		f := float16ToFloat32(bits)
		if float64(f) != want {
			t.Fatalf("float16ToFloat32(%#04x) = %g, want %g", bits, f, want)
		}
		if back := float16Bits(f); back != bits && !(f == 0 && back&0x7fff == 0) {
			t.Fatalf("round trip %#04x → %g → %#04x", bits, f, back)
		}
		nudged := math.Nextafter32(f, float32(math.Inf(1)))
		if back := float16Bits(nudged); back != bits && float16ToFloat32(back) < f {
			t.Fatalf("%g (just above %#04x) rounded down to %#04x", nudged, bits, back)
		}
	}
}
