package app

import (
	"slices"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/session"
	"github.com/nudge-studio/nudge/techniques"
)

// TestBuildRequestAttendExcite maps the session's [attend_excite] block to the technique and
// turns a bad token into a bad-input error.
func TestBuildRequestAttendExcite(t *testing.T) {
	p := session.Params{Prompt: "a cat and a frog", Width: 64, Height: 64, Batch: 1,
		Sampler: session.Sampler{Steps: 4, Guidance: 7.5}}
	ae0 := techniques.DefaultAttendExciteConfig(2, 5)
	p.SetBlock("attend_excite", &ae0)
	req, err := BuildRequest(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Techniques) != 1 {
		t.Fatalf("%d techniques, want attend_excite only", len(req.Techniques))
	}
	ae, ok := req.Techniques[0].(*techniques.AttendExcite)
	if !ok {
		t.Fatalf("technique %T, want *AttendExcite", req.Techniques[0])
	}
	if !slices.Equal(ae.Tokens(), []int{2, 5}) {
		t.Fatalf("tokens %v, want [2 5]", ae.Tokens())
	}
	ae0.Enabled = false
	if req, _ := BuildRequest(p); len(req.Techniques) != 0 {
		t.Fatal("a disabled block still added the technique")
	}
	ae0.Enabled, ae0.Tokens = true, []int{0}
	if _, err := BuildRequest(p); err == nil || !runtime.IsBadInput(err) {
		t.Fatalf("token 0: err = %v, want a bad-input error", err)
	}
}
