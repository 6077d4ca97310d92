package session

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// SourceKind says where an imported session came from.
type SourceKind string

// The kinds of import source.
const (
	FromNudgePNG SourceKind = "nudge PNG chunk"
	FromA1111PNG SourceKind = "A1111 parameters"
	FromSession  SourceKind = "session file"
)

// Source describes an import: its kind and notes on what could not be carried over.
type Source struct {
	Kind  SourceKind
	Notes []string
}

// Import rebuilds a session from a PNG — from nudge's own chunk if present, else from A1111
// `parameters` — or loads and normalises a session file. When neither is there it says
// what the image does carry (a ComfyUI graph, InvokeAI metadata, nothing).
func Import(path string) (*Session, Source, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Source{}, &InputError{Where: path, What: "cannot open: " + errText(err), Hint: "check the path"}
	}
	defer f.Close()
	head := make([]byte, 12)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, pngSignature):
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return nil, Source{}, err
		}
		return importPNG(path, f)
	case bytes.HasPrefix(head, []byte{0xff, 0xd8, 0xff}), bytes.HasPrefix(head, []byte("RIFF")), bytes.HasPrefix(head, []byte("GIF8")):
		return nil, Source{}, &InputError{Where: path, What: "only PNG images carry metadata nudge can read",
			Hint: "import the PNG the image was saved as"}
	}
	s, err := Load(path)
	if err != nil {
		return nil, Source{}, err
	}
	return s, Source{Kind: FromSession}, nil
}

func importPNG(path string, r io.Reader) (*Session, Source, error) {
	texts, readErr := ReadPNGText(r)
	var src Source
	if readErr != nil && len(texts) > 0 {
		src.Notes = append(src.Notes, "the image is damaged ("+errText(readErr)+"); its metadata was read anyway")
	}
	if text, ok := texts[ChunkSession]; ok {
		s, err := Parse(path+" ["+ChunkSession+" chunk]", []byte(text))
		src.Kind = FromNudgePNG
		return s, src, err
	}
	if text, ok := texts[ChunkParameters]; ok {
		it, err := ParseA1111(text)
		if err != nil {
			return nil, src, located(err, path)
		}
		s, notes := it.Session()
		src.Kind, src.Notes = FromA1111PNG, append(src.Notes, notes...)
		if len(it.Params) == 0 {
			src.Notes = append(src.Notes, "the parameters text held only a prompt; other settings are defaults")
		}
		if err := s.Validate(); err != nil {
			return nil, src, relabel(err, path+" [A1111 parameters]")
		}
		return s, src, nil
	}
	if readErr != nil {
		return nil, src, located(readErr, path)
	}
	return nil, src, &InputError{Where: path, What: "no nudge or A1111 metadata; " + describeTexts(texts),
		Hint: "import a PNG saved by nudge or A1111 (or a session .toml)"}
}

// located names the file in an *InputError that was made without one.
func located(err error, path string) error {
	var ie *InputError
	if errors.As(err, &ie) && ie.Where == "" {
		ie.Where = path
	}
	return err
}

// relabel puts a file name on every problem of a validation error.
func relabel(err error, file string) error {
	if ve, ok := err.(*ValidationError); ok {
		for i := range ve.Problems {
			ve.Problems[i].File = file
		}
	}
	return err
}

// describeTexts says what text chunks an image has and which tool they suggest.
func describeTexts(texts map[string]string) string {
	if len(texts) == 0 {
		return "the image has no text metadata at all"
	}
	keys := make([]string, 0, len(texts))
	for k := range texts {
		keys = append(keys, fmt.Sprintf("%q", truncate(k, 40)))
	}
	sort.Strings(keys)
	found := "found text chunks " + strings.Join(keys, ", ")
	switch {
	case texts["workflow"] != "" || texts["prompt"] != "":
		found += " (a ComfyUI graph, which nudge cannot import)"
	case texts["invokeai_metadata"] != "":
		found += " (InvokeAI metadata, which nudge cannot import)"
	}
	return found
}

// ImportTo runs `nudge import`: it imports in and writes the session TOML to out (atomically)
// or, when out is "", to stdout. Notes and a summary go to stderr, sanitized. A relative
// model folder is made absolute, since the new file may live elsewhere. resolve, when not
// nil, completes what the session refers to by name (embeddings from the configured folder)
// and returns notes on what it could not find.
func ImportTo(in, out string, stdout, stderr io.Writer, resolve func(*Session) []string) error {
	s, src, err := Import(in)
	if err != nil {
		return err
	}
	rebaseModelPaths(s, filepath.Dir(in))
	if resolve != nil {
		src.Notes = append(src.Notes, resolve(s)...)
	}
	for _, n := range src.Notes {
		fmt.Fprintln(stderr, "note: "+Sanitize(n))
	}
	if out == "" {
		_, err = stdout.Write(Marshal(s))
		return err
	}
	if err := Save(out, s); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s (from the %s of %s)\n", Sanitize(out), src.Kind, Sanitize(in))
	return nil
}

// IsFolderPath reports whether a model path names a folder rather than a built-in demo model
// ("demo:…") or a config alias: it contains a path separator or starts with "." or "~".
func IsFolderPath(p string) bool {
	return !strings.HasPrefix(p, "demo:") &&
		(strings.ContainsAny(p, `/\`) || strings.HasPrefix(p, ".") || strings.HasPrefix(p, "~"))
}

func rebaseModelPaths(s *Session, dir string) {
	rebase := func(m *Model) {
		if IsFolderPath(m.Path) && !filepath.IsAbs(m.Path) && !strings.HasPrefix(m.Path, "~") {
			if abs, err := filepath.Abs(filepath.Join(dir, m.Path)); err == nil {
				m.Path = abs
			}
		}
	}
	rebase(&s.Model)
	for i := range s.History {
		rebase(&s.History[i].Params.Model)
	}
}
