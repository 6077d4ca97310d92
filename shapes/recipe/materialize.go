package recipe

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/nudge-studio/nudge/atomicfile"
	"os"
	"path/filepath"
	"strconv"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/demomodel"
	"github.com/nudge-studio/nudge/runtime/train"
)

// Metadata keys of a family weights file.
const (
	MetaLatentsMean  = "latents_mean"
	MetaLatentsStd   = "latents_std"
	MetaPrediction   = "prediction_type"
	MetaInitSeed     = "init_seed"
	MetaRecipe       = "recipe"
	MetaArchitecture = "architecture"
	MetaTokenRows    = "token_rows"
)

// components maps each weights-file prefix to its folder in the model.
var components = []struct{ prefix, folder string }{
	{prefixText, "text_encoder"},
	{prefixUNet, "unet"},
	{prefixEncoder, "vae_encoder"},
	{prefixDecoder, "vae_decoder"},
}

// Materialize writes the family described by a weights file (EncodeWeights' bytes with the
// Meta* keys) as a float32 Optimum-layout model folder at dir: the architecture is rebuilt
// from the init seed, every trained tensor is written over it, and the configs get the
// measured scaling factor and CLIP's special tokens. The folder has no tokenizer/: the runtime
// then uses the embedded CLIP tokenizer the text encoder was trained with.
func Materialize(ctx context.Context, weights []byte, dir string) error {
	params, meta, err := DecodeWeights(weights)
	if err != nil {
		return err
	}
	seed, err := strconv.ParseUint(meta[MetaInitSeed], 10, 64)
	if err != nil {
		return fmt.Errorf("weights: bad %s %q", MetaInitSeed, meta[MetaInitSeed])
	}
	var mean, std []float64
	if json.Unmarshal([]byte(meta[MetaLatentsMean]), &mean) != nil || json.Unmarshal([]byte(meta[MetaLatentsStd]), &std) != nil ||
		len(mean) != 4 || len(std) != 4 {
		return fmt.Errorf("weights: no valid %s and %s in the metadata", MetaLatentsMean, MetaLatentsStd)
	}
	var arch demomodel.Preset
	if err := json.Unmarshal([]byte(meta[MetaArchitecture]), &arch); err != nil || arch.ImageSize == 0 {
		return fmt.Errorf("weights: no valid %s in the metadata", MetaArchitecture)
	}
	tmp := dir + ".partial"
	os.RemoveAll(tmp)
	if err := WriteInit(ctx, tmp, arch, seed); err != nil {
		return err
	}
	if err := writeTrained(tmp, params, meta[MetaTokenRows]); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := writeConfigs(tmp, mean, std, meta); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	os.RemoveAll(dir)
	return os.Rename(tmp, dir)
}

// writeTrained replaces each component's model.onnx by one with the trained weights inline.
func writeTrained(root string, params map[string]train.Param, tokenRows string) error {
	for _, c := range components {
		path := filepath.Join(root, c.folder, "model.onnx")
		m, err := train.LoadModel(path)
		if err != nil {
			return err
		}
		if c.prefix == prefixText {
			if params, err = expandTokenTable(params, m, tokenRows); err != nil {
				return err
			}
		}
		if m, err = withParams(m, params, c.prefix); err != nil {
			return err
		}
		raw, err := proto.Marshal(m)
		if err != nil {
			return err
		}
		os.Remove(filepath.Join(root, c.folder, "model.onnx_data"))
		if err := atomicfile.WriteFile(path, raw, 0o666); err != nil {
			return err
		}
	}
	return os.RemoveAll(filepath.Join(root, "tokenizer"))
}

// writeConfigs records what the folder is and the values measured in training: the latent
// statistics as diffusers' AutoencoderKL latents_mean / latents_std with scaling_factor 1,
// and the UNet's prediction type in the scheduler config.
func writeConfigs(root string, mean, std []float64, meta map[string]string) error {
	vae := map[string]any{"scaling_factor": 1.0, "latents_mean": mean, "latents_std": std}
	edits := []struct {
		file string
		set  map[string]any
	}{
		{"model_index.json", map[string]any{"_nudge_demo": nil, "_nudge_shapes": meta}},
		{"vae_decoder/config.json", vae},
		{"vae_encoder/config.json", vae},
		{"scheduler/scheduler_config.json", map[string]any{"prediction_type": meta[MetaPrediction]}},
		{"text_encoder/config.json", map[string]any{"vocab_size": CLIPVocabRows, "bos_token_id": 49406, "eos_token_id": 49407, "pad_token_id": 49407}},
	}
	for _, e := range edits {
		if e.set == nil {
			continue
		}
		if err := editJSON(filepath.Join(root, e.file), e.set); err != nil {
			return err
		}
	}
	return nil
}

// editJSON sets (or, for nil values, deletes) top-level keys of a JSON object file.
func editJSON(path string, set map[string]any) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	for k, v := range set {
		if v == nil {
			delete(obj, k)
		} else {
			obj[k] = v
		}
	}
	out, err := json.MarshalIndent(obj, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(out, '\n'), 0o666)
}
