// Package lora reads LoRA files — kohya's (sd-scripts networks/lora.py: lora_unet_…/lora_te_…
// with .lora_down/.lora_up/.alpha) and diffusers'/PEFT's (unet.….lora_A/lora_B, the older
// lora.down/lora.up and attention-processor names) — finds the ONNX graph weight each module
// patches, whether the initializer is named or anonymous, and merges
// W' = W + Σ scale·(α/rank)·B·A in Go (Hu et al. 2021, "LoRA", eq. 3; diffusers
// loaders/lora_pipeline.py, fuse_lora). docs/lora-lcm.md says why a merge and not graph inputs
// per LoRA.
package lora
