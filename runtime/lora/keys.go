package lora

import (
	"fmt"
	"strings"
)

// Component says which graph a LoRA key patches.
type Component string

// The components a Stable Diffusion 1.x/2.x LoRA patches.
const (
	UNet        Component = "unet"
	TextEncoder Component = "text_encoder"
)

// Part is one of the three tensors a LoRA stores per module.
type Part int

// Down is A (rank × in), Up is B (out × rank), Alpha the scalar α; ΔW = α/rank · B·A.
const (
	Down Part = iota
	Up
	Alpha
)

// Key is one parsed tensor name: the module it patches and which tensor it is.
type Key struct {
	Component Component
	// Module is the module path: dotted (diffusers, "down_blocks.0.attentions.0.
	// transformer_blocks.0.attn1.to_q") when Flat is false; kohya's underscored form
	// ("down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q") when Flat is true, which
	// only the graph's own paths can resolve (kohya replaces every "." by "_").
	Module string
	Flat   bool
	Part   Part
}

// kohya prefixes (sd-scripts networks/lora.py, LoRANetwork.LORA_PREFIX_UNET and
// LORA_PREFIX_TEXT_ENCODER).
var kohyaPrefixes = []struct {
	prefix string
	comp   Component
}{{"lora_unet_", UNet}, {"lora_te_", TextEncoder}}

// kohyaSuffixes are sd-scripts' LoRAModule tensor names.
var kohyaSuffixes = []struct {
	suffix string
	part   Part
}{{".lora_down.weight", Down}, {".lora_up.weight", Up}, {".alpha", Alpha}}

// diffusersSuffixes cover PEFT (lora_A/lora_B), diffusers' pre-PEFT format (lora.down/up, the
// text encoder's lora_linear_layer) and the attention-processor format (to_q_lora.down …),
// as diffusers' utils/state_dict_utils.py (UNET_TO_DIFFUSERS, convert_state_dict_to_peft)
// maps them.
var diffusersSuffixes = []struct {
	suffix string
	part   Part
}{
	{".lora_A.weight", Down}, {".lora_B.weight", Up},
	{".lora.down.weight", Down}, {".lora.up.weight", Up},
	{".lora_linear_layer.down.weight", Down}, {".lora_linear_layer.up.weight", Up},
	{".down.weight", Down}, {".up.weight", Up}, // processor format: "…processor.to_q_lora.down.weight"
	{".alpha", Alpha},
}

// KeyError is a tensor name that is not a LoRA key nudge can apply.
type KeyError struct{ Key, Msg string }

func (e *KeyError) Error() string {
	return fmt.Sprintf("tensor %q: %s", clipName(e.Key), e.Msg)
}

// BadInput marks the error as the user's (exit code 2).
func (e *KeyError) BadInput() bool { return true }

// ParseKey reads one tensor name of a kohya or diffusers/PEFT LoRA file.
func ParseKey(name string) (Key, error) {
	for _, kp := range kohyaPrefixes {
		rest, ok := strings.CutPrefix(name, kp.prefix)
		if !ok {
			continue
		}
		for _, ks := range kohyaSuffixes {
			if mod, ok := strings.CutSuffix(rest, ks.suffix); ok && validModule(mod) && !strings.Contains(mod, ".") {
				return Key{Component: kp.comp, Module: mod, Flat: true, Part: ks.part}, nil
			}
		}
		return Key{}, &KeyError{name, "a kohya key without .lora_down.weight, .lora_up.weight or .alpha (LyCORIS LoHa/LoKr and DoRA are not supported)"}
	}
	comp, rest, ok := diffusersComponent(name)
	if !ok {
		return Key{}, &KeyError{name, "not a Stable Diffusion 1.x/2.x LoRA key (want lora_unet_…, lora_te_…, unet.… or text_encoder.…)"}
	}
	for _, ds := range diffusersSuffixes {
		mod, ok := strings.CutSuffix(rest, ds.suffix)
		if !ok {
			continue
		}
		if ds.suffix == ".down.weight" || ds.suffix == ".up.weight" {
			if mod, ok = processorModule(mod); !ok {
				break
			}
		}
		if !validModule(mod) {
			break
		}
		return Key{Component: comp, Module: mod, Part: ds.part}, nil
	}
	return Key{}, &KeyError{name, "a diffusers key without lora_A/lora_B, lora.down/lora.up or alpha"}
}

func diffusersComponent(name string) (Component, string, bool) {
	if rest, ok := strings.CutPrefix(name, "unet."); ok {
		return UNet, rest, true
	}
	if rest, ok := strings.CutPrefix(name, "text_encoder."); ok {
		return TextEncoder, rest, true
	}
	return "", "", false
}

// processorModule maps diffusers' attention-processor names to module paths:
// "…attn1.processor.to_q_lora" → "…attn1.to_q", "to_out_lora" → "to_out.0".
func processorModule(mod string) (string, bool) {
	head, leaf, ok := strings.Cut(mod, ".processor.")
	if !ok {
		return "", false
	}
	switch leaf {
	case "to_q_lora", "to_k_lora", "to_v_lora":
		return head + "." + strings.TrimSuffix(leaf, "_lora"), true
	case "to_out_lora":
		return head + ".to_out.0", true
	}
	return "", false
}

// validModule accepts non-empty paths of letters, digits, '_' and '.', without empty segments.
func validModule(mod string) bool {
	if mod == "" || strings.HasPrefix(mod, ".") || strings.HasSuffix(mod, ".") || strings.Contains(mod, "..") {
		return false
	}
	for _, r := range mod {
		if !(r == '_' || r == '.' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

// Flatten is kohya's module name for a dotted path: every "." becomes "_".
func Flatten(module string) string { return strings.ReplaceAll(module, ".", "_") }

// clipName shortens a tensor name for an error line and drops anything unprintable.
func clipName(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 {
			r = '?'
		}
		b.WriteRune(r)
		if b.Len() > 120 {
			b.WriteString("…")
			break
		}
	}
	return b.String()
}
