package shapes

import (
	"errors"
	"fmt"
	"image"
	"slices"
)

// EditKind is the attribute an edit pair changes.
type EditKind uint8

// The four kinds of edit.
const (
	EditColour EditKind = iota + 1
	EditShape
	EditSize
	EditPosition
)

func (k EditKind) String() string {
	switch k {
	case EditColour:
		return "colour"
	case EditShape:
		return "shape"
	case EditSize:
		return "size"
	case EditPosition:
		return "position"
	}
	return ""
}

// Edit is an Instruct-Pix2Pix training pair: the sample's scene with one attribute of one
// object changed, and the instruction that asks for the change.
type Edit struct {
	Kind        EditKind
	Object      int // index into Scene.Objects
	Instruction string
	After       Scene
	AfterImage  *image.RGBA
}

// makeEdit tries the four kinds on the objects in a random order and keeps the first that gives
// a valid scene. A colour change always exists: at least six colours show on any background and
// at most two of them would repeat another object, so the error is for a broken invariant only.
func makeEdit(r *rng, sc Scene, shapes []Shape) (Edit, error) {
	kinds := []EditKind{EditColour, EditShape, EditSize, EditPosition}
	for _, ki := range r.perm(len(kinds)) {
		for _, oi := range r.perm(len(sc.Objects)) {
			if e, ok := tryEdit(r, sc, oi, kinds[ki], shapes); ok {
				return e, nil
			}
		}
	}
	return Edit{}, errors.New("shapes: internal error: no edit exists for a generated scene")
}

func tryEdit(r *rng, sc Scene, oi int, kind EditKind, shapes []Shape) (Edit, bool) {
	after := Scene{Background: sc.Background, Objects: slices.Clone(sc.Objects)}
	o := &after.Objects[oi]
	ref := reference(sc, oi)
	var instr string
	switch kind {
	case EditColour:
		cs := slices.DeleteFunc(visibleColours(sc.Background.Colour), func(c Colour) bool {
			return c == o.Colour || slices.ContainsFunc(sc.Objects, func(p Object) bool { return p.Shape == o.Shape && p.Colour == c })
		})
		o.Colour = pick(r, cs)
		instr = pick(r, []string{"make the %s %s", "turn the %s %s", "colour the %s %s", "change the %s to %s"})
		instr = fmt.Sprintf(instr, ref, o.Colour)
	case EditShape:
		ss := slices.DeleteFunc(slices.Clone(shapes), func(s Shape) bool { return s == o.Shape })
		if len(ss) == 0 {
			return Edit{}, false
		}
		o.Shape = pick(r, ss)
		instr = fmt.Sprintf(pick(r, []string{"turn the %s into a %s", "make the %s a %s", "change the %s into a %s"}), ref, o.Shape)
	case EditSize:
		if o.Size == Small {
			o.Size = Large
			instr = fmt.Sprintf(pick(r, []string{"make the %s bigger", "make the %s larger", "enlarge the %s"}), ref)
		} else {
			o.Size = Small
			instr = fmt.Sprintf(pick(r, []string{"make the %s smaller", "shrink the %s"}), ref)
		}
		o.Radius = radiusFor(r, o.Size)
	case EditPosition:
		taken := map[Position]bool{}
		for _, p := range sc.Objects {
			taken[p.Position] = true
		}
		if len(taken) == len(AllPositions) {
			return Edit{}, false
		}
		dx, dy := o.X, o.Y
		ax, ay := o.Position.Anchor()
		o.Position = freePosition(r, taken)
		nx, ny := o.Position.Anchor()
		o.X, o.Y = nx+dx-ax, ny+dy-ay // keep the jitter: only the position changes
		instr = fmt.Sprintf("move the %s %s", ref, moveWords[o.Position])
	}
	if !fits(after.Objects) || duplicated(after.Objects) {
		return Edit{}, false
	}
	return Edit{Kind: kind, Object: oi, Instruction: instr, After: after}, true
}

var moveWords = map[Position]string{Left: "to the left", Right: "to the right", Top: "to the top",
	Bottom: "to the bottom", Centre: "to the centre"}

// reference names object oi as briefly as is unambiguous: "circle" when it is the only circle,
// otherwise "red circle" (scenes never hold two objects of the same shape and colour).
func reference(sc Scene, oi int) string {
	o := sc.Objects[oi]
	for j, p := range sc.Objects {
		if j != oi && p.Shape == o.Shape {
			return o.Colour.String() + " " + o.Shape.String()
		}
	}
	return o.Shape.String()
}

func duplicated(objs []Object) bool {
	for i, a := range objs {
		for _, b := range objs[:i] {
			if a.Shape == b.Shape && a.Colour == b.Colour {
				return true
			}
		}
	}
	return false
}
