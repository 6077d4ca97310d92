package session

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// MaxFileBytes bounds a session file (and the TOML in a PNG chunk). A history of 4 000
// renders is 4 MiB and parses in about 150 MB of allocations; anything larger is not a
// session a person keeps.
const MaxFileBytes = 4 << 20

// MaxPNGTextBytes bounds the text of all of a PNG's text chunks together, stored and
// decompressed (a chunk could hold 32 MiB, and 300 of them drove `nudge import` to 4 GB).
// Other tools' chunks (a ComfyUI workflow) may be larger than a session, hence twice.
const MaxPNGTextBytes = 2 * MaxFileBytes

// Load reads, migrates and validates a session file. Every problem is reported at once as a
// *ValidationError whose lines read `file:line: key: what — hint`.
func Load(path string) (*Session, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Where: path, What: "cannot open: " + errText(err), Hint: "check the path"}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, &InputError{Where: path, What: "cannot read: " + errText(err)}
	}
	return Parse(path, data)
}

// Parse decodes, migrates and validates session TOML; name is used in messages.
func Parse(name string, data []byte) (*Session, error) {
	return ParseWith(name, data, ValidateOptions{})
}

// ParseWith is Parse with validation options (e.g. a token counter for the prompt).
func ParseWith(name string, data []byte, opts ValidateOptions) (*Session, error) {
	tree, err := decodeTOML(name, data)
	if err != nil {
		return nil, err
	}
	if err := migrate(name, tree); err != nil {
		return nil, err
	}
	ps := &problems{}
	s := decodeSession(tree, ps)
	validate(s, opts, ps)
	if len(ps.list) == 0 {
		return s, nil
	}
	return nil, ps.locate(name, data)
}

// decodeTOML checks size and encoding and parses the TOML into a generic tree.
func decodeTOML(name string, data []byte) (map[string]any, error) {
	if err := checkTOMLBounds(name, data); err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, &InputError{Where: fmt.Sprintf("%s:%d", name, invalidUTF8Line(data)),
			What: "text is not valid UTF-8", Hint: "save the file as UTF-8"}
	}
	var tree map[string]any
	if _, err := toml.Decode(string(data), &tree); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &InputError{Where: fmt.Sprintf("%s:%d", name, pe.Position.Line),
				What: "TOML syntax: " + pe.Message, Hint: "fix the syntax (see docs/session-format.md)"}
		}
		return nil, &InputError{Where: name, What: "TOML: " + errText(err)}
	}
	return tree, nil
}

func invalidUTF8Line(data []byte) int {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		i += size
	}
	return line
}

// errText is an error's message made safe for one terminal line.
func errText(err error) string { return Sanitize(err.Error()) }

// decodeSession reads the whole tree; fields that are absent or of the wrong type keep their
// defaults, so validation afterwards reports only real range problems.
func decodeSession(tree map[string]any, ps *problems) *Session {
	root := newTable(tree, "", ps)
	s := Default()
	root.integer("version", &s.Version)
	decodeParams(root, &s.Params)
	if t := root.sub("preview"); t != nil {
		s.Preview = decodePreview(t)
	}
	for _, t := range root.array("history") {
		s.History = append(s.History, decodeSnapshot(t))
	}
	collectExtra(root, &s.Params)
	root.unknown()
	return s
}

func decodeSnapshot(t *table) Snapshot {
	snap := Snapshot{Params: DefaultParams()}
	t.datetime("time", &snap.Time)
	t.str("output", &snap.Output)
	t.str("image_sha256", &snap.ImageSHA256)
	decodeParams(t, &snap.Params)
	collectExtra(t, &snap.Params)
	t.unknown()
	return snap
}

func decodePreview(t *table) *Preview {
	p := DefaultPreview()
	t.str("protocol", &p.Protocol)
	t.str("decoder", &p.Decoder)
	t.integer("every", &p.Every)
	t.unknown()
	return p
}

// collectExtra keeps unknown tables as extension blocks (see Params.Extra), unless the name
// is a near miss of a known key, which is far more likely a typo than a newer technique.
func collectExtra(t *table, p *Params) {
	known := sortedKeys(t.used)
	for _, k := range sortedKeys(t.m) {
		if t.used[k] || closest(k, known) != "" {
			continue
		}
		switch t.m[k].(type) {
		case map[string]any, []map[string]any:
			if p.Extra == nil {
				p.Extra = map[string]any{}
			}
			p.Extra[k] = t.m[k]
			t.used[k] = true
		}
	}
}

// locate gives every problem its file and line (from the TOML text) and returns them as one
// error, in line order.
func (ps *problems) locate(name string, data []byte) error {
	ix := indexLines(string(data))
	for i := range ps.list {
		ps.list[i].File = name
		ps.list[i].Line = ix.line(ps.list[i].Key)
	}
	sort.SliceStable(ps.list, func(i, j int) bool { return ps.list[i].Line < ps.list[j].Line })
	return ps.err()
}
