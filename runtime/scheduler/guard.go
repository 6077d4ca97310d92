package scheduler

import (
	"errors"
	"fmt"
)

// maxSteps bounds SetTimesteps; diffusers allows at most num_train_timesteps steps.
func checkSteps(n int, p params) error {
	if n < 1 || n > p.numTrain {
		return optErr("%d inference steps is out of range (1…%d)", n, p.numTrain)
	}
	return nil
}

// stepGuard checks the loop's calls: timesteps set, i in range, the first call at any index (an
// img2img render starts part-way) and each later call at the next index, since multistep state
// assumes the calls come in order.
type stepGuard struct {
	next    int
	started bool
}

var errNoTimesteps = errors.New("scheduler: Step called before SetTimesteps")

func (g *stepGuard) check(i, calls int, modelOutput, sample []float32) error {
	switch {
	case calls == 0:
		return errNoTimesteps
	case i < 0 || i >= calls:
		return fmt.Errorf("scheduler: step %d is outside the %d UNet calls", i, calls)
	case len(modelOutput) != len(sample):
		return fmt.Errorf("scheduler: step %d: model output has %d values, sample %d", i, len(modelOutput), len(sample))
	case g.started && i != g.next:
		return fmt.Errorf("scheduler: step %d called after step %d; steps must run in order", i, g.next-1)
	}
	g.started, g.next = true, i+1
	return nil
}

// reset forgets the calls made, for SetTimesteps.
func (g *stepGuard) reset() { *g = stepGuard{} }

// drawNoise asks the render's generator for n standard normals and checks what comes back.
func drawNoise(noise func(n int) []float32, n int, who string) ([]float32, error) {
	if noise == nil {
		return nil, fmt.Errorf("scheduler: %s needs a noise source for this step", who)
	}
	z := noise(n)
	if len(z) != n {
		return nil, fmt.Errorf("scheduler: %s asked for %d noise values, got %d", who, n, len(z))
	}
	return z, nil
}

// copyOf returns a fresh copy of xs (multistep schedulers keep model outputs the caller may reuse).
func copyOf(xs []float32) []float32 { return append([]float32(nil), xs...) }

func reversed(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[len(xs)-1-i] = x
	}
	return out
}

// checkTrainRange rejects timesteps outside the training schedule, which a steps_offset or a step
// count near num_train_timesteps can produce (diffusers would fail with an IndexError).
func checkTrainRange(ts []float64, p params) error {
	for _, t := range ts {
		if t < 0 || t > float64(p.numTrain-1) {
			return optErr("timestep %v is outside 0…%d (steps_offset %d, spacing %s): use fewer steps or another spacing",
				t, p.numTrain-1, p.stepsOffset, p.spacing)
		}
	}
	return nil
}
