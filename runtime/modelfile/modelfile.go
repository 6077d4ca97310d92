// Package modelfile opens the files of a model folder (graphs, external weights, tokenizer
// and scheduler files) so that nothing but a regular file is ever read: opening a FIFO for
// reading blocks until a writer comes, so `unet/model.onnx` as a FIFO hung inspect, render
// and prepare forever, and a device or socket has no end.
package modelfile

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// NotRegularError reports a model file that is a FIFO, socket, device or folder. It is the
// user's to fix (BadInput), so the CLI exits 2.
type NotRegularError struct {
	Path string
	Mode fs.FileMode
}

func (e *NotRegularError) Error() string {
	return fmt.Sprintf("%s: is a %s, not a regular file — point nudge at the model's own files", e.Path, kind(e.Mode))
}

// BadInput marks the error as the user's to fix.
func (e *NotRegularError) BadInput() bool { return true }

func kind(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return "device"
	case m.IsDir():
		return "folder"
	}
	return "special file"
}

// Open opens path for reading without blocking on a FIFO (O_NONBLOCK; it changes nothing for
// a regular file's reads) and refuses anything that is not a regular file. Errors from the
// open itself are returned as they are (fs.ErrNotExist, fs.ErrPermission, ELOOP), so
// callers keep their own wording.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, nil, &NotRegularError{Path: path, Mode: st.Mode()}
	}
	return f, st, nil
}

// Check reports, without reading, whether path is a regular file (following symbolic links).
func Check(path string) error {
	f, _, err := Open(path)
	if err != nil {
		return err
	}
	return f.Close()
}

// TooLargeError reports a model side file (JSON config, vocabulary) over its size limit.
type TooLargeError struct {
	Path  string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("%s: is larger than %d MiB — this is not the file nudge expects", e.Path, e.Limit>>20)
}

// BadInput marks the error as the user's to fix.
func (e *TooLargeError) BadInput() bool { return true }

// ReadFile reads a whole regular file of at most limit bytes.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, _, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	return data, nil
}
