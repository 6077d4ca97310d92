package preview

// The sixel palette is a fixed 6×7×6 colour cube (252 registers): green gets the extra level
// because the eye is most sensitive to it. A fixed palette makes quantisation three table
// look-ups per pixel, which is what lets sixel keep up with every diffusion step;
// docs/references.md ("Terminal graphics") records go-sixel's adaptive palette at 95–266 ms per
// 512² frame and a fixed one at 18–41 ms.
const (
	levelsR = 6
	levelsG = 7
	levelsB = 6
	// paletteSize is the number of colour registers used; sixel terminals offer ≥256.
	paletteSize = levelsR * levelsG * levelsB
)

// bayer4 is the 4×4 ordered-dither threshold matrix (values 0..15).
var bayer4 = [16]int{0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5}

// palette holds per-channel look-up tables: index contribution per 8-bit value, for each of
// the 16 dither positions (all equal when dithering is off).
type palette struct {
	r, g, b [16][256]uint8
}

func newPalette(dither bool) *palette {
	p := &palette{}
	for pos := range 16 {
		off := 0.0
		if dither {
			off = (float64(bayer4[pos]) + 0.5) / 16
		} else {
			off = 0.5
		}
		for v := range 256 {
			p.r[pos][v] = uint8(channelLevel(v, levelsR, off) * levelsG * levelsB)
			p.g[pos][v] = uint8(channelLevel(v, levelsG, off) * levelsB)
			p.b[pos][v] = uint8(channelLevel(v, levelsB, off))
		}
	}
	return p
}

// channelLevel maps v∈[0,255] to one of n levels. off=0.5 rounds to the nearest level; other
// offsets in [0,1) give ordered dithering, which keeps the local average right.
func channelLevel(v, n int, off float64) int {
	x := float64(v)*float64(n-1)/255 + off
	return clampInt(int(x), 0, n-1)
}

// paletteRGB returns the 8-bit colour of register i.
func paletteRGB(i int) (r, g, b uint8) {
	ri, gi, bi := i/(levelsG*levelsB), i/levelsB%levelsG, i%levelsB
	return levelValue(ri, levelsR), levelValue(gi, levelsG), levelValue(bi, levelsB)
}

func levelValue(i, n int) uint8 { return uint8((i*255 + (n-1)/2) / (n - 1)) }
