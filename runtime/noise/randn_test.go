package noise

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// Outputs of real PyTorch (torch.manual_seed(s); torch.randn(16)), printed to 4 decimals.
func TestRandnKnownValues(t *testing.T) {
	cases := []struct {
		name string
		seed uint64
		n    int
		want []float64
	}{
		{"seed0 randn(16)", 0, 16, []float64{-1.1258, -1.1524, -0.2506, -0.4339, 0.8487, 0.6920, -0.3160, -2.1152,
			0.3223, -1.2633, 0.3500, 0.3081, 0.1198, 1.2377, 1.1168, -0.2473}},
		{"seed42 randn(16)", 42, 16, []float64{1.9269, 1.4873, 0.9007, -2.1055, 0.6784, -1.2345, -0.0431, -1.6047,
			-0.7521, 1.6487, -0.3925, -1.4036, -0.7279, -0.5594, -0.7688, 0.7624}},
		{"seed0 randn(3)", 0, 3, []float64{1.5410, -0.2934, -2.1788}},
		{"seed0 randn(15)", 0, 15, []float64{1.5410, -0.2934, -2.1788, 0.5684, -1.0845, -1.3986, 0.4033, 0.8380,
			-0.7193, -0.4033, -0.5966, 0.1820, -0.8567, 1.1006, -1.0712}},
	}
	for _, tc := range cases {
		for _, k := range []Kernel{KernelScalar, KernelAVX2} {
			t.Run(tc.name+"/"+k.String(), func(t *testing.T) {
				got := NewTorchCPUKernel(tc.seed, k).Randn(tc.n)
				if len(got) != len(tc.want) {
					t.Fatalf("len %d, want %d", len(got), len(tc.want))
				}
				for i := range got {
					if math.Abs(float64(got[i])-tc.want[i]) > 0.5e-4 {
						t.Errorf("[%d] = %.6f, want %.4f", i, got[i], tc.want[i])
					}
				}
			})
		}
	}
}

// refUniforms24 draws n float uniforms the way the float64 reference below needs them, from a
// fresh engine: low 24 bits of each 32-bit output.
func refUniforms24(m *mt19937, n int) []float64 {
	u := make([]float64, n)
	for i := range u {
		u[i] = float64(m.uint32()&0xffffff) / (1 << 24)
	}
	return u
}

// refRandnFloat64 recomputes the ≥16-element path in float64 from PyTorch's normal_fill
// (aten/src/ATen/native/cpu/DistributionTemplates.h), independently of the package's float32 kernels.
func refRandnFloat64(seed uint32, n int) []float64 {
	var m mt19937
	m.seed(seed)
	u := refUniforms24(&m, n)
	out := make([]float64, n)
	transform := func(base int, src []float64) {
		for j := 0; j < 8; j++ {
			r := math.Sqrt(-2 * math.Log(1-src[j]))
			th := 2 * math.Pi * src[j+8]
			out[base+j], out[base+j+8] = r*math.Cos(th), r*math.Sin(th)
		}
	}
	for i := 0; i+16 <= n; i += 16 {
		transform(i, u[i:i+16])
	}
	if n%16 != 0 {
		transform(n-16, refUniforms24(&m, 16))
	}
	return out
}

func TestRandnMatchesFloat64Recomputation(t *testing.T) {
	for _, n := range []int{16, 17, 31, 32, 100, 4 * 64 * 64} {
		for _, k := range []Kernel{KernelScalar, KernelAVX2} {
			want := refRandnFloat64(1234, n)
			got := NewTorchCPUKernel(1234, k).Randn(n)
			for i := range got {
				// float32 Box–Muller: a few ulp of r·cos θ, more where u1 → 1 makes log(u1) tiny.
				if d := math.Abs(float64(got[i]) - want[i]); d > 2e-6*math.Max(1, math.Abs(want[i])) {
					t.Fatalf("n=%d %s [%d] = %v, float64 %v (diff %g)", n, k, i, got[i], want[i], d)
				}
			}
		}
	}
}

// The double path caches its second Box–Muller sample in the generator, so randn(1) twice equals
// the first two values of randn(2), and the vectorised path leaves that cache alone.
func TestRandnStreamContinuity(t *testing.T) {
	whole := NewTorchCPU(9).Randn(4)
	g := NewTorchCPU(9)
	parts := append(g.Randn(1), g.Randn(3)...)
	for i := range whole {
		if whole[i] != parts[i] {
			t.Fatalf("[%d]: randn(4) = %v, randn(1)+randn(3) = %v", i, whole[i], parts[i])
		}
	}

	g = NewTorchCPU(9)
	first := g.Randn(1) // caches the sine sample
	_ = g.Randn(16)     // vectorised: 16 fresh uniforms, cache untouched
	second := g.Randn(1)
	if second[0] != whole[1] {
		t.Fatalf("cached sample after a vectorised draw = %v, want %v (first was %v)", second[0], whole[1], first[0])
	}
}

func TestRandnEmpty(t *testing.T) {
	g := NewTorchCPU(1)
	if got := g.Randn(0); len(got) != 0 {
		t.Fatalf("Randn(0) has %d elements", len(got))
	}
	if got, want := g.Randn(16), NewTorchCPU(1).Randn(16); got[0] != want[0] {
		t.Fatalf("Randn(0) consumed engine outputs")
	}
}

func TestParseKernel(t *testing.T) {
	cases := []struct {
		in   string
		want Kernel
		ok   bool
	}{
		{"scalar", KernelScalar, true}, {"AVX2", KernelAVX2, true}, {"default", KernelScalar, true},
		{"avx512", KernelScalar, true}, {"", KernelScalar, true}, {"neon", 0, false},
	}
	for _, tc := range cases {
		got, err := ParseKernel(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseKernel(%q) = %v, %v", tc.in, got, err)
		}
		var bad interface{ BadInput() bool }
		if !tc.ok && !(errors.As(err, &bad) && bad.BadInput()) {
			t.Errorf("ParseKernel(%q) error %v is not BadInput", tc.in, err)
		}
	}
}

func BenchmarkRandnLatent(b *testing.B) {
	for _, k := range []Kernel{KernelScalar, KernelAVX2} {
		b.Run(k.String(), func(b *testing.B) {
			g := NewTorchCPUKernel(0, k)
			b.SetBytes(4 * 64 * 64 * 4)
			for b.Loop() {
				g.Randn(4 * 64 * 64)
			}
		})
	}
}

// FuzzParseKernel: any flag value gives a kernel or a one-line BadInput error.
func FuzzParseKernel(f *testing.F) {
	for _, s := range []string{"scalar", "avx2", "AVX512", " default ", "neon", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKernel(s)
		if err == nil {
			if k != KernelScalar && k != KernelAVX2 {
				t.Fatalf("ParseKernel(%q) = %v", s, k)
			}
			return
		}
		var bad interface{ BadInput() bool }
		if !errors.As(err, &bad) || !bad.BadInput() || strings.Contains(err.Error(), "\n") {
			t.Fatalf("ParseKernel(%q) error %q", s, err)
		}
	})
}
