package demomodel

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort/orttest"
)

// ioWant is what a real export of one graph input/output looks like: its element type and,
// per axis, either a fixed size ("" name: must equal shape) or a dim_param name.
type ioWant struct {
	name  string
	elem  onnxpb.TensorProto_DataType
	shape []int64 // the concrete shape the test runs with
	dims  []string
}

type componentWant struct {
	path            string
	external        string
	inputs, outputs []ioWant
}

// exportAxes are the dim_param names each exporter writes (diffusers
// convert_stable_diffusion_checkpoint_to_onnx.py; Optimum exporters/onnx/model_configs.py).
type exportAxes struct{ batch, seq, h, w, imgH, imgW, latH, latW, ch string }

var (
	optimumAxes   = exportAxes{"batch_size", "sequence_length", "height", "width", "sample_height", "sample_width", "latent_height", "latent_width", ""}
	diffusersAxes = exportAxes{"batch", "sequence", "height", "width", "height", "width", "height", "width", "channels"}
)

// expectations spells out, independently of the builders, the I/O every component must
// declare for o, at batch 2 and 77 tokens.
func expectations(o Options, p Preset) []componentWant {
	ft, ids := onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_INT64
	if o.DType == "fp16" {
		ft = onnxpb.TensorProto_FLOAT16
	}
	a, ext, unetExt := optimumAxes, "", ""
	if o.Layout == "diffusers" {
		a, ids, unetExt = diffusersAxes, onnxpb.TensorProto_INT32, "weights.pb"
	}
	h, img, d := p.LatentSize(), p.ImageSize, p.CLIP.Hidden
	inCh := map[string]int64{"txt2img": 4, "instruct-pix2pix": 8, "depth": 5}[o.Variant]
	timestep := ioWant{"timestep", ft, []int64{}, nil}
	latentOut := ioWant{"latent_parameters", ft, []int64{2, 8, h, h}, []string{a.batch, "", a.latH, a.latW}}
	if o.Layout == "diffusers" {
		timestep = ioWant{"timestep", ft, []int64{2}, []string{a.batch}}
		latentOut = ioWant{"latent_sample", ft, []int64{2, 4, h, h}, []string{a.batch, a.ch, a.latH, a.latW}}
	}
	wants := []componentWant{
		{path: "text_encoder/model.onnx", external: ext,
			inputs: []ioWant{{"input_ids", ids, []int64{2, 77}, []string{a.batch, a.seq}}},
			outputs: []ioWant{{"last_hidden_state", ft, []int64{2, 77, d}, []string{a.batch, a.seq, ""}},
				{"pooler_output", ft, []int64{2, d}, []string{a.batch, ""}}}},
		{path: "unet/model.onnx", external: unetExt,
			inputs: []ioWant{{"sample", ft, []int64{2, inCh, h, h}, []string{a.batch, a.ch, a.h, a.w}}, timestep,
				{"encoder_hidden_states", ft, []int64{2, 77, p.UNet.CrossDim}, []string{a.batch, a.seq, ""}}},
			outputs: []ioWant{{"out_sample", ft, []int64{2, 4, h, h}, []string{a.batch, a.ch, a.h, a.w}}}},
		{path: "vae_encoder/model.onnx", external: ext,
			inputs:  []ioWant{{"sample", ft, []int64{2, 3, img, img}, []string{a.batch, a.ch, a.imgH, a.imgW}}},
			outputs: []ioWant{latentOut}},
		{path: "vae_decoder/model.onnx", external: ext,
			inputs:  []ioWant{{"latent_sample", ft, []int64{2, 4, h, h}, []string{a.batch, a.ch, a.latH, a.latW}}},
			outputs: []ioWant{{"sample", ft, []int64{2, 3, img, img}, []string{a.batch, a.ch, a.imgH, a.imgW}}}},
	}
	if o.TAESD {
		wants = append(wants, componentWant{path: "taesd_decoder.onnx",
			inputs:  []ioWant{{"latent_sample", ft, []int64{2, 4, h, h}, []string{a.batch, "", a.latH, a.latW}}},
			outputs: []ioWant{{"sample", ft, []int64{2, 3, img, img}, []string{a.batch, "", a.imgH, a.imgW}}}})
	}
	if o.Variant == "depth" {
		s := o.depthSide()
		wants = append(wants, componentWant{path: "depth_estimator/model.onnx",
			inputs:  []ioWant{{"pixel_values", ft, []int64{1, 3, s, s}, []string{"batch_size", "", "", ""}}},
			outputs: []ioWant{{"predicted_depth", ft, []int64{1, s, s}, []string{"batch_size", "", ""}}}})
	}
	return wants
}

