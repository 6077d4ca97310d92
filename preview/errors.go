package preview

import "fmt"

// BadInputError is an error the user can fix (a bad file, flag or config value). The CLI
// maps it to exit status 2 through its BadInput method.
type BadInputError struct{ msg string }

func (e *BadInputError) Error() string { return e.msg }

// BadInput marks the error as the user's to fix.
func (e *BadInputError) BadInput() bool { return true }

func badInputf(format string, a ...any) error {
	return &BadInputError{msg: fmt.Sprintf(format, a...)}
}
