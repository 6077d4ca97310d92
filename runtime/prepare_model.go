package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// ModelGraphs is a model folder opened for preparing technique graphs: the UNet (adapted
// for a float16 scalar timestep when needed), the text-side shapes the graphs are pinned to
// and the latent size. It needs no ONNX Runtime: only graphs are read and written.
type ModelGraphs struct {
	unet                      string
	shapes                    modelShapes
	LatentHeight, LatentWidth int
}

// OpenGraphs reads what preparing needs from a model folder. Width and height are the image
// size the graphs are for; 0×0 takes the UNet's own size (sample_size × 8, 512 for SD 1.x).
func OpenGraphs(modelDir string, width, height int) (*ModelGraphs, error) {
	unet := filepath.Join(modelDir, "unet", "model.onnx")
	if !fileExists(unet) {
		return nil, modelError{modelDir, "not a Stable Diffusion ONNX folder: unet/model.onnx is missing"}
	}
	unet, err := adaptScalarF16Timestep(unet)
	if err != nil {
		return nil, err
	}
	shapes, err := readModelShapes(modelDir, unet)
	if err != nil {
		return nil, err
	}
	lh, lw, err := prepareLatentSize(modelDir, width, height, unet)
	if err != nil {
		return nil, err
	}
	return &ModelGraphs{unet: unet, shapes: shapes, LatentHeight: lh, LatentWidth: lw}, nil
}

// Prepare builds (or finds in the cache) the augmented UNet graphs for needs.
func (g *ModelGraphs) Prepare(ctx context.Context, needs AttentionNeeds) (*Prepared, error) {
	return PrepareUNet(ctx, g.unet, g.shapes.spec(needs, g.LatentHeight, g.LatentWidth))
}

// CrossAttentionSides lists the sides of the square cross-attention maps the UNet has at
// this latent size, largest first (the tiny demo at 64²: 8, 4).
func (g *ModelGraphs) CrossAttentionSides() ([]int, error) {
	m, err := onnxgraph.Load(g.unet)
	if err != nil {
		return nil, err
	}
	all, err := onnxgraph.FindAttention(m, g.LatentHeight, g.LatentWidth)
	if err != nil {
		return nil, err
	}
	seen := map[int]bool{}
	var sides []int
	for _, a := range all {
		if a.Kind == onnxgraph.KindCross && a.Height == a.Width && a.Height > 0 && !seen[a.Height] {
			seen[a.Height] = true
			sides = append(sides, a.Height)
		}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(sides)))
	return sides, nil
}

// prepareLatentSize is the requested image size ÷ 8, or the UNet's own size.
func prepareLatentSize(modelDir string, width, height int, unet string) (int, int, error) {
	if width < 0 || height < 0 || width%8 != 0 || height%8 != 0 || (width == 0) != (height == 0) {
		return 0, 0, requestError{fmt.Sprintf("prepare --size %dx%d: give both sides as positive multiples of 8, e.g. 512x512", width, height)}
	}
	if width > 0 {
		return height / 8, width / 8, nil
	}
	ins, _, err := readIOSpecs(unet)
	if err != nil {
		return 0, 0, err
	}
	if s, ok := find(ins, sampleInput); ok && len(s.Dims) == 4 && s.Dims[2] > 0 && s.Dims[3] > 0 {
		return int(s.Dims[2]), int(s.Dims[3]), nil
	}
	var cfg struct {
		SampleSize int `json:"sample_size"`
	}
	if raw, err := os.ReadFile(filepath.Join(modelDir, "unet", "config.json")); err == nil &&
		json.Unmarshal(raw, &cfg) == nil && cfg.SampleSize > 0 && cfg.SampleSize <= 1024 {
		return cfg.SampleSize, cfg.SampleSize, nil
	}
	return 64, 64, nil
}

// modelShapes are the text-side shapes a prepared graph is pinned to, read from the
// declared graph inputs and outputs exactly as Model derives MaxLength and hiddenSize.
type modelShapes struct {
	keys, hidden int
	timestep     []int64
}

func (s modelShapes) spec(needs AttentionNeeds, lh, lw int) PrepareSpec {
	return PrepareSpec{Select: needs.Select, Gradient: needs.Gradient, KeepNoise: needs.KeepNoise,
		LatentHeight: lh, LatentWidth: lw, Keys: s.keys, Hidden: s.hidden, TimestepShape: s.timestep}
}

func shapesOf(unetIns, textIns, textOuts []IOSpec) modelShapes {
	s := modelShapes{keys: 77, hidden: 768, timestep: []int64{}}
	if spec, ok := find(textIns, "input_ids"); ok && len(spec.Dims) == 2 && spec.Dims[1] > 0 {
		s.keys = int(spec.Dims[1])
	}
	if spec, ok := find(unetIns, "timestep"); ok && len(spec.Dims) == 1 {
		s.timestep = []int64{1}
	}
	if spec, ok := find(unetIns, "encoder_hidden_states"); ok && len(spec.Dims) == 3 && spec.Dims[2] > 0 {
		s.hidden = int(spec.Dims[2])
		return s
	}
	for _, o := range textOuts {
		if len(o.Dims) == 3 && o.Dims[2] > 0 {
			s.hidden = int(o.Dims[2])
			break
		}
	}
	return s
}

func readModelShapes(modelDir, unet string) (modelShapes, error) {
	unetIns, _, err := readIOSpecs(unet)
	if err != nil {
		return modelShapes{}, err
	}
	textIns, textOuts, err := readIOSpecs(filepath.Join(modelDir, "text_encoder", "model.onnx"))
	if err != nil {
		return modelShapes{}, err
	}
	return shapesOf(unetIns, textIns, textOuts), nil
}
