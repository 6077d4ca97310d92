package train

import (
	"math"
	"runtime"
	"sync"
)

// AdamW is the decoupled-weight-decay Adam of Loshchilov & Hutter 2019 (Algorithm 2), in
// torch.optim.AdamW's form: p ← p·(1 − lr·λ), then p ← p − lr/(1−β₁ᵗ) · m / (√(v/(1−β₂ᵗ)) + ε).
type AdamW struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
}

// DefaultAdamW is torch.optim.AdamW's defaults with learning rate lr.
func DefaultAdamW(lr float64) AdamW {
	return AdamW{LR: lr, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 1e-2}
}

// adamStep is one step's scalars, shared by every parameter.
type adamStep struct {
	decay    float32 // 1 − lr·λ
	b1, b2   float32
	stepSize float32 // lr / (1 − β₁ᵗ)
	bc2Sqrt  float32 // √(1 − β₂ᵗ)
	eps      float32
	gscale   float32 // gradient clipping factor
	emaDecay float32
}

func (o AdamW) step(t int, lr, gscale, emaDecay float64) adamStep {
	bc1 := 1 - math.Pow(o.Beta1, float64(t))
	bc2 := 1 - math.Pow(o.Beta2, float64(t))
	return adamStep{decay: float32(1 - lr*o.WeightDecay), b1: float32(o.Beta1), b2: float32(o.Beta2),
		stepSize: float32(lr / bc1), bc2Sqrt: float32(math.Sqrt(bc2)), eps: float32(o.Eps),
		gscale: float32(gscale), emaDecay: float32(emaDecay)}
}

// update applies one AdamW step to a slice of p with gradient g and moments m, v, and moves
// ema (if not nil) towards the new p.
func (s adamStep) update(p, g, m, v, ema []float32) {
	for i := range p {
		gi := g[i] * s.gscale
		m[i] = s.b1*m[i] + (1-s.b1)*gi
		v[i] = s.b2*v[i] + (1-s.b2)*gi*gi
		denom := float32(math.Sqrt(float64(v[i])))/s.bc2Sqrt + s.eps
		p[i] = p[i]*s.decay - s.stepSize*m[i]/denom
	}
	if ema != nil {
		for i := range p {
			ema[i] = s.emaDecay*ema[i] + (1-s.emaDecay)*p[i]
		}
	}
}

// chunk is a range of one parameter's elements; work is split into chunks so both cores
// share the optimizer, with results independent of the split (every update is elementwise
// and every sum is combined in chunk order).
type chunk struct{ param, lo, hi int }

const chunkElems = 1 << 16

func chunksOf(sizes []int) []chunk {
	var out []chunk
	for p, n := range sizes {
		for lo := 0; lo < n; lo += chunkElems {
			out = append(out, chunk{p, lo, min(n, lo+chunkElems)})
		}
	}
	return out
}

// parallel runs fn over every chunk index on GOMAXPROCS goroutines.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// sumSquares is Σ g² over every chunk, accumulated in float64 per chunk and then in chunk
// order, so the result does not depend on scheduling.
func sumSquares(chunks []chunk, grad func(p int) []float32) float64 {
	partial := make([]float64, len(chunks))
	parallel(len(chunks), func(i int) {
		c := chunks[i]
		s := 0.0
		for _, x := range grad(c.param)[c.lo:c.hi] {
			s += float64(x) * float64(x)
		}
		partial[i] = s
	})
	total := 0.0
	for _, s := range partial {
		total += s
	}
	return total
}
