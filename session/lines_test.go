package session

import "testing"

func TestIndexLines(t *testing.T) {
	src := `# comment [not] = a header
version = 1
prompt = """
[fake]
width = 3
"""
negative = '''
[[fake]]'''
tokens = [
  1, # two = 2
  "]", '[',
]
"quoted.key" = { a = 1, b = [2,
  3] }
after = "x\"y" # c
[[history]]
[history.sampler]
steps = 1
[[history]]
time = 1
[[history.sega.concepts]]
prompt = "a"
[[history.sega.concepts]]
prompt = "b"
[ sampler ]
  dotted.key = 2
`
	ix := indexLines(src)
	cases := map[string]int{
		"version": 2, "prompt": 3, "negative": 7, "tokens": 9, "quoted.key": 13, "quoted.key.a": 13,
		"after": 15, "history[0]": 16, "history[0].sampler": 17, "history[0].sampler.steps": 18,
		"history[1]": 19, "history[1].time": 20, "history[1].sega.concepts[0].prompt": 22,
		"history[1].sega.concepts[1]": 23, "history[1].sega.concepts[1].prompt": 24,
		"history[1].sega": 19, // implicit table: falls back to its enclosing entry
		"sampler":         25, "sampler.dotted.key": 26, "width": 0, "fake": 0,
	}
	for path, want := range cases {
		if got := ix.line(path); got != want {
			t.Errorf("line(%q) = %d, want %d", path, got, want)
		}
	}
}
