package torchpickle

import "fmt"

// FormatError is a file this package will not read: not a torch zip checkpoint, a pickle
// that is malformed or truncated, a global outside the allow-list, or a size over the budget.
// It is the user's to fix (a bad input, not a failure of nudge).
type FormatError struct{ Msg string }

func (e *FormatError) Error() string  { return "torch checkpoint: " + e.Msg }
func (e *FormatError) BadInput() bool { return true }

func formatErrorf(format string, a ...any) error {
	return &FormatError{Msg: fmt.Sprintf(format, a...)}
}
