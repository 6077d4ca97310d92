package tui

import (
	"strconv"

	"github.com/nudge-studio/nudge/session"
)

// seedMode is how the seed changes between renders (A1111's -1 is random; mold's and
// ComfyUI's "control after generate" has fixed, randomize and increment). The seed a render
// used is always in its parameters (history, saved PNGs and sessions), so the mode itself
// is not needed to reproduce an image and is not stored in the session.
type seedMode int

const (
	seedFixed     seedMode = iota // the session's seed, until changed by hand
	seedRandom                    // a new random seed for every render of new settings (and Ctrl+R)
	seedIncrement                 // seed + 1 for every render after the first
)

func (s seedMode) String() string {
	return [...]string{"fixed", "random", "increment"}[s]
}

// next is the mode after s (the l key cycles fixed → random → increment).
func (s seedMode) next() seedMode { return (s + 1) % 3 }

// nextSeed applies the seed mode before a render is submitted: only when the render is a new
// one (forced, or settings that differ from the running job's), so a debounce that submits
// nothing changes nothing.
func (m *Model) nextSeed(force bool) {
	fresh := force || m.requestKey(m.sess.Params) != m.render.jobKey
	if !fresh {
		return
	}
	switch m.params.seedMode {
	case seedRandom:
		m.sess.Noise.Seed = m.rng.Uint64() >> 1 // TOML-friendly: stays below 2^63
	case seedIncrement:
		if m.render.jobKey != "" { // the first render uses the session's seed
			m.sess.Noise.Seed = m.render.jobParams.Noise.Seed + 1
		}
	}
}

// fixSeed switches the seed mode to fixed (loading a history entry's settings must render
// that entry again); it reports whether the mode changed.
func (m *Model) fixSeed() bool {
	if m.params.seedMode == seedFixed {
		return false
	}
	m.params.seedMode = seedFixed
	return true
}

// seedStatus is the status line's seed part: "seed 42 fixed".
func seedStatus(p *session.Params, mode seedMode) string {
	return "seed " + strconv.FormatUint(p.Noise.Seed, 10) + " " + mode.String()
}
