package session

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with a session, located as precisely as the source allows.
type Problem struct {
	File string // "" for a session built in memory
	Line int    // 0 when unknown
	Key  string // dotted path, e.g. "sega.concepts[1].weight"
	What string // what is wrong
	Hint string // what to do; may be empty
}

// String formats the problem as `file:line: key: what — hint`, leaving out the parts it
// does not have. Text from the file is sanitized so it cannot drive the terminal.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(Sanitize(p.File))
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	}
	if p.Key != "" {
		b.WriteString(Sanitize(p.Key) + ": ")
	}
	b.WriteString(Sanitize(p.What))
	if p.Hint != "" {
		b.WriteString(" — " + Sanitize(p.Hint))
	}
	return b.String()
}

// ValidationError lists every problem found in a session at once. It is the user's to fix,
// so the CLI exits 2 for it.
type ValidationError struct {
	Problems []Problem
}

// Error lists the problems, one per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// BadInput marks the error as the user's to fix.
func (e *ValidationError) BadInput() bool { return true }

// InputError is a single problem with an input file that is not a session field: a PNG that
// is not one, a newer schema version, metadata that is missing. It is the user's to fix.
type InputError struct {
	Where string // usually the file name
	What  string
	Hint  string
}

func (e *InputError) Error() string {
	return Problem{File: e.Where, What: e.What, Hint: e.Hint}.String()
}

// BadInput marks the error as the user's to fix.
func (e *InputError) BadInput() bool { return true }

// problems collects Problems while a session is read or validated.
type problems struct {
	list []Problem
}

func (ps *problems) add(key, what, hint string) {
	ps.list = append(ps.list, Problem{Key: key, What: what, Hint: hint})
}

func (ps *problems) addf(key, hint, format string, a ...any) {
	ps.add(key, fmt.Sprintf(format, a...), hint)
}

// err returns nil when nothing was collected.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	return &ValidationError{Problems: ps.list}
}
