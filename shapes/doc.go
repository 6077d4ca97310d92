// Package shapes is the shapes world: a deterministic generator of small pictures and their
// captions, on which nudge trains its own Stable-Diffusion-shaped model so that steering
// techniques (SEGA, attend-and-excite, textual inversion, DreamBooth, Instruct-Pix2Pix,
// Depth2Image) can be measured against a known truth (docs/shapes-world.md).
//
// A scene is a plain or low-contrast textured background (white, black, grey, light blue,
// beige; stripes, checker, noise) and one to three flat-coloured objects. An object has a shape
// (circle, square, triangle, star — and hexagon and heart, HeldOut of the base training set so
// that textual inversion and DreamBooth have something new to teach), one of eight well-separated
// colours, a size (small or large) and a position (left, right, top, bottom, centre), and sits at
// that position's anchor with a little jitter and rotation. The choices are deliberately coarse:
// a 5 M-parameter diffusion model at 128² must be able to learn the world in about half an hour
// of CPU training, and the evaluator must read every attribute back without doubt. So objects
// are large (a small circle's radius is about 15 px at 128²), never overlap, never share a
// colour with their background, and no two objects in a scene share both shape and colour.
//
// Generate(seed, opts) returns a Sample: the scene, an anti-aliased render (4×4 supersampling,
// averaged in linear light), per-object visible masks, a depth map, a caption that is true of the
// scene (every object named; colour, size, position and background words only when they hold)
// and an edit pair (one attribute of one object changed, with its instruction). ParsePrompt
// reads any caption back into a Prompt; SceneFor makes a scene for a Prompt, the evaluator's
// oracle of what a perfect model would draw.
//
// All randomness comes from a SplitMix64 generator seeded per call: no global state, the same
// bytes for the same seed everywhere.
package shapes
