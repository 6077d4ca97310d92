package runtime

import (
	"fmt"
	"io"
	"sort"
	"time"
)

// StepSummary aggregates the step timings of one or more renders: mean time per step of
// each part, and the orchestration overhead (step wall − time inside ORT) / step wall,
// the figure docs/benchmarks.md tracks (goal ≤ 2 % on the tiny and small presets on CPU).
type StepSummary struct {
	Steps                                        int
	Wall, UNet, Guidance, Scheduler, Tech, Other time.Duration // means per step
	MedianWall                                   time.Duration
}

// Overhead is the fraction of a step spent outside ONNX Runtime.
func (s StepSummary) Overhead() float64 {
	if s.Wall == 0 {
		return 0
	}
	return float64(s.Wall-s.UNet) / float64(s.Wall)
}

// Summarize averages step timings.
func Summarize(steps []StepTimings) StepSummary {
	s := StepSummary{Steps: len(steps)}
	if len(steps) == 0 {
		return s
	}
	walls := make([]time.Duration, len(steps))
	for i, t := range steps {
		s.Wall += t.Total
		s.UNet += t.UNet
		s.Guidance += t.Guidance
		s.Scheduler += t.Scheduler
		s.Tech += t.Techniques
		s.Other += t.Other
		walls[i] = t.Total
	}
	n := time.Duration(len(steps))
	s.Wall, s.UNet, s.Guidance, s.Scheduler, s.Tech, s.Other = s.Wall/n, s.UNet/n, s.Guidance/n, s.Scheduler/n, s.Tech/n, s.Other/n
	sort.Slice(walls, func(i, j int) bool { return walls[i] < walls[j] })
	s.MedianWall = walls[len(walls)/2]
	return s
}

// Write prints the summary as the table `nudge bench` shows.
func (s StepSummary) Write(w io.Writer) {
	ms := func(d time.Duration) string { return fmt.Sprintf("%9.3f ms", float64(d.Microseconds())/1000) }
	fmt.Fprintf(w, "steps measured   %d\n", s.Steps)
	fmt.Fprintf(w, "step wall        %s  (median %s; %.2f UNet calls/s)\n", ms(s.Wall), ms(s.MedianWall), 1/s.Wall.Seconds())
	fmt.Fprintf(w, "  UNet (ORT Run) %s\n", ms(s.UNet))
	fmt.Fprintf(w, "  scheduler      %s\n", ms(s.Scheduler))
	fmt.Fprintf(w, "  guidance       %s\n", ms(s.Guidance))
	fmt.Fprintf(w, "  techniques     %s\n", ms(s.Tech))
	fmt.Fprintf(w, "  other          %s\n", ms(s.Other))
	fmt.Fprintf(w, "orchestration overhead (wall − ORT) / wall: %.2f %%\n", 100*s.Overhead())
}
