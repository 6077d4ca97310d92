// Package recipe trains nudge's built-in "shapes world" model family from scratch on ONNX
// Runtime and turns the trained weights into a model folder the runtime opens like any
// Stable Diffusion export.
//
// Why a recipe of our own: no pretrained weights can be downloaded where nudge is built and
// tested, yet every technique (SEGA, attend-and-excite, …) must be shown to do what its paper
// says on a model that has learned something. The shapes world (package shapes) is a
// synthetic world whose every property is known, so a small model trained on it for minutes
// on a CPU can be judged by package shapes/evaluator.
//
// The family has Stable Diffusion 1.x's structure at a small size (Architecture): an
// AutoencoderKL with 8× downsampling and 4 latent channels, a CLIPTextModel read through the
// real CLIP BPE tokenizer, and a UNet2DConditionModel with cross-attention at 16×16 and 8×8
// for 128² images. Training runs in two stages, as Stable Diffusion's was (Rombach et al.
// 2022, §3–4): first the autoencoder (reconstruction + a small KL term), then the text
// encoder and UNet together on the frozen autoencoder's latents with the ε-prediction loss.
// The latent scaling factor is measured after the first stage as SD's was: 1 / std of the
// training latents.
//
// The trained weights are stored compactly (float16 safetensors) and embedded in the binary;
// Materialize rebuilds a float32 Optimum-layout folder from them, because on CPUs ONNX Runtime
// runs float32 graphs about twice as fast as float16 ones.
package recipe
