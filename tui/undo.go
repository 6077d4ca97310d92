package tui

import (
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

// cloneParams deep-copies the parameters (technique blocks included), so an undo entry
// never shares memory with the live parameters.
func cloneParams(p session.Params) session.Params { return p.Clone() }
