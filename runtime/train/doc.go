// Package train trains ONNX models on stock ONNX Runtime, without Python.
//
// A forward graph that already computes a scalar loss (AddMSELoss, AddDiffusionLoss,
// Compose and AppendNode build such graphs) becomes a training graph with NewGraph: the
// chosen initializers are promoted to inputs and runtime/autodiff appends ∂loss/∂param for
// each (the upstream gradient of the loss is a constant 1). One ORT session runs it; the
// Trainer updates the parameters in Go with AdamW (Loshchilov & Hutter 2019, torch.optim.AdamW's
// update), global-norm gradient clipping, linear warm-up then cosine decay, and an optional
// exponential moving average of the weights. Batches come from a Source, deterministic per
// step, so a run resumed from a checkpoint (safetensors: parameters, Adam moments, EMA,
// step) takes bit for bit the step the uninterrupted run would have taken.
//
// DiffusionSource draws the ε-prediction objective of DDPM (Ho et al. 2020, Algorithm 1)
// under Stable Diffusion's scaled_linear β schedule, with the noise of runtime/noise's
// torch-compatible generator. docs/training.md describes the design and the measured speed.
package train
