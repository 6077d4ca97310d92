package session

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Save validates s and writes it to path atomically: the TOML goes to a temporary file in
// the same folder, is fsynced, and is renamed over path, then the folder is fsynced. A crash
// or error at any point leaves the previous file intact (rename is atomic on POSIX within
// one file system), which is what the studio's autosave relies on. An invalid session is
// refused, so a saved file always loads.
func Save(path string, s *Session) error {
	if err := s.Validate(); err != nil {
		return err
	}
	return WriteFileAtomic(path, Marshal(s), 0o644)
}

// WriteFileAtomic writes data to path via a synced temporary file and a rename. The new
// file keeps the mode of the file it replaces, or gets perm.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if info, err := os.Stat(path); err == nil {
		perm = info.Mode().Perm()
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("%s: cannot create a temporary file beside it: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := writeSynced(tmp, data, perm); err != nil {
		return fmt.Errorf("%s: %w (the previous file is unchanged)", path, err)
	}
	holdBeforeRename()
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: cannot replace: %w (the previous file is unchanged)", path, err)
	}
	return syncDir(dir)
}

func writeSynced(f *os.File, data []byte, perm os.FileMode) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes the rename durable. Some file systems cannot sync a directory; that only
// weakens durability after a power cut, never atomicity, so it is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return nil
	}
	_ = d.Sync()
	return d.Close()
}

// holdEnv names a file that holdBeforeRename creates before blocking. It exists only so the
// crash-safety test can kill a saving process between the write and the rename.
const holdEnv = "NUDGE_SESSION_TEST_HOLD_BEFORE_RENAME"

func holdBeforeRename() {
	marker := os.Getenv(holdEnv)
	if marker == "" {
		return
	}
	_ = os.WriteFile(marker, nil, 0o644)
	time.Sleep(time.Hour)
}
