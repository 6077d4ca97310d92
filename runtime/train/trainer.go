package train

import (
	"context"
	"math"
)

// Trainer runs AdamW on a Graph's parameters. Set the fields before the first Step; the
// moments, EMA and step count are created on first use or loaded by LoadCheckpoint.
type Trainer struct {
	Graph     *Graph
	Optimizer AdamW
	// ClipNorm rescales the gradient to this global L2 norm when it is larger (0: off), as
	// torch.nn.utils.clip_grad_norm_.
	ClipNorm float64
	// Warmup is the number of steps over which the learning rate rises linearly to
	// Optimizer.LR (step i uses LR·(i+1)/Warmup, so the first step already moves).
	Warmup int
	// TotalSteps, when larger than Warmup, decays the learning rate after the warm-up along
	// half a cosine to MinLR at TotalSteps (diffusers' get_cosine_schedule_with_warmup with
	// num_cycles 0.5); 0 keeps it constant.
	TotalSteps int
	MinLR      float64
	// EMADecay keeps an exponential moving average of the weights, ema ← d·ema + (1−d)·p
	// after every step (0: off).
	EMADecay float64

	// CheckpointPath, when set, makes Run save a checkpoint there every CheckpointEvery steps
	// (0: only at the end), when cancelled, and at the end.
	CheckpointPath  string
	CheckpointEvery int
	// Log, when set, receives one CSV record per step from Run.
	Log *CSVLog

	step     int
	m, v     [][]float32
	ema      [][]float32
	chunks   []chunk
	gradNorm float64
}

// Steps is the number of steps taken so far (the next step's batch index).
func (t *Trainer) Steps() int { return t.step }

// GradNorm is the global gradient norm of the last step, before clipping.
func (t *Trainer) GradNorm() float64 { return t.gradNorm }

// LR is the learning rate of step index i (0-based).
func (t *Trainer) LR(i int) float64 {
	lr := t.Optimizer.LR
	if i < t.Warmup {
		return lr * float64(i+1) / float64(t.Warmup)
	}
	if t.TotalSteps <= t.Warmup {
		return lr
	}
	progress := math.Min(1, float64(i-t.Warmup)/float64(t.TotalSteps-t.Warmup))
	return t.MinLR + (lr-t.MinLR)*0.5*(1+math.Cos(math.Pi*progress))
}

// ensureState creates zero moments, the EMA copy and the work split on first use.
func (t *Trainer) ensureState() {
	if t.m != nil {
		return
	}
	g := t.Graph
	sizes := make([]int, len(g.Params))
	for i := range g.Params {
		n := len(g.Value(i))
		sizes[i] = n
		t.m = append(t.m, make([]float32, n))
		t.v = append(t.v, make([]float32, n))
		if t.EMADecay > 0 {
			t.ema = append(t.ema, append([]float32{}, g.Value(i)...))
		}
	}
	t.chunks = chunksOf(sizes)
}

// Step runs one forward+backward pass on batch and updates the parameters. It returns the
// batch's loss. A NaN or infinite loss or gradient gives *NonFiniteError and leaves every
// parameter, moment and the step count unchanged.
func (t *Trainer) Step(ctx context.Context, batch map[string]Tensor) (float64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	t.ensureState()
	loss, err := t.Graph.Run(batch)
	if err != nil {
		return 0, err
	}
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, &NonFiniteError{Step: t.step + 1, What: "loss", Value: loss}
	}
	norm := math.Sqrt(sumSquares(t.chunks, t.Graph.Grad))
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return loss, &NonFiniteError{Step: t.step + 1, What: "gradient norm", Value: norm}
	}
	scale := 1.0
	if t.ClipNorm > 0 && norm > t.ClipNorm {
		scale = t.ClipNorm / (norm + 1e-6) // clip_grad_norm_'s max_norm / (total_norm + 1e-6)
	}
	s := t.Optimizer.step(t.step+1, t.LR(t.step), scale, t.EMADecay)
	parallel(len(t.chunks), func(i int) {
		c := t.chunks[i]
		var ema []float32
		if t.ema != nil {
			ema = t.ema[c.param][c.lo:c.hi]
		}
		s.update(t.Graph.Value(c.param)[c.lo:c.hi], t.Graph.Grad(c.param)[c.lo:c.hi],
			t.m[c.param][c.lo:c.hi], t.v[c.param][c.lo:c.hi], ema)
	})
	t.step++
	t.gradNorm = norm
	return loss, nil
}

// Params returns a copy of the current parameter values by name.
func (t *Trainer) Params() map[string]Param {
	out := map[string]Param{}
	for i, name := range t.Graph.Params {
		out[name] = Param{Dims: append([]int64{}, t.Graph.Dims(i)...), Data: append([]float32{}, t.Graph.Value(i)...)}
	}
	return out
}

// EMAParams returns a copy of the moving averages by name, or nil when EMADecay is 0.
func (t *Trainer) EMAParams() map[string]Param {
	t.ensureState()
	if t.ema == nil {
		return nil
	}
	out := map[string]Param{}
	for i, name := range t.Graph.Params {
		out[name] = Param{Dims: append([]int64{}, t.Graph.Dims(i)...), Data: append([]float32{}, t.ema[i]...)}
	}
	return out
}
