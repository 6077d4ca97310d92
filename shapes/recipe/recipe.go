package recipe

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/nudge-studio/nudge/atomicfile"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/train"
)

// Recipe is everything that decides the trained family. Default is the recipe of the
// committed weights; its fields are recorded in the weights file's metadata.
type Recipe struct {
	Arch        demomodel.Preset
	InitSeed    uint64 // the untrained weights
	DatasetSize int    // scenes encoded for the diffusion stage
	DataSeed    uint64 // the diffusion stage's scenes
	VAE         Stage
	Diffusion   Stage
	// Decoder, when it has steps, fine-tunes the decoder on the dataset's latents after
	// the diffusion stage (TrainDecoder); the latent space does not move.
	Decoder Stage
}

// StageDataset names the encoding of the diffusion stage's scenes in progress reports; its
// Progress counts images (no loss).
const StageDataset = "dataset"

// Default is the recipe of the committed shapes family.
func Default() Recipe {
	return Recipe{
		Arch:     Architecture(),
		InitSeed: 1, DatasetSize: 20000, DataSeed: 2,
		VAE:       Stage{Steps: 1500, Batch: 8, LR: 1e-3, Warmup: 100, Seed: 1},
		Diffusion: Stage{Steps: 8000, Batch: 16, LR: 8e-4, Warmup: 200, EMADecay: 0.999, Seed: 3},
		Decoder:   Stage{Batch: 8, LR: 3e-4, Warmup: 50, Seed: 4},
	}
}

// Run trains the family in workDir, resuming whatever an earlier run there finished or
// checkpointed: init/ (untrained folder), vae.safetensors, dataset.safetensors,
// diffusion.safetensors, and the stages' checkpoints and CSV logs. It returns the family's
// weights file (float16) ready for Materialize.
func (r Recipe) Run(ctx context.Context, workDir string, threads int, progress func(stage string, p train.Progress)) ([]byte, error) {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	initDir := filepath.Join(workDir, "init")
	if !fileExists(initDir) {
		if err := WriteInit(ctx, initDir, r.Arch, r.InitSeed); err != nil {
			return nil, err
		}
	}
	vae, err := r.stage(ctx, workDir, "vae", threads, progress, func(s Stage) (map[string]train.Param, error) {
		return TrainVAE(ctx, initDir, s)
	})
	if err != nil {
		return nil, err
	}
	data, err := r.dataset(ctx, workDir, initDir, vae, threads, progress)
	if err != nil {
		return nil, err
	}
	diff, err := r.stage(ctx, workDir, "diffusion", threads, progress, func(s Stage) (map[string]train.Param, error) {
		return TrainDiffusion(ctx, initDir, data, s)
	})
	if err != nil {
		return nil, err
	}
	if r.Decoder.Steps > 0 {
		frozen := vae
		vae, err = r.stage(ctx, workDir, "decoder", threads, progress, func(s Stage) (map[string]train.Param, error) {
			return TrainDecoder(ctx, initDir, frozen, data, r.DataSeed, s)
		})
		if err != nil {
			return nil, err
		}
	}
	return r.family(initDir, vae, diff, data)
}

// family joins the stages' parameters into the family's weights file.
func (r Recipe) family(initDir string, vae, diff map[string]train.Param, data *Dataset) ([]byte, error) {
	all := map[string]train.Param{}
	for _, set := range []map[string]train.Param{vae, diff} {
		for k, v := range set {
			all[k] = v
		}
	}
	rows, err := compactTokenTable(all, initDir)
	if err != nil {
		return nil, err
	}
	desc, _ := json.Marshal(r)
	arch, _ := json.Marshal(r.Arch)
	mean, _ := json.Marshal(data.LatentsMean)
	std, _ := json.Marshal(data.LatentsStd)
	meta := map[string]string{MetaInitSeed: strconv.FormatUint(r.InitSeed, 10), MetaArchitecture: string(arch),
		MetaLatentsMean: string(mean), MetaLatentsStd: string(std), MetaPrediction: Prediction, MetaRecipe: string(desc),
		MetaTokenRows: rows}
	return EncodeWeights(all, true, meta)
}

