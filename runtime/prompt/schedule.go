package prompt

import (
	"math"
	"slices"
	"strings"
)

// Scheduled is one prompt of a schedule: Text is used up to and including step End.
type Scheduled struct {
	End  int
	Text string
}

// Schedule is get_learned_conditioning_prompt_schedules (modules/prompt_parser.py) for one
// prompt: the steps where [from:to:when] or [a|b] change the prompt, each with the plain text
// in force up to it. when < 1 is a fraction of steps; [a|b] changes at every step. A prompt the
// grammar does not accept (an unbalanced "|", a backslash before a newline) is used whole for
// every step, as A1111 does.
//
// A1111's denoiser counts calls from 0 and uses the first entry with call <= End (its
// reconstruct_cond_batch), so [a:b:3] keeps a for calls 0…3; At follows that rule.
//
// Where A1111 would raise instead (a when too large for an int, nesting too deep for its
// parser), the when is clamped to steps and the deep prompt is used whole.
func Schedule(text string, steps int) []Scheduled {
	tree, ok := parseSchedule(text)
	if !ok {
		return []Scheduled{{steps, text}}
	}
	ends := []int{steps}
	tree.collect(steps, &ends)
	slices.Sort(ends)
	ends = slices.Compact(ends)
	out := make([]Scheduled, len(ends))
	for i, e := range ends {
		var b strings.Builder
		tree.write(&b, e, steps)
		out[i] = Scheduled{e, b.String()}
	}
	return out
}

// At is the text A1111 uses at denoiser call step (0-based): the first entry whose End is at
// least step, else the first entry (reconstruct_cond_batch's target_index default).
func At(s []Scheduled, step int) int {
	for i, e := range s {
		if step <= e.End {
			return i
		}
	}
	return 0
}

// node is one piece of the parsed prompt: literal text, a scheduled [before:after:when] or an
// alternation [a|b|…].
type node struct {
	kind    nodeKind
	text    string  // literal
	when    float64 // scheduled: the number as written
	before  seq     // scheduled: empty when the "before:" part is absent
	after   seq     // scheduled
	options []seq   // alternate
}

type nodeKind uint8

const (
	literal nodeKind = iota
	scheduled
	alternate
)

type seq []node

func (s seq) collect(steps int, ends *[]int) {
	for i := range s {
		n := &s[i]
		switch n.kind {
		case scheduled:
			*ends = append(*ends, whenStep(n.when, steps))
			n.before.collect(steps, ends)
			n.after.collect(steps, ends)
		case alternate:
			for k := 1; k <= steps; k++ {
				*ends = append(*ends, k)
			}
			for _, o := range n.options {
				o.collect(steps, ends)
			}
		}
	}
}

// whenStep is A1111's collect_steps conversion: fractions of steps below 1, then
// min(steps, int(when)) with int truncating toward zero. collect_steps writes the result back
// into the tree, so at_step compares steps with it too.
func whenStep(when float64, steps int) int {
	if when < 1 {
		when *= float64(steps)
	}
	if math.IsNaN(when) || when >= float64(steps) {
		return steps
	}
	if when < math.MinInt32 {
		return math.MinInt32
	}
	return int(when)
}

// write is A1111's at_step: the text in force at step.
func (s seq) write(b *strings.Builder, step, steps int) {
	for i := range s {
		n := &s[i]
		switch n.kind {
		case literal:
			b.WriteString(n.text)
		case scheduled:
			if step <= whenStep(n.when, steps) {
				n.before.write(b, step, steps)
			} else {
				n.after.write(b, step, steps)
			}
		case alternate:
			k := len(n.options)
			n.options[((step-1)%k+k)%k].write(b, step, steps) // Python's modulo
		}
	}
}
