package train

import "fmt"

// InputError is a problem with what the caller asked for (a model, a parameter name, a
// batch, a checkpoint) that the user can fix; BadInput reports true (exit code 2 at the CLI).
type InputError struct{ Msg string }

func (e *InputError) Error() string  { return "train: " + e.Msg }
func (e *InputError) BadInput() bool { return true }

func inputErrorf(format string, a ...any) error {
	return &InputError{Msg: fmt.Sprintf(format, a...)}
}

// NonFiniteError is a step whose loss or gradient is NaN or infinite. The parameters are left
// as they were before the step, and Run keeps the last good checkpoint.
type NonFiniteError struct {
	Step  int    // 1-based number of the failed step
	What  string // "loss" or "gradient norm"
	Value float64
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("train: step %d: %s is %v — the parameters were not updated; lower the learning rate, enable gradient clipping or check the data, and resume from the last checkpoint", e.Step, e.What, e.Value)
}

// BadInput reports true: a diverged run is the user's to fix (learning rate, data).
func (e *NonFiniteError) BadInput() bool { return true }
