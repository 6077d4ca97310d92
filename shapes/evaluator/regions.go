package evaluator

import (
	"math"

	"github.com/nudge-studio/nudge/shapes"
)

// region is a connected group of core pixels of one palette colour.
type region struct {
	colour shapes.Colour
	pixels []int32
	lin    [3]float64 // median linear-light colour of its pixels
	lab    shapes.Lab // median Lab colour of its pixels
}

// minAreaFraction is the smallest region kept, as a fraction of the image: a quarter of a small
// star's area, far above specks and edge fragments.
const minAreaFraction = 0.0025

// minInteriorFraction: a real object's region is mostly interior (all four neighbours in the
// region); the ring of mixed colour along a blurred edge is almost all boundary.
const minInteriorFraction = 0.3

// coreRegions labels foreground pixels near a palette colour and groups them into 8-connected
// regions of one colour, dropping tiny and thin ones.
func coreRegions(p pixels, bg shapes.Lab) []region {
	n := p.w * p.h
	label := make([]int8, n)
	for i, l := range p.lab {
		if shapes.DeltaE(l, bg) <= backgroundThreshold {
			continue
		}
		if c, d := p.nearestColour(l); d < coreThreshold {
			label[i] = int8(c)
		}
	}
	seen := make([]bool, n)
	minArea := max(20, int(minAreaFraction*float64(n)))
	var out []region
	var stack []int32
	for start := range label {
		if label[start] == 0 || seen[start] {
			continue
		}
		reg := region{colour: shapes.Colour(label[start])}
		stack = append(stack[:0], int32(start))
		seen[start] = true
		for len(stack) > 0 {
			i := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			reg.pixels = append(reg.pixels, i)
			x, y := int(i)%p.w, int(i)/p.w
			for dy := -1; dy <= 1; dy++ {
				for dx := -1; dx <= 1; dx++ {
					nx, ny := x+dx, y+dy
					if nx < 0 || ny < 0 || nx >= p.w || ny >= p.h {
						continue
					}
					j := ny*p.w + nx
					if !seen[j] && label[j] == label[start] {
						seen[j] = true
						stack = append(stack, int32(j))
					}
				}
			}
		}
		if len(reg.pixels) >= minArea && interior(p, label, reg) >= minInteriorFraction*float64(len(reg.pixels)) {
			reg.lin, reg.lab = medians(p, reg.pixels)
			out = append(out, reg)
		}
	}
	return out
}

// interior counts the region's pixels whose four neighbours share its label.
func interior(p pixels, label []int8, reg region) float64 {
	want := int8(reg.colour)
	k := 0
	for _, i := range reg.pixels {
		x, y := int(i)%p.w, int(i)/p.w
		if x > 0 && y > 0 && x < p.w-1 && y < p.h-1 &&
			label[i-1] == want && label[i+1] == want && label[int(i)-p.w] == want && label[int(i)+p.w] == want {
			k++
		}
	}
	return float64(k)
}

func medians(p pixels, idx []int32) ([3]float64, shapes.Lab) {
	var lin [3]float64
	var lab shapes.Lab
	xs := make([]float64, len(idx))
	for c := 0; c < 3; c++ {
		for k, i := range idx {
			xs[k] = float64(p.lin[i][c])
		}
		lin[c] = median(xs)
		for k, i := range idx {
			xs[k] = p.lab[i][c]
		}
		lab[c] = median(xs)
	}
	return lin, lab
}

// claimEdges lets every region claim the pixels within a few pixels of it (nearest region
// first, by breadth-first search) and gives each claimed pixel a coverage: its linear-light
// colour projected on the line from the background to the region's colour, 0 at the background
// and 1 at the object. This is exact for a box-filtered render and for any linear blur.
func claimEdges(p pixels, bgLin [3]float64, regions []region) ([]int16, []float32) {
	n := p.w * p.h
	owner := make([]int16, n)
	for i := range owner {
		owner[i] = -1
	}
	alpha := make([]float32, n)
	reach := max(2, int(math.Round(3*float64(min(p.w, p.h))/128)))
	frontier := []int32{}
	for k, r := range regions {
		for _, i := range r.pixels {
			owner[i] = int16(k)
			frontier = append(frontier, i)
		}
	}
	for step := 0; step < reach; step++ {
		var next []int32
		for _, i := range frontier {
			x, y := int(i)%p.w, int(i)/p.w
			for _, d := range [4][2]int{{1, 0}, {-1, 0}, {0, 1}, {0, -1}} {
				nx, ny := x+d[0], y+d[1]
				if nx < 0 || ny < 0 || nx >= p.w || ny >= p.h || owner[ny*p.w+nx] >= 0 {
					continue
				}
				owner[ny*p.w+nx] = owner[i]
				next = append(next, int32(ny*p.w+nx))
			}
		}
		frontier = next
	}
	for i, k := range owner {
		if k >= 0 {
			alpha[i] = coverage(p.lin[i], bgLin, regions[k].lin)
		}
	}
	return owner, alpha
}

// coverage is the fraction a of the object's colour in a pixel c = a·obj + (1−a)·bg (least
// squares), clamped to [0, 1].
func coverage(c [3]float32, bg, obj [3]float64) float32 {
	var num, den float64
	for k := 0; k < 3; k++ {
		d := obj[k] - bg[k]
		num += (float64(c[k]) - bg[k]) * d
		den += d * d
	}
	if den == 0 {
		return 0
	}
	return float32(math.Max(0, math.Min(1, num/den)))
}
