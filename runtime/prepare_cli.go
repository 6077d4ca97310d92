package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
)

// PrepareOptions are `nudge prepare`'s flags.
type PrepareOptions struct {
	// For lists techniques: "attend-excite", "sag", "pix2pix-zero" or "all" (the default).
	For []string
	// Width and Height are the image size the graphs are for; 0 takes the UNet's
	// sample_size × 8 (512 for SD 1.x).
	Width, Height int
	// AttentionResolution is A&E's map side; 0 picks ceil(H/32) as diffusers does.
	AttentionResolution int
}

// prepareTargets are the techniques `nudge prepare` knows, in the order "all" builds them.
var prepareTargets = []string{"attend-excite", "sag", "pix2pix-zero"}

// TechniqueNeeds is what each attention technique asks the loop for at a latent size: the
// same needs its AttentionNeeds hook returns, so graphs `nudge prepare` builds are the ones a
// render finds in the cache. attend-excite: head-averaged cross-attention maps at one
// resolution plus their gradient (diffusers StableDiffusionAttendAndExcitePipeline); sag: the
// head-averaged mid-block self-attention with the noise prediction (§3); pix2pix-zero: every
// cross-attention map with all heads, plus the gradient (§4).
func TechniqueNeeds(name string, latentH, latentW, aeResolution int) (AttentionNeeds, error) {
	switch name {
	case "attend-excite":
		h, w := aeResolution, aeResolution
		if h == 0 {
			h, w = (latentH+3)/4, (latentW+3)/4
		}
		return AttentionNeeds{Select: AttentionSelection{Kind: onnxgraph.KindCross, Height: h, Width: w}, Gradient: true}, nil
	case "sag":
		return AttentionNeeds{Select: AttentionSelection{Kind: onnxgraph.KindSelf, Block: "mid_block"}, KeepNoise: true}, nil
	case "pix2pix-zero":
		return AttentionNeeds{Select: AttentionSelection{Kind: onnxgraph.KindCross, Raw: true}, Gradient: true}, nil
	}
	return AttentionNeeds{}, requestError{fmt.Sprintf("prepare --for %q: unknown technique — use %s or all", name, strings.Join(prepareTargets, ", "))}
}

// Prepare is `nudge prepare MODEL_DIR`: it builds the augmented UNet graphs the chosen
// techniques need into the cache (weights stay in the model's external data) and prints, per
// technique, what it built, how long it took and where; a second run reports the reuse.
// It needs no ONNX Runtime: only graphs are read and written.
func Prepare(ctx context.Context, modelDir string, o PrepareOptions, w io.Writer) error {
	targets, err := expandTargets(o.For)
	if err != nil {
		return err
	}
	unet := filepath.Join(modelDir, "unet", "model.onnx")
	if !fileExists(unet) {
		return modelError{modelDir, "not a Stable Diffusion ONNX folder: unet/model.onnx is missing"}
	}
	unet, err = adaptScalarF16Timestep(unet)
	if err != nil {
		return err
	}
	shapes, err := readModelShapes(modelDir, unet)
	if err != nil {
		return err
	}
	lh, lw, err := prepareLatentSize(modelDir, o, unet)
	if err != nil {
		return err
	}
	for _, name := range targets {
		needs, err := TechniqueNeeds(name, lh, lw, o.AttentionResolution)
		if err != nil {
			return err
		}
		p, err := PrepareUNet(ctx, unet, shapes.spec(needs, lh, lw))
		if err != nil {
			return fmt.Errorf("prepare %s: %w", name, err)
		}
		reportPrepared(w, name, p, lh, lw)
	}
	return nil
}

func expandTargets(names []string) ([]string, error) {
	all := append([]string(nil), prepareTargets...)
	if len(names) == 0 {
		return all, nil
	}
	var out []string
	for _, n := range names {
		if n == "all" {
			return all, nil
		}
		if _, err := TechniqueNeeds(n, 64, 64, 0); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// prepareLatentSize is the requested image size ÷ 8, or the UNet's own size.
func prepareLatentSize(modelDir string, o PrepareOptions, unet string) (int, int, error) {
	if o.Width < 0 || o.Height < 0 || o.Width%8 != 0 || o.Height%8 != 0 || (o.Width == 0) != (o.Height == 0) {
		return 0, 0, requestError{fmt.Sprintf("prepare --size %dx%d: give both sides as positive multiples of 8, e.g. 512x512", o.Width, o.Height)}
	}
	if o.Width > 0 {
		return o.Height / 8, o.Width / 8, nil
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

func reportPrepared(w io.Writer, name string, p *Prepared, lh, lw int) {
	what := fmt.Sprintf("%d attention map(s) %s", len(p.Maps), mapSizes(p.Maps))
	if p.VJP != "" {
		what += " + gradient graph"
	}
	if p.Reused {
		fmt.Fprintf(w, "%s: reused %s for a %d×%d latent from %s\n", name, what, lh, lw, p.Dir)
		return
	}
	fmt.Fprintf(w, "%s: built %s for a %d×%d latent in %s → %s\n", name, what, lh, lw, p.BuildTime.Round(time.Millisecond), p.Dir)
}

// mapSizes summarises the maps' sizes, e.g. "(8×8 ×3, 4×4 ×1)", in table order.
func mapSizes(maps []AttentionMap) string {
	var order []string
	count := map[string]int{}
	for _, m := range maps {
		k := fmt.Sprintf("%d×%d", m.Height, m.Width)
		if count[k] == 0 {
			order = append(order, k)
		}
		count[k]++
	}
	parts := make([]string, len(order))
	for i, k := range order {
		parts[i] = fmt.Sprintf("%s ×%d", k, count[k])
	}
	return "(" + strings.Join(parts, ", ") + ")"
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
