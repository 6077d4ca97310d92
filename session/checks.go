package session

import (
	"fmt"
	"math"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// checker adds range problems under a key prefix ("history[3].sampler").
type checker struct {
	ps     *problems
	prefix string
}

func (c checker) sub(k string) checker { return checker{ps: c.ps, prefix: c.key(k)} }

func (c checker) key(k string) string {
	if strings.HasPrefix(k, "[") {
		return c.prefix + k
	}
	return joinPath(c.prefix, k)
}

func (c checker) add(k, what, hint string) { c.ps.add(c.key(k), what, hint) }

func (c checker) intRange(k string, v, lo, hi int) {
	if v < lo || v > hi {
		c.add(k, fmt.Sprintf("%d is outside %d…%d", v, lo, hi), fmt.Sprintf("use a whole number from %d to %d", lo, hi))
	}
}

// side checks an image side: a multiple of 8 (the VAE's downscale factor) up to MaxSide.
func (c checker) side(k string, v int) {
	switch {
	case v < 8 || v > MaxSide:
		c.add(k, fmt.Sprintf("%d is outside 8…%d", v, MaxSide), "use e.g. 512")
	case v%8 != 0:
		c.add(k, fmt.Sprintf("%d is not a multiple of 8", v), fmt.Sprintf("use %d or %d", v/8*8, v/8*8+8))
	}
}

func (c checker) number(k string, v, lo, hi float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		c.add(k, fmt.Sprintf("%v is not a finite number", v), "use an ordinary number")
	case v < lo || v > hi:
		c.add(k, fmt.Sprintf("%g is outside %g…%g", v, lo, hi), fmt.Sprintf("use a number from %g to %g", lo, hi))
	}
}

func (c checker) oneOf(k, v string, allowed []string) {
	if slices.Contains(allowed, v) {
		return
	}
	hint := "use one of: " + strings.Join(allowed, ", ")
	if best := closest(v, allowed); best != "" {
		hint = "did you mean " + best + "?"
	}
	c.add(k, fmt.Sprintf("%q is not known", truncate(v, 40)), hint)
}

// identifier checks a short lowercase name such as a generator kind.
func (c checker) identifier(k, v string) {
	if v == "" || len(v) > 64 || strings.TrimLeft(v, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
		c.add(k, fmt.Sprintf("%q is not a name", truncate(v, 40)), "use lowercase letters, digits and _")
	}
}

// text checks free text: valid UTF-8, a length bound, and no control characters other than
// (when multiline) newline and tab, so nothing in a session can drive a terminal.
func (c checker) text(k, v string, maxBytes int, multiline bool) {
	if len(v) > maxBytes {
		c.add(k, fmt.Sprintf("is %d bytes long, the limit is %d", len(v), maxBytes), "shorten it")
		return
	}
	if !utf8.ValidString(v) {
		c.add(k, "is not valid UTF-8", "retype it")
		return
	}
	for i, r := range v {
		if (r == '\n' || r == '\t') && multiline {
			continue
		}
		if r < 0x20 || (r >= 0x7f && r < 0xa0) {
			c.add(k, fmt.Sprintf("has control character U+%04X at byte %d", r, i), "remove it")
			return
		}
	}
}

// hash checks a lowercase hex SHA-256.
func (c checker) hash(k, v string, required bool) {
	if v == "" && !required {
		return
	}
	if len(v) != 64 || strings.TrimLeft(v, "0123456789abcdef") != "" {
		c.add(k, fmt.Sprintf("%q is not a SHA-256", truncate(v, 70)), "write 64 lowercase hex digits")
	}
}

// modelPath checks a model reference. Folder paths may be absolute or relative, but never
// climb with "..": a session shared with someone must not point outside where it says.
func (c checker) modelPath(k, v string) {
	c.text(k, v, maxPathBytes, false)
	if hasDotDot(v) {
		c.add(k, "climbs out of its folder with ..", "use an absolute path or a model alias from the config")
	}
}

// relPath checks a path that must stay inside the session's (or model's) folder.
func (c checker) relPath(k, v string, required bool) {
	if v == "" {
		if required {
			c.add(k, "is empty", "give a path")
		}
		return
	}
	c.text(k, v, maxPathBytes, false)
	switch {
	case path.IsAbs(v) || strings.HasPrefix(v, `\`) || (len(v) > 1 && v[1] == ':'):
		c.add(k, "is absolute", "use a path relative to the session file")
	case hasDotDot(v):
		c.add(k, "climbs out of its folder with ..", "use a path inside the session's folder")
	}
}

func hasDotDot(p string) bool {
	for _, part := range strings.FieldsFunc(p, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return true
		}
	}
	return false
}
