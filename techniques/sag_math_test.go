package techniques

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Float64 recomputations of SAG's pieces, written from the formulas of diffusers'
// sag_masking and gaussian_blur_2d rather than from sag_math.go's loops.

func TestSAGKernelKnownValues(t *testing.T) {
	k := sagKernel()
	var z float64
	for d := -4; d <= 4; d++ {
		z += math.Exp(-float64(d*d) / 2)
	}
	var sum float64
	for i, v := range k {
		want := math.Exp(-float64((i-4)*(i-4))/2) / z
		if math.Abs(float64(v)-want) > 1e-7 {
			t.Errorf("kernel[%d] = %v, want %v", i, v, want)
		}
		sum += float64(v)
	}
	// 1/Σ exp(−d²/2) for d = −4…4 is 0.398942… (close to 1/√(2π), the tails being tiny).
	if math.Abs(float64(k[4])-0.3989423) > 2e-6 || math.Abs(sum-1) > 1e-6 {
		t.Errorf("centre %v, sum %v", k[4], sum)
	}
}

// blur64 is a 9×9 Gaussian convolution in float64 with torch's reflect padding, each tap
// weight exp(−(dx²+dy²)/2)/Z² computed directly.
func blur64(img []float32, planes, h, w int) []float64 {
	var z float64
	for d := -4; d <= 4; d++ {
		z += math.Exp(-float64(d*d) / 2)
	}
	refl := func(i, n int) int {
		for i < 0 || i >= n {
			if i < 0 {
				i = -i
			} else {
				i = 2*n - 2 - i
			}
		}
		return i
	}
	out := make([]float64, len(img))
	for p := 0; p < planes; p++ {
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				var acc float64
				for dy := -4; dy <= 4; dy++ {
					for dx := -4; dx <= 4; dx++ {
						wgt := math.Exp(-float64(dx*dx+dy*dy)/2) / (z * z)
						acc += wgt * float64(img[p*h*w+refl(y+dy, h)*w+refl(x+dx, w)])
					}
				}
				out[p*h*w+y*w+x] = acc
			}
		}
	}
	return out
}

// mask64 sums the head-averaged map over queries in float64, thresholds at 1 and resizes by
// nearest neighbour with the float64 scale in/out.
func mask64(attn []float32, b, mh, mw, h, w int) []float64 {
	lq := mh * mw
	out := make([]float64, b*h*w)
	for bi := 0; bi < b; bi++ {
		mass := make([]float64, lq)
		for q := 0; q < lq; q++ {
			for k := 0; k < lq; k++ {
				mass[k] += float64(attn[bi*lq*lq+q*lq+k])
			}
		}
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				sy := min(int(math.Floor(float64(y)*float64(mh)/float64(h))), mh-1)
				sx := min(int(math.Floor(float64(x)*float64(mw)/float64(w))), mw-1)
				if mass[sy*mw+sx] > 1 {
					out[(bi*h+y)*w+x] = 1
				}
			}
		}
	}
	return out
}

// randomAttention builds softmax rows [b, lq, lq] whose key sums straddle 1 clearly (no key
// within 1e-3 of the threshold, where float32 and float64 sums could disagree).
func randomAttention(r *rand.Rand, b, lq int) []float32 {
	for {
		out := make([]float32, b*lq*lq)
		for i := 0; i < b*lq; i++ {
			row := out[i*lq : (i+1)*lq]
			var s float64
			for k := range row {
				e := math.Exp(2 * r.NormFloat64())
				row[k], s = float32(e), s+e
			}
			for k := range row {
				row[k] = float32(float64(row[k]) / s)
			}
		}
		ok := true
		for bi := 0; bi < b && ok; bi++ {
			for k := 0; k < lq; k++ {
				var m float64
				for q := 0; q < lq; q++ {
					m += float64(out[bi*lq*lq+q*lq+k])
				}
				if math.Abs(m-1) < 1e-3 {
					ok = false
				}
			}
		}
		if ok {
			return out
		}
	}
}

