package evaluator

import "github.com/nudge-studio/nudge/shapes"

// Verdict is how one attribute of one expected object fared.
type Verdict int8

// Unasked: the prompt did not name the attribute. Right and Wrong: it did, and the matched
// object has it or not (an unmatched object is Wrong on every asked attribute).
const (
	Unasked Verdict = iota
	Right
	Wrong
)

// ObjectScore is one expected object's verdicts.
type ObjectScore struct {
	Expected                      shapes.ObjectSpec
	Found                         int // index into Result.Objects, -1 when no object was left to match
	Shape, Colour, Size, Position Verdict
}

// Correct reports whether every asked attribute is right.
func (o ObjectScore) Correct() bool {
	return o.Found >= 0 && o.Shape != Wrong && o.Colour != Wrong && o.Size != Wrong && o.Position != Wrong
}

// ImageScore is how one image fared against its prompt.
type ImageScore struct {
	Objects []ObjectScore // one per expected object, in prompt order
	CountOK bool          // as many objects found as the prompt names
	// AllCorrect: every expected object is matched by a distinct found object that is right on
	// every attribute the prompt names (GenEval's "two objects" criterion when there are two).
	AllCorrect bool
}

// maxMatched bounds the found objects considered in matching (the largest ones), so that a
// speckled model output costs no more than a clean one.
const maxMatched = 8

// Score matches the prompt's objects to the found ones, each found object used at most once,
// choosing the assignment with the most right attributes (a match itself counts one, so an
// object is matched whenever one is left), exhaustively: a handful of expected objects against
// at most eight found; then judges every asked attribute.
func Score(p shapes.Prompt, r Result) ImageScore {
	found := r.Objects
	if len(found) > maxMatched {
		found = found[:maxMatched]
	}
	best, bestRight := []int(nil), -1
	assign := make([]int, len(p.Objects))
	used := make([]bool, len(found))
	var search func(i, right int)
	search = func(i, right int) {
		if i == len(p.Objects) {
			if right > bestRight {
				best, bestRight = append([]int(nil), assign...), right
			}
			return
		}
		// Matches are tried before leaving object i unmatched, so on a tie the earlier
		// expected objects keep the found ones.
		for j := range found {
			if !used[j] {
				used[j] = true
				assign[i] = j
				search(i+1, right+1+rightCount(judge(p.Objects[i], found[j])))
				used[j] = false
			}
		}
		assign[i] = -1
		search(i+1, right)
	}
	search(0, 0)
	s := ImageScore{CountOK: len(r.Objects) == len(p.Objects), AllCorrect: len(p.Objects) > 0}
	for i, e := range p.Objects {
		os := ObjectScore{Expected: e, Found: best[i]}
		if best[i] >= 0 {
			os = judge(e, found[best[i]])
			os.Found = best[i]
		} else {
			os.Shape, os.Colour, os.Size, os.Position = asked(e.Shape != 0), asked(e.Colour != 0), asked(e.Size != 0), asked(e.Position != 0)
		}
		s.AllCorrect = s.AllCorrect && os.Correct()
		s.Objects = append(s.Objects, os)
	}
	return s
}

// asked is Wrong for an asked attribute of a missing object, Unasked otherwise.
func asked(yes bool) Verdict {
	if yes {
		return Wrong
	}
	return Unasked
}

func judge(e shapes.ObjectSpec, f Object) ObjectScore {
	v := func(want, got uint8) Verdict {
		switch {
		case want == 0:
			return Unasked
		case want == got:
			return Right
		}
		return Wrong
	}
	return ObjectScore{Expected: e,
		Shape:    v(uint8(e.Shape), uint8(f.Shape)),
		Colour:   v(uint8(e.Colour), uint8(f.Colour)),
		Size:     v(uint8(e.Size), uint8(f.Size)),
		Position: v(uint8(e.Position), uint8(f.Position)),
	}
}

func rightCount(o ObjectScore) int {
	n := 0
	for _, v := range []Verdict{o.Shape, o.Colour, o.Size, o.Position} {
		if v == Right {
			n++
		}
	}
	return n
}
