// Package runtime runs Stable Diffusion ONNX models on ONNX Runtime: model folders and their
// components (declared I/O, dtype conversion at the boundary, cancellation), the Engine (one
// goroutine owns every ORT session; jobs in, events out), the denoising loop of diffusers'
// StableDiffusionPipeline, and the hooks through which techniques steer it (technique.go:
// Beginner, Conditioner, AttentionUser, LatentUpdater, Guider, StatsReporter).
//
// It prepares the augmented UNet graphs techniques ask for (attention outputs, their VJP,
// attention slicing, the fp16 scalar-timestep adapter) into the cache, and reports timings.
//
// runtime knows no technique by name (package techniques registers them), nothing of
// sessions, terminals or previews, and prints nothing for a command: the application layer
// (package app) and the front ends do that.
package runtime
