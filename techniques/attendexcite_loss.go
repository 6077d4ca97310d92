package techniques

import "math"

// Attend-and-Excite's loss on one sample's aggregated cross-attention map, computed exactly as
// diffusers' StableDiffusionAttendAndExcitePipeline._get_max_attention_per_token and
// _compute_loss do (diffusers pipeline_stable_diffusion_attend_and_excite.py), plus its gradient
// with respect to the map, which the runtime's VJP graph carries on to the latent.

// softmaxTemperature multiplies the attention before the softmax over the text tokens.
const softmaxTemperature = 100

// smoothingKernel is diffusers' GaussianSmoothing(kernel_size=3, sigma=0.5): note its formula
// exp(−((x−μ)/(2σ))²), not the textbook exp(−(x−μ)²/(2σ²)); the 2-D kernel is the outer
// product normalised to sum 1 (≈ 0.0449 corners, 0.1221 edges, 0.3319 centre).
func smoothingKernel() [3][3]float64 {
	const sigma, mean = 0.5, 1.0
	var k1 [3]float64
	for i := range k1 {
		d := (float64(i) - mean) / (2 * sigma)
		k1[i] = 1 / (sigma * math.Sqrt(2*math.Pi)) * math.Exp(-d*d)
	}
	var k [3][3]float64
	var sum float64
	for y := range k {
		for x := range k[y] {
			k[y][x] = k1[y] * k1[x]
			sum += k[y][x]
		}
	}
	for y := range k {
		for x := range k[y] {
			k[y][x] /= sum
		}
	}
	return k
}

// exciteMap is one sample's attention averaged over every stored layer and head at the
// chosen resolution: Height·Width pixels, each with Keys text-token probabilities.
type exciteMap struct {
	Height, Width, Keys int
	A                   []float64 // [pixel][key], pixel = y·Width + x
}

// exciteLoss is the loss of one evaluation with what its gradient needs.
type exciteLoss struct {
	m      exciteMap
	tokens []int     // CLIP positions (start token = 0)
	probs  []float64 // softmax(100·A[:, 1:Keys−1]) per pixel: [pixel][Keys−2]
	peaks  []float64 // per token: max of its smoothed map
	argmax [][]int   // per token: pixels where the smoothed map reaches its peak
	Loss   float64   // max over tokens of max(0, 1 − peak)
	worst  int       // index into tokens of the token setting Loss, −1 when Loss is 0
	kernel [3][3]float64
}

// newExciteLoss evaluates the loss for the chosen tokens.
func newExciteLoss(m exciteMap, tokens []int) *exciteLoss {
	l := &exciteLoss{m: m, tokens: tokens, kernel: smoothingKernel(), worst: -1}
	l.probs = textSoftmax(m)
	for i, tok := range tokens {
		s := l.smoothed(tok - 1)
		peak, at := maxAndArgmax(s)
		l.peaks = append(l.peaks, peak)
		l.argmax = append(l.argmax, at)
		// diffusers: losses = [max(0, 1 − peak)], loss = max(losses); Python's max keeps the
		// first of equal values, and a loss of 0 stays the integer 0 (no update).
		if loss := 1 - peak; loss > 0 && loss > l.Loss {
			l.Loss, l.worst = loss, i
		}
	}
	return l
}

// Peaks returns each chosen token's peak smoothed attention, in token order.
func (l *exciteLoss) Peaks() []float64 { return append([]float64(nil), l.peaks...) }

// textSoftmax drops the start token and the last position, multiplies by 100 and takes the
// softmax over the remaining Keys−2 tokens at every pixel.
func textSoftmax(m exciteMap) []float64 {
	n := m.Keys - 2
	out := make([]float64, m.Height*m.Width*n)
	for p := 0; p < m.Height*m.Width; p++ {
		row := m.A[p*m.Keys+1 : p*m.Keys+1+n]
		dst := out[p*n : (p+1)*n]
		top := math.Inf(-1)
		for _, v := range row {
			top = math.Max(top, v)
		}
		var sum float64
		for j, v := range row {
			dst[j] = math.Exp(softmaxTemperature * (v - top))
			sum += dst[j]
		}
		for j := range dst {
			dst[j] /= sum
		}
	}
	return out
}

// smoothed is one token column of probs, reflect-padded by 1 and convolved with the kernel.
func (l *exciteLoss) smoothed(col int) []float64 {
	h, w, n := l.m.Height, l.m.Width, l.m.Keys-2
	out := make([]float64, h*w)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			var s float64
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					s += l.kernel[dy+1][dx+1] * l.probs[(reflect(y+dy, h)*w+reflect(x+dx, w))*n+col]
				}
			}
			out[y*w+x] = s
		}
	}
	return out
}

// reflect maps a padded index back inside [0, n) as torch's reflect padding does (the edge
// itself is not repeated).
func reflect(i, n int) int {
	if n == 1 {
		return 0
	}
	if i < 0 {
		return -i
	}
	if i >= n {
		return 2*(n-1) - i
	}
	return i
}

func maxAndArgmax(v []float64) (float64, []int) {
	top := math.Inf(-1)
	var at []int
	for i, x := range v {
		switch {
		case x > top:
			top, at = x, append(at[:0], i)
		case x == top:
			at = append(at, i)
		}
	}
	return top, at
}

// Gradient returns ∂Loss/∂A, [pixel][key]. Through the two maxima only the worst token's
// peak pixel carries gradient (torch's max() shares it evenly between tied pixels); then the
// adjoint of the smoothing and of the temperature softmax.
func (l *exciteLoss) Gradient() []float64 {
	h, w, keys := l.m.Height, l.m.Width, l.m.Keys
	n := keys - 2
	grad := make([]float64, h*w*keys)
	if l.worst < 0 {
		return grad
	}
	col := l.tokens[l.worst] - 1
	dProb := make([]float64, h*w) // ∂Loss/∂probs[:, col]
	at := l.argmax[l.worst]
	share := -1 / float64(len(at)) // ∂Loss/∂peak = −1
	for _, p := range at {
		y, x := p/w, p%w
		for dy := -1; dy <= 1; dy++ {
			for dx := -1; dx <= 1; dx++ {
				dProb[reflect(y+dy, h)*w+reflect(x+dx, w)] += share * l.kernel[dy+1][dx+1]
			}
		}
	}
	for p := 0; p < h*w; p++ {
		probs := l.probs[p*n : (p+1)*n]
		dot := probs[col] * dProb[p]
		for j := 0; j < n; j++ {
			d := -dot
			if j == col {
				d += dProb[p]
			}
			grad[p*keys+1+j] = softmaxTemperature * probs[j] * d
		}
	}
	return grad
}
