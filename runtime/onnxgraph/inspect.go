package onnxgraph

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// componentNames are the pipeline folders Inspect looks at, in pipeline order
// (docs/references.md: diffusers script and Optimum layouts; taesd from madebyollin/taesd).
var componentNames = []string{"text_encoder", "text_encoder_2", "unet", "vae_encoder", "vae_decoder", "safety_checker", "taesd_decoder", "depth_estimator"}

// Report summarises an SD ONNX pipeline folder from its graphs alone: no weights are read,
// external data files are only stat'ed. Every string read from a file is sanitised for the
// terminal.
type Report struct {
	Dir          string      `json:"dir"`
	Pipeline     Pipeline    `json:"pipeline"`
	Components   []Component `json:"components"`
	Tokenizers   []string    `json:"tokenizers"`
	LatentHeight int         `json:"latent_height"` // latent size the attention table assumes
	LatentWidth  int         `json:"latent_width"`
	Attention    []Attention `json:"attention"`
	Warnings     []string    `json:"warnings"`
}

// Component is one model file of the pipeline.
type Component struct {
	Name     string         `json:"name"`
	File     string         `json:"file"` // relative to the pipeline folder
	Size     int64          `json:"size"` // of the .onnx file itself
	IRVer    int64          `json:"ir_version"`
	Opset    int64          `json:"opset"`
	Producer string         `json:"producer"`
	Inputs   []Value        `json:"inputs"`
	Outputs  []Value        `json:"outputs"`
	External []ExternalFile `json:"external_data"`
	Nodes    int            `json:"nodes"`
	Ops      []OpCount      `json:"ops"`
	Fused    []OpCount      `json:"fused_ops,omitempty"`

	model *Model
}

// Value is a graph input or output.
type Value struct {
	Name  string   `json:"name"`
	DType string   `json:"dtype"`
	Shape []string `json:"shape"` // numbers, symbolic names, "?"; nil if the rank is unknown
}

// Inspect builds the report for a pipeline folder. A folder with no UNet, an unreadable
// component or missing external data is a *BadModelError naming the file.
func Inspect(dir string) (*Report, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	r := &Report{Dir: sanitize(dir), Tokenizers: []string{}, Warnings: []string{}, Attention: []Attention{}}
	for _, name := range componentNames {
		c, err := loadComponent(dir, name)
		if err != nil {
			return nil, err
		}
		if c != nil {
			r.Components = append(r.Components, *c)
		}
	}
	unet := r.component("unet")
	if unet == nil {
		return nil, badModel(dir, "point nudge at the folder holding unet/, text_encoder/ and vae_decoder/", "not a Stable Diffusion ONNX pipeline: no unet/ with an .onnx file")
	}
	r.Pipeline = classify(unet.model, className(dir))
	r.Tokenizers = tokenizers(dir)
	r.LatentHeight, r.LatentWidth = latentSize(dir, unet.model, r.Pipeline)
	table, err := FindAttention(unet.model, r.LatentHeight, r.LatentWidth)
	var fused *FusedGraphError
	if err != nil && !errors.As(err, &fused) {
		return nil, err
	}
	if table != nil {
		r.Attention = table
	}
	r.Warnings = warnings(r)
	for i := range r.Components {
		r.Components[i].model = nil // the report outlives the graphs it was built from
	}
	return r, nil
}

func checkDir(dir string) error {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return badModel(dir, "check the path", "no such folder")
	case err != nil:
		return badModel(dir, "check its permissions", "cannot be read")
	case !st.IsDir():
		return badModel(dir, "pass the pipeline folder (with unet/, text_encoder/, vae_decoder/)", "is a file, not a model folder")
	}
	return nil
}

func (r *Report) component(name string) *Component {
	for i := range r.Components {
		if r.Components[i].Name == name {
			return &r.Components[i]
		}
	}
	return nil
}

