package onnxgraph

import (
	"fmt"
	"strings"
)

// warnings lists what will stop or degrade a render.
func warnings(r *Report) []string {
	var out []string
	for _, c := range r.Components {
		if len(c.Fused) > 0 {
			out = append(out, fmt.Sprintf("%s: ONNX Runtime-optimised graph (%s); attention techniques (attend-and-excite, attention maps) need an unoptimised torch.onnx export", c.Name, opList(c.Fused)))
		}
	}
	if unet := r.component("unet"); unet != nil && len(unet.Fused) == 0 && len(r.Attention) == 0 {
		out = append(out, "unet: no MatMul→Softmax→MatMul attention found; attention techniques are unavailable")
	}
	for _, name := range []string{"vae_decoder", "vae_encoder"} {
		if c := r.component(name); c != nil && len(c.Inputs) > 0 && c.Inputs[0].DType == "float16" {
			out = append(out, fmt.Sprintf("%s is float16: the SD VAE can overflow in fp16 (NaN or black images, always for SDXL); prefer an fp32 VAE or madebyollin/sdxl-vae-fp16-fix", name))
		}
	}
	out = append(out, tokenizerWarnings(r)...)
	for _, name := range []string{"text_encoder", "vae_decoder"} {
		if r.component(name) == nil {
			out = append(out, fmt.Sprintf("no %s/ with an .onnx file: the pipeline cannot render", name))
		}
	}
	return out
}

func tokenizerWarnings(r *Report) []string {
	var out []string
	has := map[string]bool{}
	for _, t := range r.Tokenizers {
		has[t] = true
	}
	need := map[string]string{"text_encoder": "tokenizer", "text_encoder_2": "tokenizer_2"}
	for _, enc := range []string{"text_encoder", "text_encoder_2"} {
		if r.component(enc) != nil && !has[need[enc]] {
			out = append(out, fmt.Sprintf("missing %s/ (vocab.json, merges.txt) for %s: prompts cannot be tokenised; copy it from the original pipeline", need[enc], enc))
		}
	}
	return out
}

func opList(ops []OpCount) string {
	parts := make([]string, len(ops))
	for i, oc := range ops {
		parts[i] = fmt.Sprintf("%d× %s", oc.Count, oc.Op)
	}
	return strings.Join(parts, ", ")
}
