package noise

import (
	"fmt"
	"strings"
)

// Kernel selects which of PyTorch's CPU kernels for float32 randn (≥16 elements) to reproduce;
// see the package doc for which machines run which.
type Kernel int

const (
	// KernelScalar is PyTorch's normal_fill_16 (DEFAULT and AVX512 builds): float32 Box–Muller
	// with libm log/sin/cos.
	KernelScalar Kernel = iota
	// KernelAVX2 is PyTorch's normal_fill_16_AVX2: Cephes-style float32 polynomials.
	KernelAVX2
)

// KernelNames lists the kernel flag names, in Kernel order.
func KernelNames() []string { return []string{"scalar", "avx2"} }

// String returns the kernel's flag name.
func (k Kernel) String() string {
	if names := KernelNames(); int(k) >= 0 && int(k) < len(names) {
		return names[k]
	}
	return fmt.Sprintf("Kernel(%d)", int(k))
}

// KernelError reports an unknown kernel name; it is the user's to fix.
type KernelError struct{ Name string }

func (e *KernelError) Error() string {
	return fmt.Sprintf("noise: unknown randn kernel %q: use one of %s (scalar matches AVX-512/ARM/Apple PyTorch, avx2 matches AVX2-only x86)",
		e.Name, strings.Join(KernelNames(), ", "))
}

// BadInput marks the error as the user's (exit code 2).
func (e *KernelError) BadInput() bool { return true }

// ParseKernel turns a flag value ("scalar", "avx2", also "default"/"avx512" as PyTorch's
// ATEN_CPU_CAPABILITY names them) into a Kernel.
func ParseKernel(name string) (Kernel, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "scalar", "default", "avx512", "":
		return KernelScalar, nil
	case "avx2":
		return KernelAVX2, nil
	}
	return 0, &KernelError{Name: name}
}

// Generator is a PyTorch CPU torch.Generator after manual_seed: the MT19937 engine plus the
// cached second normal sample of the double Box–Muller path. One Generator serves one render, so
// draws continue the stream exactly as successive randn calls on one torch generator do
// (initial latents, then DDIM η>0 or Euler-ancestral noise each step). Not safe for concurrent use.
type Generator struct {
	engine       mt19937
	kernel       Kernel
	cachedNormal float64
	hasCached    bool
}

// NewTorchCPU returns torch.Generator("cpu").manual_seed(seed) using KernelScalar. Like PyTorch,
// only the low 32 bits of seed enter the engine.
func NewTorchCPU(seed uint64) *Generator {
	return NewTorchCPUKernel(seed, KernelScalar)
}

// NewTorchCPUKernel is NewTorchCPU with an explicit float32 randn kernel.
func NewTorchCPUKernel(seed uint64, k Kernel) *Generator {
	g := &Generator{kernel: k}
	g.engine.seed(uint32(seed))
	return g
}

// Kernel reports which float32 randn kernel the generator reproduces.
func (g *Generator) Kernel() Kernel { return g.kernel }

// random32 is CPUGeneratorImpl::random(): one engine output.
func (g *Generator) random32() uint32 { return g.engine.uint32() }

// random64 is CPUGeneratorImpl::random64(): the first output is the high word.
func (g *Generator) random64() uint64 {
	hi := uint64(g.engine.uint32())
	lo := uint64(g.engine.uint32())
	return hi<<32 | lo
}

// uniformFloat32 is uniform_real_distribution<float>(0,1): the low 24 bits of one draw, in [0,1).
func (g *Generator) uniformFloat32() float32 {
	return float32(g.random32()&(1<<24-1)) * (1.0 / (1 << 24))
}

// uniformFloat64 is uniform_real_distribution<double>(0,1): the low 53 bits of random64, in [0,1).
func (g *Generator) uniformFloat64() float64 {
	return float64(g.random64()&(1<<53-1)) * (1.0 / (1 << 53))
}

// Uniform returns torch.rand(n, generator=g) as float32 (each value the low 24 bits of one engine
// output; checked against PyTorch in the tests).
func (g *Generator) Uniform(n int) []float32 {
	out := make([]float32, n)
	for i := range out {
		out[i] = g.uniformFloat32()
	}
	return out
}
