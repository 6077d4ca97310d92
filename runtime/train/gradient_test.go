package train

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// vaeLikeModel is a hand-built Conv → (mean, logvar) encoder with the VAE loss written with
// AppendNode: z = mean + exp(½·logvar)·ε, recon = Conv(z), loss = MSE(recon, x) + β·KL.
// It shows how the lead writes a loss the helpers do not cover.
func vaeLikeModel(t *testing.T) *onnxpb.ModelProto {
	rng := rand.New(rand.NewPCG(1, 2))
	w := func(name string, dims ...int64) *onnxpb.TensorProto {
		v := randTensor(rng, dims, 0.4)
		return onnxgraph.TensorFloat32(name, dims, v.F32)
	}
	g := &onnxpb.GraphProto{Name: "vae-like",
		Input: []*onnxpb.ValueInfoProto{
			onnxgraph.NewValueInfo("x", onnxpb.TensorProto_FLOAT, []int64{2, 3, 5, 5}),
			onnxgraph.NewValueInfo("eps", onnxpb.TensorProto_FLOAT, []int64{2, 2, 5, 5}),
		},
		Initializer: []*onnxpb.TensorProto{w("enc.w", 4, 3, 3, 3), w("enc.b", 4), w("dec.w", 3, 2, 3, 3)},
	}
	g.Node = []*onnxpb.NodeProto{
		onnxgraph.NewNode("Conv", "enc", []string{"x", "enc.w", "enc.b"}, []string{"h"}, onnxgraph.AttrInts("pads", 1, 1, 1, 1)),
		onnxgraph.NewNode("Split", "split", []string{"h"}, []string{"mean", "logvar"}, onnxgraph.AttrInt("axis", 1), onnxgraph.AttrInt("num_outputs", 2)),
	}
	m := onnxgraph.NewModel(g, 18).Proto
	half := AddConstant(m, 0.5)
	std := AppendNode(m, "Exp", []string{AppendNode(m, "Mul", []string{"logvar", half})})
	z := AppendNode(m, "Add", []string{"mean", AppendNode(m, "Mul", []string{std, "eps"})})
	recon := AppendNode(m, "Conv", []string{z, "dec.w"}, onnxgraph.AttrInts("pads", 1, 1, 1, 1))
	d := AppendNode(m, "Sub", []string{recon, "x"})
	mse := AppendNode(m, "ReduceMean", []string{AppendNode(m, "Mul", []string{d, d})}, onnxgraph.AttrInt("keepdims", 0))
	// KL(q‖N(0,1)) = −½·mean(1 + logvar − mean² − exp(logvar))
	one := AddConstant(m, 1)
	inner := AppendNode(m, "Sub", []string{AppendNode(m, "Add", []string{one, "logvar"}), AppendNode(m, "Mul", []string{"mean", "mean"})})
	inner = AppendNode(m, "Sub", []string{inner, AppendNode(m, "Exp", []string{"logvar"})})
	kl := AppendNode(m, "Mul", []string{AppendNode(m, "ReduceMean", []string{inner}, onnxgraph.AttrInt("keepdims", 0)), AddConstant(m, -0.5)})
	SetLoss(m, AppendNode(m, "Add", []string{mse, AppendNode(m, "Mul", []string{kl, AddConstant(m, 0.1)})}), LossName)
	return m
}

// fdCheck compares the training graph's gradient with central differences of its loss at
// single weights: for each listed parameter, the largest-gradient element of a random
// sample of 32 (a weight whose derivative stands well above the float32 rounding of the
// loss), step h, one Richardson step.
func fdCheck(t *testing.T, g *Graph, batch map[string]Tensor, params []int, rng *rand.Rand, h, tol float64) {
	t.Helper()
	if _, err := g.Run(batch); err != nil {
		t.Fatal(err)
	}
	grads := map[int][]float32{}
	for _, i := range params {
		grads[i] = append([]float32{}, g.Grad(i)...)
	}
	for _, i := range params {
		grad := grads[i]
		p := g.Value(i)
		j := rng.IntN(len(p))
		for k := 0; k < 32; k++ {
			if c := rng.IntN(len(p)); math.Abs(float64(grad[c])) > math.Abs(float64(grad[j])) {
				j = c
			}
		}
		base := p[j]
		loss := func(step float64) float64 {
			p[j] = base + float32(step)
			l, err := g.Run(batch)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		central := func(h float64) float64 { return (loss(h) - loss(-h)) / (2 * h) }
		fd := (4*central(h/2) - central(h)) / 3
		p[j] = base
		an := float64(grad[j])
		if e := math.Abs(an-fd) / math.Max(math.Abs(an), math.Abs(fd)); e > tol || math.IsNaN(e) {
			t.Errorf("%s[%d]: gradient %.7g, finite differences %.7g, relative error %.2e > %.0e", g.Params[i], j, an, fd, e, tol)
		} else {
			t.Logf("%s[%d]: gradient %.7g, finite differences %.7g", g.Params[i], j, an, fd)
		}
	}
}

func TestVAELikeGradientsMatchFiniteDifferences(t *testing.T) {
	m := vaeLikeModel(t)
	g, err := NewGraph(m, GraphConfig{Loss: LossName, Params: []string{"enc.w", "enc.b", "dec.w"}, SessionOptions: sessionOptions(t, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	rng := rand.New(rand.NewPCG(9, 9))
	batch := map[string]Tensor{"x": randTensor(rng, []int64{2, 3, 5, 5}, 1), "eps": randTensor(rng, []int64{2, 2, 5, 5}, 1)}
	fdCheck(t, g, batch, []int{0, 1, 2}, rng, 1e-2, 1e-3)
}

// TestTinyUNetGradientsMatchFiniteDifferences: the diffusion-loss training graph of the
// tiny UNet, all weights trained, checked on eight randomly chosen weights.
func TestTinyUNetGradientsMatchFiniteDifferences(t *testing.T) {
	u := newUNetSetup(t, "tiny", 2, 8, 32, 2)
	params := floatInitializers(u.model)
	g := u.graph(t, params)
	batch, err := u.source.Batch(0)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(21, 1))
	var pick []int
	for _, i := range rng.Perm(len(params))[:8] {
		pick = append(pick, i)
	}
	fdCheck(t, g, batch, pick, rng, 3e-2, 5e-3)
}

func TestNewGraphErrors(t *testing.T) {
	cases := []struct {
		name string
		cfg  GraphConfig
		text string
	}{
		{"no params", GraphConfig{Loss: LossName}, "no parameters"},
		{"unknown param", GraphConfig{Loss: LossName, Params: []string{"nope"}}, `"nope"`},
		{"input as param", GraphConfig{Loss: LossName, Params: []string{"x"}}, `"x" is not an initializer`},
		{"non-scalar loss", GraphConfig{Loss: "h", Params: []string{"enc.w"}}, "scalar"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.SessionOptions = sessionOptions(t, 1)
			_, err := NewGraph(vaeLikeModel(t), tc.cfg)
			var bi interface{ BadInput() bool }
			if err == nil || !asBadInput(err, &bi) {
				t.Fatalf("got %v, want a bad-input error", err)
			}
			if msg := err.Error(); !contains(msg, tc.text) {
				t.Errorf("message %q should mention %q", msg, tc.text)
			}
		})
	}
}
