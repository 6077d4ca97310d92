package demomodel

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// BenchmarkWriteSmall measures generating the whole small preset (≈34 MB of weights).
func BenchmarkWriteSmall(b *testing.B) {
	root := b.TempDir()
	var bytes int64
	for i := 0; i < b.N; i++ {
		o := Options{Preset: "small", Seed: uint64(i), Progress: func(done, total int64) { bytes = total }}
		if err := Write(context.Background(), filepath.Join(root, "m", string(rune('a'+i%26)), filepath.Base(b.Name())), o); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(bytes)
}

// BenchmarkTinyRender times one 64×64 tiny image: text encoder on a CFG batch of 2, 20 UNet
// steps at batch 2 and the VAE decoder (sessions created once, as a runtime would).
func BenchmarkTinyRender(b *testing.B) {
	orttest.Setup(b)
	dir := filepath.Join(b.TempDir(), "m")
	if err := Write(context.Background(), dir, Options{}); err != nil {
		b.Fatal(err)
	}
	text := newBenchSession(b, filepath.Join(dir, "text_encoder/model.onnx"),
		[]feed{{name: "input_ids", shape: []int64{2, 77}, ints: promptIDs(b, dir, 2, 77)}},
		map[string][]int64{"last_hidden_state": {2, 77, 32}, "pooler_output": {2, 32}})
	unet := newBenchSession(b, filepath.Join(dir, "unet/model.onnx"), []feed{
		{name: "sample", shape: []int64{2, 4, 8, 8}, floats: randn(512, 1)},
		{name: "timestep", shape: []int64{}, floats: []float32{500}},
		{name: "encoder_hidden_states", shape: []int64{2, 77, 32}, floats: randn(2*77*32, 2)},
	}, map[string][]int64{"out_sample": {2, 4, 8, 8}})
	vae := newBenchSession(b, filepath.Join(dir, "vae_decoder/model.onnx"),
		[]feed{{name: "latent_sample", shape: []int64{1, 4, 8, 8}, floats: randn(256, 3)}},
		map[string][]int64{"sample": {1, 3, 64, 64}})
	defer text.close()
	defer unet.close()
	defer vae.close()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		text.run(b)
		for s := 0; s < 20; s++ {
			unet.run(b)
		}
		vae.run(b)
	}
}