func TestComponentsRunInORT(t *testing.T) {
	orttest.Setup(t)
	cases := []Options{
		{Preset: "tiny", Opset: "17", Layout: "optimum", TAESD: true},
		{Preset: "tiny", Opset: "14", Layout: "optimum"},
		{Preset: "tiny", Opset: "17", Layout: "diffusers"},
		{Preset: "tiny", Opset: "14", Layout: "diffusers", TAESD: true},
		{Preset: "tiny", Opset: "17", Layout: "optimum", DType: "fp16", TAESD: true},
		{Preset: "tiny", Opset: "14", Layout: "diffusers", DType: "fp16"},
		{Preset: "tiny", Variant: "instruct-pix2pix"},
		{Preset: "tiny", Variant: "depth", Layout: "diffusers"},
		{Preset: "small", Opset: "17", Layout: "optimum", TAESD: true},
	}
	for _, o := range cases {
		name := o.Preset + "-" + o.Layout + "-" + o.Opset + "-" + o.DType + "-" + o.Variant
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "model")
			if err := Write(context.Background(), dir, o); err != nil {
				t.Fatal(err)
			}
			full, _ := o.withDefaults()
			p := presetByName(full.Preset)
			infos, err := Describe(o)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range expectations(full, p) {
				if full.Layout == "optimum" && infos[i].WeightBytes > 2<<20 {
					c.external = "model.onnx_data"
				}
				checkComponent(t, dir, c)
			}
		})
	}
}

// checkComponent verifies the declared I/O against want, the external-data file, and runs
// the graph in ORT at the concrete shapes, requiring finite outputs.
func checkComponent(t *testing.T, dir string, want componentWant) {
	t.Helper()
	path := filepath.Join(dir, want.path)
	ins, outs := declaredIO(t, path)
	checkDeclared(t, want.path, ins, want.inputs)
	checkDeclared(t, want.path, outs, want.outputs)
	for _, data := range []string{"model.onnx_data", "weights.pb"} {
		_, err := os.Stat(filepath.Join(filepath.Dir(path), data))
		if exists := err == nil; exists != (data == want.external) && !strings.HasSuffix(want.path, "taesd_decoder.onnx") {
			t.Errorf("%s: %s exists: %v, want %v", want.path, data, exists, data == want.external)
		}
	}
	var feeds []feed
	for i, in := range want.inputs {
		f := feed{name: in.name, shape: in.shape}
		switch {
		case in.name == "input_ids":
			f.ints = promptIDs(t, dir, in.shape[0], in.shape[1])
		case in.name == "timestep":
			f.floats = []float32{981, 500}[:max(numel(in.shape), 1)]
		default:
			f.floats = randn(int(numel(in.shape)), uint64(i+1))
		}
		feeds = append(feeds, f)
	}
	shapes := map[string][]int64{}
	for _, out := range want.outputs {
		shapes[out.name] = out.shape
	}
	for name, r := range runGraph(t, path, feeds, shapes) {
		if s := summarize(r.data); s.nonFinite > 0 || s.std == 0 {
			t.Errorf("%s: output %s: %d non-finite values, std %g", want.path, name, s.nonFinite, s.std)
		}
	}
}

func checkDeclared(t *testing.T, file string, got []*onnxpb.ValueInfoProto, want []ioWant) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: declares %d tensors, want %d (%v)", file, len(got), len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Name != w.name || elemType(g) != w.elem {
			t.Errorf("%s: tensor %d is %s %v, want %s %v", file, i, g.Name, elemType(g), w.name, w.elem)
		}
		dims := declaredDims(g)
		if len(dims) != len(w.shape) {
			t.Errorf("%s: %s has rank %d, want %d", file, w.name, len(dims), len(w.shape))
			continue
		}
		for k, d := range dims {
			if w.dims[k] == "" && d.GetDimValue() != w.shape[k] {
				t.Errorf("%s: %s axis %d is %v, want fixed %d", file, w.name, k, d, w.shape[k])
			}
			if w.dims[k] != "" && d.GetDimParam() != w.dims[k] {
				t.Errorf("%s: %s axis %d is %v, want dim_param %q", file, w.name, k, d, w.dims[k])
			}
		}
	}
}
