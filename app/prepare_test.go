package app

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
)

// `nudge prepare demo:tiny` works with no flags: the registry names what needs graphs and the
// attention-resolution rule picks 8×8 on a UNet with no 16×16 maps; a second run reuses them.
func TestPrepareDemoWithNoFlags(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	var first, second bytes.Buffer
	if err := Prepare(context.Background(), &session.Config{}, "demo:tiny", PrepareOptions{}, &first, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if want := "attend_excite: built 3 attention map(s) (8×8 ×3) + gradient graph for a 8×8 latent"; !strings.Contains(first.String(), want) {
		t.Fatalf("first run printed %q, want %q", first.String(), want)
	}
	if err := Prepare(context.Background(), &session.Config{}, "demo:tiny", PrepareOptions{For: []string{"attend-excite"}}, &second, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(second.String(), "attend_excite: reused 3 attention map(s)") {
		t.Fatalf("second run printed %q, want a reuse", second.String())
	}
}

func TestPrepareRejectsBadInput(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	cases := []struct {
		ref  string
		o    PrepareOptions
		want string
	}{
		{"demo:tiny", PrepareOptions{For: []string{"sega"}}, "not a technique that needs graphs"},
		{"demo:tiny", PrepareOptions{For: []string{"no_such_technique"}}, "not a technique that needs graphs"},
		{"demo:tiny", PrepareOptions{Width: 100, Height: 64}, "multiples of 8"},
		{"demo:tiny", PrepareOptions{AttentionResolution: 16}, "available: 8×8 (3 layers)"},
		{t.TempDir(), PrepareOptions{}, "unet/model.onnx is missing"},
	}
	for _, c := range cases {
		err := Prepare(context.Background(), &session.Config{}, c.ref, c.o, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !runtime.IsBadInput(err) || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: err = %v, want a one-line bad-input error containing %q", c.o, err, c.want)
		}
	}
}

// The rule: diffusers' 16 where the UNet has it, else the nearest side (the larger on a tie).
func TestNearestSide(t *testing.T) {
	cases := []struct {
		sides []int
		want  int
	}{
		{[]int{64, 32, 16, 8}, 16},
		{[]int{8, 4}, 8},
		{[]int{32, 8}, 8},
		{[]int{24, 8}, 24},
		{[]int{20, 12}, 20},
		{nil, 16},
	}
	for _, c := range cases {
		if got := nearestSide(c.sides, 16); got != c.want {
			t.Errorf("nearestSide(%v, 16) = %d, want %d", c.sides, got, c.want)
		}
	}
}
