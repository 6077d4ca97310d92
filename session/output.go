package session

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/atomicfile"
)

// BatchOutputPath is where image i of a batch rendered to out goes: out itself, then
// out-1.png, out-2.png … (the same rule for the check before the render and the write after).
func BatchOutputPath(out string, i int) string {
	if i == 0 {
		return out
	}
	return strings.TrimSuffix(out, ".png") + fmt.Sprintf("-%d.png", i)
}

// CheckOutputs says, before any work starts, whether a render of batch images to out can
// be written: each path names a new file (nudge never overwrites) in a folder that exists
// and takes files. With recordTo (a session file, `render --record`), out must lie in the
// session's folder or below, since the history stores the path relative to it.
func CheckOutputs(out string, batch int, recordTo string) error {
	if strings.HasSuffix(out, "/") || strings.HasSuffix(out, string(filepath.Separator)) {
		return outputError(out, "is a folder name", "give a file name, e.g. "+filepath.Join(out, "image.png"))
	}
	if recordTo != "" {
		if err := checkInside(out, recordTo); err != nil {
			return err
		}
	}
	dir := filepath.Dir(out)
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return outputError(out, "its folder "+dir+" does not exist", "create it first or choose another path")
	}
	for i := range max(batch, 1) {
		p := BatchOutputPath(out, i)
		if st, err := os.Lstat(p); err == nil {
			what := "exists"
			if st.IsDir() {
				what = "is a folder"
			}
			return outputError(p, what+"; nudge never overwrites", "choose another name or remove it")
		}
	}
	probe, err := atomicfile.CreateTemp(dir, filepath.Base(out), 0o666)
	if err != nil {
		return outputError(out, "its folder does not take new files ("+errText(unwrapPathErr(err))+")", "check the folder's permissions")
	}
	probe.Close()
	return os.Remove(probe.Name())
}

func checkInside(out, sessionPath string) error {
	absOut, err1 := filepath.Abs(out)
	absDir, err2 := filepath.Abs(filepath.Dir(sessionPath))
	rel, err3 := filepath.Rel(absDir, absOut)
	if errors.Join(err1, err2, err3) != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return outputError(out, "is outside the session's folder "+filepath.Dir(sessionPath),
			"--record keeps outputs beside the session; write it there")
	}
	return nil
}

func outputError(path, what, hint string) error {
	return &InputError{Where: path, What: what, Hint: hint}
}

func unwrapPathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteFileNew writes data to a new file at path (synced temporary file, then a hard link
// that fails if path exists): an output is never overwritten. The error wraps fs.ErrExist
// when path exists.
func WriteFileNew(path string, data []byte) error {
	return atomicfile.WriteNew(path, data, 0o666)
}

// SaveNumberedPNG writes img, carrying s (EncodePNG), as the first of dir/BASE-NNN.png,
// NNN = first, first+1 …, that does not exist yet, and returns its name. The studio's
// Ctrl+S numbered by history length, which overwrote an image whose number was taken.
func SaveNumberedPNG(dir, base string, first int, img image.Image, s *Session) (string, error) {
	var buf bytes.Buffer
	if err := EncodePNG(&buf, img, s); err != nil {
		return "", err
	}
	for n := max(first, 1); n < first+10000; n++ {
		name := fmt.Sprintf("%s-%03d.png", base, n)
		err := WriteFileNew(filepath.Join(dir, name), buf.Bytes())
		if !errors.Is(err, fs.ErrExist) {
			return name, err
		}
	}
	return "", &InputError{Where: filepath.Join(dir, base+"-NNN.png"), What: "every number is taken", Hint: "move old images away"}
}
