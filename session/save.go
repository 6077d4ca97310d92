package session

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nudge-studio/nudge/atomicfile"
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
	return WriteFileAtomic(path, Marshal(s), 0o666)
}

// WriteFileAtomic writes data to path via a synced temporary file and a rename. A new file
// gets perm less the umask (outputs pass 0666); a file it replaces keeps its mode. Temporary
// files that processes killed mid-save left in the folder are removed first.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	atomicfile.RemoveStale(dir)
	tmp, err := atomicfile.CreateTemp(dir, base, perm)
	if err != nil {
		return fmt.Errorf("%s: cannot create a temporary file beside it: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := atomicfile.WriteSynced(tmp, data, path); err != nil {
		return fmt.Errorf("%s: %w (the previous file is unchanged)", path, err)
	}
	holdBeforeRename()
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("%s: cannot replace: %w (the previous file is unchanged)", path, err)
	}
	return atomicfile.SyncDir(dir)
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
