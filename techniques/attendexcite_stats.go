package techniques

// TokenStats is one chosen token in one evaluation, for the studio.
type TokenStats struct {
	Index int     // CLIP position
	Peak  float64 // max of the token's smoothed attention map, in [0,1]
	Loss  float64 // max(0, 1 − Peak)
}

// SampleStats is one sample's A&E work in one step.
type SampleStats struct {
	Before      []TokenStats // at the latent the step started with
	Tokens      []TokenStats // at the latent the final update was computed at (after refinement)
	Loss        float64      // the worst token's loss there: what the update lowers
	Refinements int          // iterative-refinement iterations run (0 outside threshold steps)
	Updated     bool         // the final gradient step was taken
	// After and LossAfter are measured after the update when MeasureEffect is set; LossAfter
	// is NaN otherwise.
	After     []TokenStats
	LossAfter float64
}

// AttendExciteStats describes the most recent step A&E worked on.
type AttendExciteStats struct {
	Step    int // −1 before the first
	Samples []SampleStats
}

// LastStats returns a copy of the statistics of the most recent step A&E worked on. It is
// safe to call from another goroutine while the render runs.
func (a *AttendExcite) LastStats() AttendExciteStats {
	a.statsMu.Lock()
	defer a.statsMu.Unlock()
	st := a.stats
	st.Samples = append([]SampleStats(nil), st.Samples...)
	for i, s := range st.Samples {
		st.Samples[i].Before = append([]TokenStats(nil), s.Before...)
		st.Samples[i].Tokens = append([]TokenStats(nil), s.Tokens...)
		st.Samples[i].After = append([]TokenStats(nil), s.After...)
	}
	return st
}

func (a *AttendExcite) setStats(st AttendExciteStats) {
	a.statsMu.Lock()
	a.stats = st
	a.statsMu.Unlock()
}

// tokenStats lists the chosen tokens' peaks and losses of one evaluation.
func (a *AttendExcite) tokenStats(l *exciteLoss) []TokenStats {
	out := make([]TokenStats, len(a.cfg.Tokens))
	for i, t := range a.cfg.Tokens {
		out[i] = TokenStats{Index: t, Peak: l.peaks[i], Loss: max(0, 1-l.peaks[i])}
	}
	return out
}
