package prompt

import (
	"reflect"
	"testing"
)

// The doctests of get_learned_conditioning_prompt_schedules (modules/prompt_parser.py) with
// steps = 10, and the worked example in that file's header comment (steps = 100). One doctest
// is left out: "a [{b|d{:.5] c", which A1111 marks "not handling this right now" — its
// expected text keeps a "|" that the grammar's plain terminal cannot match.
func TestScheduleDoctests(t *testing.T) {
	alt := []Scheduled{}
	for k := 1; k <= 10; k++ {
		alt = append(alt, Scheduled{k, map[bool]string{true: "a", false: "(b:1.1)"}[k%2 == 1]})
	}
	cases := []struct {
		in   string
		want []Scheduled
	}{
		{"test", []Scheduled{{10, "test"}}},
		{"a [b:3]", []Scheduled{{3, "a "}, {10, "a b"}}},
		{"a [b: 3]", []Scheduled{{3, "a "}, {10, "a b"}}},
		{"a [[[b]]:2]", []Scheduled{{2, "a "}, {10, "a [[b]]"}}},
		{"[(a:2):3]", []Scheduled{{3, ""}, {10, "(a:2)"}}},
		{"a [b : c : 1] d", []Scheduled{{1, "a b  d"}, {10, "a  c  d"}}},
		{"a[b:[c:d:2]:1]e", []Scheduled{{1, "abe"}, {2, "ace"}, {10, "ade"}}},
		{"a [unbalanced", []Scheduled{{10, "a [unbalanced"}}},
		{"a [b:.5] c", []Scheduled{{5, "a  c"}, {10, "a b c"}}},
		{"((a][:b:c [d:3]", []Scheduled{{3, "((a][:b:c "}, {10, "((a][:b:c d"}}},
		{"[a|(b:1.1)]", alt},
	}
	for _, c := range cases {
		if got := Schedule(c.in, 10); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Schedule(%q, 10)\n got %v\nwant %v", c.in, got, c.want)
		}
	}
	header := "fantasy landscape with a [mountain:lake:0.25] and [an oak:a christmas tree:0.75][ in foreground::0.6][ in background:0.25] [shoddy:masterful:0.5]"
	want := []Scheduled{
		{25, "fantasy landscape with a mountain and an oak in foreground shoddy"},
		{50, "fantasy landscape with a lake and an oak in foreground in background shoddy"},
		{60, "fantasy landscape with a lake and an oak in foreground in background masterful"},
		{75, "fantasy landscape with a lake and an oak in background masterful"},
		{100, "fantasy landscape with a lake and a christmas tree in background masterful"},
	}
	if got := Schedule(header, 100); !reflect.DeepEqual(got, want) {
		t.Errorf("header example\n got %v\nwant %v", got, want)
	}
}

// Edges the doctests leave out, each following the grammar and collect_steps.
func TestScheduleEdges(t *testing.T) {
	cases := []struct {
		in    string
		steps int
		want  []Scheduled
	}{
		{"a | b", 4, []Scheduled{{4, "a | b"}}},           // "|" outside [..] fails the grammar
		{"a [b:3 ] c", 4, []Scheduled{{4, "a [b:3 ] c"}}}, // no space before "]": brackets stay text
		{"[a:b:1e5]", 4, []Scheduled{{4, "a"}}},           // min(steps, when)
		{"[a:b:0]", 4, []Scheduled{{0, "a"}, {4, "b"}}},   // 0·steps: an entry ending at call 0
		{"[a:b:-2]", 4, []Scheduled{{-8, "a"}, {4, "b"}}}, // int(-2·4)
		{"[a:b:2.9]", 4, []Scheduled{{2, "a"}, {4, "b"}}}, // int truncates
		{"[a:b:1e400]", 4, []Scheduled{{4, "a"}}},         // A1111 would raise; clamped
		{"[a|b|c]", 4, []Scheduled{{1, "a"}, {2, "b"}, {3, "c"}, {4, "a"}}},
		{"[[a|b]:c:2]", 3, []Scheduled{{1, "a"}, {2, "b"}, {3, "c"}}},
		{"x\\", 4, []Scheduled{{4, "x\\"}}},             // trailing backslash: whole prompt
		{`\[a:b:2\]`, 4, []Scheduled{{4, `\[a:b:2\]`}}}, // escaped brackets are plain
	}
	for _, c := range cases {
		if got := Schedule(c.in, c.steps); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Schedule(%q, %d)\n got %v\nwant %v", c.in, c.steps, got, c.want)
		}
	}
}

func TestAt(t *testing.T) {
	s := Schedule("[a:b:3]", 10) // {3 a} {10 b}
	for step, want := range []string{"a", "a", "a", "a", "b", "b"} {
		if got := s[At(s, step)].Text; got != want {
			t.Errorf("step %d: %q, want %q (A1111 keeps an entry while call <= end)", step, got, want)
		}
	}
}

func TestScheduleDeepNestingIsWhole(t *testing.T) {
	deep := ""
	for range maxDepth + 5 {
		deep += "("
	}
	deep += "[a:b:2]"
	for range maxDepth + 5 {
		deep += ")"
	}
	if got := Schedule(deep, 4); len(got) != 1 || got[0].Text != deep {
		t.Fatalf("deep prompt: %d entries, want it used whole", len(got))
	}
	if got := Schedule(deep[6:len(deep)-6], 4); len(got) != 2 {
		t.Fatalf("nesting at the limit: %d entries, want 2", len(got))
	}
}
