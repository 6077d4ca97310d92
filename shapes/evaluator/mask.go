package evaluator

import (
	"fmt"
	"image"

	"github.com/nudge-studio/nudge/shapes"
)

// Mask is a binary image mask, row-major.
type Mask struct {
	W, H int
	On   []bool
}

// Count is the number of pixels on.
func (m Mask) Count() int {
	n := 0
	for _, on := range m.On {
		if on {
			n++
		}
	}
	return n
}

// ObjectMask is the union of every object Detect finds: for the SEGA check, the "object's
// pixels" whose colour share and overlap with the plain render are measured.
func ObjectMask(img image.Image) Mask {
	r := Detect(img)
	m := Mask{W: r.Width, H: r.Height, On: make([]bool, r.Width*r.Height)}
	for _, o := range r.Objects {
		for i, on := range o.Mask.On {
			m.On[i] = m.On[i] || on
		}
	}
	return m
}

// IoU is the intersection over union of two masks of one size (1 when both are empty).
func IoU(a, b Mask) (float64, error) {
	if a.W != b.W || a.H != b.H || len(a.On) != len(b.On) {
		return 0, fmt.Errorf("evaluator: IoU of a %d×%d mask and a %d×%d one; render both at one size", a.W, a.H, b.W, b.H)
	}
	inter, union := 0, 0
	for i := range a.On {
		if a.On[i] && b.On[i] {
			inter++
		}
		if a.On[i] || b.On[i] {
			union++
		}
	}
	if union == 0 {
		return 1, nil
	}
	return float64(inter) / float64(union), nil
}

// ColourShare is the fraction of the mask's pixels whose nearest palette colour (in CIELAB) is
// c: SEGA's "red share of the object's pixels". It is 0 for an empty mask.
func ColourShare(img image.Image, m Mask, c shapes.Colour) (float64, error) {
	p := toLab(img)
	if p.w != m.W || p.h != m.H {
		return 0, fmt.Errorf("evaluator: a %d×%d mask on a %d×%d image; take the mask from the same image size", m.W, m.H, p.w, p.h)
	}
	on, hits := 0, 0
	for i, set := range m.On {
		if !set {
			continue
		}
		on++
		if got, _ := p.nearestColour(p.lab[i]); got == c {
			hits++
		}
	}
	if on == 0 {
		return 0, nil
	}
	return float64(hits) / float64(on), nil
}
