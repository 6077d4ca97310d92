package app

import (
	"bytes"
	"strings"
	"testing"
)

// Off a terminal the progress bar stays silent while running and prints one summary line
// with the count, the rate and the ETA when it finishes, so CI logs stay readable.
func TestProgressOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, "render", "steps")
	for i := 1; i <= 20; i++ {
		p.Update(i, 20)
	}
	if buf.Len() != 0 {
		t.Fatalf("wrote %q before finishing", buf.String())
	}
	p.Finish()
	line := buf.String()
	for _, want := range []string{"render [", "20/20 steps", "steps/s", "ETA 0s"} {
		if !strings.Contains(line, want) {
			t.Errorf("%q lacks %q", line, want)
		}
	}
	if strings.Count(line, "\n") != 1 {
		t.Errorf("want exactly one line, got %q", line)
	}
}
