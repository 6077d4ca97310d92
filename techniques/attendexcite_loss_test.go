package techniques

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSmoothingKernelMatchesDiffusers compares with the kernel computed from
// diffusers' GaussianSmoothing formula (σ 0.5, exp(−((x−μ)/(2σ))²)).
func TestSmoothingKernelMatchesDiffusers(t *testing.T) {
	want := [3][3]float64{
		{0.044919, 0.122103, 0.044919},
		{0.122103, 0.331911, 0.122103},
		{0.044919, 0.122103, 0.044919},
	}
	k := smoothingKernel()
	for y := range want {
		for x := range want[y] {
			if math.Abs(k[y][x]-want[y][x]) > 1e-6 {
				t.Fatalf("kernel[%d][%d] = %.6f, want %.6f", y, x, k[y][x], want[y][x])
			}
		}
	}
}

func TestReflectMatchesTorchPadding(t *testing.T) {
	// torch.nn.functional.pad(mode="reflect") on [a b c d] with 1 each side: [b a b c d c].
	cases := []struct{ i, n, want int }{{-1, 4, 1}, {0, 4, 0}, {3, 4, 3}, {4, 4, 2}, {-1, 2, 1}, {2, 2, 0}}
	for _, c := range cases {
		if got := reflect(c.i, c.n); got != c.want {
			t.Errorf("reflect(%d, %d) = %d, want %d", c.i, c.n, got, c.want)
		}
	}
}

// TestExciteLossKnownValues checks cases with closed-form answers.
func TestExciteLossKnownValues(t *testing.T) {
	const h, w, keys = 4, 4, 77
	uniform := exciteMap{Height: h, Width: w, Keys: keys, A: make([]float64, h*w*keys)}
	l := newExciteLoss(uniform, []int{2, 5})
	// Equal attention: the softmax is 1/75 everywhere and smoothing keeps it.
	if p := l.peaks[0]; math.Abs(p-1.0/75) > 1e-12 {
		t.Fatalf("uniform peak %g, want 1/75", p)
	}
	if want := 1 - 1.0/75; math.Abs(l.Loss-want) > 1e-12 || l.worst != 0 {
		t.Fatalf("uniform loss %g (worst %d), want %g from the first token", l.Loss, l.worst, want)
	}
	// Token 5 owns pixel (1,2): its softmax there is e^100/(e^100+74) ≈ 1, 1/75 elsewhere;
	// its smoothed peak is the kernel centre plus the neighbours' 1/75 share.
	spike := exciteMap{Height: h, Width: w, Keys: keys, A: make([]float64, h*w*keys)}
	spike.A[(1*w+2)*keys+5] = 1
	l = newExciteLoss(spike, []int{2, 5})
	c := smoothingKernel()[1][1]
	one := 1 / (1 + 74*math.Exp(-100))
	if want := c*one + (1-c)/75; math.Abs(l.peaks[1]-want) > 1e-12 {
		t.Fatalf("spike peak %.15f, want %.15f", l.peaks[1], want)
	}
	if l.worst != 0 {
		t.Fatalf("worst token %d, want the first (token 2, which lost pixel (1,2))", l.worst)
	}
}

// TestExciteLossGradientMatchesFiniteDifferences checks Gradient against central differences
// of the loss in float64, on random non-square maps whose peaks fall inside and on the border.
func TestExciteLossGradientMatchesFiniteDifferences(t *testing.T) {
	cases := []struct {
		name       string
		h, w, keys int
		tokens     []int
		spike      int // pixel given extra attention for the first token, -1 for none
	}{
		{"interior", 5, 6, 12, []int{2, 7}, 14},
		{"corner", 4, 5, 9, []int{3}, 0},
		{"edge", 6, 3, 20, []int{1, 18, 4}, 8},
		{"random", 7, 7, 77, []int{2, 5}, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(tc.h*100+tc.w), 9))
			m := randomMap(rng, tc.h, tc.w, tc.keys)
			if tc.spike >= 0 {
				m.A[tc.spike*tc.keys+tc.tokens[0]] += 0.05
			}
			l := newExciteLoss(m, tc.tokens)
			if l.Loss <= 0 {
				t.Fatalf("loss %g: the case must have a positive loss", l.Loss)
			}
			g := l.Gradient()
			const eps = 1e-7
			var worst float64
			for j := range m.A {
				plus, minus := perturbed(m, j, eps), perturbed(m, j, -eps)
				fd := (newExciteLoss(plus, tc.tokens).Loss - newExciteLoss(minus, tc.tokens).Loss) / (2 * eps)
				worst = math.Max(worst, math.Abs(fd-g[j]))
				if math.Abs(fd-g[j]) > 1e-5*math.Max(1, math.Abs(fd)) {
					t.Fatalf("∂L/∂A[%d]: finite difference %g, gradient %g", j, fd, g[j])
				}
			}
			t.Logf("max |fd − grad| = %.2g", worst)
		})
	}
}

// TestExciteLossZeroHasNoGradient: once every token peaks at 1 the loss is 0 and diffusers
// takes no step.
func TestExciteLossZeroHasNoGradient(t *testing.T) {
	const h, w, keys = 3, 3, 8
	m := exciteMap{Height: h, Width: w, Keys: keys, A: make([]float64, h*w*keys)}
	for p := 0; p < h*w; p++ {
		m.A[p*keys+2] = 1 // token 2 owns every pixel
	}
	l := newExciteLoss(m, []int{2})
	if l.Loss != 0 || l.worst != -1 {
		t.Fatalf("loss %g worst %d, want 0 and none", l.Loss, l.worst)
	}
	for j, v := range l.Gradient() {
		if v != 0 {
			t.Fatalf("gradient[%d] = %g, want 0", j, v)
		}
	}
}

func randomMap(rng *rand.Rand, h, w, keys int) exciteMap {
	m := exciteMap{Height: h, Width: w, Keys: keys, A: make([]float64, h*w*keys)}
	for p := 0; p < h*w; p++ {
		var sum float64
		row := m.A[p*keys : (p+1)*keys]
		for k := range row {
			row[k] = rng.Float64()
			sum += row[k]
		}
		for k := range row {
			row[k] /= sum
		}
	}
	return m
}

func perturbed(m exciteMap, j int, eps float64) exciteMap {
	a := append([]float64(nil), m.A...)
	a[j] += eps
	return exciteMap{Height: m.Height, Width: m.Width, Keys: m.Keys, A: a}
}
