package train

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Progress reports one finished step of Run.
type Progress struct {
	Step, Total int // steps done (1-based) and the target
	Loss        float64
	LR          float64
	GradNorm    float64
	ItPerSec    float64       // over the last few steps
	Elapsed     time.Duration // since Run started
	ETA         time.Duration
	Recent      []float64 // the last losses, oldest first (at most recentLosses)
}

const recentLosses = 40

// String is one plain-text status line (no terminal codes) for stderr.
func (p Progress) String() string {
	return fmt.Sprintf("step %d/%d  loss %.4g  lr %.2e  %.2f it/s  ETA %s  %s",
		p.Step, p.Total, p.Loss, p.LR, p.ItPerSec, p.ETA.Round(time.Second), Sparkline(p.Recent))
}

// Sparkline draws values as a row of the eight block characters ▁▂▃▄▅▆▇█, scaled between
// their minimum and maximum. Non-finite values draw as a space.
func Sparkline(values []float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	levels := []rune(bars)
	lo, hi := 0.0, 0.0
	first := true
	for _, v := range values {
		if v != v || v > 1e308 || v < -1e308 {
			continue
		}
		if first || v < lo {
			lo = v
		}
		if first || v > hi {
			hi = v
		}
		first = false
	}
	var b strings.Builder
	for _, v := range values {
		switch {
		case v != v || v > 1e308 || v < -1e308:
			b.WriteRune(' ')
		case hi == lo:
			b.WriteRune(levels[3])
		default:
			b.WriteRune(levels[int((v-lo)/(hi-lo)*float64(len(levels)-1)+0.5)])
		}
	}
	return b.String()
}

// Source gives the batch of each step. It must be deterministic in step, so a resumed run
// sees the batches the uninterrupted run would have.
type Source interface {
	Batch(step int) (map[string]Tensor, error)
}

// Run trains until Steps() reaches steps, calling progress (if not nil) after every step.
// It stops early when ctx is cancelled (returning ctx.Err()) or a step fails; a
// *NonFiniteError names the step and leaves the last good checkpoint in place. Checkpoints
// and the CSV log follow the Trainer's fields.
func (t *Trainer) Run(ctx context.Context, src Source, steps int, progress func(Progress)) error {
	start := time.Now()
	var recent []float64
	var times []time.Time
	for t.step < steps {
		if err := ctx.Err(); err != nil {
			return errors.Join(err, t.checkpoint())
		}
		batch, err := src.Batch(t.step)
		if err != nil {
			return fmt.Errorf("train: batch for step %d: %w", t.step+1, err)
		}
		lr := t.LR(t.step)
		loss, err := t.Step(ctx, batch)
		if err != nil {
			return err
		}
		now := time.Now()
		times = append(times, now)
		recent = append(recent, loss)
		if len(recent) > recentLosses {
			recent, times = recent[1:], times[1:]
		}
		p := Progress{Step: t.step, Total: steps, Loss: loss, LR: lr, GradNorm: t.gradNorm,
			Elapsed: now.Sub(start), Recent: append([]float64{}, recent...)}
		p.ItPerSec = rate(start, times)
		if p.ItPerSec > 0 {
			p.ETA = time.Duration(float64(steps-t.step) / p.ItPerSec * float64(time.Second))
		}
		if t.Log != nil {
			if err := t.Log.Write(Record{Step: t.step, Loss: loss, LR: lr, GradNorm: t.gradNorm, Seconds: p.Elapsed.Seconds()}); err != nil {
				return err
			}
		}
		if progress != nil {
			progress(p)
		}
		if t.CheckpointEvery > 0 && t.step%t.CheckpointEvery == 0 && t.step < steps {
			if err := t.checkpoint(); err != nil {
				return err
			}
		}
	}
	return t.checkpoint()
}

// rate is steps per second over the recorded window (from start for the first step).
func rate(start time.Time, times []time.Time) float64 {
	if len(times) == 1 {
		return 1 / times[0].Sub(start).Seconds()
	}
	return float64(len(times)-1) / times[len(times)-1].Sub(times[0]).Seconds()
}

func (t *Trainer) checkpoint() error {
	if t.CheckpointPath == "" {
		return nil
	}
	return t.SaveCheckpoint(t.CheckpointPath)
}
