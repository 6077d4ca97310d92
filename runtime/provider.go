package runtime

import (
	"fmt"
	"strconv"
	"strings"

	ortgo "github.com/yalue/onnxruntime_go"
)

// Options say how ONNX Runtime runs the model's components. They come from the [runtime]
// block of the config file.
type Options struct {
	Provider        string            // cpu (default), cuda, webgpu, tensorrt
	DeviceID        int               // GPU ordinal for cuda/tensorrt
	ProviderOptions map[string]string // passed to the provider as-is
	Threads         int               // intra-op threads; 0 lets ORT decide
	OptLevel        string            // disable | basic | extended | all (default all)
	CPUFallback     bool              // if the provider cannot load, use the CPU instead of failing
	// LowMemory trades speed for peak memory: no CPU memory arena (freed activations go back
	// to the system instead of staying in ORT's pool), no memory-pattern planning, no weight
	// prepacking (which keeps a second, re-laid-out copy of MatMul/Conv weights), and glibc
	// told to return large frees to the system at once (malloc_linux.go).
	LowMemory bool
	// MaxBatch caps the rows of one UNet call (0: no cap). CFG, SEGA concepts and batch
	// images normally share one batched call; a cap splits it into chunks, trading some speed
	// for peak activation memory (unfused attention at 64×64 holds heads×4096² floats a row).
	MaxBatch int
	// AttentionSlices computes every large attention (≥ 1024 queries) in this many query
	// chunks (0 or 1: off), as diffusers' attention slicing: identical results, a fraction of
	// the peak memory, a little slower. The UNet is re-prepared per latent size (cached).
	AttentionSlices int
	// EmbeddingDirs are folders of textual-inversion embeddings a prompt may name
	// (config.toml's [models] embeddings); read before each render, files cached.
	EmbeddingDirs []string
}

// Providers lists the execution providers nudge knows how to request.
var providers = []string{"cpu", "cuda", "webgpu", "tensorrt"}

type configError struct{ msg string }

func (e configError) Error() string  { return e.msg }
func (e configError) BadInput() bool { return true }

// sessionOptions builds ORT session options. The provider is appended here; whether its
// library actually loads is only known when the first session is created, so that error is
// reported there (see openComponent).
func sessionOptions(o Options, useProvider bool) (*ortgo.SessionOptions, error) {
	so, err := ortgo.NewSessionOptions()
	if err != nil {
		return nil, err
	}
	// ORT's session logger writes to stderr, under the studio; see ort.LogPolicy.
	if err := so.SetLogSeverityLevel(ortgo.LoggingLevelFatal); err != nil {
		so.Destroy()
		return nil, err
	}
	if o.Threads > 0 {
		if err := so.SetIntraOpNumThreads(o.Threads); err != nil {
			so.Destroy()
			return nil, err
		}
	}
	if o.LowMemory {
		if err := lowMemory(so); err != nil {
			so.Destroy()
			return nil, err
		}
	}
	level, err := optLevel(o.OptLevel)
	if err == nil {
		err = so.SetGraphOptimizationLevel(level)
	}
	if err == nil && useProvider {
		err = appendProvider(so, o)
	}
	if err != nil {
		so.Destroy()
		return nil, err
	}
	return so, nil
}

func optLevel(s string) (ortgo.GraphOptimizationLevel, error) {
	switch strings.ToLower(s) {
	case "", "all":
		return ortgo.GraphOptimizationLevelEnableAll, nil
	case "extended":
		return ortgo.GraphOptimizationLevelEnableExtended, nil
	case "basic":
		return ortgo.GraphOptimizationLevelEnableBasic, nil
	case "disable", "none":
		return ortgo.GraphOptimizationLevelDisableAll, nil
	}
	return 0, configError{fmt.Sprintf("runtime.optimization %q: unknown level — use disable, basic, extended or all", s)}
}

func appendProvider(so *ortgo.SessionOptions, o Options) error {
	opts := map[string]string{}
	for k, v := range o.ProviderOptions {
		opts[k] = v
	}
	switch strings.ToLower(o.Provider) {
	case "", "cpu":
		return nil
	case "cuda":
		if _, ok := opts["device_id"]; !ok {
			opts["device_id"] = strconv.Itoa(o.DeviceID)
		}
		co, err := ortgo.NewCUDAProviderOptions()
		if err != nil {
			return providerError("cuda", err)
		}
		defer co.Destroy()
		if err := co.Update(opts); err != nil {
			return providerError("cuda", err)
		}
		return wrapProvider("cuda", so.AppendExecutionProviderCUDA(co))
	case "tensorrt":
		if _, ok := opts["device_id"]; !ok {
			opts["device_id"] = strconv.Itoa(o.DeviceID)
		}
		to, err := ortgo.NewTensorRTProviderOptions()
		if err != nil {
			return providerError("tensorrt", err)
		}
		defer to.Destroy()
		if err := to.Update(opts); err != nil {
			return providerError("tensorrt", err)
		}
		return wrapProvider("tensorrt", so.AppendExecutionProviderTensorRT(to))
	case "webgpu":
		return wrapProvider("webgpu", so.AppendExecutionProvider("WebGPU", opts))
	}
	return configError{fmt.Sprintf("runtime.provider %q: unknown provider — use one of %s", o.Provider, strings.Join(providers, ", "))}
}

func wrapProvider(name string, err error) error {
	if err != nil {
		return providerError(name, err)
	}
	return nil
}

// providerError names what is usually missing, since ORT's own message rarely does.
func providerError(name string, err error) error {
	hint := map[string]string{
		"cuda":     "the CUDA build of ONNX Runtime (make setup-gpu) plus libcudart 13, libcublas 13 and cuDNN 9 on LD_LIBRARY_PATH",
		"tensorrt": "the TensorRT provider library (libonnxruntime_providers_tensorrt.so) and TensorRT itself",
		"webgpu":   "an ONNX Runtime built with WebGPU (onnxruntime-node 1.30 is), the Vulkan loader libvulkan.so.1 and a Vulkan driver for the GPU (on NVIDIA: VK_DRIVER_FILES=…/nvidia_icd.json)",
	}[name]
	msg := strings.ReplaceAll(err.Error(), "\n", " ")
	return fmt.Errorf("provider %s could not load: %s — it needs %s; set runtime.cpu_fallback = true to use the CPU instead", name, msg, hint)
}

func lowMemory(so *ortgo.SessionOptions) error {
	returnFreedMemory()
	if err := so.SetCpuMemArena(false); err != nil {
		return err
	}
	if err := so.SetMemPattern(false); err != nil {
		return err
	}
	return so.AddSessionConfigEntry("session.disable_prepacking", "1")
}
