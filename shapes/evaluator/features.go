package evaluator

import (
	"math"
	"sort"

	"github.com/nudge-studio/nudge/shapes"
)

// Features describe an outline independently of its size, position and (mostly) rotation.
type Features struct {
	// Harmonics[k] is the amplitude of the k-fold component of the outline's radius as seen from
	// the centroid, relative to the mean radius: a circle has none, a triangle a strong 3rd, a
	// square a 4th, a star a very strong 5th, a hexagon a weak 6th, a heart a 1st and 2nd.
	Harmonics [9]float64
	// Solidity is the outline's area over its convex hull's: about 0.5 for the star, near 1
	// for the convex shapes, in between for the heart's notch.
	Solidity float64
}

// rays is the number of directions the outline's radius is read along.
const rays = 128

// describeRegion measures region k: coverage-weighted area and centroid, the mask, the outline
// features and from them the attributes.
func describeRegion(p pixels, k int, reg region, owner []int16, alpha []float32, side float64) (Object, bool) {
	var area, sx, sy float64
	m := Mask{W: p.w, H: p.h, On: make([]bool, p.w*p.h)}
	for i, o := range owner {
		if int(o) != k {
			continue
		}
		a := float64(alpha[i])
		area += a
		sx += a * (float64(i%p.w) + 0.5)
		sy += a * (float64(i/p.w) + 0.5)
		m.On[i] = a >= 0.5
	}
	if area < max(20, minAreaFraction*float64(p.w*p.h)) {
		return Object{}, false
	}
	cx, cy := sx/area, sy/area
	radii := radialProfile(p, k, owner, alpha, cx, cy)
	f := outlineFeatures(radii)
	o := Object{X: cx / float64(p.w), Y: cy / float64(p.h), Area: area, Mask: m, Features: f}
	o.Shape = classify(f)
	o.Colour, _ = p.nearestColour(reg.lab)
	o.Radius = math.Sqrt(area/o.Shape.AreaFactor()) / side
	o.Size = shapes.Small
	if o.Radius >= shapes.SizeThreshold() {
		o.Size = shapes.Large
	}
	o.Position = shapes.NearestPosition(o.X, o.Y)
	return o, true
}

// radialProfile reads, along each ray from the centroid, the distance at which coverage last
// falls through one half: the outline to sub-pixel precision, and blind to holes inside.
func radialProfile(p pixels, k int, owner []int16, alpha []float32, cx, cy float64) []float64 {
	at := func(x, y float64) float64 {
		x, y = x-0.5, y-0.5
		x0, y0 := math.Floor(x), math.Floor(y)
		fx, fy := x-x0, y-y0
		get := func(xi, yi int) float64 {
			if xi < 0 || yi < 0 || xi >= p.w || yi >= p.h || int(owner[yi*p.w+xi]) != k {
				return 0
			}
			return float64(alpha[yi*p.w+xi])
		}
		ix, iy := int(x0), int(y0)
		return (1-fy)*((1-fx)*get(ix, iy)+fx*get(ix+1, iy)) + fy*((1-fx)*get(ix, iy+1)+fx*get(ix+1, iy+1))
	}
	const step = 0.25
	maxR := math.Hypot(float64(p.w), float64(p.h)) / 2
	radii := make([]float64, rays)
	for j := range radii {
		s, c := math.Sincos(2 * math.Pi * float64(j) / rays)
		prev := at(cx, cy)
		for t := step; t < maxR; t += step {
			a := at(cx+t*c, cy-t*s)
			if prev >= 0.5 && a < 0.5 {
				radii[j] = t - step + step*(prev-0.5)/(prev-a)
			}
			if prev == 0 && a == 0 && t > radii[j]+8 {
				break
			}
			prev = a
		}
	}
	return radii
}

