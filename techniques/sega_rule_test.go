package techniques_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// SEGA's threshold rule is written once: a session file is refused with file:line for a
// threshold NewSEGA would refuse, and accepted for one it takes.
func TestSEGAThresholdRuleIsOne(t *testing.T) {
	cases := []struct {
		threshold string
		want      string // "" accepted
	}{
		{"0.9", ""},
		{"0.0", ""},
		{"1.0", "s.toml:8: sega.concepts[0].threshold: threshold 1 is outside [0,1) — use a fraction such as 0.9"},
		{"-0.5", "s.toml:8: sega.concepts[0].threshold: threshold -0.5 is outside [0,1)"},
		{"2", "s.toml:8: sega.concepts[0].threshold: threshold 2 is outside [0,1)"},
	}
	for _, c := range cases {
		src := "version = 1\nprompt = \"a\"\nwidth = 64\nheight = 64\n[sega]\n[[sega.concepts]]\nprompt = \"snow\"\nthreshold = " + c.threshold + "\n"
		s, err := session.Parse("s.toml", []byte(src))
		if c.want == "" {
			if err != nil {
				t.Fatalf("threshold %s: %v", c.threshold, err)
			}
			if _, err := techniques.Build(&s.Params); err != nil {
				t.Fatalf("threshold %s loads but the technique refuses it: %v", c.threshold, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("threshold %s: err = %v, want %q", c.threshold, err, c.want)
		}
		cfg := techniques.DefaultSEGAConfig(techniques.DefaultConcept("snow"))
		cfg.Concepts[0].Threshold, _ = strconv.ParseFloat(c.threshold, 64)
		if _, err := techniques.NewSEGA(cfg); err == nil {
			t.Fatalf("threshold %s: the session refuses it but NewSEGA accepts it", c.threshold)
		}
	}
}
