package techniques_test

import (
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

func TestSAGBlock(t *testing.T) {
	cases := []struct {
		name, src string
		want      *techniques.SAGConfig // nil: the error below
		err       string
	}{
		{"defaults", "version = 1\n[sag]\n", &techniques.SAGConfig{Enabled: true, Scale: 0.75}, ""},
		{"scale and off", "version = 1\n[sag]\nenabled = false\nscale = 0.3\n", &techniques.SAGConfig{Scale: 0.3}, ""},
		{"negative scale", "version = 1\n[sag]\nscale = -1\n", nil, "f.toml:3: sag.scale:"},
		{"scale too large", "version = 1\n[sag]\nscale = 11.0\n", nil, "f.toml:3: sag.scale:"},
		{"string scale", "version = 1\n[sag]\nscale = \"high\"\n", nil, "f.toml:3: sag.scale: is a string, want a number"},
		{"unknown key", "version = 1\n[sag]\nmask_threshold = 1.0\n", nil, "f.toml:3: sag.mask_threshold: unknown key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := session.Parse("f.toml", []byte(tc.src))
			if tc.want == nil {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := techniques.SAGOf(&s.Params); got == nil || *got != *tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			back, err := session.Parse("g.toml", session.Marshal(s))
			if err != nil || *techniques.SAGOf(&back.Params) != *tc.want {
				t.Fatalf("Marshal → Parse: %v\n%s", err, session.Marshal(s))
			}
		})
	}
}

func TestSAGThroughInfotext(t *testing.T) {
	for _, scale := range []float64{0.75, 0.3, 2} {
		s := session.Default()
		s.SetBlock("sag", &techniques.SAGConfig{Enabled: true, Scale: scale})
		it, err := session.ParseA1111(session.FormatA1111(s))
		if err != nil {
			t.Fatal(err)
		}
		got, notes := it.Session()
		if g := techniques.SAGOf(&got.Params); g == nil || g.Scale != scale || !g.Enabled {
			t.Fatalf("scale %g came back as %+v (notes %q)", scale, g, notes)
		}
	}
	s := session.Default()
	s.SetBlock("sag", &techniques.SAGConfig{Enabled: true, Scale: 0})
	if strings.Contains(session.FormatA1111(s), "SAG") {
		t.Error("scale 0 changes nothing, yet infotext mentions SAG")
	}
}
