package lora

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/safetensors"
)

func TestParseKey(t *testing.T) {
	const attn = "down_blocks.0.attentions.0.transformer_blocks.0.attn1"
	cases := []struct {
		name string
		want Key
	}{
		{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q.lora_down.weight",
			Key{UNet, Flatten(attn + ".to_q"), true, Down}},
		{"lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_out_0.lora_up.weight",
			Key{UNet, Flatten(attn + ".to_out.0"), true, Up}},
		{"lora_te_text_model_encoder_layers_0_self_attn_q_proj.alpha",
			Key{TextEncoder, "text_model_encoder_layers_0_self_attn_q_proj", true, Alpha}},
		{"unet." + attn + ".to_q.lora_A.weight", Key{UNet, attn + ".to_q", false, Down}},
		{"unet." + attn + ".to_out.0.lora_B.weight", Key{UNet, attn + ".to_out.0", false, Up}},
		{"unet." + attn + ".to_k.lora.down.weight", Key{UNet, attn + ".to_k", false, Down}},
		{"unet." + attn + ".processor.to_out_lora.up.weight", Key{UNet, attn + ".to_out.0", false, Up}},
		{"unet." + attn + ".processor.to_v_lora.down.weight", Key{UNet, attn + ".to_v", false, Down}},
		{"text_encoder.text_model.encoder.layers.3.self_attn.k_proj.lora_linear_layer.up.weight",
			Key{TextEncoder, "text_model.encoder.layers.3.self_attn.k_proj", false, Up}},
		{"text_encoder.text_model.encoder.layers.3.mlp.fc1.lora_B.weight",
			Key{TextEncoder, "text_model.encoder.layers.3.mlp.fc1", false, Up}},
	}
	for _, c := range cases {
		got, err := ParseKey(c.name)
		if err != nil || got != c.want {
			t.Errorf("ParseKey(%q) = %+v, %v; want %+v", c.name, got, err, c.want)
		}
	}
	for _, bad := range []string{
		"", "lora_unet_x.hada_w1_a", "lora_te2_text_model_x.lora_down.weight", "model.diffusion_model.x.weight",
		"unet..to_q.lora_A.weight", "unet.a.b.processor.to_x_lora.down.weight", "unet.a\x1b[2J.lora_A.weight",
		"lora_unet_.lora_down.weight", "unet.a.lora_magnitude_vector",
	} {
		if _, err := ParseKey(bad); err == nil || strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("ParseKey(%q): error %v, want one clean line", bad, err)
		}
	}
}

// FuzzParseKey: any name gives a key or one printable line; an accepted key has a module of
// letters, digits, '_' and '.' only.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"lora_unet_a_b.lora_down.weight", "unet.a.b.lora_A.weight", "text_encoder.x.alpha",
		"unet.a.processor.to_out_lora.up.weight", "lora_te_\xff.alpha"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		k, err := ParseKey(name)
		if err != nil {
			if strings.ContainsAny(err.Error(), "\n\r\x1b") {
				t.Fatalf("error %q is not one clean line", err)
			}
			return
		}
		if !validModule(k.Module) || k.Flat && strings.Contains(k.Module, ".") {
			t.Fatalf("accepted %q with module %q", name, k.Module)
		}
	})
}

func writeFile(t *testing.T, tensors map[string]safetensors.Tensor) string {
	t.Helper()
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, nil); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.safetensors")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Bad files are refused in one line that names the file.
func TestLoadRefuses(t *testing.T) {
	up := safetensors.FromFloat32([]int64{4, 2}, make([]float32, 8))
	down := safetensors.FromFloat32([]int64{2, 3}, make([]float32, 6))
	wrongRank := safetensors.FromFloat32([]int64{3, 3}, make([]float32, 9))
	nan := safetensors.FromFloat32([]int64{2, 3}, []float32{0, 0, float32(math.NaN()), 0, 0, 0})
	cases := map[string]map[string]safetensors.Tensor{
		"only one of":  {"unet.a.lora_A.weight": down},
		"rank":         {"unet.a.lora_A.weight": wrongRank, "unet.a.lora_B.weight": up},
		"not finite":   {"unet.a.lora_A.weight": nan, "unet.a.lora_B.weight": up},
		"not a Stable": {"model.a.weight": down},
		"no LoRA":      {},
	}
	for says, tensors := range cases {
		_, err := Load(writeFile(t, tensors))
		var fe *FileError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), says) || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "x.safetensors") {
			t.Errorf("%s: error %v", says, err)
		}
	}
	p := filepath.Join(t.TempDir(), "bad.safetensors")
	os.WriteFile(p, []byte{200, 0, 0, 0, 0, 0, 0, 0, '{'}, 0o644)
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "safetensors") {
		t.Errorf("corrupt header: %v", err)
	}
}

// Merge against a float64 triple loop, in both layouts, with two LoRAs; scale 0 leaves W.
func TestMergeFloat64(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	const out, in = 5, 7
	a := &Module{Up: vec(out * 3), Down: vec(3 * in), Out: out, In: in, Rank: 3, Alpha: 1.5}
	b := &Module{Up: vec(out * 2), Down: vec(2 * in), Out: out, In: in, Rank: 2, Alpha: 2}
	base := vec(out * in)
	for _, layout := range []Layout{OutIn, InOut} {
		tg := Target{Layout: layout, Out: out, In: in}
		got := Merge(base, tg, []Term{{a, 0.7}, {b, -1.2}})
		for o := range out {
			for i := range in {
				d := 0.0
				for _, tm := range []struct {
					m *Module
					s float64
				}{{a, 0.7}, {b, -1.2}} {
					for r := range tm.m.Rank {
						d += tm.s * tm.m.Alpha / float64(tm.m.Rank) * float64(tm.m.Up[o*tm.m.Rank+r]) * float64(tm.m.Down[r*in+i])
					}
				}
				idx := o*in + i
				if layout == InOut {
					idx = i*out + o
				}
				if want := float64(base[idx]) + d; math.Abs(float64(got[idx])-want) > 1e-6*math.Max(1, math.Abs(want)) {
					t.Fatalf("layout %d [%d,%d] = %v, want %v", layout, o, i, got[idx], want)
				}
			}
		}
		zero := Merge(base, tg, []Term{{a, 0}, {b, 0}})
		for i := range base {
			if math.Float32bits(zero[i]) != math.Float32bits(base[i]) {
				t.Fatalf("scale 0 changed W[%d]", i)
			}
		}
	}
}
