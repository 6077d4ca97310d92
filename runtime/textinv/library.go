package textinv

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Cache keeps loaded embeddings by path and re-reads a file only when its size or
// modification time changes, so the studio can resolve a folder before every render.
// The zero value is ready; it belongs to one goroutine.
type Cache struct {
	entries map[string]cached
}

type cached struct {
	size int64
	mod  time.Time
	emb  *Embedding
	err  error
}

// Load reads the embedding at path, or returns the copy read before.
func (c *Cache) Load(path string) (*Embedding, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &FormatError{path, "cannot be read: " + oneLine(unwrapPath(err))}
	}
	if e, ok := c.entries[path]; ok && e.size == fi.Size() && e.mod.Equal(fi.ModTime()) {
		return e.emb, e.err
	}
	emb, err := ReadFile(path)
	if c.entries == nil {
		c.entries = map[string]cached{}
	}
	c.entries[path] = cached{fi.Size(), fi.ModTime(), emb, err}
	return emb, err
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// extensions are the files a folder scan reads (A1111 also reads embeddings hidden in PNG
// and WebP images, which nudge does not).
var extensions = []string{".pt", ".bin", ".safetensors"}

// Library is the embeddings a prompt may use, in lookup order, with the files that could
// not be read (each one line, naming the file).
type Library struct {
	Embeddings []*Embedding
	Problems   []string
}

// Resolve loads the embeddings at paths, then every embedding file under dirs (sorted, as
// A1111 walks its embeddings folder recursively). A path that cannot be read is an error;
// a bad file in a folder is a Problem and is skipped, as A1111 skips it.
func (c *Cache) Resolve(paths, dirs []string) (*Library, error) {
	lib := &Library{}
	seen := map[string]bool{}
	for _, p := range paths {
		e, err := c.Load(p)
		if err != nil {
			return nil, err
		}
		if !seen[p] {
			lib.Embeddings, seen[p] = append(lib.Embeddings, e), true
		}
	}
	for _, dir := range dirs {
		for _, p := range embeddingFiles(dir) {
			if seen[p] {
				continue
			}
			seen[p] = true
			e, err := c.Load(p)
			if err != nil {
				lib.Problems = append(lib.Problems, err.Error())
				continue
			}
			lib.Embeddings = append(lib.Embeddings, e)
		}
	}
	return lib, nil
}

// embeddingFiles lists the embedding files under dir (a missing folder lists none).
func embeddingFiles(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.Type().IsRegular() && slices.Contains(extensions, strings.ToLower(filepath.Ext(p))) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// Find returns the embedding a prompt names (A1111's file name, or a diffusers token).
func (l *Library) Find(name string) (*Embedding, bool) {
	if l == nil {
		return nil, false
	}
	for _, e := range l.Embeddings {
		if e.Name == name || e.Token != "" && e.Token == name {
			return e, true
		}
	}
	return nil, false
}
