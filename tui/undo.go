package tui

import (
	"maps"
	"slices"

	"github.com/nudge-studio/nudge/session"
)

// maxUndo bounds the undo history; each entry is one copy of the parameters (small).
const maxUndo = 200

// undoStack keeps parameter states for Ctrl+Z / Ctrl+Y. Consecutive changes of the same
// kind (typing in one field, pressing + on one slider) coalesce into one step, so undo
// reverts a whole edit rather than one keystroke.
type undoStack struct {
	past, future []session.Params
	lastKind     string
}

// record saves the state before a change of the given kind.
func (u *undoStack) record(kind string, before session.Params) {
	if kind != "" && kind == u.lastKind && len(u.past) > 0 {
		return
	}
	u.past = append(u.past, before)
	if len(u.past) > maxUndo {
		u.past = slices.Delete(u.past, 0, len(u.past)-maxUndo)
	}
	u.future = nil
	u.lastKind = kind
}

// breakRun ends coalescing, so the next change starts a new undo step.
func (u *undoStack) breakRun() { u.lastKind = "" }

// undo returns the state to restore, given the current one.
func (u *undoStack) undo(cur session.Params) (session.Params, bool) {
	if len(u.past) == 0 {
		return cur, false
	}
	prev := u.past[len(u.past)-1]
	u.past = u.past[:len(u.past)-1]
	u.future = append(u.future, cur)
	u.lastKind = ""
	return prev, true
}

// redo is undo's inverse.
func (u *undoStack) redo(cur session.Params) (session.Params, bool) {
	if len(u.future) == 0 {
		return cur, false
	}
	next := u.future[len(u.future)-1]
	u.future = u.future[:len(u.future)-1]
	u.past = append(u.past, cur)
	u.lastKind = ""
	return next, true
}

// cloneParams deep-copies what the studio edits (technique blocks and their slices), so an
// undo entry never shares memory with the live parameters. Maps the studio never edits
// (model file hashes, scheduler options, unknown tables) are copied one level deep.
func cloneParams(p session.Params) session.Params {
	q := p
	q.Model.Files = maps.Clone(p.Model.Files)
	q.Sampler.Options = maps.Clone(p.Sampler.Options)
	q.Extra = maps.Clone(p.Extra)
	if p.SEGA != nil {
		s := *p.SEGA
		s.Concepts = slices.Clone(p.SEGA.Concepts)
		for i, c := range s.Concepts {
			if c.Cooldown != nil {
				v := *c.Cooldown
				s.Concepts[i].Cooldown = &v
			}
		}
		q.SEGA = &s
	}
	if p.AttendExcite != nil {
		a := *p.AttendExcite
		a.Tokens = slices.Clone(p.AttendExcite.Tokens)
		a.TokenTexts = slices.Clone(p.AttendExcite.TokenTexts)
		a.Thresholds = maps.Clone(p.AttendExcite.Thresholds)
		q.AttendExcite = &a
	}
	return q
}
