package lora

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/nudge-studio/nudge/runtime/demomodel"
)

// sd15AttentionPatches are the patches of a LoRA on every UNet attention projection of the
// sd15 demo preset (SD 1.5's shapes: 16 transformer blocks, to_q/to_k/to_v/to_out.0 of attn1
// and attn2), the modules diffusers' train_dreambooth_lora.py trains.
func sd15AttentionPatches(rank int) (map[string][]float32, []Patch) {
	var sd15 demomodel.Preset
	for _, p := range demomodel.Presets() {
		if p.Name == "sd15" {
			sd15 = p
		}
	}
	u := sd15.UNet
	var widths []int64 // one per transformer block: down (2 each), mid, up (3 each)
	for i, c := range u.BlockOutChannels {
		if u.CrossAttn[i] {
			widths = append(widths, c, c)
		}
	}
	widths = append(widths, u.BlockOutChannels[len(u.BlockOutChannels)-1])
	for i := len(u.BlockOutChannels) - 1; i >= 0; i-- {
		if u.CrossAttn[i] {
			widths = append(widths, u.BlockOutChannels[i], u.BlockOutChannels[i], u.BlockOutChannels[i])
		}
	}
	bases := map[string][]float32{}
	var patches []Patch
	for b, c := range widths {
		ins := []int64{c, c, c, c, c, u.CrossDim, u.CrossDim, c}
		for j, in := range ins {
			name := fmt.Sprintf("w%d_%d", b, j)
			bases[name] = make([]float32, in*c)
			m := &Module{Up: make([]float32, int(c)*rank), Down: make([]float32, rank*int(in)), Out: int(c), In: int(in), Rank: rank, Alpha: float64(rank)}
			for k := range m.Up {
				m.Up[k] = float32(k%7) * 0.01
			}
			for k := range m.Down {
				m.Down[k] = float32(k%5) * 0.01
			}
			patches = append(patches, Patch{Target: Target{Initializer: name, Out: int(c), In: int(in), Layout: InOut}, Terms: []Term{{m, 0.8}}})
		}
	}
	return bases, patches
}

// BenchmarkScaleChangeSD15 is what moving a LoRA's scale costs in the studio on the sd15
// preset: re-merging every patched weight (feeding them to ORT afterwards wraps Go memory
// without a copy).
func BenchmarkScaleChangeSD15(b *testing.B) {
	for _, rank := range []int{8, 64} {
		bases, patches := sd15AttentionPatches(rank)
		params := 0
		for _, w := range bases {
			params += len(w)
		}
		out := map[string][]float32{}
		MergeAll(out, bases, patches) // the first merge allocates; a scale change reuses
		b.Run(fmt.Sprintf("rank%d", rank), func(b *testing.B) {
			b.ReportMetric(float64(params)/1e6, "Mweights")
			before := cpuTime()
			for b.Loop() {
				MergeAll(out, bases, patches)
			}
			// CPU time too: on a shared machine wall time measures the neighbours.
			b.ReportMetric(float64((cpuTime()-before).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
}

// cpuTime is the process's user+system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
