package session

import "strconv"

// Table reads a technique's block (BlockCodec.Decode): typed fields with wrong types
// recorded as located problems, keys remembered so the rest are reported as unknown.
type Table struct {
	t      *table
	opened *[]*table // every table of the block, checked for unknown keys after Decode
}

func (t Table) child(c *table) Table {
	*t.opened = append(*t.opened, c)
	return Table{t: c, opened: t.opened}
}

// Str reads a string into dst when present.
func (t Table) Str(k string, dst *string) { t.t.str(k, dst) }

// Bool reads a boolean into dst when present.
func (t Table) Bool(k string, dst *bool) { t.t.boolean(k, dst) }

// Int reads a whole number into dst when present.
func (t Table) Int(k string, dst *int) { t.t.integer(k, dst) }

// Float reads a number (integers accepted) into dst when present.
func (t Table) Float(k string, dst *float64) { t.t.float(k, dst) }

// Has reports whether k is present, and marks k as a key of the block.
func (t Table) Has(k string) bool {
	_, ok := t.t.get(k)
	return ok
}

// Ints reads an array of whole numbers; an element of another type is a located problem.
func (t Table) Ints(k string) []int {
	var out []int
	for i, v := range t.t.list(k) {
		n, ok := v.(int64)
		if !ok {
			t.t.ps.addf(t.t.key(k)+"["+strconv.Itoa(i)+"]", "write whole numbers", "is %s", tomlTypeName(v))
			continue
		}
		out = append(out, int(max(min(n, 1<<30), -1)))
	}
	return out
}

// Strings reads an array of strings; an element of another type is a located problem.
func (t Table) Strings(k string) []string {
	var out []string
	for i, v := range t.t.list(k) {
		s, ok := v.(string)
		if !ok {
			t.t.ps.addf(t.t.key(k)+"["+strconv.Itoa(i)+"]", `write "strings"`, "is %s", tomlTypeName(v))
			continue
		}
		out = append(out, s)
	}
	return out
}

// Sub returns the sub-table k; ok is false when it is absent or not a table.
func (t Table) Sub(k string) (Table, bool) {
	s := t.t.sub(k)
	if s == nil {
		return Table{}, false
	}
	return t.child(s), true
}

// Array returns the array of tables k ([[block.k]]).
func (t Table) Array(k string) []Table {
	var out []Table
	for _, s := range t.t.array(k) {
		out = append(out, t.child(s))
	}
	return out
}

// Keys returns the table's keys in order; reading them is up to the caller.
func (t Table) Keys() []string { return sortedKeys(t.t.m) }

// Problem records a problem with key k of this table.
func (t Table) Problem(k, what, hint string) {
	t.t.get(k)
	t.t.ps.add(t.t.key(k), what, hint)
}

// Checker records range problems under a block's key path (Block.CheckBlock).
type Checker struct{ c checker }

// Sub is a checker for a sub-key ("concepts[1]", "thresholds").
func (c Checker) Sub(k string) Checker { return Checker{c.c.sub(k)} }

// Add records a problem with key k.
func (c Checker) Add(k, what, hint string) { c.c.add(k, what, hint) }

// IntRange checks lo ≤ v ≤ hi.
func (c Checker) IntRange(k string, v, lo, hi int) { c.c.intRange(k, v, lo, hi) }

// Number checks a finite number with lo ≤ v ≤ hi.
func (c Checker) Number(k string, v, lo, hi float64) { c.c.number(k, v, lo, hi) }

// Text checks free text: UTF-8, at most maxBytes, no control characters (newline and tab
// allowed when multiline), so nothing in a session can drive a terminal.
func (c Checker) Text(k, v string, maxBytes int, multiline bool) { c.c.text(k, v, maxBytes, multiline) }

// BlockWriter writes a block's keys (Block.WriteBlock) in the session's TOML style.
type BlockWriter struct {
	w    *tomlWriter
	name string // the block's dotted path ("sega", "history.sega")
}

// KV writes one key. v is a string, int64, float64, bool or []any of those.
func (b BlockWriter) KV(k string, v any) { b.w.kv(k, v) }

// Table starts the sub-table [block.k]; the keys written next belong to it.
func (b BlockWriter) Table(k string) BlockWriter {
	b.w.header(b.name+"."+k, false)
	return BlockWriter{w: b.w, name: b.name + "." + k}
}

// ArrayTable starts a new element of the array of tables [[block.k]].
func (b BlockWriter) ArrayTable(k string) BlockWriter {
	b.w.header(b.name+"."+k, true)
	return BlockWriter{w: b.w, name: b.name + "." + k}
}

// SortedInts returns a map's integer keys in order (for writing {step = value} tables).
func SortedInts[V any](m map[int]V) []int { return sortedInts(m) }
