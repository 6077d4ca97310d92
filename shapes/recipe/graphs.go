package recipe

import (
	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/train"
)

// Prefixes of the components inside the composed training graphs; trained parameter names
// carry them, so one weights file holds the whole family.
const (
	prefixEncoder = "vae_encoder/"
	prefixDecoder = "vae_decoder/"
	prefixText    = "text_encoder/"
	prefixUNet    = "unet/"
)

// Names of the training graphs' own inputs.
const (
	inputEps   = "eps" // the reparameterisation's ε (VAE stage)
	latentKL   = "kl"
	latentName = "z"
)

// vaeTrainingGraph composes AutoencoderKL's encoder and decoder into one graph whose loss is
// the reconstruction MSE plus β times the KL divergence of the posterior from N(0, I),
// with the reparameterisation z = μ + exp(½·logvar)·ε (Kingma & Welling 2014, §2.4 and
// App. B). diffusers' AutoencoderKL also clamps logvar to [−30, 20]; at this model's scale the
// values stay far inside that range, and Clip has no gradient rule in runtime/autodiff.
func vaeTrainingGraph(encoder, decoder *onnxpb.ModelProto, beta float32) (*onnxpb.ModelProto, error) {
	enc := cloneModel(encoder)
	moments := enc.Graph.Output[0].GetName() // latent_parameters: mean ‖ logvar
	mean := sliceChannels(enc, moments, 0, 4)
	logvar := sliceChannels(enc, moments, 4, 8)
	// ε is declared like the moments, with 4 channels instead of 8.
	like := proto.Clone(enc.Graph.Output[0]).(*onnxpb.ValueInfoProto)
	setChannels(like, 4)
	eps, err := train.AddInput(enc, inputEps, like)
	if err != nil {
		return nil, err
	}
	std := train.AppendNode(enc, "Exp", []string{train.AppendNode(enc, "Mul", []string{logvar, train.AddConstant(enc, 0.5)})})
	z := train.AppendNode(enc, "Add", []string{mean, train.AppendNode(enc, "Mul", []string{std, eps})})
	// KL(N(μ, σ²) ‖ N(0, 1)) per element = ½(μ² + σ² − 1 − log σ²), averaged.
	klTerms := train.AppendNode(enc, "Sub", []string{
		train.AppendNode(enc, "Add", []string{train.AppendNode(enc, "Mul", []string{mean, mean}), train.AppendNode(enc, "Exp", []string{logvar})}),
		train.AppendNode(enc, "Add", []string{logvar, train.AddConstant(enc, 1)}),
	})
	kl := train.AppendNode(enc, "Mul", []string{train.AppendNode(enc, "ReduceMean", []string{klTerms}, onnxgraph.AttrInt("keepdims", 0)), train.AddConstant(enc, 0.5)})
	addOutput(enc, z, latentName)
	addOutput(enc, kl, latentKL)

	m, err := train.Compose(enc, decoder, prefixEncoder, prefixDecoder, map[string]string{latentName: "latent_sample"})
	if err != nil {
		return nil, err
	}
	recon := prefixDecoder + decoder.Graph.Output[0].GetName()
	image := prefixEncoder + encoder.Graph.Input[0].GetName()
	d := train.AppendNode(m, "Sub", []string{recon, image})
	mse := train.AppendNode(m, "ReduceMean", []string{train.AppendNode(m, "Mul", []string{d, d})}, onnxgraph.AttrInt("keepdims", 0))
	loss := train.AppendNode(m, "Add", []string{mse, train.AppendNode(m, "Mul", []string{prefixEncoder + latentKL, train.AddConstant(m, beta)})})
	train.SetLoss(m, loss, train.LossName)
	return m, nil
}

// diffusionTrainingGraph feeds the text encoder's last_hidden_state into the UNet's
// encoder_hidden_states and adds the ε-prediction loss, so one backward pass trains both.
func diffusionTrainingGraph(text, unet *onnxpb.ModelProto) (*onnxpb.ModelProto, error) {
	m, err := train.Compose(text, unet, prefixText, prefixUNet, map[string]string{"last_hidden_state": "encoder_hidden_states"})
	if err != nil {
		return nil, err
	}
	if err := train.AddDiffusionLoss(m, prefixUNet); err != nil {
		return nil, err
	}
	return m, nil
}

func cloneModel(m *onnxpb.ModelProto) *onnxpb.ModelProto {
	return proto.Clone(m).(*onnxpb.ModelProto)
}

// sliceChannels takes channels [from, to) of an NCHW tensor.
func sliceChannels(m *onnxpb.ModelProto, x string, from, to int64) string {
	g := m.GetGraph()
	name := func(s string) string { return x + "/" + s }
	starts, ends, axes := name("starts"), name("ends"), name("axes")
	suffix := "_" + string(rune('0'+from))
	g.Initializer = append(g.Initializer,
		onnxgraph.TensorInt64(starts+suffix, []int64{1}, []int64{from}),
		onnxgraph.TensorInt64(ends+suffix, []int64{1}, []int64{to}),
		onnxgraph.TensorInt64(axes+suffix, []int64{1}, []int64{1}))
	return train.AppendNode(m, "Slice", []string{x, starts + suffix, ends + suffix, axes + suffix})
}

// setChannels fixes axis 1 of vi's shape to n.
func setChannels(vi *onnxpb.ValueInfoProto, n int64) {
	dims := vi.GetType().GetTensorType().GetShape().GetDim()
	dims[1] = &onnxpb.TensorShapeProto_Dimension{Value: &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: n}}
}

// addOutput exposes tensor t as a float32 graph output called name.
func addOutput(m *onnxpb.ModelProto, t, name string) {
	g := m.GetGraph()
	g.Node = append(g.Node, onnxgraph.NewNode("Identity", name, []string{t}, []string{name}))
	g.Output = append(g.Output, &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{
		TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(onnxpb.TensorProto_FLOAT)}}}})
}
