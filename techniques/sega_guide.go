package techniques

import (
	"fmt"
	"math"

	"github.com/nudge-studio/nudge/runtime"
)

// Guide adds SEGA's edit guidance for one UNet call to g.Delta, following the per-step
// algorithm of diffusers' SemanticStableDiffusionPipeline.__call__ line by line. Tensors are
// float32 as in diffusers; weights and scales are rounded to float32 where torch rounds them.
//
//  1. per concept: edit = scale·(±(ε_concept − ε_uncond)), masked per sample and latent
//     channel to |edit| ≥ quantile(|edit|, threshold); weight w, or 0 once cooled down;
//  2. some but not all concepts warmed up: add their edits weighted by max(w,0), normalised
//     to sum 1, and no momentum;
//  3. always: S = Σ max(w,0)·edit + momentumScale·M, then M = β·M + (1−β)·S — momentum
//     accumulates during warm-up; all warmed up: add S;
//  4. add sem_guidance[step] if given.
func (s *SEGA) Guide(g *runtime.Guidance) error {
	if !s.begun {
		return fmt.Errorf("sega: Guide called before Begin")
	}
	if !s.info.CFG {
		return nil // diffusers computes edit guidance only inside its CFG branch
	}
	if err := s.checkGuidance(g); err != nil {
		return err
	}
	n := len(s.cfg.Concepts)
	if n > 0 {
		stats := StepStats{Step: g.Step, Concepts: make([]ConceptStats, n)}
		weights, warm := s.conceptEdits(g, stats.Concepts)
		stats.Branch = s.combine(g.Delta, weights, warm)
		stats.MomentumRMS = rms(s.momentum)
		s.setStats(stats)
	}
	if s.cfg.SemGuidance != nil {
		for i, v := range s.cfg.SemGuidance[g.Step] {
			g.Delta[i] += v
		}
	}
	return nil
}

// checkGuidance rejects a Guidance that does not match the render Begin was told about;
// such a mismatch is the engine's bug, not the user's.
func (s *SEGA) checkGuidance(g *runtime.Guidance) error {
	size := len(s.momentum)
	switch {
	case g.Step < 0 || g.Step >= len(s.info.Timesteps):
		return fmt.Errorf("sega: step %d outside the render's %d steps", g.Step, len(s.info.Timesteps))
	case len(g.Uncond) != size || len(g.Delta) != size:
		return fmt.Errorf("sega: guidance holds %d/%d values, the latents %d", len(g.Uncond), len(g.Delta), size)
	case len(g.Extra) != len(s.cfg.Concepts):
		return fmt.Errorf("sega: %d concept predictions for %d concepts", len(g.Extra), len(s.cfg.Concepts))
	}
	for c, e := range g.Extra {
		if len(e) != size {
			return fmt.Errorf("sega: concept %d prediction holds %d values, the latents %d", c+1, len(e), size)
		}
	}
	return nil
}

// conceptEdits fills s.edits with each concept's masked edit for this step and returns the
// concept weights (float32, 0 once cooled down, as diffusers' concept_weights) and which
// concepts are past warm-up. A weight is the same for every sample of the batch.
func (s *SEGA) conceptEdits(g *runtime.Guidance, stats []ConceptStats) (weights []float32, warm []bool) {
	n := len(s.cfg.Concepts)
	weights, warm = make([]float32, n), make([]bool, n)
	for c, con := range s.cfg.Concepts {
		warm[c] = g.Step >= con.WarmUp
		stats[c].Warm = warm[c]
		edit := s.edits[c]
		if con.CoolDown != nil && g.Step >= *con.CoolDown {
			clear(edit)
			stats[c].Cooled = true
			continue
		}
		weights[c] = float32(con.Weight)
		s.scaledEdit(edit, g.Extra[c], g.Uncond, con)
		stats[c].Kept, stats[c].MeanAbs = s.maskByQuantile(edit, float32(con.Threshold))
	}
	return weights, warm
}

// scaledEdit sets edit = scale·(concept − uncond), negated first when reversed — the same
// float32 operations, in the same order, as diffusers.
func (s *SEGA) scaledEdit(edit, concept, uncond []float32, con Concept) {
	scale := float32(con.EditGuidance)
	for i := range edit {
		d := concept[i] - uncond[i]
		if con.Reverse {
			d = -d
		}
		edit[i] = d * scale
	}
}

