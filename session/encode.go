package session

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Marshal writes s as session TOML. The output is deterministic (fixed key order, sorted
// maps) so saved sessions diff cleanly and the PNG chunk is reproducible; Parse(Marshal(s))
// gives back s for every valid s.
func Marshal(s *Session) []byte {
	w := &tomlWriter{}
	w.line("# nudge session — format: docs/session-format.md")
	w.kv("version", int64(s.Version))
	writeParamScalars(w, &s.Params)
	writeParamTables(w, "", &s.Params)
	if p := s.Preview; p != nil {
		w.header("preview", false)
		w.kv("protocol", p.Protocol)
		w.kv("decoder", p.Decoder)
		w.kv("every", int64(p.Every))
	}
	for i := range s.History {
		snap := &s.History[i]
		w.header("history", true)
		w.kv("time", snap.Time.UTC())
		w.kv("output", snap.Output)
		w.kv("image_sha256", snap.ImageSHA256)
		writeParamScalars(w, &snap.Params)
		writeParamTables(w, "history", &snap.Params)
	}
	return []byte(w.b.String())
}

func writeParamScalars(w *tomlWriter, p *Params) {
	w.kv("prompt", p.Prompt)
	w.kv("negative", p.Negative)
	w.kv("width", int64(p.Width))
	w.kv("height", int64(p.Height))
	w.kv("batch", int64(p.Batch))
	if p.ClipSkip > 1 {
		w.kv("clip_skip", int64(p.ClipSkip))
	}
}

// writeParamTables writes the parameter tables under prefix ("" or "history").
func writeParamTables(w *tomlWriter, prefix string, p *Params) {
	w.header(joinPath(prefix, "model"), false)
	w.kv("path", p.Model.Path)
	if p.Model.Fingerprint != "" {
		w.kv("fingerprint", p.Model.Fingerprint)
	}
	if len(p.Model.Files) > 0 {
		w.header(joinPath(prefix, "model.files"), false)
		for _, k := range sortedKeys(p.Model.Files) {
			w.kv(k, p.Model.Files[k])
		}
	}
	w.header(joinPath(prefix, "runtime"), false)
	w.kv("provider", p.Runtime.Provider)
	w.kv("precision", p.Runtime.Precision)
	if p.Runtime.ORTVersion != "" {
		w.kv("ort_version", p.Runtime.ORTVersion)
	}
	writeSampler(w, prefix, &p.Sampler)
	w.header(joinPath(prefix, "noise"), false)
	w.kv("seed", seedValue(p.Noise.Seed))
	w.kv("generator", p.Noise.Generator)
	writeEmbeddings(w, prefix, p)
	for _, k := range p.blockNames() {
		name := joinPath(prefix, quoteKey(k))
		w.header(name, false)
		p.Blocks[k].WriteBlock(BlockWriter{w: w, name: name})
	}
	for _, k := range sortedKeys(p.Extra) {
		w.value(joinPath(prefix, quoteKey(k)), p.Extra[k])
	}
}

// seedValue is a seed as TOML can hold it: an integer up to 2^63−1, else a decimal string.
func seedValue(seed uint64) any {
	if seed > 1<<63-1 {
		return strconv.FormatUint(seed, 10)
	}
	return int64(seed)
}

func writeSampler(w *tomlWriter, prefix string, s *Sampler) {
	w.header(joinPath(prefix, "sampler"), false)
	w.kv("scheduler", s.Scheduler)
	w.kv("steps", int64(s.Steps))
	w.kv("guidance", s.Guidance)
	w.kv("eta", s.Eta)
	w.kv("karras", s.Karras)
	if len(s.Options) > 0 {
		w.header(joinPath(prefix, "sampler.options"), false)
		for _, k := range sortedKeys(s.Options) {
			w.kv(k, s.Options[k])
		}
	}
}

// tomlWriter emits TOML text.
type tomlWriter struct {
	b strings.Builder
}

func (w *tomlWriter) line(s string) {
	w.b.WriteString(s)
	w.b.WriteByte('\n')
}

// header starts a table ([name]) or an array-of-tables element ([[name]]); name is already
// a dotted path of quoted-as-needed keys.
func (w *tomlWriter) header(name string, array bool) {
	if array {
		w.line("\n[[" + name + "]]")
	} else {
		w.line("\n[" + name + "]")
	}
}

func (w *tomlWriter) kv(k string, v any) {
	w.line(quoteKey(k) + " = " + inlineValue(v))
}

// value writes a generic decoded value as the table or array of tables `name`; only used for
// Extra blocks, whose values come from the TOML decoder.
func (w *tomlWriter) value(name string, v any) {
	switch t := v.(type) {
	case map[string]any:
		w.table(name, t, false)
	case []map[string]any:
		for _, m := range t {
			w.table(name, m, true)
		}
	}
}

// table writes m's plain keys first, then its sub-tables, as TOML requires.
func (w *tomlWriter) table(name string, m map[string]any, array bool) {
	w.header(name, array)
	var subs []string
	for _, k := range sortedKeys(m) {
		switch m[k].(type) {
		case map[string]any, []map[string]any:
			subs = append(subs, k)
		default:
			w.kv(k, m[k])
		}
	}
	for _, k := range subs {
		w.value(name+"."+quoteKey(k), m[k])
	}
}

// inlineValue formats a scalar, array or inline table.
func inlineValue(v any) string {
	switch t := v.(type) {
	case string:
		return quoteString(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return formatFloat(t)
	case bool:
		return strconv.FormatBool(t)
	case time.Time:
		return formatTime(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = inlineValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []map[string]any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = inlineValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		parts := make([]string, 0, len(t))
		for _, k := range sortedKeys(t) {
			parts = append(parts, quoteKey(k)+" = "+inlineValue(t[k]))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return quoteString(fmt.Sprint(v))
}

// formatTime writes a date-time; the TOML decoder marks local dates and times with named
// zones, which are written back in their local forms.
func formatTime(t time.Time) string {
	switch t.Location().String() {
	case "datetime-local":
		return t.Format("2006-01-02T15:04:05.999999999")
	case "date-local":
		return t.Format("2006-01-02")
	case "time-local":
		return t.Format("15:04:05.999999999")
	}
	return t.Format(time.RFC3339Nano)
}

// formatFloat writes the shortest text that parses back to f, always as a TOML float.
func formatFloat(f float64) string {
	switch {
	case f != f:
		return "nan"
	case f > 1.7976931348623157e308:
		return "inf"
	case f < -1.7976931348623157e308:
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}

// quoteKey leaves bare keys bare and quotes the rest.
func quoteKey(k string) string {
	if k != "" && strings.TrimLeft(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == "" {
		return k
	}
	return quoteString(k)
}

// quoteString writes a TOML basic string, escaping quotes, backslashes and every control
// character; invalid UTF-8 becomes U+FFFD so the output is always valid TOML.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || (r >= 0x7f && r < 0xa0):
			b.WriteString(`\u` + strconv.FormatInt(int64(0x10000+r), 16)[1:])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
