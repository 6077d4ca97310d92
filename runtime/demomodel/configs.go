package demomodel

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
)

// diffusersVersion is recorded in the configs the way diffusers stamps _diffusers_version.
const diffusersVersion = "0.30.0"

// vaeScalingFactor is SD 1.x's latent scale (AutoencoderKL config scaling_factor).
const vaeScalingFactor = 0.18215

// writeJSON writes v with two-space indent, sorted map keys and no HTML escaping, so
// "<|endoftext|>" appears literally as in Hugging Face's files.
func writeJSON(path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o666)
}

// schedulerConfig is SD 1.5's scheduler/scheduler_config.json (runwayml/stable-diffusion-v1-5,
// scheduler/scheduler_config.json).
func schedulerConfig() map[string]any {
	return map[string]any{
		"_class_name": "PNDMScheduler", "_diffusers_version": diffusersVersion,
		"beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
		"num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true,
		"steps_offset": 1, "trained_betas": nil, "clip_sample": false,
	}
}

func pipelineClass(o Options) string {
	prefix := ""
	if o.Layout == "diffusers" {
		prefix = "Onnx"
	}
	switch o.Variant {
	case "instruct-pix2pix":
		return prefix + "StableDiffusionInstructPix2PixPipeline"
	case "depth":
		return prefix + "StableDiffusionDepth2ImgPipeline"
	}
	return prefix + "StableDiffusionPipeline"
}

// modelIndex is model_index.json. Optimum keeps the source pipeline's component classes;
// the legacy script names every ONNX component OnnxRuntimeModel. _nudge_demo records how the
// folder was generated (diffusers ignores keys starting with "_").
func modelIndex(o Options) map[string]any {
	m := map[string]any{
		"_class_name": pipelineClass(o), "_diffusers_version": diffusersVersion,
		"scheduler": []any{"diffusers", "PNDMScheduler"},
		"tokenizer": []any{"transformers", "CLIPTokenizer"},
		"_nudge_demo": map[string]any{
			"preset": o.Preset, "opset": o.Opset, "dtype": o.DType, "layout": o.Layout,
			"variant": o.Variant, "seed": o.Seed, "taesd": o.TAESD,
		},
	}
	if o.Layout == "diffusers" {
		for _, c := range []string{"text_encoder", "unet", "vae_encoder", "vae_decoder"} {
			m[c] = []any{"diffusers", "OnnxRuntimeModel"}
		}
		m["safety_checker"] = []any{nil, nil}
		m["feature_extractor"] = []any{nil, nil}
		m["requires_safety_checker"] = false
		return m
	}
	m["text_encoder"] = []any{"transformers", "CLIPTextModel"}
	m["unet"] = []any{"diffusers", "UNet2DConditionModel"}
	m["vae"] = []any{"diffusers", "AutoencoderKL"}
	m["safety_checker"] = []any{nil, nil}
	m["feature_extractor"] = []any{nil, nil}
	m["requires_safety_checker"] = false
	if o.Variant == "depth" { // StableDiffusionDepth2ImgPipeline's extra components
		m["depth_estimator"] = []any{"transformers", "DPTForDepthEstimation"}
		m["feature_extractor"] = []any{"transformers", "DPTImageProcessor"}
		delete(m, "safety_checker")
		delete(m, "requires_safety_checker")
	}
	return m
}

func torchDType(o Options) string {
	if o.DType == "fp16" {
		return "float16"
	}
	return "float32"
}

func unetConfig(p Preset, o Options) map[string]any {
	u := p.UNet
	var down, up []string
	for _, ca := range u.CrossAttn {
		if ca {
			down = append(down, "CrossAttnDownBlock2D")
			up = append([]string{"CrossAttnUpBlock2D"}, up...)
		} else {
			down = append(down, "DownBlock2D")
			up = append([]string{"UpBlock2D"}, up...)
		}
	}
	return map[string]any{
		"_class_name": "UNet2DConditionModel", "_diffusers_version": diffusersVersion,
		"act_fn": "silu", "attention_head_dim": u.Heads, "block_out_channels": u.BlockOutChannels,
		"center_input_sample": false, "cross_attention_dim": u.CrossDim,
		"down_block_types": down, "up_block_types": up, "downsample_padding": 1,
		"flip_sin_to_cos": true, "freq_shift": 0, "in_channels": o.unetInChannels(),
		"out_channels": 4, "layers_per_block": u.LayersPerBlock, "mid_block_scale_factor": 1,
		"norm_eps": u.NormEps, "norm_num_groups": u.NormGroups, "sample_size": p.LatentSize(),
	}
}

func vaeConfig(p Preset) map[string]any {
	v := p.VAE
	n := len(v.BlockOutChannels)
	return map[string]any{
		"_class_name": "AutoencoderKL", "_diffusers_version": diffusersVersion,
		"act_fn": "silu", "block_out_channels": v.BlockOutChannels,
		"down_block_types": strings.Split(strings.Repeat("DownEncoderBlock2D ", n), " ")[:n],
		"up_block_types":   strings.Split(strings.Repeat("UpDecoderBlock2D ", n), " ")[:n],
		"in_channels":      3, "out_channels": 3, "latent_channels": latentChannels,
		"layers_per_block": v.LayersPerBlock, "norm_num_groups": v.NormGroups,
		"sample_size": p.ImageSize, "scaling_factor": vaeScalingFactor,
	}
}

func clipConfig(p Preset, o Options, vocabRows int64, bos, eos int) map[string]any {
	c := p.CLIP
	return map[string]any{
		"architectures": []string{"CLIPTextModel"}, "model_type": "clip_text_model",
		"hidden_size": c.Hidden, "intermediate_size": c.MLP, "num_attention_heads": c.Heads,
		"num_hidden_layers": c.Layers, "max_position_embeddings": c.Positions,
		"vocab_size": vocabRows, "hidden_act": "quick_gelu", "layer_norm_eps": 1e-5,
		"projection_dim": c.Hidden, "bos_token_id": bos, "eos_token_id": eos, "pad_token_id": eos,
		"torch_dtype": torchDType(o), "transformers_version": "4.44.0",
	}
}
