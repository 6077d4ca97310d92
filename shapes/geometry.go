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

// insideLocal reports whether the local point (u, v) is inside the shape.
func (s Shape) insideLocal(u, v float64) bool {
	switch s {
	case Circle:
		return u*u+v*v <= circleRadius*circleRadius
	case Square:
		return math.Abs(u) <= squareHalf && math.Abs(v) <= squareHalf
	case Triangle:
		return insideRegular(u, v, 3, 1, math.Pi/2)
	case Hexagon:
		return insideRegular(u, v, 6, hexagonRadius, 0)
	case Star:
		return insideStar(u, v)
	case Heart:
		x, y := u*heartScale, v*heartScale+heartShift
		q := x*x + y*y - 1
		return q*q*q-x*x*y*y*y <= 0
	}
	return false
}

// insideRegular tests a regular n-gon of circumradius R with a vertex at angle phase: fold the
// angle into the sector between two vertices, whose middle is the edge's normal, then compare
// the distance along that normal with the apothem R cos(π/n).
func insideRegular(u, v float64, n int, R, phase float64) bool {
	r := math.Hypot(u, v)
	if r == 0 {
		return true
	}
	sector := 2 * math.Pi / float64(n)
	a := math.Mod(math.Atan2(v, u)-phase, sector)
	if a < 0 {
		a += sector
	}
	a -= sector / 2
	return r*math.Cos(a) <= R*math.Cos(math.Pi/float64(n))
}

// insideStar tests the five-pointed star with a point straight up: fold the angle onto half of
// one point's sector, then check the point lies on the centre's side of the edge from the outer
// vertex (1, 0) to the inner vertex at angle π/5.
func insideStar(u, v float64) bool {
	const sector = 2 * math.Pi / 5
	r := math.Hypot(u, v)
	a := math.Atan2(v, u) - math.Pi/2 + sector/2
	a = math.Mod(a, sector)
	if a < 0 {
		a += sector
	}
	a = math.Abs(a - sector/2)
	px, py := r*math.Cos(a), r*math.Sin(a)
	ix, iy := starInner*math.Cos(math.Pi/5), starInner*math.Sin(math.Pi/5)
	ex, ey := ix-1, iy
	cross := ex*py - ey*(px-1)
	origin := ex*0 - ey*(0-1)
	return cross*origin >= 0
}

// contains reports whether the image point (x, y), in fractions of the side with y down, is
// inside the object.
func (o Object) contains(x, y float64) bool {
	dx, dy := (x-o.X)/o.Radius, -(y-o.Y)/o.Radius
	if dx*dx+dy*dy > 1.0001 {
		return false
	}
	s, c := math.Sincos(-o.Rotation)
	return o.Shape.insideLocal(c*dx-s*dy, s*dx+c*dy)
}
