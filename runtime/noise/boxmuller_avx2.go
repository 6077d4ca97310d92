package noise

import "math"

// Constants of avx_mathfun.h (Pommier's sse_mathfun ported to AVX by Garberoglio, as vendored in
// pytorch aten/src/ATen/native/cpu/avx_mathfun.h). C initialises them from double literals, so
// each is the double rounded to float32.
const (
	cephesSqrtHF = float32(0.707106781186547524)
	logP0        = float32(7.0376836292e-2)
	logP1        = float32(-1.1514610310e-1)
	logP2        = float32(1.1676998740e-1)
	logP3        = float32(-1.2420140846e-1)
	logP4        = float32(1.4249322787e-1)
	logP5        = float32(-1.6668057665e-1)
	logP6        = float32(2.0000714765e-1)
	logP7        = float32(-2.4999993993e-1)
	logP8        = float32(3.3333331174e-1)
	logQ1        = float32(-2.12194440e-4)
	logQ2        = float32(0.693359375)

	minusDP1   = float32(-0.78515625)
	minusDP2   = float32(-2.4187564849853515625e-4)
	minusDP3   = float32(-3.77489497744594108e-8)
	sinCofP0   = float32(-1.9515295891e-4)
	sinCofP1   = float32(8.3321608736e-3)
	sinCofP2   = float32(-1.6666654611e-1)
	cosCofP0   = float32(2.443315711809948e-5)
	cosCofP1   = float32(-1.388731625493765e-3)
	cosCofP2   = float32(4.166664568298827e-2)
	cephesFOPI = float32(1.27323954473516) // 4/π

	// twoPi32 is normal_fill_16_AVX2's `_mm256_set1_ps(2.0f * c10::pi<double>)`.
	twoPi32 = float32(2 * math.Pi)
)

// boxMuller16AVX2 is PyTorch's normal_fill_16_AVX2 with mean 0, std 1, one lane at a time.
func boxMuller16AVX2(b []float32) {
	for j := 0; j < 8; j++ {
		u1 := 1 - b[j]
		u2 := b[j+8]
		radius := sqrt32(-2 * log256(u1))
		theta := twoPi32 * u2
		sinT, cosT := sincos256(theta)
		// _mm256_fmadd_ps(n, std=1, mean=0): exact, and turns −0 into +0 as PyTorch does.
		b[j] = radius*cosT + 0
		b[j+8] = radius*sinT + 0
	}
}

// sqrt32 is a correctly rounded float32 square root (_mm256_sqrt_ps).
func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }

// fma32 is a correctly rounded float32 fused multiply-add, as the vfmadd instructions GCC
// contracts mul/add intrinsic pairs into (PyTorch's AVX2 kernels are built with -mfma and GCC's
// default -ffp-contract=fast). The product of two float32 is exact in float64; the sum is then
// rounded to odd in float64 so that the final rounding to float32 is not a double rounding.
func fma32(a, b, c float32) float32 {
	p := float64(a) * float64(b)
	s := p + float64(c)
	err := twoSumError(p, float64(c), s)
	if err != 0 && math.Float64bits(s)&1 == 0 {
		s = math.Nextafter(s, s+err)
	}
	return float32(s)
}

// twoSumError is Knuth's TwoSum error term: a + b − fl(a + b), exactly.
func twoSumError(a, b, s float64) float64 {
	bb := s - a
	return (a - (s - bb)) + (b - bb)
}

// log256 is log256_ps for one lane: exponent/mantissa split, √½ range reduction and the Cephes
// degree-8 polynomial, with GCC's contraction of each multiply feeding a single add into an FMA.
func log256(x float32) float32 {
	if !(x > 0) {
		return float32(math.NaN())
	}
	x = max(x, math.Float32frombits(0x00800000)) // cut off denormals
	bits := math.Float32bits(x)
	e := float32(int32(bits>>23)-0x7f) + 1
	x = math.Float32frombits(bits&^0x7f800000 | math.Float32bits(0.5))
	var tmp float32
	if x < cephesSqrtHF {
		tmp = x
		e--
	}
	x = (x - 1) + tmp
	z := x * x
	y := logP0
	for _, p := range [...]float32{logP1, logP2, logP3, logP4, logP5, logP6, logP7, logP8} {
		y = fma32(y, x, p)
	}
	y = x * y
	y = fma32(y, z, e*logQ1) // y·z + e·q1: GCC fuses the y·z product into the add
	y = y - z*0.5            // z·0.5 is exact, fused or not
	return fma32(e, logQ2, x+y)
}

// sincos256 is sincos256_ps for one lane (θ ≥ 0 here): octant from 4/π, Cody–Waite reduction by
// DP1+DP2+DP3, and both Cephes polynomials, selected per octant.
func sincos256(x float32) (sin, cos float32) {
	signSin := math.Float32bits(x) & 0x80000000
	x = math.Float32frombits(math.Float32bits(x) &^ 0x80000000)
	j := (int32(x*cephesFOPI) + 1) &^ 1
	y := float32(j)
	signSin ^= uint32(j&4) << 29
	useFirst := j&2 == 0
	signCos := uint32(^(j-2)&4) << 29

	x = fma32(y, minusDP1, x)
	x = fma32(y, minusDP2, x)
	x = fma32(y, minusDP3, x)

	z := x * x
	c := fma32(fma32(cosCofP0, z, cosCofP1), z, cosCofP2)
	c = fma32(c*z, z, -(z*0.5)) + 1
	s := fma32(fma32(sinCofP0, z, sinCofP1), z, sinCofP2)
	s = fma32(s*z, x, x)

	if !useFirst {
		s, c = c, s
	}
	s, c = s+0, c+0 // the mask-and-add selection turns −0 into +0
	return math.Float32frombits(math.Float32bits(s) ^ signSin), math.Float32frombits(math.Float32bits(c) ^ signCos)
}
