package lora

import (
	"runtime"
	"sync"
)

// Merge returns W' = W + Σ scale·(α/rank)·B·A for one target, in the graph's layout, as
// diffusers' fuse_lora does (loaders/lora_base.py, fuse_lora → peft's LoraLayer.merge). ΔW is
// accumulated in float64 per element and added to W once, so terms of scale 0 leave W bit for
// bit and the result does not depend on how many LoRAs are stacked in which order beyond
// float64 rounding.
func Merge(base []float32, t Target, terms []Term) []float32 {
	return MergeInto(make([]float32, len(base)), base, t, terms)
}

// MergeInto is Merge writing into out (len(base)), so a scale change reuses the buffers ORT
// reads from instead of allocating and faulting in new ones.
func MergeInto(out, base []float32, t Target, terms []Term) []float32 {
	copy(out, base)
	live := terms[:0:0]
	for _, tm := range terms {
		if tm.Scale != 0 {
			live = append(live, tm)
		}
	}
	if len(live) == 0 {
		return out
	}
	row := make([]float64, t.In)
	for o := range t.Out {
		clear(row)
		for _, tm := range live {
			m := tm.Module
			k := tm.Scale * m.Factor()
			for r := range m.Rank {
				c := k * float64(m.Up[o*m.Rank+r])
				down := m.Down[r*m.In : (r+1)*m.In]
				for i, d := range down {
					row[i] += c * float64(d)
				}
			}
		}
		if t.Layout == OutIn {
			w := out[o*t.In : (o+1)*t.In]
			for i, d := range row {
				w[i] = float32(float64(w[i]) + d)
			}
			continue
		}
		for i, d := range row {
			out[i*t.Out+o] = float32(float64(out[i*t.Out+o]) + d)
		}
	}
	return out
}

// MergeAll merges every patch into out (keyed by initializer; buffers missing from out are
// allocated and added), one goroutine per CPU: a scale change in the studio costs this.
func MergeAll(out, bases map[string][]float32, patches []Patch) {
	for _, p := range patches {
		name := p.Target.Initializer
		if len(out[name]) != len(bases[name]) {
			out[name] = make([]float32, len(bases[name]))
		}
	}
	var wg sync.WaitGroup
	work := make(chan Patch)
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Go(func() {
			for p := range work {
				name := p.Target.Initializer
				MergeInto(out[name], bases[name], p.Target, p.Terms)
			}
		})
	}
	for _, p := range patches {
		work <- p
	}
	close(work)
	wg.Wait()
}
