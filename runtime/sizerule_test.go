package runtime_test

import (
	"context"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime"
	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/scheduler"
)

// The size rule comes from the UNet: demo:tiny has two down blocks, so latents must be
// even (images in multiples of 16). 72×72 passed every check and failed inside ORT at a
// Concat; now it is refused before any model call, in one line, as bad input.
func TestSizeRuleFromTheUNet(t *testing.T) {
	m := openTiny(t, demomodel.Options{Preset: "tiny"})
	if m.Sizes.Levels != 2 || m.Sizes.Multiple != 16 {
		t.Fatalf("tiny's rule: %+v, want 2 levels, multiples of 16", m.Sizes)
	}
	cases := []struct {
		w, h int
		ok   bool
	}{{64, 64, true}, {80, 48, true}, {72, 72, false}, {64, 56, false}}
	for _, c := range cases {
		req := tinyRequest()
		req.Width, req.Height, req.Steps = c.w, c.h, 2
		_, err := m.Render(context.Background(), req, nil)
		if c.ok != (err == nil) {
			t.Fatalf("%dx%d: %v", c.w, c.h, err)
		}
		if !c.ok && (!runtime.IsBadInput(err) || !strings.Contains(err.Error(), "multiples of 16") || strings.Contains(err.Error(), "\n")) {
			t.Fatalf("%dx%d: %v, want one bad-input line naming multiples of 16", c.w, c.h, err)
		}
	}
}

// At MaxSteps every scheduler renders SD's default "leading" spacing (steps_offset = 1):
// 1000 steps reached timestep 1000 in PNDM (and 999 in DPM-Solver++), past the 1000-entry
// training schedule, though validation allowed them. Other spacings either work or are one
// bad-input line (numpy-faithful rounding makes a few counts fall off the schedule's end).
func TestMaxStepsStaysInsideTheSchedule(t *testing.T) {
	for _, spacing := range []string{"leading", "trailing", "linspace"} {
		cfg, err := scheduler.ParseConfig([]byte(`{"_class_name": "PNDMScheduler", "beta_start": 0.00085, "beta_end": 0.012,
			"beta_schedule": "scaled_linear", "skip_prk_steps": true, "steps_offset": 1, "set_alpha_to_one": false,
			"timestep_spacing": "`+spacing+`"}`), "test")
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range scheduler.Names() {
			s, err := scheduler.New(name, cfg, scheduler.Options{})
			if err != nil {
				t.Fatal(err)
			}
			err = s.SetTimesteps(runtime.MaxSteps)
			// LCM samples from its 50-step distillation schedule (diffusers raises too): one line.
			if (spacing == "leading" && err != nil && name != "lcm") || (err != nil && (!runtime.IsBadInput(err) || strings.Contains(err.Error(), "\n"))) {
				t.Fatalf("%s %s at %d steps: %v", name, spacing, runtime.MaxSteps, err)
			}
		}
	}
	req := tinyRequest()
	req.Steps = runtime.MaxSteps + 1
	if err := req.Validate(); err == nil {
		t.Fatal("more than MaxSteps accepted")
	}
}
