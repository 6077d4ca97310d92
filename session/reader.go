package session

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// table reads typed fields out of one decoded TOML table, recording a problem for every
// wrong type and remembering which keys it consumed so the rest can be reported as unknown.
type table struct {
	m    map[string]any
	path string // indexed key path of the table; "" at the top level
	ps   *problems
	used map[string]bool // keys the reader asked for, present or not
}

func newTable(m map[string]any, path string, ps *problems) *table {
	return &table{m: m, path: path, ps: ps, used: map[string]bool{}}
}

func (t *table) key(k string) string { return joinPath(t.path, k) }

// get returns the raw value of k and marks k as a key this table knows.
func (t *table) get(k string) (any, bool) {
	t.used[k] = true
	v, ok := t.m[k]
	return v, ok
}

func (t *table) wrongType(k string, v any, want string) {
	t.ps.addf(t.key(k), "write it as "+want, "is %s, want %s", tomlTypeName(v), want)
}

func (t *table) str(k string, dst *string) {
	if v, ok := t.get(k); ok {
		if s, ok := v.(string); ok {
			*dst = s
		} else {
			t.wrongType(k, v, `a string in "quotes"`)
		}
	}
}

func (t *table) boolean(k string, dst *bool) {
	if v, ok := t.get(k); ok {
		if b, ok := v.(bool); ok {
			*dst = b
		} else {
			t.wrongType(k, v, "true or false")
		}
	}
}

// integer reads a whole number that fits an int on every platform nudge builds for.
func (t *table) integer(k string, dst *int) {
	if v, ok := t.get(k); ok {
		n, ok := v.(int64)
		switch {
		case !ok:
			t.wrongType(k, v, "a whole number")
		case n > math.MaxInt32 || n < math.MinInt32:
			t.ps.addf(t.key(k), "use a value in the documented range", "%d is far out of range", n)
		default:
			*dst = int(n)
		}
	}
}

// float reads a number; integers are accepted (guidance = 7).
func (t *table) float(k string, dst *float64) {
	if v, ok := t.get(k); ok {
		switch n := v.(type) {
		case float64:
			*dst = n
		case int64:
			*dst = float64(n)
		default:
			t.wrongType(k, v, "a number")
		}
	}
}

// seed reads a uint64 written as a non-negative integer or, above 2^63−1, a decimal string.
func (t *table) seed(k string, dst *uint64) {
	v, ok := t.get(k)
	if !ok {
		return
	}
	const hint = `write a whole number 0…18446744073709551615 (above 9223372036854775807 as a "string")`
	switch n := v.(type) {
	case int64:
		if n < 0 {
			t.ps.addf(t.key(k), hint, "%d is negative", n)
			return
		}
		*dst = uint64(n)
	case string:
		u, err := strconv.ParseUint(n, 10, 64)
		if err != nil {
			t.ps.addf(t.key(k), hint, "%q is not a seed", truncate(n, 40))
			return
		}
		*dst = u
	default:
		t.wrongType(k, v, "a whole number")
	}
}

func (t *table) datetime(k string, dst *time.Time) {
	if v, ok := t.get(k); ok {
		if tm, ok := v.(time.Time); ok {
			*dst = tm.UTC()
		} else {
			t.wrongType(k, v, "a date-time like 2025-01-02T15:04:05Z")
		}
	}
}

// sub returns the sub-table k, or nil when it is absent or not a table.
func (t *table) sub(k string) *table {
	v, ok := t.get(k)
	if !ok {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		t.wrongType(k, v, "a table ["+t.key(k)+"]")
		return nil
	}
	return newTable(m, t.key(k), t.ps)
}

// array returns the array of tables k ([[k]]), or nil.
func (t *table) array(k string) []*table {
	v, ok := t.get(k)
	if !ok {
		return nil
	}
	list, ok := v.([]map[string]any)
	if !ok {
		t.wrongType(k, v, "tables written [["+t.key(k)+"]]")
		return nil
	}
	out := make([]*table, len(list))
	for i, m := range list {
		out[i] = newTable(m, t.key(k)+"["+strconv.Itoa(i)+"]", t.ps)
	}
	return out
}

// list returns the plain array k, or nil.
func (t *table) list(k string) []any {
	v, ok := t.get(k)
	if !ok {
		return nil
	}
	if l, ok := v.([]any); ok {
		return l
	}
	t.wrongType(k, v, "an array [ … ]")
	return nil
}

// unknown reports every key not consumed, suggesting the closest known one.
func (t *table) unknown() {
	for _, k := range sortedKeys(t.m) {
		if !t.used[k] {
			t.ps.add(t.key(k), "unknown key", t.suggest(k))
		}
	}
}

func (t *table) suggest(k string) string {
	var known []string
	for u := range t.used {
		known = append(known, u)
	}
	sort.Strings(known)
	if best := closest(k, known); best != "" {
		return "did you mean " + best + "?"
	}
	return "remove it (see docs/session-format.md)"
}

// closest returns the candidate that k is most likely a typo of, or "": within edit
// distance 1 for names of up to 4 letters ("sgea" → "sega", but "sag" stays a name of its
// own), 2 for longer ones.
func closest(k string, candidates []string) string {
	limit := 2
	if len(k) <= 4 {
		limit = 1
	}
	best, bestD := "", limit+1
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(k), c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance (Levenshtein plus adjacent
// transpositions), for "did you mean" hints only.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 99
	}
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func tomlTypeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a date-time"
	case map[string]any:
		return "a table"
	case []map[string]any:
		return "an array of tables"
	case []any:
		return "an array"
	}
	return "a date or time"
}

// truncate shortens s for quoting in a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
