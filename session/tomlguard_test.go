package session

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
)

func TestTOMLDepthWithin(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		depth int // the smallest limit that passes
	}{
		{"flat", "a = 1\nb = 'x'\n", 0},
		{"inline tables", "x = {a={a=1}}", 2},
		{"arrays", "x = [[1], [2]]", 2},
		{"dotted key", "a.b.c = 1", 2},
		{"float value", "a = 1.5", 1},
		{"header then dotted key", "[a.b.c]\nd.e = {f = 1}", 5},
		{"array-of-tables header", "[[a.b]]\nc = 1", 3},
		{"brackets in strings", `a = "[[[{{{" ` + "\nb = '[[[.'\nc = \"\"\"\n[[[\n\"\"\"\n", 0},
		{"brackets in comments", "a = 1 # [[[[{{{{....\n", 0},
		{"escaped quote", `a = "\"[[[" ` + "\n", 0},
		{"multi-line string with extra quotes", `a = """x"""""` + "\nb = [[1]]", 2},
		{"quoted dotted key", `"a.b.c.d" = 1`, 0},
		{"array value is not a header", "a = [[1]]\nb = 1", 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, ok := tomlDepthWithin([]byte(c.src), c.depth); !ok {
				t.Errorf("limit %d refused %q", c.depth, c.src)
			}
			if c.depth > 0 {
				if _, ok := tomlDepthWithin([]byte(c.src), c.depth-1); ok {
					t.Errorf("limit %d passed %q", c.depth-1, c.src)
				}
			}
		})
	}
}

// The repros: nested inline tables, arrays, dotted keys and headers at depth 20 000
// (80 KB) are refused with one line, allocating almost nothing (before the gate, depth
// 4 000 of inline tables alone allocated 1.85 GB).
func TestParseRefusesDeepNestingCheaply(t *testing.T) {
	const d = 20000
	inputs := map[string]string{
		"inline tables": "x = " + strings.Repeat("{a=", d) + "1" + strings.Repeat("}", d),
		"arrays":        "x = " + strings.Repeat("[", d) + "1" + strings.Repeat("]", d),
		"dotted key":    "x" + strings.Repeat(".a", d) + " = 1",
		"table header":  "[x" + strings.Repeat(".a", d) + "]\nb = 1",
	}
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Parse("deep.toml", []byte(src))
			runtime.ReadMemStats(&after)
			var ie *InputError
			if !errors.As(err, &ie) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "nested more than") {
				t.Fatalf("got %v, want one line saying it is nested too deep", err)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 8<<20 {
				t.Fatalf("refusing %d bytes allocated %d MB", len(src), grew>>20)
			}
			if _, err := ParseConfig("deep.toml", []byte(src)); err == nil || !strings.Contains(err.Error(), "nested more than") {
				t.Fatalf("config: got %v", err)
			}
		})
	}
}

// FuzzTOMLDepth: whatever the depth scan lets through decodes to a tree no deeper than the
// limit, so the scan never under-counts what BurntSushi/toml builds.
func FuzzTOMLDepth(f *testing.F) {
	f.Add("x = {a={a={a=1}}}")
	f.Add("[a.b]\nc.d = [[1, {e.f = 2}]]\n[[g]]\nh = \"\"\"[[\"\"\"\n")
	f.Add("a = '''\n[[[\n'''\nb = [ # ]\n [1]]\n")
	f.Add(`"k.k".k = {"[" = ['{']}`)
	const limit = 4
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		if _, ok := tomlDepthWithin([]byte(src), limit); !ok {
			return
		}
		var tree map[string]any
		if _, err := toml.Decode(src, &tree); err != nil {
			return
		}
		if d := treeDepth(tree) - 1; d > limit { // the root table is level 0
			t.Fatalf("scan passed depth %d at limit %d:\n%s", d, limit, src)
		}
	})
}

// treeDepth counts the tables and arrays nested below v (a scalar is 0).
func treeDepth(v any) int {
	deepest := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			deepest = max(deepest, treeDepth(e))
		}
	case []map[string]any:
		for _, e := range x {
			deepest = max(deepest, treeDepth(e))
		}
	case []any:
		for _, e := range x {
			deepest = max(deepest, treeDepth(e))
		}
	default:
		return 0
	}
	return deepest + 1
}

// The 282-byte PNG: a `nudge` chunk of deeply nested TOML exhausted memory on
// `nudge import`; it is one line now.
func TestImportRefusesDeepTOMLInPNG(t *testing.T) {
	deep := "x = " + strings.Repeat("{a=", 4000) + "1" + strings.Repeat("}", 4000)
	path := filepath.Join(t.TempDir(), "deep.png")
	if err := os.WriteFile(path, pngWithChunks(t, textChunk(ChunkSession, deep, true)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, _, err := Import(path)
	if err == nil || !strings.Contains(err.Error(), "nested more than") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("got %v", err)
	}
}
