// Package preview turns diffusion latents and decoded images into pictures a terminal can show.
//
// It has four layers, one concern per file:
//
//   - latent.go, tensor.go: latents → picture with the linear latent→RGB approximation
//     (ComfyUI latent_formats.py / A1111 sd_vae_approx.py factors; see
//     docs/references.md, "Live previews"), and planar decoder output (TAESD, full VAE) → image.
//   - kitty.go, placeholder.go, sixel.go, iterm.go, blocks.go, quadrants.go, text.go: one
//     Encoder per terminal protocol (kitty graphics protocol spec, DEC sixel, iTerm2 inline
//     images; docs/references.md).
//   - detect.go, replies.go, tty_unix.go: which protocol the terminal speaks, from in-band
//     queries with a short timeout, environment hints and an override.
//   - pacer.go, studio.go, view.go: latest-frame-wins pacing, the strings and raw bytes the
//     studio places, and `nudge view` / `render --show`.
//
// The package imports no other nudge package and no bubbletea: it takes latents as
// []float32 plus dimensions and images as image.Image, and returns bytes and strings.
package preview
