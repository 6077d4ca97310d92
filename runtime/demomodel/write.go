package demomodel

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// inlineLimit is the weight size above which an Optimum-layout component keeps its weights
// in model.onnx_data (the real exporter does so only past protobuf's 2 GB limit; a small
// limit makes the external-data path exercised by the fast presets too).
const inlineLimit = 2 << 20

// OutputExistsError means the target folder already holds something.
type OutputExistsError struct{ Dir string }

func (e *OutputExistsError) Error() string {
	return fmt.Sprintf("demo model: %s already exists and is not empty; remove it or choose another --out", e.Dir)
}

// BadInput marks the error as the user's fault, so the CLI exits with status 2.
func (e *OutputExistsError) BadInput() bool { return true }

// ComponentInfo describes one ONNX file Write produces.
type ComponentInfo struct {
	Path         string // relative to the model folder, e.g. "unet/model.onnx"
	ExternalData string // data file beside it, or "" when the weights are inline
	Params       int64  // number of weight values (initializer elements)
	WeightBytes  int64
	Nodes        int
}

// plan builds every graph (small: no weight values) and decides where each file goes.
func plan(o Options) ([]*component, bpeVocab) {
	p := o.preset()
	ft := onnxpb.TensorProto_FLOAT
	if o.DType == "fp16" {
		ft = onnxpb.TensorProto_FLOAT16
	}
	vocab := buildVocab()
	rows := p.CLIP.VocabRows
	if rows == 0 {
		rows = int64(len(vocab.tokens))
	}
	comps := []*component{
		{path: "text_encoder/model.onnx", graph: buildCLIP(p, o, ft, rows)},
		{path: "unet/model.onnx", graph: buildUNet(p, o, ft)},
		{path: "vae_encoder/model.onnx", graph: buildVAEEncoder(p, o, ft)},
		{path: "vae_decoder/model.onnx", graph: buildVAEDecoder(p, o, ft)},
	}
	for _, c := range comps {
		switch {
		case o.Layout == "diffusers" && c.path == "unet/model.onnx":
			c.external = "weights.pb"
		case o.Layout == "optimum" && (o.Preset == "sd15" || c.weightBytes() > inlineLimit):
			c.external = "model.onnx_data"
		}
	}
	if o.TAESD {
		comps = append(comps, &component{path: "taesd_decoder.onnx", graph: buildTAESD(o, ft)})
	}
	if o.Variant == "depth" {
		comps = append(comps, &component{path: "depth_estimator/model.onnx", graph: buildDepthEstimator(o, ft)})
	}
	return comps, vocab
}

// Describe reports what Write would produce for o without generating any weights — the
// dry run used to check SD 1.5's parameter counts cheaply.
func Describe(o Options) ([]ComponentInfo, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	comps, _ := plan(o)
	infos := make([]ComponentInfo, len(comps))
	for i, c := range comps {
		var params int64
		for _, w := range c.graph.weights {
			params += w.elements()
		}
		infos[i] = ComponentInfo{Path: c.path, ExternalData: c.external, Params: params,
			WeightBytes: c.weightBytes(), Nodes: len(c.graph.nodes)}
	}
	return infos, nil
}

// Write generates a complete model folder at dir. Everything is written into a sibling
// temporary folder that is renamed into place at the end, so an interrupted or failed run
// never leaves a folder that looks like a finished model.
func Write(ctx context.Context, dir string, o Options) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	if err := checkTarget(dir); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	atomicfile.RemoveStale(parent) // folders half-written by a killed nudge
	tmp, err := atomicfile.MkdirTemp(parent, filepath.Base(dir))
	if err != nil {
		return fmt.Errorf("demo model: %w", err)
	}
	if err := writeAll(ctx, tmp, o); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("demo model: %w", err)
	}
	os.Remove(dir) // an empty folder may stand in the way of the rename
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		return fmt.Errorf("demo model: %w", err)
	}
	return nil
}

func checkTarget(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return &OutputExistsError{Dir: dir}
	case len(entries) > 0:
		return &OutputExistsError{Dir: dir}
	}
	return nil
}

func writeAll(ctx context.Context, root string, o Options) error {
	comps, vocab := plan(o)
	if err := writeSideFiles(root, o, vocab); err != nil {
		return err
	}
	p := &progress{report: o.Progress}
	for _, c := range comps {
		p.total += c.weightBytes()
	}
	for _, c := range comps {
		if err := c.save(ctx, root, o.Seed, p); err != nil {
			return err
		}
	}
	return nil
}

// writeSideFiles writes model_index.json, the tokenizer, the scheduler config and each
// component's config.json.
func writeSideFiles(root string, o Options, vocab bpeVocab) error {
	p := o.preset()
	rows := p.CLIP.VocabRows
	if rows == 0 {
		rows = int64(len(vocab.tokens))
	}
	n := len(vocab.tokens)
	files := []struct {
		path string
		v    any
	}{
		{"model_index.json", modelIndex(o)},
		{"scheduler/scheduler_config.json", schedulerConfig()},
		{"text_encoder/config.json", clipConfig(p, o, rows, n-2, n-1)},
		{"unet/config.json", unetConfig(p, o)},
		{"vae_encoder/config.json", vaeConfig(p)},
		{"vae_decoder/config.json", vaeConfig(p)},
	}
	if o.Variant == "depth" {
		files = append(files, struct {
			path string
			v    any
		}{"feature_extractor/preprocessor_config.json", depthPreprocessor(o)})
	}
	for _, f := range files {
		if err := writeJSON(filepath.Join(root, f.path), f.v); err != nil {
			return err
		}
	}
	return writeTokenizer(filepath.Join(root, "tokenizer"), vocab)
}
