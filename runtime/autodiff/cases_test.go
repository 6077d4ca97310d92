package autodiff

import (
	"math"
	"testing"
)

// opCase is one per-op gradient test: a small forward graph, what to differentiate, and
// which checks apply.
type opCase struct {
	name  string
	build func(s *graphSpec) (wrt, outputs []string)
	// positive lists inputs that must be > 0 (Sqrt, Log, divisors); they get |v| + 0.5.
	positive []string
	// awayFromZero lists inputs whose values get |v| ≥ 0.5 with random sign (Relu's kink).
	awayFromZero []string
	// linear enables the adjoint test: every output is linear in every Wrt tensor.
	linear bool
	// tol overrides the finite-difference tolerance (default 1e-3).
	tol float64
	// opsets overrides the opsets the case runs at (default 14 and 17).
	opsets []int64
	pins   map[string][]int64
	// fixed feeds inputs that are not drawn at random (integer indices).
	fixed map[string]tensor
}

// runOpCases runs every case at every opset: finite differences along three random
// directions, plus the adjoint test for linear cases.
func runOpCases(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		opsets := tc.opsets
		if opsets == nil {
			opsets = []int64{14, 17}
		}
		for _, opset := range opsets {
			t.Run(tc.name+"/opset"+itoa(opset), func(t *testing.T) {
				s := newSpec(opset)
				wrt, outs := tc.build(s)
				m := s.model()
				req := Request{Wrt: wrt, Outputs: outs, PinnedShapes: tc.pins}
				feeds := map[string]tensor{}
				for k, v := range tc.fixed {
					feeds[k] = v
				}
				for _, name := range tc.positive {
					v := randTensor(s.rng, inputShape(m, name), 1)
					for i, f := range v.f32 {
						v.f32[i] = float32(math.Abs(float64(f))) + 0.5
					}
					feeds[name] = v
				}
				for _, name := range tc.awayFromZero {
					v := randTensor(s.rng, inputShape(m, name), 1)
					for i, f := range v.f32 {
						v.f32[i] = float32(math.Copysign(math.Abs(float64(f))+0.5, float64(f)))
					}
					feeds[name] = v
				}
				c := newGradCheck(t, m, req, feeds)
				tol := tc.tol
				if tol == 0 {
					tol = 1e-3
				}
				c.finiteDifferences(1e-2, tol, 3)
				if tc.linear {
					c.dotProduct(1e-5)
				}
			})
		}
	}
}

func itoa(v int64) string {
	if v < 10 {
		return string(rune('0' + v))
	}
	return itoa(v/10) + string(rune('0'+v%10))
}
