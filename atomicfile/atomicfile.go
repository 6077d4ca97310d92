// Package atomicfile writes files the way nudge saves work: a temporary file beside the
// target, fsynced and renamed over it, so a crash leaves the old file or the new one, never
// half of either. Temporary names carry the writer's process id, so a later nudge can tell
// the leftovers of a process that died (kill -9, power cut) from a live writer's and remove
// them (RemoveStale). New files get 0666 less the umask, as any program's would; a file
// that is replaced keeps its mode.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Marks between the base name and "PID-RANDOM" in temporary names: files, and folders
// built whole before a rename (demo models).
const (
	FileMark   = ".tmp-"
	FolderMark = ".partial-"
)

// CreateTemp creates a new file `.BASE.tmp-PID-RANDOM` in dir with mode perm less the
// umask (os.CreateTemp's 0600 then needed an explicit chmod, which ignored the umask).
// Outputs use 0666, as any program's new files do.
func CreateTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		f, err := os.OpenFile(filepath.Join(dir, tempName(base, FileMark)), os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
	return nil, fmt.Errorf("%s: cannot find a free temporary name", dir)
}

// MkdirTemp creates a new folder `.BASE.partial-PID-RANDOM` in dir (0777 less the umask).
func MkdirTemp(dir, base string) (string, error) {
	for range 100 {
		p := filepath.Join(dir, tempName(base, FolderMark))
		err := os.Mkdir(p, 0o777)
		if !errors.Is(err, fs.ErrExist) {
			return p, err
		}
	}
	return "", fmt.Errorf("%s: cannot find a free temporary name", dir)
}

func tempName(base, mark string) string {
	return "." + base + mark + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatUint(rand.Uint64()&0xffffffff, 36)
}

// WriteFile writes data to path through a synced temporary file and a rename, then syncs
// the folder. A new file gets perm less the umask; a file it replaces keeps its mode. Stale
// temporary files of dead processes in the folder are removed first.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	RemoveStale(dir)
	tmp, err := CreateTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("%s: cannot create a temporary file beside it: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := WriteSynced(tmp, data, path); err != nil {
		return fmt.Errorf("%s: %w (the previous file is unchanged)", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: cannot replace: %w (the previous file is unchanged)", path, err)
	}
	return SyncDir(dir)
}

// WriteNew writes data to path through a synced temporary file like WriteFile, but never
// replaces anything: the temporary file is hard-linked to path, which fails when path
// exists (an error wrapping fs.ErrExist), so two writers cannot both win.
func WriteNew(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	RemoveStale(dir)
	tmp, err := CreateTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("%s: cannot create a temporary file beside it: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := WriteSynced(tmp, data, ""); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("%s: cannot create: %w", path, err)
	}
	return SyncDir(dir)
}

// WriteSynced writes data to the temporary file f, gives it the mode of target when target
// exists, fsyncs and closes it.
func WriteSynced(f *os.File, data []byte, target string) error {
	_, err := f.Write(data)
	if info, serr := os.Stat(target); err == nil && target != "" && serr == nil {
		err = f.Chmod(info.Mode().Perm())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// SyncDir makes a rename durable. Some file systems cannot sync a folder; that weakens only
// durability after a power cut, never atomicity, so it is not an error.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	_ = d.Sync()
	return d.Close()
}

// RemoveStale deletes the temporary files and folders in dir whose writer is gone: names
// `.X.tmp-PID-…` or `.X.partial-PID-…` with a PID that is not a running process. Names
// without a PID (written by nudge before it put one there) count as stale. It reports what
// it removed; errors are ignored, since a leftover it cannot remove harms nothing.
func RemoveStale(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		pid, ok := tempOwner(e.Name())
		if !ok || (pid > 0 && processAlive(pid)) {
			continue
		}
		if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
			removed = append(removed, e.Name())
		}
	}
	return removed
}

// tempOwner parses a temporary name: ok when it is one, pid 0 when it names no process.
// Only nudge's exact shapes count — `PID-base36` now, all digits from os.CreateTemp before
// — so a user's own `.notes.tmp-draft` is never touched.
func tempOwner(name string) (pid int, ok bool) {
	if !strings.HasPrefix(name, ".") {
		return 0, false
	}
	for _, mark := range []string{FileMark, FolderMark} {
		i := strings.LastIndex(name, mark)
		if i <= 1 {
			continue
		}
		head, tail, withPID := strings.Cut(name[i+len(mark):], "-")
		if !allIn(head, "0123456789") || (withPID && !allIn(tail, "0123456789abcdefghijklmnopqrstuvwxyz")) {
			return 0, false
		}
		if !withPID {
			return 0, true
		}
		n, err := strconv.Atoi(head)
		return n, err == nil && n > 0
	}
	return 0, false
}

func allIn(s, chars string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !strings.ContainsRune(chars, r) {
			return false
		}
	}
	return true
}
