package scheduler

import "math"

// Timestep spacings of diffusers' set_timesteps ("linspace", "leading", "trailing" are Table 2 of
// Lin et al. 2023, "Common Diffusion Noise Schedules and Sample Steps are Flawed"), written with
// numpy's semantics so the values match diffusers exactly. All return timesteps in the order the
// UNet sees them (descending).

// leadingSpacing is (arange(T)·(N//T)).round()[::-1] + offset; `ratio` overrides N//T for
// DPM-Solver, which divides by T+1 and keeps T+1 points (see dpmLeading).
func leadingSpacing(n, steps, ratio, offset int) []float64 {
	out := make([]float64, steps)
	for k := range out {
		out[steps-1-k] = float64(k*ratio + offset)
	}
	return out
}

// trailingSpacing is round(arange(last, 0, −N/T)) − 1, as diffusers writes it for DDIM, PNDM
// (reversed there, then re-reversed), Euler and DPM-Solver. numpy's arange length is
// ceil(last / (N/T)), which for some T is not T.
func trailingSpacing(n, steps, last int) []float64 {
	vals := numpyArange(float64(last), 0, -float64(n)/float64(steps))
	out := make([]float64, len(vals))
	for i, v := range vals {
		out[i] = math.RoundToEven(v) - 1
	}
	return out
}

// linspaceSpacing is linspace(0, stop, num)[::-1], rounded half-to-even when round is set.
func linspaceSpacing(stop float64, num int, round bool) []float64 {
	vals := numpyLinspace(0, stop, num)
	out := make([]float64, num)
	for i, v := range vals {
		if round {
			v = math.RoundToEven(v)
		}
		out[num-1-i] = v
	}
	return out
}

// numpyArange reproduces np.arange(start, stop, step) for float arguments: length
// ceil((stop−start)/step); numpy stores start and start+step, then fills element i as
// start + i·((start+step) − start).
func numpyArange(start, stop, step float64) []float64 {
	length := int(math.Ceil((stop - start) / step))
	if length <= 0 {
		return nil
	}
	out := make([]float64, length)
	out[0] = start
	if length > 1 {
		out[1] = start + step
		delta := out[1] - start
		for i := 2; i < length; i++ {
			out[i] = start + float64(float64(i)*delta) // no FMA: numpy rounds the product
		}
	}
	return out
}

// numpyLinspace reproduces np.linspace(start, stop, num) (endpoint=True): i·step + start with
// step = (stop−start)/(num−1), the last element set to stop; num=1 gives [start].
func numpyLinspace(start, stop float64, num int) []float64 {
	out := make([]float64, num)
	if num == 1 {
		out[0] = start
		return out
	}
	step := (stop - start) / float64(num-1)
	for i := range out {
		out[i] = float64(float64(i)*step) + start
	}
	out[num-1] = stop
	return out
}
