package noise

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// fma32 must be the correctly rounded a·b+c; math/big computes it exactly and rounds once.
func TestFMA32CorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	exact := func(a, b, c float32) float32 {
		p := new(big.Float).SetPrec(200).Mul(big.NewFloat(float64(a)), big.NewFloat(float64(b)))
		p.Add(p, big.NewFloat(float64(c)))
		f, _ := p.Float32()
		return f
	}
	cases := [][3]float32{
		{1 + 1.0/(1<<23), 1 - 1.0/(1<<23), -1}, // product just below 1: cancellation
		{3, 1.0 / 3, -1},
		{float32(math.Pi), 2, 1e-30},
	}
	for i := 0; i < 20000; i++ {
		a := float32(rng.NormFloat64())
		b := float32(rng.NormFloat64() * 1e-3)
		c := float32(rng.NormFloat64() * 1e-3)
		cases = append(cases, [3]float32{a, b, c})
	}
	for _, tc := range cases {
		if got, want := fma32(tc[0], tc[1], tc[2]), exact(tc[0], tc[1], tc[2]); got != want {
			t.Fatalf("fma32(%v, %v, %v) = %v, exact %v", tc[0], tc[1], tc[2], got, want)
		}
	}
}

// The Cephes approximations are accurate to a few ulp over the arguments Box–Muller feeds them.
func TestCephesAccuracy(t *testing.T) {
	for i := 1; i <= 1<<16; i++ {
		u := float32(i) / (1 << 16)
		if got, want := log256(u), math.Log(float64(u)); math.Abs(float64(got)-want) > 4e-7*math.Max(1, math.Abs(want)) {
			t.Fatalf("log256(%v) = %v, want %v", u, got, want)
		}
		th := twoPi32 * (1 - u)
		s, c := sincos256(th)
		if math.Abs(float64(s)-math.Sin(float64(th))) > 3e-7 || math.Abs(float64(c)-math.Cos(float64(th))) > 3e-7 {
			t.Fatalf("sincos256(%v) = %v, %v; want %v, %v", th, s, c, math.Sin(float64(th)), math.Cos(float64(th)))
		}
	}
	if !math.IsNaN(float64(log256(0))) || !math.IsNaN(float64(log256(-1))) {
		t.Fatal("log256 of a non-positive number must be NaN")
	}
}
