// Package techniques holds nudge's guidance and editing techniques, one file per technique,
// each readable top to bottom. A technique is a value built fresh for every render; it plugs
// into the denoising loop through the optional hook interfaces of runtime/technique.go
// (Beginner, Conditioner, Guider, LatentUpdater) and keeps its per-render state (SEGA's
// momentum, say) in itself, so nothing leaks from one render into the next.
//
// Each technique ports one huggingface/diffusers pipeline exactly (see
// the pipeline each technique's file names for the formulas and their quirks); where a port has
// to differ, the technique's file says where and why.
//
// # How a render with SEGA flows through the hooks
//
// Take prompt "a house", guidance 7.5, 50 PNDM steps (51 UNet calls), batch 1, latents 4×64×64,
// and one concept DefaultConcept("snow") (edit guidance 5, warm-up 10, threshold 0.9):
//
//  1. The session layer builds s, _ := NewSEGA(DefaultSEGAConfig(DefaultConcept("snow"))):
//     bad numbers (an empty prompt, a threshold of 1.2) fail here, before any model work.
//  2. Before step 0 the engine calls s.Begin(RenderInfo{Batch: 1, Channels: 4, Height: 64,
//     Width: 64, Timesteps: <51 values>, GuidanceScale: 7.5, CFG: true}); a warm-up longer
//     than the 51 calls fails here. Begin allocates the momentum and scratch buffers.
//  3. Every step the engine asks s.Conditions() → ["snow"], encodes it once (embeddings are
//     cached by text, so a later render that only changes a weight reuses them) and runs one
//     UNet call on 3 rows: [uncond, "a house", "snow"].
//  4. It sets Delta = 7.5·(text − uncond) and calls s.Guide(&Guidance{Step: i, Extra: [ε_snow],
//     …}). For i < 10 SEGA only accumulates momentum; from i = 10 on it adds the masked,
//     momentum-augmented edit direction to Delta. The loop then takes uncond + Delta.
//  5. After a step the UI may read s.LastStats() to show which concepts are active and how
//     much of the latent each one touches.
//
// With guidance ≤ 1 (no CFG) SEGA asks for no rows and changes nothing, as in diffusers.
package techniques

import "strings"

// ConfigError is a technique setting the user must fix. It implements BadInput so the CLI
// exits with status 2; its message is one line: which technique, what is wrong, what to do.
type ConfigError struct {
	// Technique is the session-block name ("sega") that prefixes the message; empty where
	// the caller adds it, as the engine does for errors from Begin.
	Technique string
	Problems  []string // each "where: what — what to do"
}

func (e *ConfigError) Error() string {
	msg := strings.Join(e.Problems, "; ")
	if e.Technique != "" {
		msg = e.Technique + ": " + msg
	}
	return msg
}

// BadInput marks the error as the user's to fix (exit status 2).
func (e *ConfigError) BadInput() bool { return true }
