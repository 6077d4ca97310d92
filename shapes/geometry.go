package shapes

import "math"

// Each shape is defined in local unit coordinates (u right, v up, origin at the object's centre,
// scaled by Object.Radius). Every shape fits in the unit disc; the constants below set how much
// of it each fills so that the shapes look about equally "big" at the same radius.
const (
	circleRadius  = 0.85
	squareHalf    = 0.72
	hexagonRadius = 0.92
	starInner     = 0.45 // inner-vertex radius of the five-pointed star (outer = 1)
	heartScale    = 1.35 // the heart curve spans about ±1.14 × [-1, 1.24] and its lobes reach 1.34 from the centre; this brings it inside the unit disc
	heartShift    = 0.12 // centres the heart curve vertically
)

// Extent is the largest distance from the centre to the shape's outline in local units: the
// layout keeps objects Extent × Radius apart so they never touch.
func (s Shape) Extent() float64 {
	switch s {
	case Circle:
		return circleRadius
	case Square:
		return squareHalf * math.Sqrt2
	case Hexagon:
		return hexagonRadius
	}
	return 1
}

// heartArea is the area of the heart in local units, measured on a 4000² grid
// (TestAreaFactors recomputes it).
const heartArea = 2.0093

// AreaFactor is the shape's area in local units: area in pixels = AreaFactor × (Radius × side)².
// The evaluator divides a found object's area by it to read its radius, hence its size class.
func (s Shape) AreaFactor() float64 {
	switch s {
	case Circle:
		return math.Pi * circleRadius * circleRadius
	case Square:
		return 4 * squareHalf * squareHalf
	case Triangle:
		return 3 * math.Sqrt(3) / 4
	case Star:
		return 5 * starInner * math.Sin(math.Pi/5)
	case Hexagon:
		return 3 * math.Sqrt(3) / 2 * hexagonRadius * hexagonRadius
	case Heart:
		return heartArea
	}
	return 1
}

// outline is a shape ready for point tests: its polygon (for the polygonal shapes) built once.
type outline struct {
	shape Shape
	poly  [][2]float64
}

func (s Shape) outline() outline { return outline{shape: s, poly: s.polygon()} }

// polygon is the shape's outline in local units, counter-clockwise, or nil for the curved ones.
// The triangle and the star point up; the hexagon has a vertex on each side.
func (s Shape) polygon() [][2]float64 {
	ring := func(n int, phase float64, radius func(int) float64) [][2]float64 {
		pts := make([][2]float64, n)
		for k := range pts {
			a := phase + 2*math.Pi*float64(k)/float64(n)
			pts[k] = [2]float64{radius(k) * math.Cos(a), radius(k) * math.Sin(a)}
		}
		return pts
	}
	switch s {
	case Square:
		h := squareHalf
		return [][2]float64{{h, h}, {-h, h}, {-h, -h}, {h, -h}}
	case Triangle:
		return ring(3, math.Pi/2, func(int) float64 { return 1 })
	case Hexagon:
		return ring(6, 0, func(int) float64 { return hexagonRadius })
	case Star:
		return ring(10, math.Pi/2, func(k int) float64 {
			if k%2 == 1 {
				return starInner
			}
			return 1
		})
	}
	return nil
}

// inside reports whether the local point (u, v) is inside the shape.
func (l outline) inside(u, v float64) bool {
	switch l.shape {
	case Circle:
		return u*u+v*v <= circleRadius*circleRadius
	case Heart:
		// The heart curve (x² + y² − 1)³ = x² y³, scaled and centred into the unit disc.
		x, y := u*heartScale, v*heartScale+heartShift
		q := x*x + y*y - 1
		return q*q*q-x*x*y*y*y <= 0
	}
	return insidePolygon(l.poly, u, v)
}

// insidePolygon is the even-odd crossing test (W. R. Franklin's PNPOLY), right for the convex
// shapes and the star alike.
func insidePolygon(poly [][2]float64, u, v float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		a, b := poly[i], poly[j]
		if (a[1] > v) != (b[1] > v) && u < (b[0]-a[0])*(v-a[1])/(b[1]-a[1])+a[0] {
			in = !in
		}
	}
	return in
}

// placedObject is an object ready for point tests in image coordinates.
type placedObject struct {
	outline
	x, y, inv, cos, sin float64
}

func (o Object) placed() placedObject {
	s, c := math.Sincos(-o.Rotation)
	return placedObject{outline: o.Shape.outline(), x: o.X, y: o.Y, inv: 1 / o.Radius, cos: c, sin: s}
}

// contains reports whether the image point (x, y), in fractions of the side with y down, is
// inside the object.
func (p placedObject) contains(x, y float64) bool {
	dx, dy := (x-p.x)*p.inv, -(y-p.y)*p.inv
	if dx*dx+dy*dy > 1.0001 {
		return false
	}
	return p.inside(p.cos*dx-p.sin*dy, p.sin*dx+p.cos*dy)
}
