package runtime

import (
	"context"
	"fmt"
	"time"

	"github.com/nudge-studio/nudge/runtime/autodiff"
)

// AttentionNeeds is what a technique asks the runtime to prepare before the first step.
type AttentionNeeds struct {
	Select    AttentionSelection
	Gradient  bool // the VJP graph with respect to the latent (attend-and-excite)
	KeepNoise bool // the forward graph also outputs the noise prediction (SAG)
}

// AttentionRunner runs a model's prepared attention graphs: a UNet forward that outputs the
// selected maps, and optionally its VJP with respect to the latent. Like the Model, it
// belongs to the engine goroutine; the technique hooks that receive it run there.
type AttentionRunner struct {
	m        *Model
	prepared *Prepared
	fwd, vjp *Component
	// SessionTime is how long creating the ORT sessions took (graph optimisation included).
	SessionTime time.Duration
}

// AttentionInput is one UNet evaluation: latents [N, C, h, w] (as the technique wants them,
// scaled or not), text conditioning [N, 77, D] and the timestep.
type AttentionInput struct {
	Latent   Tensor
	Text     Tensor
	Timestep float64
}

// AttentionOutput holds the maps of one evaluation, in Maps() order, each [N, Lq, Lk]
// (or [N, heads, Lq, Lk] for raw maps), and the noise prediction when it was kept.
type AttentionOutput struct {
	Maps  []Tensor
	Noise Tensor
}

// Attention returns the runner for needs at a latent size, preparing the graphs (or taking
// them from the cache) and opening their sessions the first time; later calls with the same
// needs reuse the open sessions until the model is closed.
func (m *Model) Attention(ctx context.Context, needs AttentionNeeds, latentH, latentW int) (*AttentionRunner, error) {
	spec := m.prepareSpec(needs, latentH, latentW)
	key := spec.key()
	if a, ok := m.attention[key]; ok {
		return a, nil
	}
	p, err := PrepareUNet(ctx, m.unetGraph, spec)
	if err != nil {
		return nil, err
	}
	a, err := openAttention(m, p)
	if err != nil {
		return nil, err
	}
	if m.attention == nil {
		m.attention = map[string]*AttentionRunner{}
	}
	m.attention[key] = a
	return a, nil
}

// prepareSpec fills the shapes a prepared graph is built for from the opened components.
func (m *Model) prepareSpec(needs AttentionNeeds, latentH, latentW int) PrepareSpec {
	return shapesOf(m.UNet.Inputs, m.Text.Inputs, m.Text.Outputs).spec(needs, latentH, latentW)
}

func openAttention(m *Model, p *Prepared) (*AttentionRunner, error) {
	start := time.Now()
	a := &AttentionRunner{m: m, prepared: p}
	var err error
	if a.fwd, err = openComponent("unet attention maps", p.ForwardPath(), m.Options); err != nil {
		return nil, err
	}
	if p.VJP != "" {
		if a.vjp, err = openComponent("unet attention gradient", p.VJPPath(), m.Options); err != nil {
			a.close()
			return nil, err
		}
	}
	a.SessionTime = time.Since(start)
	return a, nil
}

// Maps describes the maps every evaluation returns, in order.
func (a *AttentionRunner) Maps() []AttentionMap {
	return append([]AttentionMap(nil), a.prepared.Maps...)
}

// Prepared tells where the graphs live and whether they came from the cache.
func (a *AttentionRunner) Prepared() Prepared { return *a.prepared }

// Forward runs the UNet and returns the selected maps.
func (a *AttentionRunner) Forward(ctx context.Context, in AttentionInput) (AttentionOutput, error) {
	res, err := a.fwd.Run(ctx, a.feeds(in), a.noiseShape(in))
	if err != nil {
		return AttentionOutput{}, err
	}
	return a.collect(res)
}

// Backward runs the gradient graph for one row: given upstream gradients g_i (one per map,
// shaped like the map), it returns the maps at this latent and ∂(Σ⟨g_i, map_i⟩)/∂latent.
func (a *AttentionRunner) Backward(ctx context.Context, in AttentionInput, grads []Tensor) (AttentionOutput, Tensor, error) {
	if a.vjp == nil {
		return AttentionOutput{}, Tensor{}, fmt.Errorf("attention gradient: not prepared (ask for AttentionNeeds.Gradient)")
	}
	if in.Latent.Shape[0] != 1 || len(grads) != len(a.prepared.Maps) {
		return AttentionOutput{}, Tensor{}, fmt.Errorf("attention gradient: needs one latent row and %d map gradients, got %d rows and %d", len(a.prepared.Maps), in.Latent.Shape[0], len(grads))
	}
	feeds := a.feeds(in)
	for i, am := range a.prepared.Maps {
		feeds[autodiff.GradInputName(am.Output)] = Feed{Shape: grads[i].Shape, F: grads[i].Data}
	}
	res, err := a.vjp.Run(ctx, feeds, nil)
	if err != nil {
		return AttentionOutput{}, Tensor{}, err
	}
	out, err := a.collect(res)
	if err != nil {
		return AttentionOutput{}, Tensor{}, err
	}
	g, ok := res[autodiff.GradOutputName(sampleInput)]
	if !ok {
		return AttentionOutput{}, Tensor{}, fmt.Errorf("%s: the gradient graph has no %s output", a.vjp.Path, autodiff.GradOutputName(sampleInput))
	}
	return out, g, nil
}

func (a *AttentionRunner) feeds(in AttentionInput) map[string]Feed {
	return map[string]Feed{
		sampleInput:             {Shape: in.Latent.Shape, F: in.Latent.Data},
		"encoder_hidden_states": {Shape: in.Text.Shape, F: in.Text.Data},
		"timestep":              a.m.timestepFeed(in.Timestep, in.Latent.Shape[0]),
	}
}

// noiseShape pre-sizes a float16 noise output (Component.Run needs it for float16).
func (a *AttentionRunner) noiseShape(in AttentionInput) map[string][]int64 {
	if len(a.fwd.Outputs) == 0 {
		return nil
	}
	s := in.Latent.Shape
	return map[string][]int64{a.fwd.Outputs[0].Name: {s[0], a.m.latentChannels(), s[2], s[3]}}
}

func (a *AttentionRunner) collect(res map[string]Tensor) (AttentionOutput, error) {
	var out AttentionOutput
	for _, am := range a.prepared.Maps {
		t, ok := res[am.Output]
		if !ok {
			return out, fmt.Errorf("%s: prepared graph lacks output %s (delete the cache folder %s)", a.fwd.Path, am.Output, a.prepared.Dir)
		}
		out.Maps = append(out.Maps, t)
	}
	if len(a.fwd.Outputs) > len(a.prepared.Maps) {
		out.Noise = res[a.fwd.Outputs[0].Name]
	}
	return out, nil
}

func (a *AttentionRunner) close() {
	a.fwd.Close()
	a.vjp.Close()
}
