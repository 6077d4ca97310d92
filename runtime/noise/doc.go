// Package noise reproduces the random numbers of PyTorch's CPU torch.Generator, so a seed in
// nudge gives the same initial latents as diffusers run with
// `generator=torch.Generator("cpu").manual_seed(seed)` (after pytorch/pytorch
// aten/src/ATen/core/MT19937RNGEngine.h, CPUGeneratorImpl.cpp, core/DistributionsHelper.h and
// native/cpu/DistributionTemplates.h, normal_fill).
//
// What is reproduced:
//
//   - the MT19937 engine seeded like manual_seed (only the low 32 bits of the seed count);
//   - torch.randn for float32 tensors of 16 elements or more (the case for every SD latent): n float
//     uniforms, Box–Muller on pairs (k, k+8) of each 16-block, and 16 fresh uniforms that redo the
//     last block when n is not a multiple of 16;
//   - torch.randn below 16 elements: the double-precision Box–Muller of normal_distribution<double>,
//     including the cached second sample that the generator keeps between calls.
//
// Bit-level limits, measured against real PyTorch (testdata/gen_torch_reference.py; Debian's
// python3-torch 1.13.1, a GCC 12 build, run with ATEN_CPU_CAPABILITY=avx2 and =default). The ≥16
// path depends on which kernel PyTorch dispatched on the machine that made the reference picture:
//
//   - KernelAVX2 matches PyTorch's AVX2 kernel (x86 CPUs with AVX2 but without AVX-512, and
//     PyTorch builds that cap dispatch at AVX2, like that 1.13) bit for bit. It replays the
//     Cephes-style float32 polynomials of avx_mathfun.h (log256_ps, sincos256_ps) operation by
//     operation, including the fused multiply-adds GCC contracts the intrinsic mul/add pairs into.
//   - KernelScalar matches PyTorch's DEFAULT and AVX512 kernels (AVX-512 servers, ARM, Apple
//     silicon) to within 2 ulp: it evaluates log, sin and cos in float64 and rounds once, i.e. it
//     rounds correctly, whereas glibc's logf/sinf/cosf are below 1 ulp but not correctly rounded.
//     About 1.3 % of the elements of a latent differ by 1–2 ulp from such a PyTorch on glibc;
//     reproducing them would mean porting glibc's own logf/sinf/cosf. Apple's libm may differ in
//     other elements.
//
// The <16 path is bit-exact against PyTorch in both kernels (float64 Box–Muller, rounded to
// float32 at the end, so the libm differences in the last float64 bit do not show). fp16 randn
// (an 11-bit-uniform algorithm of its own) is not reproduced: nudge draws float32 noise as
// diffusers does for fp32 pipelines.
package noise
