package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Fingerprint identifies a model folder's contents: the SHA-256 of every file that shapes a
// render, and one combined hash over them.
type Fingerprint struct {
	Combined string     // SHA-256 (hex) over the sorted "path size sha256" lines of Files
	Files    []FileHash // sorted by Path
}

// FileHash is one hashed file.
type FileHash struct {
	Path   string // slash path relative to the model folder
	Size   int64
	SHA256 string
}

// Apply records the fingerprint in a session's model block.
func (f Fingerprint) Apply(m *Model) {
	m.Fingerprint = f.Combined
	m.Files = map[string]string{}
	for _, fh := range f.Files {
		m.Files[fh.Path] = fh.SHA256
	}
}

// fingerprintedExt lists the file kinds that determine a render: ONNX graphs, their
// external data (model.onnx_data, model.onnx.data, weights.pb, *.bin), and the small JSON
// and text files that configure the tokenizer and scheduler (vocab.json, merges.txt,
// scheduler_config.json, model_index.json).
func fingerprintedExt(name string) bool {
	for _, ext := range []string{".onnx", ".onnx_data", ".data", ".pb", ".bin", ".json", ".txt"} {
		if strings.HasSuffix(strings.ToLower(name), ext) {
			return true
		}
	}
	return false
}

// FingerprintDir hashes the model folder dir. Hashes are cached in cacheFile (JSON, keyed by
// absolute path, size and modification time, written atomically), so a 3 GB model is read
// once; cacheFile "" disables the cache. Hidden files and folders are skipped, symlinked
// files are followed and symlinked folders are not. A damaged cache is rebuilt.
func FingerprintDir(ctx context.Context, dir, cacheFile string) (Fingerprint, error) {
	cache := loadHashCache(cacheFile)
	var fp Fingerprint
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return Fingerprint{}, &InputError{Where: dir, What: "cannot open model folder: " + errText(err), Hint: "check the path"}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(d.Name(), ".") && p != root {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !fingerprintedExt(d.Name()) {
			return nil
		}
		fh, err := hashCached(ctx, p, cache)
		if err != nil || fh.Path == "" {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		fh.Path = filepath.ToSlash(rel)
		fp.Files = append(fp.Files, fh)
		return nil
	})
	if err != nil {
		return Fingerprint{}, fmt.Errorf("fingerprint %s: %w", dir, err)
	}
	if len(fp.Files) == 0 {
		return Fingerprint{}, &InputError{Where: dir, What: "no model files (*.onnx and their data) to fingerprint",
			Hint: "point at the folder holding the exported model"}
	}
	sort.Slice(fp.Files, func(i, j int) bool { return fp.Files[i].Path < fp.Files[j].Path })
	fp.Combined = combinedHash(fp.Files)
	if cache.dirty && cacheFile != "" {
		if err := cache.save(cacheFile); err != nil {
			return fp, fmt.Errorf("fingerprint cache: %w", err)
		}
	}
	return fp, nil
}

func combinedHash(files []FileHash) string {
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00%s\n", f.Path, f.Size, f.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// hashCached returns a file's hash from the cache or by reading it. A path that is not a
// regular file (a folder behind a symlink) gives a FileHash with an empty Path.
func hashCached(ctx context.Context, p string, cache *hashCache) (FileHash, error) {
	info, err := os.Stat(p)
	if err != nil || !info.Mode().IsRegular() {
		return FileHash{}, err
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return FileHash{}, err
	}
	key := cacheEntry{Size: info.Size(), MtimeNS: info.ModTime().UnixNano()}
	if e, ok := cache.Entries[abs]; ok && e.Size == key.Size && e.MtimeNS == key.MtimeNS {
		return FileHash{Path: abs, Size: e.Size, SHA256: e.SHA256}, nil
	}
	sum, err := hashFile(ctx, p)
	if err != nil {
		return FileHash{}, err
	}
	key.SHA256 = sum
	cache.Entries[abs] = key
	cache.dirty = true
	return FileHash{Path: abs, Size: key.Size, SHA256: sum}, nil
}

// hashFile streams a file through SHA-256, checking ctx between 4 MiB blocks.
func hashFile(ctx context.Context, p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, 4<<20)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := f.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}
