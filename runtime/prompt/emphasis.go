package prompt

// Emphasize applies prompt weights to the text encoder's output as A1111's default
// ("Original") emphasis does (modules/sd_emphasis.py, EmphasisOriginal.after_transformers):
// every position's vector is multiplied by its weight, then the whole batch is scaled so its
// mean is what it was before. z holds one row per prompt of the batch (positions × width
// values each), weights one weight per position; A1111 encodes the prompts of one schedule
// together, so the mean runs over all of them.
//
// When every weight is 1 nothing changes, bit for bit (A1111 computes the same: z·1 and a
// ratio of two equal means). Means are summed in float64; the products are float32 as torch's.
func Emphasize(z [][]float32, weights [][]float64, width int) {
	if allOnes(weights) {
		return
	}
	before := mean(z)
	for r, row := range z {
		for p, w := range weights[r] {
			w32 := float32(w)
			for i := p * width; i < (p+1)*width; i++ {
				row[i] *= w32
			}
		}
	}
	ratio := before / mean(z)
	for _, row := range z {
		for i := range row {
			row[i] *= ratio
		}
	}
}

func allOnes(weights [][]float64) bool {
	for _, ws := range weights {
		for _, w := range ws {
			if w != 1 {
				return false
			}
		}
	}
	return true
}

func mean(z [][]float32) float32 {
	var sum float64
	n := 0
	for _, row := range z {
		for _, v := range row {
			sum += float64(v)
		}
		n += len(row)
	}
	if n == 0 {
		return 0
	}
	return float32(sum / float64(n))
}
