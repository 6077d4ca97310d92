package scheduler

import "math"

// dpmSolver is diffusers' DPMSolverMultistepScheduler as DPM-Solver++ 2M (Lu et al. 2022,
// "DPM-Solver++: Fast Solver for Guided Sampling of Diffusion Probabilistic Models", Algorithm 2):
// a second-order multistep method on the data prediction in λ = −log σ, first order on the first
// step and on the last (final σ = 0, or few steps with lower_order_final).
type dpmSolver struct {
	p      params
	ac     []float64
	ts     []float64
	sigmas []float64 // VE σ per call plus the final σ
	guard  stepGuard

	prevData   []float32 // data prediction of the previous call
	lowerOrder int       // calls made so far, capped at the solver order (diffusers' lower_order_nums)
}

func (s *dpmSolver) Name() string            { return "dpmpp_2m" }
func (s *dpmSolver) Timesteps() []float64    { return s.ts }
func (s *dpmSolver) InitNoiseSigma() float64 { return 1 }

// Sigmas returns the VE σ for each UNet call followed by the final σ.
func (s *dpmSolver) Sigmas() []float64 { return s.sigmas }

// ScaleModelInput is the identity: DPM-Solver works on the variance-preserving sample.
func (s *dpmSolver) ScaleModelInput(sample []float32, _ int) []float32 { return sample }

// dpmSpacing is DPM-Solver's spacing, descending integers: T+1 points with the last dropped.
func dpmSpacing(p params, steps int) []float64 {
	last := p.numTrain
	switch p.spacing {
	case "leading":
		return leadingSpacing(last, steps+1, last/(steps+1), p.stepsOffset)[:steps]
	case "trailing":
		return trailingSpacing(p.numTrain, steps, last)
	}
	return linspaceSpacing(float64(last-1), steps+1, true)[:steps]
}

func (s *dpmSolver) SetTimesteps(n int) error {
	if err := checkSteps(n, s.p); err != nil {
		return err
	}
	table := sigmaTable(s.ac)
	var ts, sig []float64
	if s.p.karras {
		// from the whole table: σ_max = σ(N−1), σ_min = σ(0); timesteps rounded to integers
		sig = karrasSigmas(table[0], table[len(table)-1], n)
		logs := logTable(table)
		ts = make([]float64, n)
		for i, k := range sig {
			ts[i] = math.RoundToEven(sigmaToT(k, logs))
		}
	} else {
		ts = dpmSpacing(s.p, n)
		sig = make([]float64, len(ts))
		for i, t := range ts {
			sig[i] = interpSigma(t, table)
		}
	}
	final := 0.0
	if !s.p.finalSigmaZero {
		final = table[0]
	}
	sig = append(sig, final)
	for i := range sig {
		sig[i] = float64(float32(sig[i]))
	}
	s.ts, s.sigmas = ts, sig
	s.prevData, s.lowerOrder = nil, 0
	s.guard.reset()
	return nil
}

// vp converts a VE σ to the variance-preserving (α_t, σ_t) and λ = log α − log σ_t.
func vp(sigma float64) (alpha, sigmaT, lambda float64) {
	alpha = 1 / math.Sqrt(sigma*sigma+1)
	sigmaT = sigma * alpha
	return alpha, sigmaT, math.Log(alpha) - math.Log(sigmaT)
}

// Step is diffusers' DPMSolverMultistepScheduler.step for solver_order 2, dpmsolver++.
func (s *dpmSolver) Step(modelOutput, sample []float32, i int, _ func(int) []float32) ([]float32, error) {
	if err := s.guard.check(i, len(s.ts), modelOutput, sample); err != nil {
		return nil, err
	}
	n := len(s.ts)
	lowerFinal := i == n-1 && (s.p.eulerAtFinal || (s.p.lowerOrderFinal && n < 15) || s.p.finalSigmaZero)
	data := s.dataPrediction(modelOutput, sample, s.sigmas[i])
	var out []float32
	if s.lowerOrder < 1 || lowerFinal || s.prevData == nil {
		out = s.firstOrder(data, sample, i)
	} else {
		out = s.secondOrder(data, s.prevData, sample, i)
	}
	s.prevData = data
	s.lowerOrder = min(s.lowerOrder+1, 2)
	return out, nil
}

// dataPrediction converts the model output to x0: (x − σ_t·ε)/α_t, or α_t·x − σ_t·v.
func (s *dpmSolver) dataPrediction(modelOutput, sample []float32, sigma float64) []float32 {
	alpha, sigmaT, _ := vp(sigma)
	vPred := s.p.prediction == "v_prediction"
	out := make([]float32, len(sample))
	for j := range out {
		x, m := float64(sample[j]), float64(modelOutput[j])
		if vPred {
			out[j] = float32(alpha*x - sigmaT*m)
		} else {
			out[j] = float32((x - sigmaT*m) / alpha)
		}
	}
	return out
}

// firstOrder is x' = (σ_t/σ_s)·x − α_t(e^{−h} − 1)·m (DPM-Solver++ 1, i.e. DDIM); at σ' = 0 it
// is exactly the data prediction m.
func (s *dpmSolver) firstOrder(m, sample []float32, i int) []float32 {
	if s.sigmas[i+1] == 0 {
		return copyOf(m)
	}
	alphaT, sigmaT, lambdaT := vp(s.sigmas[i+1])
	_, sigmaS, lambdaS := vp(s.sigmas[i])
	h := lambdaT - lambdaS
	cx, cm := sigmaT/sigmaS, -alphaT*math.Expm1(-h)
	out := make([]float32, len(sample))
	for j := range out {
		out[j] = float32(cx*float64(sample[j]) + cm*float64(m[j]))
	}
	return out
}

// secondOrder is the 2M update: D0 = m_i, D1 = (m_i − m_{i−1})/r0 with r0 = h_{i−1}/h_i;
// midpoint: x' = (σ_t/σ_s)x − α_t(e^{−h}−1)D0 − ½α_t(e^{−h}−1)D1; heun replaces the last term by
// + α_t((e^{−h}−1)/h + 1)D1.
func (s *dpmSolver) secondOrder(m0, m1, sample []float32, i int) []float32 {
	alphaT, sigmaT, lambdaT := vp(s.sigmas[i+1])
	_, sigmaS0, lambdaS0 := vp(s.sigmas[i])
	_, _, lambdaS1 := vp(s.sigmas[i-1])
	h, h0 := lambdaT-lambdaS0, lambdaS0-lambdaS1
	r0 := h0 / h
	em1 := math.Expm1(-h)
	cx, c0 := sigmaT/sigmaS0, -alphaT*em1
	c1 := -0.5 * alphaT * em1
	if s.p.solverType == "heun" {
		c1 = alphaT * (em1/h + 1)
	}
	out := make([]float32, len(sample))
	for j := range out {
		d0 := float64(m0[j])
		d1 := (d0 - float64(m1[j])) / r0
		out[j] = float32(cx*float64(sample[j]) + c0*d0 + c1*d1)
	}
	return out
}
