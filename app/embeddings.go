package app

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/runtime/textinv"
	"github.com/nudge-studio/nudge/session"
)

// EmbeddingDirs is the configured embeddings folder as runtime.Options takes it.
func EmbeddingDirs(cfg *session.Config) []string {
	if cfg.Models.Embeddings == "" {
		return nil
	}
	return []string{expandHome(cfg.Models.Embeddings)}
}

// EmbeddingPaths are the files a session's recorded embeddings name, for the request: they
// are found by path even when the folder changed.
func EmbeddingPaths(p session.Params) []string {
	var out []string
	for _, e := range p.Embeddings {
		if e.Path != "" {
			out = append(out, e.Path)
		}
	}
	return out
}

// RecordEmbeddings stores in p the embeddings a render used (Result.Embeddings), each by
// name, absolute path and SHA-256, so the session and the PNG say what the prompt meant.
func RecordEmbeddings(p *session.Params, used []*textinv.Embedding) {
	p.Embeddings = nil
	for _, e := range used {
		path := e.Path
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		name := e.Name
		if e.Token != "" {
			name = e.Token
		}
		p.Embeddings = append(p.Embeddings, session.Embedding{Name: name, Path: path, SHA256: e.SHA256})
	}
}

// ResolveEmbeddings finds the files of embeddings a session names without a path (A1111's
// TI hashes after `nudge import`) in the configured embeddings folder, by name, and checks
// A1111's hash against the file's. It returns one note for each it cannot find or whose
// file differs.
func ResolveEmbeddings(cfg *session.Config, s *session.Session) []string {
	var notes []string
	var lib *textinv.Library
	dirs := EmbeddingDirs(cfg)
	for i := range s.Embeddings {
		e := &s.Embeddings[i]
		if e.Path != "" {
			continue
		}
		if len(dirs) == 0 {
			notes = append(notes, fmt.Sprintf("the prompt uses embedding %q, but no embeddings folder is configured: set [models] embeddings in config.toml to the folder that holds it", e.Name))
			continue
		}
		if lib == nil {
			var c textinv.Cache
			lib, _ = c.Resolve(nil, dirs)
		}
		found, ok := lib.Find(e.Name)
		if !ok {
			notes = append(notes, fmt.Sprintf("embedding %q (A1111 hash %s) is not in %s: put its file there, or the prompt reads its name as words", e.Name, e.SHA256, dirs[0]))
			continue
		}
		if !strings.HasPrefix(found.SHA256, e.SHA256) {
			notes = append(notes, fmt.Sprintf("embedding %q: %s is not the file A1111 used (hash %s, A1111's %s); the image will differ", e.Name, found.Path, found.SHA256[:12], e.SHA256))
		}
		e.Path, e.SHA256 = found.Path, found.SHA256
	}
	return notes
}
