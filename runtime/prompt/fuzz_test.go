package prompt

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedPrompts adds testdata/prompts.txt (one prompt a line, "\n" written as \n) to f.
func seedPrompts(f *testing.F) {
	data, err := os.ReadFile(filepath.Join("testdata", "prompts.txt"))
	if err != nil {
		f.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f.Add(strings.ReplaceAll(line, `\n`, "\n"))
	}
}

func FuzzParseAttention(f *testing.F) {
	seedPrompts(f)
	f.Fuzz(func(t *testing.T, s string) {
		spans := ParseAttention(s)
		if len(spans) == 0 {
			t.Fatal("no spans")
		}
		for i := 1; i < len(spans); i++ {
			if spans[i].Weight == spans[i-1].Weight {
				t.Fatalf("unmerged neighbours %v", spans)
			}
		}
		if !strings.ContainsAny(s, `\()[]:`) && !strings.Contains(s, "BREAK") && spans[0].Text != s {
			t.Fatalf("plain text %q became %v", s, spans)
		}
	})
}

func FuzzSchedule(f *testing.F) {
	seedPrompts(f)
	f.Fuzz(func(t *testing.T, s string) {
		const steps = 7
		sched := Schedule(s, steps)
		if len(sched) == 0 || sched[len(sched)-1].End != steps {
			t.Fatalf("schedule %v does not end at %d", sched, steps)
		}
		for i := 1; i < len(sched); i++ {
			if sched[i].End <= sched[i-1].End {
				t.Fatalf("ends not increasing: %v", sched)
			}
		}
		if !strings.ContainsAny(s, "[]") && len(sched) != 1 {
			t.Fatalf("no square brackets but %d entries", len(sched))
		}
	})
}

func FuzzChunks(f *testing.F) {
	seedPrompts(f)
	c, _ := clipChunker(f)
	f.Fuzz(func(t *testing.T, s string) {
		chunks, count := c.Chunks(ParseAttention(s))
		if len(chunks) == 0 || count < 0 {
			t.Fatalf("%d chunks, count %d", len(chunks), count)
		}
		for _, ch := range chunks {
			if len(ch.IDs) != ChunkLength+2 || len(ch.Weights) != ChunkLength+2 || ch.Used > ChunkLength {
				t.Fatalf("chunk shape %d/%d used %d", len(ch.IDs), len(ch.Weights), ch.Used)
			}
		}
	})
}