func TestSAGMaskAndBlurMatchFloat64(t *testing.T) {
	cases := []struct {
		name       string
		b, c, h, w int
		mapH, mapW int
	}{
		{"map a quarter of the latent", 2, 4, 12, 12, 3, 3},
		{"odd latent, odd ratio", 1, 4, 13, 10, 4, 3},
		{"map as large as the latent", 1, 3, 6, 5, 6, 5},
		{"latent twice the map", 2, 4, 10, 8, 5, 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, uint64(tc.h*100+tc.w)))
			attn := randomAttention(r, tc.b, tc.mapH*tc.mapW)
			x0 := make([]float32, tc.b*tc.c*tc.h*tc.w)
			for i := range x0 {
				x0[i] = float32(r.NormFloat64())
			}
			mask := sagMask(attn, tc.b, tc.mapH, tc.mapW, tc.h, tc.w)
			want := mask64(attn, tc.b, tc.mapH, tc.mapW, tc.h, tc.w)
			ones := 0
			for i := range mask {
				if float64(mask[i]) != want[i] {
					t.Fatalf("mask[%d] = %v, float64 says %v", i, mask[i], want[i])
				}
				ones += int(mask[i])
			}
			if ones == 0 || ones == len(mask) {
				t.Fatalf("the mask is all %v: the case checks nothing", mask[0])
			}
			blur := blur64(x0, tc.b*tc.c, tc.h, tc.w)
			got := sagDegrade(x0, mask, tc.b, tc.c, tc.h, tc.w)
			hw := tc.h * tc.w
			for i := range got {
				m := want[(i/(tc.c*hw))*hw+i%hw]
				exp := blur[i]*m + float64(x0[i])*(1-m)
				if math.Abs(float64(got[i])-exp) > 2e-6 {
					t.Fatalf("degraded[%d] = %v, float64 %v (mask %v)", i, got[i], exp, m)
				}
			}
		})
	}
}

func TestSAGBlurKeepsConstantsAndSmooths(t *testing.T) {
	h, w := 9, 7
	flat := make([]float32, h*w)
	for i := range flat {
		flat[i] = 2.5
	}
	for i, v := range sagBlur(flat, 1, h, w) {
		if math.Abs(float64(v)-2.5) > 1e-6 {
			t.Fatalf("blurred constant [%d] = %v", i, v)
		}
	}
	spike := make([]float32, h*w)
	spike[4*w+3] = 1
	b := sagBlur(spike, 1, h, w)
	if math.Abs(float64(b[4*w+3])-0.3989423*0.3989423) > 1e-6 {
		t.Errorf("the spike's centre after the blur is %v, want the kernel centre squared", b[4*w+3])
	}
}

// The forward identities pred_x0 and pred_epsilon must satisfy: √ᾱ·x₀ + √(1−ᾱ)·ε = x_t, for
// every prediction type, in float64.
func TestSAGPredictionsRecomposeTheSample(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 64)
	out := make([]float32, 64)
	for i := range x {
		x[i], out[i] = float32(r.NormFloat64()), float32(r.NormFloat64())
	}
	for _, pred := range []string{"epsilon", "v_prediction", "sample"} {
		for _, ac := range []float64{0.9991, 0.5, 0.0047} {
			x0, err := sagPredX0(x, out, ac, pred)
			if err != nil {
				t.Fatal(err)
			}
			eps, err := sagPredEps(x, out, ac, pred)
			if err != nil {
				t.Fatal(err)
			}
			a := float64(float32(ac))
			for i := range x {
				back := math.Sqrt(a)*float64(x0[i]) + math.Sqrt(1-a)*float64(eps[i])
				if math.Abs(back-float64(x[i])) > 5e-4*(1+math.Abs(float64(x[i]))) {
					t.Fatalf("%s ᾱ=%g: √ᾱx₀+√(1−ᾱ)ε = %v, x_t = %v", pred, ac, back, x[i])
				}
			}
			if pred == "v_prediction" {
				// v = √ᾱ·ε − √(1−ᾱ)·x₀ recovers the model output.
				for i := range x {
					v := math.Sqrt(a)*float64(eps[i]) - math.Sqrt(1-a)*float64(x0[i])
					if math.Abs(v-float64(out[i])) > 1e-4 {
						t.Fatalf("ᾱ=%g: v from x₀, ε = %v, model said %v", ac, v, out[i])
					}
				}
			}
		}
	}
	if _, err := sagPredX0(x, out, 0.5, "flow"); err == nil {
		t.Error("an unknown prediction type was accepted")
	}
}