// loadComponent reads one component's graph, or returns nil if the pipeline has none.
func loadComponent(dir, name string) (*Component, error) {
	path, err := findONNX(dir, name)
	if err != nil || path == "" {
		return nil, err
	}
	m, err := Load(path)
	if err != nil {
		return nil, err
	}
	ext, err := m.ExternalFiles()
	if err != nil {
		return nil, err
	}
	for i := range ext {
		ext[i].Location = sanitize(ext[i].Location)
	}
	st, _ := os.Stat(path)
	rel, _ := filepath.Rel(dir, path)
	return &Component{
		Name: name, File: filepath.ToSlash(sanitize(rel)), Size: st.Size(),
		IRVer: m.Proto.GetIrVersion(), Opset: m.Opset(), Producer: producer(m),
		Inputs: values(m, m.Graph().GetInput(), true), Outputs: values(m, m.Graph().GetOutput(), false),
		External: ext, Nodes: len(m.Graph().GetNode()), Ops: sanitizeOps(m.OpHistogram()), Fused: m.FusedOps(),
		model: m,
	}, nil
}

// findONNX locates a component's graph: <name>/model.onnx, else the only .onnx file in
// <name>/ (some repos use other names, docs/references.md), else a flat <name>.onnx.
func findONNX(dir, name string) (string, error) {
	folder := filepath.Join(dir, name)
	if fileExists(filepath.Join(folder, "model.onnx")) {
		return filepath.Join(folder, "model.onnx"), nil
	}
	matches, _ := filepath.Glob(filepath.Join(folder, "*.onnx"))
	switch {
	case len(matches) == 1:
		return matches[0], nil
	case len(matches) > 1:
		return "", badModel(folder, "keep one graph per component folder, named model.onnx", "has %d .onnx files and no model.onnx", len(matches))
	}
	if fileExists(folder + ".onnx") {
		return folder + ".onnx", nil
	}
	return "", nil
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

func producer(m *Model) string {
	return sanitize(strings.TrimSpace(m.Proto.GetProducerName() + " " + m.Proto.GetProducerVersion()))
}

// values describes graph inputs or outputs; inputs that are also initializers (IR < 4
// exports list them) are weights, not inputs, and are left out.
func values(m *Model, vis []*onnxpb.ValueInfoProto, inputs bool) []Value {
	out := []Value{}
	for _, vi := range vis {
		if inputs && m.Initializer(vi.GetName()) != nil {
			continue
		}
		out = append(out, Value{Name: sanitize(vi.GetName()), DType: DTypeName(vi), Shape: DimStrings(vi)})
	}
	return out
}

func sanitizeOps(ops []OpCount) []OpCount {
	for i := range ops {
		ops[i].Op = sanitize(ops[i].Op)
	}
	return ops
}

// className reads "_class_name" from model_index.json, if there is one.
func className(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, "model_index.json"))
	if err != nil {
		return ""
	}
	var idx struct {
		ClassName string `json:"_class_name"`
	}
	if json.Unmarshal(data, &idx) != nil {
		return ""
	}
	return sanitize(idx.ClassName)
}

// tokenizers lists tokenizer folders holding a CLIP BPE vocabulary (vocab.json + merges.txt).
func tokenizers(dir string) []string {
	out := []string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "tokenizer") &&
			fileExists(filepath.Join(dir, e.Name(), "vocab.json")) && fileExists(filepath.Join(dir, e.Name(), "merges.txt")) {
			out = append(out, sanitize(e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// latentSize picks the latent size for the attention table: the UNet's static sample shape,
// else unet/config.json's sample_size, else the family's native resolution ÷ 8.
func latentSize(dir string, unet *Model, p Pipeline) (int, int) {
	h, okH := dimAt(unet, "sample", 2)
	w, okW := dimAt(unet, "sample", 3)
	if okH && okW {
		return h, w
	}
	if data, err := os.ReadFile(filepath.Join(dir, "unet", "config.json")); err == nil {
		var cfg struct {
			SampleSize int `json:"sample_size"`
		}
		if json.Unmarshal(data, &cfg) == nil && cfg.SampleSize > 0 && cfg.SampleSize <= 1024 {
			return cfg.SampleSize, cfg.SampleSize
		}
	}
	if p.Family == FamilySDXL {
		return 128, 128
	}
	return 64, 64
}
