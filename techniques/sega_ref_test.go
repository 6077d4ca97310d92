package techniques

import "math"

// refSEGA is SEGA written straight from diffusers' SemanticStableDiffusionPipeline.__call__ in
// float64, with full sorts and the pseudocode's variable names: slow and literal, sharing no code
// with sega_guide.go except quantile64's sort. It carries the same deliberate deviation (a zero
// normalising sum in the partial branch adds nothing instead of NaN).
type refSEGA struct {
	cfg        SEGAConfig
	B, C, H, W int
	M          []float64 // momentum; nil until the first step, as diffusers' None
	// minMargin is the smallest |(|d| − q)| / q over all masked values with |d| ≠ q: a near
	// tie would let float32 and float64 rounding keep different values, so tests require
	// their random data to have none.
	minMargin float64
}

func newRefSEGA(cfg SEGAConfig, b, c, h, w int) *refSEGA {
	return &refSEGA{cfg: cfg, B: b, C: c, H: h, W: w, minMargin: math.Inf(1)}
}

// step is one UNet call i: G holds g·(ε_c − ε_u) on entry and the guidance on return.
func (r *refSEGA) step(i int, epsU []float64, epsConcepts [][]float64, G []float64) {
	size := r.B * r.C * r.H * r.W
	if r.M == nil {
		r.M = make([]float64, size)
	}
	n := len(epsConcepts)
	if n > 0 {
		Wt := make([][]float64, n) // W[c][b]
		D := make([][]float64, n)
		var warm []int
		for c := 0; c < n; c++ {
			Wt[c] = make([]float64, r.B)
			D[c] = make([]float64, size)
			con := r.cfg.Concepts[c]
			cool := i + 1 // None ⇒ never reached
			if con.CoolDown != nil {
				cool = *con.CoolDown
			}
			if i >= con.WarmUp {
				warm = append(warm, c)
			}
			if i >= cool {
				continue
			}
			d := make([]float64, size)
			for e := range d {
				d[e] = epsConcepts[c][e] - epsU[e]
				if con.Reverse {
					d[e] = -d[e]
				}
			}
			for b := 0; b < r.B; b++ {
				Wt[c][b] = con.Weight
			}
			for e := range d {
				d[e] *= con.EditGuidance
			}
			r.maskPerChannel(d, con.Threshold)
			D[c] = d
		}
		if len(warm) > 0 && len(warm) < n {
			r.partial(G, Wt, D, warm)
		}
		S := make([]float64, size)
		for c := 0; c < n; c++ {
			for e := range S {
				S[e] += math.Max(Wt[c][e/r.sampleSize()], 0) * D[c][e]
			}
		}
		for e := range S {
			S[e] += r.cfg.MomentumScale * r.M[e]
			r.M[e] = r.cfg.MomentumBeta*r.M[e] + (1-r.cfg.MomentumBeta)*S[e]
		}
		if len(warm) == n {
			for e := range G {
				G[e] += S[e]
			}
		}
	}
	if r.cfg.SemGuidance != nil {
		for e := range G {
			G[e] += float64(r.cfg.SemGuidance[i][e])
		}
	}
}

func (r *refSEGA) sampleSize() int { return r.C * r.H * r.W }

// maskPerChannel keeps, per sample b and channel ch, the values with |d| ≥ quantile(|d|, λ).
func (r *refSEGA) maskPerChannel(d []float64, lambda float64) {
	hw := r.H * r.W
	for b := 0; b < r.B; b++ {
		for ch := 0; ch < r.C; ch++ {
			plane := d[(b*r.C+ch)*hw : (b*r.C+ch+1)*hw]
			abs := make([]float64, hw)
			for k, v := range plane {
				abs[k] = math.Abs(v)
			}
			q := quantile64(abs, lambda)
			for k, a := range abs {
				if a != q && q > 0 {
					r.minMargin = math.Min(r.minMargin, math.Abs(a-q)/q)
				}
				if !(a >= q) {
					plane[k] = 0
				}
			}
		}
	}
}

// partial is branch (A): normalised non-negative weights of the warm concepts, per sample.
func (r *refSEGA) partial(G []float64, Wt, D [][]float64, warm []int) {
	ss := r.sampleSize()
	for b := 0; b < r.B; b++ {
		sum := 0.0
		for _, c := range warm {
			sum += math.Max(Wt[c][b], 0)
		}
		if sum == 0 {
			continue // diffusers: 0/0 = NaN; nudge adds nothing
		}
		for _, c := range warm {
			wp := math.Max(Wt[c][b], 0) / sum
			for e := b * ss; e < (b+1)*ss; e++ {
				G[e] += wp * D[c][e]
			}
		}
	}
}
