package techniques

import "math"

// Branch says which of diffusers' two SEGA branches added guidance in a step.
type Branch int

const (
	BranchNone    Branch = iota // no concept warmed up yet: only momentum accumulated
	BranchPartial               // some warmed up: their normalised weighted sum, no momentum
	BranchAll                   // all warmed up: the weighted sum plus momentum
)

func (b Branch) String() string {
	switch b {
	case BranchPartial:
		return "partial"
	case BranchAll:
		return "all"
	default:
		return "none"
	}
}

// ConceptStats describes one concept in one step, for the UI.
type ConceptStats struct {
	Warm    bool    // past its warm-up
	Cooled  bool    // past its cool-down: contributes nothing
	Kept    float64 // fraction of latent values that passed the threshold mask
	MeanAbs float64 // mean |masked edit| over all latent values
}

// StepStats describes SEGA's last step.
type StepStats struct {
	Step        int
	Branch      Branch
	Concepts    []ConceptStats // in Conditions order
	MomentumRMS float64        // root mean square of the momentum after the step
}

// LastStats returns the statistics of the most recent step that had concepts (zero before
// the first). It is safe to call from another goroutine while the render runs.
func (s *SEGA) LastStats() StepStats {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	st := s.stats
	st.Concepts = append([]ConceptStats(nil), st.Concepts...)
	return st
}

func (s *SEGA) setStats(st StepStats) {
	s.statsMu.Lock()
	s.stats = st
	s.statsMu.Unlock()
}

func rms(v []float32) float64 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	return math.Sqrt(sum / float64(len(v)))
}
