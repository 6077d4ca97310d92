package noise

import "math"

// twoPi64 is `2.0f * c10::pi<double>` as PyTorch's scalar kernel evaluates it: in double.
const twoPi64 = 2 * math.Pi

// boxMuller16Scalar is PyTorch's normal_fill_16 for float with mean 0, std 1: uniforms in
// positions j and j+8 become r·cos θ and r·sin θ. Each libm call is float32 (logf, sqrtf, cosf,
// sinf) in PyTorch; here it is evaluated in float64 and rounded once, which is the correctly
// rounded float32 result (see the package doc for the rare 1-ulp disagreement with glibc).
func boxMuller16Scalar(b []float32) {
	for j := 0; j < 8; j++ {
		u1 := 1 - b[j]
		u2 := b[j+8]
		logU1 := float32(math.Log(float64(u1)))
		radius := float32(math.Sqrt(float64(-2 * logU1)))
		theta := float32(twoPi64 * float64(u2))
		cosT := float32(math.Cos(float64(theta)))
		sinT := float32(math.Sin(float64(theta)))
		b[j] = radius * cosT
		b[j+8] = radius * sinT
	}
}
