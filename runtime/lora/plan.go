package lora

import "slices"

// Use is one LoRA applied at a scale (A1111's <lora:name:scale>).
type Use struct {
	File  *File
	Scale float64
}

// Plan places several LoRAs on one component's weights: one Patch per weight any of them
// touches, with every LoRA's module as a term. A LoRA with no module for comp adds nothing.
func Plan(ix *Index, comp Component, uses []Use) ([]Patch, error) {
	byInit := map[string]*Patch{}
	for _, u := range uses {
		targets, mods, err := Resolve(u.File, comp, ix)
		if err != nil {
			return nil, err
		}
		for i, t := range targets {
			p := byInit[t.Initializer]
			if p == nil {
				p = &Patch{Target: t}
				byInit[t.Initializer] = p
			}
			p.Terms = append(p.Terms, Term{Module: mods[i], Scale: u.Scale})
		}
	}
	out := make([]Patch, 0, len(byInit))
	for _, p := range byInit {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Patch) int {
		if a.Target.Initializer < b.Target.Initializer {
			return -1
		}
		if a.Target.Initializer > b.Target.Initializer {
			return 1
		}
		return 0
	})
	return out, nil
}

// Initializers lists the weights the patches change, sorted: what the patched graph takes as
// inputs.
func Initializers(patches []Patch) []string {
	out := make([]string, len(patches))
	for i, p := range patches {
		out[i] = p.Target.Initializer
	}
	return out
}
