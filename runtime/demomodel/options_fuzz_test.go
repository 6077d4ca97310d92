package demomodel

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// FuzzOptions: any flag strings either validate to supported values or give a one-line
// BadInput error naming the flag — never a panic.
func FuzzOptions(f *testing.F) {
	f.Add("tiny", "17", "fp32", "optimum", "txt2img")
	f.Add("", "", "", "", "")
	f.Add("sd15", "14", "fp16", "diffusers", "depth")
	f.Add("SMALL", "17\n", "fp 16", "optimum", "instruct-pix2pix")
	f.Fuzz(func(t *testing.T, preset, opset, dtype, layout, variant string) {
		o, err := Options{Preset: preset, Opset: opset, DType: dtype, Layout: layout, Variant: variant}.withDefaults()
		if err != nil {
			var bad *BadOptionError
			if !errors.As(err, &bad) || !bad.BadInput() {
				t.Fatalf("error %v is not a BadOptionError", err)
			}
			if !strings.HasPrefix(err.Error(), "demo model: --") || strings.Contains(err.Error(), "\n") {
				t.Fatalf("message %q is not one line naming the flag", err)
			}
			return
		}
		checks := []struct {
			value   string
			allowed []string
		}{
			{o.Preset, presetNames()}, {o.Opset, []string{"14", "17"}}, {o.DType, []string{"fp32", "fp16"}},
			{o.Layout, []string{"optimum", "diffusers"}}, {o.Variant, []string{"txt2img", "instruct-pix2pix", "depth"}},
		}
		for _, c := range checks {
			if !slices.Contains(c.allowed, c.value) {
				t.Fatalf("accepted %q, not one of %v", c.value, c.allowed)
			}
		}
	})
}
