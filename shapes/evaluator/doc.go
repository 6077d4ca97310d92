// Package evaluator reads pictures of the shapes world back into objects and scores them
// against their prompts: a GenEval (Ghosh et al., 2023) for the shapes world, so that a model
// trained on it, and every steering technique applied to that model, can be measured by
// attribute (docs/shapes-world.md).
//
// Detect finds the background (the median colour of the border) and the objects. Pixels more
// than ΔE 15 from the background and within ΔE 25 of a palette colour (CIELAB) form the objects'
// cores, grouped into connected regions of one colour; tiny regions and thin ones (the ring of
// mixed colour along a blurred edge) are dropped. Each region then claims the pixels within a
// few pixels of it and gives each a coverage, the pixel's linear-light colour projected between
// the background's and the region's — exact for an anti-aliased render and for any linear blur
// — so an object's area, centroid and outline come out to sub-pixel precision. Its shape is the
// nearest of six prototypes in a space of outline features (weighted: the 1st and 2nd harmonics,
// which any smooth distortion adds, count less; the solidity, which shows the heart's notch, more): the 1st–8th Fourier harmonics of
// the radius seen from the centroid along 128 rays (circle: none; square: 4th; triangle: 3rd;
// star: 5th; hexagon: a weak 6th; heart: 1st–3rd) and the solidity (area over convex hull; the
// star's is 0.6). These features ignore size, position and small rotations and degrade gently
// under blur, which is what a small diffusion model's output needs. Colour is the palette colour
// nearest the region's median, size the radius implied by area and shape against
// shapes.SizeThreshold, position the anchor nearest the centroid.
//
// Score matches a prompt's objects to the found ones and judges each attribute the prompt
// names; Suite, Run and Report aggregate that over a fixed prompt list and seeds, with the
// renderer as a parameter (Oracle is the world's own). ObjectMask, IoU and ColourShare serve
// the SEGA check. On the generator's own images Detect recovers 100 % of attributes, clean and
// after a σ = 1 px blur with noise (TestDetectRecoversGenerated logs the figures).
package evaluator