// maskByQuantile zeroes, in every (sample, channel) plane, the values whose magnitude is
// below that plane's threshold-quantile of magnitudes (torch.quantile over h·w, kept where
// |edit| ≥ q). A plane holding NaN gets a NaN quantile and so is zeroed entirely, as in
// torch. It returns the fraction of values kept and their mean magnitude over all values.
func (s *SEGA) maskByQuantile(edit []float32, threshold float32) (kept, meanAbs float64) {
	plane := s.info.Height * s.info.Width
	var nKept int
	var sumAbs float64
	for off := 0; off < len(edit); off += plane {
		p := edit[off : off+plane]
		q := s.quantile.quantile(p, threshold)
		for i, v := range p {
			if a := abs32(v); a >= q {
				nKept++
				sumAbs += float64(a)
			} else {
				p[i] = 0
			}
		}
	}
	return float64(nKept) / float64(len(edit)), sumAbs / float64(len(edit))
}

// combine applies the two branches of the algorithm to delta and updates the momentum.
func (s *SEGA) combine(delta []float32, weights []float32, warm []bool) Branch {
	nWarm := 0
	for _, w := range warm {
		if w {
			nWarm++
		}
	}
	n := len(weights)
	branch := BranchNone
	if nWarm > 0 && nWarm < n {
		branch = BranchPartial
		s.partialWarmUp(delta, weights, warm)
	}
	allWarm := nWarm == n
	if allWarm {
		branch = BranchAll
	}
	s.momentumStep(delta, weights, allWarm)
	return branch
}

// partialWarmUp adds Σ_{warm c} ŵ_c·edit_c with ŵ = max(w,0) normalised over the warm
// concepts, and no momentum (diffusers' branch for 0 < #warm < n).
//
// Deviation from diffusers: when every warm concept has weight ≤ 0 or is cooled down, the
// normalising sum is 0 and diffusers divides 0 by 0, turning the whole latent into NaN (its
// nan_to_num for this line is commented out). nudge adds nothing instead — what that
// nan_to_num would give — so a muted concept cannot blank the image.
func (s *SEGA) partialWarmUp(delta []float32, weights []float32, warm []bool) {
	norm := make([]float32, len(weights))
	var sum float32
	for c, w := range weights {
		if warm[c] {
			norm[c] = max(w, 0)
			sum += norm[c]
		}
	}
	if sum == 0 {
		return
	}
	for c := range norm {
		norm[c] /= sum
	}
	weighted := s.weightedSum(norm)
	for i, v := range weighted {
		delta[i] += v
	}
}

// momentumStep computes S = Σ_c max(w_c,0)·edit_c + scale·M over all concepts (warmed up or
// not), updates M = β·M + (1−β)·S, and adds S to delta when every concept is warm.
func (s *SEGA) momentumStep(delta []float32, weights []float32, allWarm bool) {
	scale := float32(s.cfg.MomentumScale)
	beta := float32(s.cfg.MomentumBeta)
	oneMinusBeta := float32(1 - s.cfg.MomentumBeta)
	for c := range weights {
		weights[c] = max(weights[c], 0)
	}
	sum := s.weightedSum(weights)
	for i, m := range s.momentum {
		acc := sum[i] + float32(scale*m)
		s.momentum[i] = float32(beta*m) + float32(oneMinusBeta*acc)
		if allWarm {
			delta[i] += acc
		}
	}
}

// weightedSum returns Σ_c w_c·edit_c in s.sum, adding concepts in order (diffusers' einsum
// over the concept axis); concepts weighted 0 are skipped.
func (s *SEGA) weightedSum(weights []float32) []float32 {
	sum := s.sum
	clear(sum)
	for c, w := range weights {
		if w == 0 {
			continue
		}
		edit := s.edits[c][:len(sum)]
		for i := range sum {
			sum[i] += float32(w * edit[i])
		}
	}
	return sum
}

func abs32(v float32) float32 {
	return math.Float32frombits(math.Float32bits(v) &^ signBit)
}
