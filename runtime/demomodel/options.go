package demomodel

import (
	"fmt"
	"strings"
)

// Options choose what Write produces. The zero value of each string field means its default
// (tiny, opset 17, fp32, optimum, txt2img), so Options{} writes the fast test model.
type Options struct {
	// Preset is "tiny", "small" or "sd15" (see the table in the package doc).
	Preset string
	// Architecture, when set, replaces the named presets: its sizes are used and its Name
	// becomes Preset. Models nudge trains itself (the shapes world) start from it.
	Architecture *Preset
	// Opset is "14" (LayerNorm decomposed, the exporters' default) or "17" (LayerNormalization).
	Opset string
	// DType is "fp32" or "fp16"; fp16 makes every float weight and float graph I/O float16,
	// as Optimum's --dtype fp16 and ORT's optimize_pipeline --float16 do.
	DType string
	// Layout is "optimum" (Optimum ≥1.24 exporter) or "diffusers" (the legacy
	// convert_stable_diffusion_checkpoint_to_onnx.py script).
	Layout string
	// Variant is "txt2img", "instruct-pix2pix" (UNet in_channels 8) or "depth" (in_channels 5).
	Variant string
	// Seed makes every weight deterministic: the same Options give byte-identical files.
	Seed uint64
	// TAESD also writes taesd_decoder.onnx, a TAESD-shaped live-preview decoder, at the root.
	TAESD bool
	// Progress, if set, is called with weight bytes written so far and in total.
	Progress func(done, total int64)
}

// BadOptionError reports an option value the user chose that Write cannot honour.
type BadOptionError struct {
	Option, Value string
	Allowed       []string
}

func (e *BadOptionError) Error() string {
	return fmt.Sprintf("demo model: --%s %q is not supported; use one of %s",
		e.Option, e.Value, strings.Join(e.Allowed, ", "))
}

// BadInput marks the error as the user's fault, so the CLI exits with status 2.
func (e *BadOptionError) BadInput() bool { return true }

// withDefaults fills empty fields and validates every choice.
func (o Options) withDefaults() (Options, error) {
	pick := func(field *string, option string, allowed ...string) error {
		if *field == "" {
			*field = allowed[0]
		}
		for _, a := range allowed {
			if *field == a {
				return nil
			}
		}
		return &BadOptionError{Option: option, Value: *field, Allowed: allowed}
	}
	names := presetNames()
	if o.Architecture != nil {
		o.Preset = o.Architecture.Name
		names = []string{o.Architecture.Name}
	}
	checks := []error{
		pick(&o.Preset, "preset", names...),
		pick(&o.Opset, "opset", "17", "14"),
		pick(&o.DType, "dtype", "fp32", "fp16"),
		pick(&o.Layout, "layout", "optimum", "diffusers"),
		pick(&o.Variant, "variant", "txt2img", "instruct-pix2pix", "depth"),
	}
	for _, err := range checks {
		if err != nil {
			return o, err
		}
	}
	return o, nil
}

// preset is the architecture the options describe.
func (o Options) preset() Preset {
	if o.Architecture != nil {
		return *o.Architecture
	}
	return presetByName(o.Preset)
}

// opsetVersion is the numeric opset for validated options.
func (o Options) opsetVersion() int64 {
	if o.Opset == "14" {
		return 14
	}
	return 17
}

// unetInChannels follows the variants' UNet configs: InstructPix2Pix concatenates the
// encoded input image (4+4), depth2img the depth map (4+1).
func (o Options) unetInChannels() int64 {
	switch o.Variant {
	case "instruct-pix2pix":
		return 8
	case "depth":
		return 5
	}
	return 4
}
