// Package demomodel writes Stable-Diffusion-shaped ONNX model folders generated from a seed,
// so tests, benchmarks and the demo never need downloaded weights.
//
// A folder looks like the Optimum exporter's (or, with Layout "diffusers", like the legacy
// convert_stable_diffusion_checkpoint_to_onnx.py script's; see
// docs/references.md, "ONNX exports in the wild"): model_index.json, text_encoder/, unet/,
// vae_encoder/, vae_decoder/ (each model.onnx + config.json, weights in model.onnx_data above 2 MB
// or always for sd15; the legacy layout puts the UNet's in weights.pb), tokenizer/ (CLIP BPE
// files over a small vocabulary of our own) and scheduler/scheduler_config.json with SD 1.5's
// PNDM values. Options.TAESD adds taesd_decoder.onnx for live previews.
//
// Graphs follow a torch.onnx export of diffusers' UNet2DConditionModel and AutoencoderKL and
// transformers' CLIPTextModel, op for op and name for name ("/down_blocks.0/attentions.0/
// transformer_blocks.0/attn2/Softmax"), so graph tooling and techniques that look for
// attention maps behave on demo models as on real ones. Weights are uniform, fan-in scaled
// (variance gain²/fan_in) and deterministic per tensor from the seed; the tests run a whole
// text → UNet → VAE pass to check activations stay finite and near unit scale.
//
// Presets (image size is the default; latent = image/8):
//
//	preset  image  UNet block_out_channels  attn (down)  layers  heads  cross  groups  CLIP hidden×layers, heads, MLP  VAE block_out_channels, layers, groups  UNet params
//	tiny     64    (32, 64)                 (y, n)       1       2      32     8       32×2, 2, 64                     (16, 16, 32, 32), 1, 8                 0.79 M
//	small   128    (64, 128, 128)           (y, y, n)    1       4      64     16      64×4, 4, 256                    (32, 32, 64, 64), 1, 16                5.8 M
//	sd15    512    (320, 640, 1280, 1280)   (y, y, y, n) 2       8      768    32      768×12, 12, 3072 (49408 rows)   (128, 256, 512, 512), 2, 32            859.5 M
//
// tiny attends at 8×8 (down_blocks.0, up_blocks.1) and 4×4 (mid); small at 16×16, 8×8 and
// 4×4 (mid); sd15 has SD 1.5's exact layout (docs/references.md, "SD 1.5 attention layout") and
// parameter counts. tiny and small size the token embedding to the tokenizer (1687 ids); all use 77
// positions.
package demomodel
