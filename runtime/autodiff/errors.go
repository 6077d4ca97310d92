package autodiff

import (
	"fmt"
	"strings"
)

// UnsupportedOpError reports an operator on the differentiated path that has no backward
// rule, or whose attributes the rule does not cover. It is the model's fault from the
// caller's point of view (a model nudge cannot steer), so it counts as bad input.
type UnsupportedOpError struct {
	Op     string // operator type, e.g. "Einsum"
	Domain string // "" for the default ONNX domain
	Node   string // node name, or "#<index>" for an unnamed node
	Reason string // empty when the op has no rule at all
}

func (e *UnsupportedOpError) Error() string {
	op := e.Op
	if e.Domain != "" && e.Domain != "ai.onnx" {
		op = e.Domain + "." + e.Op
	}
	if e.Reason != "" {
		return oneLine(fmt.Sprintf("autodiff: cannot differentiate %s node %q: %s — use an unoptimised export or cut the graph before this node", op, e.Node, e.Reason))
	}
	return oneLine(fmt.Sprintf("autodiff: no backward rule for op %s (node %q) on the path from the chosen inputs to the chosen outputs — use an unoptimised export, cut the graph before it, or add a rule (docs/autodiff.md)", op, e.Node))
}

// BadInput marks the error as the user's to fix (the CLI exits 2).
func (e *UnsupportedOpError) BadInput() bool { return true }

// RequestError reports a Request that does not fit the model: an unknown tensor name, a
// non-float tensor, a symbolic dimension that was not pinned.
type RequestError struct{ Msg string }

func (e *RequestError) Error() string { return oneLine("autodiff: " + e.Msg) }

// BadInput marks the error as the user's to fix.
func (e *RequestError) BadInput() bool { return true }

func requestErrorf(format string, a ...any) error {
	return &RequestError{Msg: fmt.Sprintf(format, a...)}
}

// ModelError reports a forward model the builder cannot read: a missing graph, a cycle, a
// tensor without producer, a shape that cannot be resolved statically.
type ModelError struct {
	Node string // the node involved, if any
	Msg  string
}

func (e *ModelError) Error() string {
	if e.Node != "" {
		return oneLine(fmt.Sprintf("autodiff: model node %q: %s", e.Node, e.Msg))
	}
	return oneLine("autodiff: model: " + e.Msg)
}

// BadInput marks the error as the user's to fix (the model file is the input).
func (e *ModelError) BadInput() bool { return true }

func modelErrorf(node, format string, a ...any) error {
	return &ModelError{Node: node, Msg: fmt.Sprintf(format, a...)}
}

// oneLine escapes line breaks, which names taken from a model file may contain, so every
// error prints as one line.
func oneLine(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}