// Snapshot makes a weights file from a run in progress: the finished autoencoder (with the
// fine-tuned decoder once that stage has finished) and the diffusion stage's last checkpoint
// (its moving average when the stage keeps one), so a long run can be looked at — rendered,
// evaluated — while it trains.
func (r Recipe) Snapshot(workDir string) ([]byte, error) {
	vaeFile := filepath.Join(workDir, "decoder.safetensors")
	if !fileExists(vaeFile) {
		vaeFile = filepath.Join(workDir, "vae.safetensors")
	}
	vae, _, err := LoadWeights(vaeFile)
	if err != nil {
		return nil, fmt.Errorf("snapshot: the autoencoder stage has not finished: %w", err)
	}
	raw, err := os.ReadFile(filepath.Join(workDir, "dataset.safetensors"))
	if err != nil {
		return nil, fmt.Errorf("snapshot: no encoded dataset yet: %w", err)
	}
	data, err := decodeDataset(raw)
	if err != nil {
		return nil, err
	}
	diff, err := CheckpointParams(filepath.Join(workDir, "diffusion.ckpt"), r.Diffusion.EMADecay > 0)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	_, table, full, err := trainingTable(filepath.Join(workDir, "init"), data.Captions)
	if err != nil {
		return nil, err
	}
	diff[prefixText+TokenEmbedding] = table.expand(full, diff[prefixText+TokenEmbedding])
	return r.family(filepath.Join(workDir, "init"), vae, diff, data)
}

// stage returns name.safetensors from workDir when an earlier run finished the stage, and
// otherwise trains it (resuming from name.ckpt) and saves the result.
func (r Recipe) stage(ctx context.Context, workDir, name string, threads int, progress func(string, train.Progress), run func(Stage) (map[string]train.Param, error)) (map[string]train.Param, error) {
	done := filepath.Join(workDir, name+".safetensors")
	if fileExists(done) {
		p, _, err := LoadWeights(done)
		return p, err
	}
	s := map[string]Stage{"vae": r.VAE, "diffusion": r.Diffusion, "decoder": r.Decoder}[name]
	s.Threads = threads
	s.Checkpoint, s.CheckpointEvery = filepath.Join(workDir, name+".ckpt"), 100
	logPath := filepath.Join(workDir, name+".csv")
	_, statErr := os.Stat(logPath)
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s.Log = train.NewCSVLog(f, statErr != nil)
	if progress != nil {
		s.Progress = func(p train.Progress) { progress(name, p) }
	}
	params, err := run(s)
	if err != nil {
		return nil, err
	}
	return params, SaveWeights(done, params, false, nil)
}

// dataset encodes the diffusion stage's scenes once and keeps them in dataset.safetensors.
func (r Recipe) dataset(ctx context.Context, workDir, initDir string, vae map[string]train.Param, threads int, progress func(string, train.Progress)) (*Dataset, error) {
	path := filepath.Join(workDir, "dataset.safetensors")
	if raw, err := os.ReadFile(path); err == nil {
		return decodeDataset(raw)
	}
	start := time.Now()
	report := func(done, total int) {
		if progress == nil {
			return
		}
		el := time.Since(start)
		rate := float64(done) / max(el.Seconds(), 1e-9)
		progress(StageDataset, train.Progress{Step: done, Total: total, ItPerSec: rate, Elapsed: el,
			ETA: time.Duration(float64(total-done) / max(rate, 1e-9) * float64(time.Second))})
	}
	d, err := EncodeDataset(ctx, initDir, vae, r.DatasetSize, r.DataSeed, threads, report)
	if err != nil {
		return nil, err
	}
	caps, _ := json.Marshal(d.Captions)
	mean, _ := json.Marshal(d.LatentsMean)
	std, _ := json.Marshal(d.LatentsStd)
	meta := map[string]string{"captions": string(caps), MetaLatentsMean: string(mean), MetaLatentsStd: string(std)}
	lat := int64(ImageSize / 8)
	raw, err := EncodeWeights(map[string]train.Param{"latents": {Dims: []int64{int64(len(d.Captions)), 4, lat, lat}, Data: d.Latents}}, false, meta)
	if err != nil {
		return nil, err
	}
	return d, atomicfile.WriteFile(path, raw, 0o666)
}

func decodeDataset(raw []byte) (*Dataset, error) {
	params, meta, err := DecodeWeights(raw)
	if err != nil {
		return nil, err
	}
	d := &Dataset{Latents: params["latents"].Data}
	for key, dst := range map[string]any{"captions": &d.Captions, MetaLatentsMean: &d.LatentsMean, MetaLatentsStd: &d.LatentsStd} {
		if err := json.Unmarshal([]byte(meta[key]), dst); err != nil {
			return nil, fmt.Errorf("dataset.safetensors: %s: %w", key, err)
		}
	}
	return d, nil
}
