package scheduler

import "math"

// interpSigma is np.interp(t, arange(N), table): linear interpolation of the σ table at a
// possibly fractional timestep, clamped to the table's ends.
func interpSigma(t float64, table []float64) float64 {
	last := len(table) - 1
	switch {
	case t <= 0:
		return table[0]
	case t >= float64(last):
		return table[last]
	}
	lo := int(math.Floor(t))
	if t == float64(lo) {
		return table[lo]
	}
	slope := table[lo+1] - table[lo]
	return slope*(t-float64(lo)) + table[lo]
}

// karrasSigmas is Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative
// Models", eq. 5) with ρ = 7: σ_i = (σ_max^{1/ρ} + i/(T−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ, as
// diffusers' _convert_to_karras computes it (ramp = np.linspace(0, 1, T)).
func karrasSigmas(sigmaMin, sigmaMax float64, steps int) []float64 {
	const rho = 7.0
	minInv, maxInv := math.Pow(sigmaMin, 1/rho), math.Pow(sigmaMax, 1/rho)
	ramp := numpyLinspace(0, 1, steps)
	out := make([]float64, steps)
	for i, r := range ramp {
		out[i] = math.Pow(maxInv+r*(minInv-maxInv), rho)
	}
	return out
}

// sigmaToT is diffusers' _sigma_to_t: the fractional timestep whose log σ interpolates linearly
// between the two table entries around log σ (logSigmas ascending in t).
func sigmaToT(sigma float64, logSigmas []float64) float64 {
	logSigma := math.Log(math.Max(sigma, 1e-10))
	lo := 0
	for k, ls := range logSigmas {
		if logSigma-ls >= 0 {
			lo = k
		}
	}
	lo = min(lo, len(logSigmas)-2)
	hi := lo + 1
	w := (logSigmas[lo] - logSigma) / (logSigmas[lo] - logSigmas[hi])
	w = math.Min(math.Max(w, 0), 1)
	return (1-w)*float64(lo) + w*float64(hi)
}

// logTable is diffusers' log_sigmas = np.log(sigmas) of the float32 σ table.
func logTable(table []float64) []float64 {
	out := make([]float64, len(table))
	for i, s := range table {
		out[i] = float64(float32(math.Log(s))) // np.log of the float32 table is float32
	}
	return out
}
