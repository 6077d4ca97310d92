package scheduler

import "math"

// alphasCumprod returns ᾱ_t = Π_{s≤t}(1−β_s) for t = 0…N−1 the way diffusers computes it in torch
// float32: betas from torch.linspace (float32, see torchLinspace32), alphas = 1−β in float32, and
// torch.cumprod, which on the CPU accumulates in double and rounds each output to float32.
// Values are float32 numbers held in float64.
func alphasCumprod(p params) []float64 {
	betas := betas32(p)
	out := make([]float64, len(betas))
	acc := 1.0
	for i, b := range betas {
		acc *= float64(1 - b)
		out[i] = float64(float32(acc))
	}
	return out
}

// betas32 is the β schedule of diffusers' scheduler __init__.
func betas32(p params) []float32 {
	n := p.numTrain
	switch {
	case p.trainedBetas != nil:
		out := make([]float32, n)
		for i, b := range p.trainedBetas {
			out[i] = float32(b)
		}
		return out
	case p.betaSchedule == "scaled_linear":
		out := torchLinspace32(math.Sqrt(p.betaStart), math.Sqrt(p.betaEnd), n)
		for i, b := range out {
			out[i] = b * b
		}
		return out
	case p.betaSchedule == "squaredcos_cap_v2":
		return cosineBetas(n)
	}
	return torchLinspace32(p.betaStart, p.betaEnd, n)
}

// cosineBetas is diffusers' betas_for_alpha_bar (Nichol & Dhariwal 2021, "Improved DDPM", eq. 17)
// with the cosine ᾱ(t) = cos²((t+0.008)/1.008·π/2) and β capped at 0.999, computed in float64.
func cosineBetas(n int) []float32 {
	alphaBar := func(t float64) float64 {
		c := math.Cos((t + 0.008) / 1.008 * math.Pi / 2)
		return c * c
	}
	out := make([]float32, n)
	for i := range out {
		t1, t2 := float64(i)/float64(n), float64(i+1)/float64(n)
		out[i] = float32(math.Min(1-alphaBar(t2)/alphaBar(t1), 0.999))
	}
	return out
}

// torchLinspace32 reproduces torch.linspace(start, end, n, dtype=float32) on the CPU with the
// DEFAULT kernel (checked bit for bit against PyTorch 1.13): step = (end−start)/(n−1) in float32;
// the first half counts up from start, the second half down from end; blocks of 8 elements
// (two 8-wide vectors at a time) take their first value from that rule and add k·step for the
// others (Vectorized<float>::arange), the last n mod 16 elements use the rule directly. PyTorch's
// AVX2 kernel fuses those multiply-adds, which moves some β by 1 ulp (ᾱ by ~1e-7 relative).
func torchLinspace32(start, end float64, n int) []float32 {
	s, e := float32(start), float32(end)
	if n == 1 {
		return []float32{s}
	}
	step := (e - s) / float32(n-1)
	half := n / 2
	rule := func(idx int) float32 {
		if idx < half {
			return s + float32(step*float32(idx))
		}
		return e - float32(step*float32(n-idx-1))
	}
	out := make([]float32, n)
	const width = 8
	i := 0
	for ; i+2*width <= n; i += 2 * width {
		for v := i; v < i+2*width; v += width {
			base := rule(v)
			out[v] = base
			for k := 1; k < width; k++ {
				out[v+k] = base + float32(float32(k)*step)
			}
		}
	}
	for ; i < n; i++ {
		out[i] = rule(i)
	}
	return out
}

// finalAlphaCumprod is ᾱ used when a DDIM/PNDM step goes below t=0: 1 with set_alpha_to_one,
// else ᾱ_0 (diffusers' final_alpha_cumprod).
func finalAlphaCumprod(p params, ac []float64) float64 {
	if p.setAlphaToOne {
		return 1
	}
	return ac[0]
}

// sigmaTable is σ_t = √((1−ᾱ_t)/ᾱ_t) computed in float32 as diffusers' torch expression does.
func sigmaTable(ac []float64) []float64 {
	out := make([]float64, len(ac))
	for i, a := range ac {
		a32 := float32(a)
		out[i] = float64(float32(math.Sqrt(float64((1 - a32) / a32))))
	}
	return out
}
