package techniques

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortedTorchQuantile is torch.quantile(|v|, q) literally: full sort, then the float32 rank
// and lerp. magnitudeQuantile must agree with it bit for bit.
func sortedTorchQuantile(v []float32, q float32) float32 {
	s := make([]float32, len(v))
	for i, x := range v {
		s[i] = float32(math.Abs(float64(x)))
	}
	if slices.ContainsFunc(s, func(x float32) bool { return x != x }) {
		return float32(math.NaN())
	}
	slices.Sort(s)
	rank := q * float32(len(s)-1)
	below := int(rank)
	above := int(math.Ceil(float64(rank)))
	return torchLerp(s[below], s[above], rank-float32(below))
}

// quantile64 is the textbook linear-interpolation quantile in float64 (numpy's default).
func quantile64(v []float64, q float64) float64 {
	s := slices.Sorted(slices.Values(v))
	p := q * float64(len(s)-1)
	k := math.Floor(p)
	if int(k)+1 >= len(s) {
		return s[int(k)]
	}
	return s[int(k)] + (p-k)*(s[int(k)+1]-s[int(k)])
}

func magnitudeQuantileOf(v []float32, q float32) float32 {
	return newMagnitudeQuantile(len(v)).quantile(v, q)
}

func absFloat64s(v []float32) []float64 {
	out := float64s(v)
	for i, x := range out {
		out[i] = math.Abs(x)
	}
	return out
}

func float64s(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

func TestMagnitudeQuantileKnownValues(t *testing.T) {
	tests := []struct {
		name string
		v    []float32
		q    float32
		want float64
	}{
		{"median of four interpolates", []float32{4, 1, 3, 2}, 0.5, 2.5},
		{"magnitudes of negatives", []float32{-4, 1, -3, 2}, 0.5, 2.5},
		{"minus zero is zero", []float32{float32(math.Copysign(0, -1)), 1}, 0.5, 0.5},
		{"q=0 is the minimum", []float32{3, 1, 2}, 0, 1},
		{"single value", []float32{10}, 0.9, 10},
		{"quarter of two values", []float32{10, 0}, 0.25, 2.5},
		{"0.9 of 0..9 is 8.1", []float32{9, 3, 0, 7, 1, 8, 2, 6, 4, 5}, 0.9, 8.1},
		{"ties at the rank", []float32{5, 1, 5, 5}, 0.5, 5},
		{"all equal", []float32{2, 2, 2, 2, 2}, 0.9, 2},
		{"zeros and one spike", []float32{0, 0, 0, 0, 8}, 0.9, 4.8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := magnitudeQuantileOf(tt.v, tt.q)
			if math.Abs(float64(got)-tt.want) > 1e-6*(1+math.Abs(tt.want)) {
				t.Errorf("quantile(%v, %g) = %g, want %g", tt.v, tt.q, got, tt.want)
			}
		})
	}
}

func TestMagnitudeQuantileNaN(t *testing.T) {
	for _, bits := range []uint32{0x7fc00000, 0x7f800001, 0xffffffff} {
		nan := math.Float32frombits(bits)
		if got := magnitudeQuantileOf([]float32{1, nan, 3}, 0.5); got == got {
			t.Errorf("quantile with NaN %#x = %g, want NaN as torch gives", bits, got)
		}
	}
}

// TestMagnitudeQuantileMatchesSort checks the selection against torch's sort-based algorithm on
// many random vectors (bit-exact) and against float64 (close), including sizes around 4096
// and inputs full of duplicates, which stress the three-way partition.
func TestMagnitudeQuantileMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	sizes := []int{1, 2, 3, 7, 64, 100, 257, 4095, 4096}
	qs := []float32{0, 0.1, 0.5, 0.9, 0.95, 0.999}
	for _, n := range sizes {
		for _, distinct := range []int{2, 17, 1 << 30} {
			v := make([]float32, n)
			for i := range v {
				v[i] = float32(rng.IntN(distinct)) * (rng.Float32() - 0.3)
				if distinct == 2 {
					v[i] = float32(rng.IntN(2))
				}
			}
			for _, q := range qs {
				want := sortedTorchQuantile(v, q)
				got := magnitudeQuantileOf(v, q)
				if math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("n=%d distinct=%d q=%g: selection %g, sort %g", n, distinct, q, got, want)
				}
				if w64 := quantile64(absFloat64s(v), float64(q)); math.Abs(float64(got)-w64) > 1e-5*(1+math.Abs(w64)) {
					t.Fatalf("n=%d distinct=%d q=%g: %g, float64 reference %g", n, distinct, q, got, w64)
				}
			}
		}
	}
}

// TestMagnitudeQuantileRadixCases covers inputs that stress each radix pass: values equal
// in their top bits (all three passes needed), spread over many exponents, subnormals,
// zeros of both signs, and infinities.
func TestMagnitudeQuantileRadixCases(t *testing.T) {
	tests := []struct {
		name string
		make func(i int) float32
	}{
		{"same exponent, low bits differ", func(i int) float32 { return math.Float32frombits(0x3f800000 + uint32(i*7919%4096)) }},
		{"ascending", func(i int) float32 { return float32(i) }},
		{"descending", func(i int) float32 { return float32(-i) }},
		{"many exponents", func(i int) float32 { return float32(math.Ldexp(1+float64(i%5)/8, i%200-100)) }},
		{"subnormals and zeros", func(i int) float32 { return math.Float32frombits(uint32(i%3)*signBit/2 + uint32(i%17)) }},
		{"few values", func(i int) float32 { return float32(i % 3) }},
		{"infinities", func(i int) float32 {
			if i%3 == 0 {
				return float32(i)
			}
			return float32(math.Inf(1 - 2*(i%2)))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := make([]float32, 1001)
			for i := range v {
				v[i] = tt.make(i)
			}
			for _, q := range []float32{0, 0.001, 0.5, 0.9, 0.999, 1} {
				got, want := magnitudeQuantileOf(v, q), sortedTorchQuantile(v, q)
				if got != want && !(got != got && want != want) {
					t.Fatalf("q=%g: radix %g, sort %g", q, got, want)
				}
			}
		})
	}
}

// FuzzMagnitudeQuantile feeds arbitrary float32 bit patterns (NaN, ±Inf, −0, subnormals)
// and checks the radix selection against the sort-based algorithm.
func FuzzMagnitudeQuantile(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64}, float32(0.9))
	f.Add([]byte{0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 128, 127, 0, 0, 192, 127}, float32(0.5))
	f.Fuzz(func(t *testing.T, data []byte, q float32) {
		if len(data) < 4 || !(q >= 0 && q <= 1) {
			t.Skip()
		}
		v := make([]float32, len(data)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
		want := sortedTorchQuantile(v, q)
		got := magnitudeQuantileOf(v, q)
		if !(got == want || (got != got && want != want)) {
			t.Fatalf("quantile(%v, %g): selection %g, sort %g", v, q, got, want)
		}
	})
}