// outlineFeatures computes the harmonics of the radius profile and the solidity of the polygon
// it traces.
func outlineFeatures(radii []float64) Features {
	var f Features
	mean := 0.0
	for _, r := range radii {
		mean += r
	}
	mean /= float64(len(radii))
	if mean == 0 {
		return f
	}
	for k := 1; k < len(f.Harmonics); k++ {
		var re, im float64
		for j, r := range radii {
			s, c := math.Sincos(2 * math.Pi * float64(k*j) / float64(len(radii)))
			re += r * c
			im -= r * s
		}
		f.Harmonics[k] = 2 * math.Hypot(re, im) / float64(len(radii)) / mean
	}
	pts := make([][2]float64, len(radii))
	for j, r := range radii {
		s, c := math.Sincos(2 * math.Pi * float64(j) / float64(len(radii)))
		pts[j] = [2]float64{r * c, r * s}
	}
	if h := polygonArea(convexHull(pts)); h > 0 {
		f.Solidity = polygonArea(pts) / h
	}
	return f
}

func polygonArea(pts [][2]float64) float64 {
	a := 0.0
	for i, p := range pts {
		q := pts[(i+1)%len(pts)]
		a += p[0]*q[1] - q[0]*p[1]
	}
	return math.Abs(a) / 2
}

// convexHull is Andrew's monotone chain.
func convexHull(pts [][2]float64) [][2]float64 {
	ps := append([][2]float64(nil), pts...)
	sort.Slice(ps, func(i, j int) bool {
		return ps[i][0] < ps[j][0] || ps[i][0] == ps[j][0] && ps[i][1] < ps[j][1]
	})
	cross := func(o, a, b [2]float64) float64 { return (a[0]-o[0])*(b[1]-o[1]) - (a[1]-o[1])*(b[0]-o[0]) }
	var hull [][2]float64
	for pass := 0; pass < 2; pass++ {
		start := len(hull)
		for _, p := range ps {
			for len(hull) >= start+2 && cross(hull[len(hull)-2], hull[len(hull)-1], p) <= 0 {
				hull = hull[:len(hull)-1]
			}
			hull = append(hull, p)
		}
		hull = hull[:len(hull)-1]
		for i, j := 0, len(ps)-1; i < j; i, j = i+1, j-1 {
			ps[i], ps[j] = ps[j], ps[i]
		}
	}
	return hull
}

// prototypes are each shape's mean features on the world's own 128² renders (harmonics 1–8,
// then 1 − solidity); TestPrototypes re-measures them. Nearest-prototype classification puts each
// boundary halfway between two shapes' signatures, so a model's imperfect outline still lands on
// the shape it resembles most: a rounded triangle keeps most of its 3-fold component, a blobby
// star its 5-fold one.
var prototypes = [...]struct {
	shape shapes.Shape
	f     [9]float64
}{
	{shapes.Circle, [9]float64{0, 0, 0, 0, 0, 0, 0, 0, 0.003}},
	{shapes.Square, [9]float64{0, 0, 0, 0.136, 0, 0, 0, 0.041, 0.01}},
	{shapes.Triangle, [9]float64{0, 0, 0.271, 0, 0, 0.1, 0, 0, 0.02}},
	{shapes.Star, [9]float64{0, 0, 0, 0, 0.303, 0, 0, 0, 0.39}},
	{shapes.Hexagon, [9]float64{0, 0, 0, 0, 0, 0.056, 0, 0, 0.007}},
	{shapes.Heart, [9]float64{0.01, 0.054, 0.123, 0.023, 0.035, 0, 0.016, 0, 0.02}},
}

// vector is the features in the prototypes' layout.
func (f Features) vector() [9]float64 {
	var v [9]float64
	copy(v[:8], f.Harmonics[1:])
	v[8] = 1 - f.Solidity
	return v
}

// featureWeights scale the distance per feature. The 1st and 2nd harmonics count for less:
// they are what any smooth distortion adds (an off-centre bulge, an oval), the commonest flaws
// of a small model's outlines, while corners live in the 3rd and higher.
var featureWeights = [9]float64{0.2, 0.4, 1, 1, 1, 1, 1, 1, 3}

// classify names the shape whose prototype is nearest the features.
func classify(f Features) shapes.Shape {
	v := f.vector()
	best, bestD := shapes.Circle, math.Inf(1)
	for _, p := range prototypes {
		d := 0.0
		for k := range v {
			e := featureWeights[k] * (v[k] - p.f[k])
			d += e * e
		}
		if d < bestD {
			best, bestD = p.shape, d
		}
	}
	return best
}
