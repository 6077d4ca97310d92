package session

// Default returns a fresh session with the SD 1.5 pipeline defaults (diffusers'
// StableDiffusionPipeline: PNDM, 50 steps, guidance 7.5, 512×512) on the tiny demo model.
func Default() *Session {
	return &Session{Version: Version, Params: DefaultParams()}
}

// DefaultParams returns the parameters Default uses.
func DefaultParams() Params {
	return Params{
		Model:   Model{Path: "demo:tiny"},
		Runtime: Runtime{Provider: "cpu", Precision: "fp32"},
		Sampler: Sampler{Scheduler: "pndm", Steps: 50, Guidance: 7.5},
		Noise:   Noise{Generator: "torch_cpu"},
		Width:   512, Height: 512, Batch: 1,
	}
}

// DefaultPreview returns the studio's preview defaults.
func DefaultPreview() *Preview {
	return &Preview{Protocol: "auto", Decoder: "approx", Every: 1}
}

// Schedulers lists the scheduler names a session may use.
func Schedulers() []string {
	return []string{"pndm", "ddim", "ddpm", "euler", "euler_a", "lms", "heun", "dpmpp_2m", "unipc", "lcm"}
}

// Providers lists the ONNX Runtime execution providers a session may name.
func Providers() []string { return []string{"cpu", "cuda", "webgpu", "tensorrt"} }

// Precisions lists the model precisions a session may name.
func Precisions() []string { return []string{"fp32", "fp16"} }

// PreviewProtocols lists the terminal picture protocols a session may name: the values of
// the --preview flag (package preview's ParseProtocol, which this package cannot import).
func PreviewProtocols() []string {
	return []string{"auto", "kitty", "kitty-direct", "sixel", "iterm", "blocks", "quadrants", "text", "none"}
}

// PreviewDecoders lists the latent→picture decoders a session may name.
func PreviewDecoders() []string { return []string{"approx", "taesd", "vae"} }
