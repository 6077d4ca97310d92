package onnxgraph

import "fmt"

// BadModelError reports a model file or folder the user has to fix: a path that is not a model,
// a truncated or corrupt protobuf, missing external data, an unknown layout. It implements
// BadInput so the CLI exits with status 2, and its message is one line naming the file.
type BadModelError struct {
	Path    string // the file or folder at fault
	Problem string // what is wrong with it
	Hint    string // what the user can do about it; may be empty
}

func (e *BadModelError) Error() string {
	msg := fmt.Sprintf("%s: %s", sanitize(e.Path), e.Problem)
	if e.Hint != "" {
		msg += " — " + e.Hint
	}
	return msg
}

// BadInput marks the error as the user's to fix (exit status 2).
func (e *BadModelError) BadInput() bool { return true }

func badModel(path, hint, format string, args ...any) error {
	return &BadModelError{Path: path, Problem: fmt.Sprintf(format, args...), Hint: hint}
}
