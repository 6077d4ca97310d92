package train

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/nudge-studio/nudge/runtime/noise"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// TrainTimesteps is SD's num_train_timesteps.
const TrainTimesteps = 1000

// SDAlphasCumprod is ᾱ_t = Π_{s≤t}(1 − β_s) for Stable Diffusion's schedule: diffusers'
// DDPMScheduler with beta_schedule "scaled_linear", β_t = (linspace(√0.00085, √0.012,
// 1000))², computed in float64.
func SDAlphasCumprod() []float64 {
	lo, hi := math.Sqrt(0.00085), math.Sqrt(0.012)
	out := make([]float64, TrainTimesteps)
	prod := 1.0
	for i := range out {
		b := lo + (hi-lo)*float64(i)/float64(TrainTimesteps-1)
		prod *= 1 - b*b
		out[i] = prod
	}
	return out
}

// TimestepInput describes how the UNet declares its timestep input.
type TimestepInput struct {
	DType      onnxpb.TensorProto_DataType // FLOAT, INT64 or INT32
	PerExample bool                        // shaped [batch]; a scalar or [1] timestep takes one t per batch
}

// TimestepInputOf reads the declared element type and rank of input name of m.
func TimestepInputOf(m *onnxpb.ModelProto, name string) (TimestepInput, error) {
	for _, vi := range m.GetGraph().GetInput() {
		if vi.GetName() != name {
			continue
		}
		tt := vi.GetType().GetTensorType()
		dt := onnxpb.TensorProto_DataType(tt.GetElemType())
		switch dt {
		case onnxpb.TensorProto_FLOAT, onnxpb.TensorProto_INT64, onnxpb.TensorProto_INT32:
		default:
			return TimestepInput{}, inputErrorf("timestep input %q is %s; training supports float32, int64 and int32 timesteps", name, dt)
		}
		dims := tt.GetShape().GetDim()
		perExample := len(dims) == 1 && dims[0].GetDimValue() != 1
		return TimestepInput{DType: dt, PerExample: perExample}, nil
	}
	return TimestepInput{}, inputErrorf("the model has no input %q", name)
}

// DiffusionSource draws DDPM training batches (Ho et al. 2020, Algorithm 1): rows of
// Examples, t uniform in [0, 1000), ε ~ N(0, I), x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε.
type DiffusionSource struct {
	// Examples hold one row per training example along axis 0 of every tensor: the clean
	// latents x₀ under Latents, and conditioning (encoder_hidden_states, input_ids) under
	// the graph input names they feed.
	Examples map[string]Tensor
	Latents  string
	// BatchSize rows are taken per step, in an order shuffled per epoch from Seed.
	BatchSize int
	Seed      uint64
	// Sample, Timestep and Noise are the graph input names of x_t, t and the ε target.
	Sample, Timestep, Noise string
	TimestepInput           TimestepInput
	// AlphasCumprod is ᾱ per train timestep (SDAlphasCumprod()).
	AlphasCumprod []float64
	// Prediction is what the Noise input holds as the target: "epsilon" (or "") ε itself,
	// or "v_prediction" v = √ᾱ_t·ε − √(1−ᾱ_t)·x₀ (Salimans & Ho 2022, §4; diffusers'
	// DDPMScheduler.get_velocity), which keeps the target informative at high noise where
	// predicting ε is nearly the identity.
	Prediction string
}

// StepSeed is the torch generator seed of a step's draws: torch.Generator().manual_seed(
// StepSeed(seed, step)) then rand(timesteps), randn(ε) reproduces them.
func StepSeed(seed uint64, step int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*uint64(step+1) // splitmix64
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return (z ^ z>>31) & 0xffffffff
}

// Batch assembles the batch of step: the chosen rows of every example tensor (x₀ replaced by
// x_t under Sample), the timesteps and ε.
func (d *DiffusionSource) Batch(step int) (map[string]Tensor, error) {
	x0, ok := d.Examples[d.Latents]
	if !ok || x0.F32 == nil || len(x0.Shape) < 2 {
		return nil, inputErrorf("DiffusionSource: no float32 latents %q of shape [N, C, …]", d.Latents)
	}
	n := int(x0.Shape[0])
	if n == 0 || d.BatchSize < 1 {
		return nil, inputErrorf("DiffusionSource: %d examples, batch size %d", n, d.BatchSize)
	}
	rows := d.rows(step, n)
	out := map[string]Tensor{}
	for name, t := range d.Examples {
		if name != d.Latents {
			sel, err := selectRows(t, rows)
			if err != nil {
				return nil, inputErrorf("DiffusionSource: example tensor %q: %v", name, err)
			}
			out[name] = sel
		}
	}
	g := noise.NewTorchCPU(StepSeed(d.Seed, step))
	nt := 1
	if d.TimestepInput.PerExample {
		nt = d.BatchSize
	}
	ts := make([]int, nt)
	for i, u := range g.Uniform(nt) {
		ts[i] = min(TrainTimesteps-1, int(float64(u)*TrainTimesteps))
	}
	clean, _ := selectRows(x0, rows)
	eps := g.Randn(len(clean.F32))
	out[d.Noise] = Tensor{Shape: clean.Shape, F32: d.target(clean.F32, eps, ts)}
	out[d.Sample] = Tensor{Shape: clean.Shape, F32: d.noised(clean.F32, eps, ts)}
	out[d.Timestep] = d.timestepTensor(ts)
	return out, nil
}

// rows picks the example rows of step: positions step·B … step·B+B−1 of the sequence of
// epochs, each a permutation of the examples drawn from (Seed, epoch).
func (d *DiffusionSource) rows(step, n int) []int {
	out := make([]int, d.BatchSize)
	var perm []int
	epoch := -1
	for j := range out {
		pos := step*d.BatchSize + j
		if e := pos / n; e != epoch {
			epoch = e
			perm = rand.New(rand.NewPCG(d.Seed, uint64(epoch))).Perm(n)
		}
		out[j] = perm[pos%n]
	}
	return out
}

// target is the training target of each element: ε, or v for v-prediction.
func (d *DiffusionSource) target(x0, eps []float32, ts []int) []float32 {
	if d.Prediction != "v_prediction" {
		return eps
	}
	out := make([]float32, len(x0))
	per := len(x0) / d.BatchSize
	for i := range out {
		ab := d.AlphasCumprod[ts[min(len(ts)-1, i/per)]]
		out[i] = float32(math.Sqrt(ab)*float64(eps[i]) - math.Sqrt(1-ab)*float64(x0[i]))
	}
	return out
}

// noised is x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε per row, in float64, rounded once to float32.
func (d *DiffusionSource) noised(x0, eps []float32, ts []int) []float32 {
	out := make([]float32, len(x0))
	per := len(x0) / d.BatchSize
	for i := range out {
		t := ts[min(len(ts)-1, i/per)]
		ab := d.AlphasCumprod[t]
		out[i] = float32(math.Sqrt(ab)*float64(x0[i]) + math.Sqrt(1-ab)*float64(eps[i]))
	}
	return out
}

func (d *DiffusionSource) timestepTensor(ts []int) Tensor {
	var shape []int64
	if d.TimestepInput.PerExample {
		shape = []int64{int64(len(ts))}
	}
	t := Tensor{Shape: shape}
	for _, v := range ts {
		switch d.TimestepInput.DType {
		case onnxpb.TensorProto_INT64:
			t.I64 = append(t.I64, int64(v))
		case onnxpb.TensorProto_INT32:
			t.I32 = append(t.I32, int32(v))
		default:
			t.F32 = append(t.F32, float32(v))
		}
	}
	return t
}

// selectRows gathers rows of t along axis 0.
func selectRows(t Tensor, rows []int) (Tensor, error) {
	if len(t.Shape) == 0 {
		return Tensor{}, fmt.Errorf("a scalar has no rows")
	}
	per := int(numel(t.Shape[1:]))
	shape := append([]int64{int64(len(rows))}, t.Shape[1:]...)
	out := Tensor{Shape: shape}
	for _, r := range rows {
		if int64(r) >= t.Shape[0] || (r+1)*per > t.length() {
			return Tensor{}, fmt.Errorf("row %d is outside %v", r, t.Shape)
		}
		switch {
		case t.F32 != nil:
			out.F32 = append(out.F32, t.F32[r*per:(r+1)*per]...)
		case t.I64 != nil:
			out.I64 = append(out.I64, t.I64[r*per:(r+1)*per]...)
		default:
			out.I32 = append(out.I32, t.I32[r*per:(r+1)*per]...)
		}
	}
	return out, nil
}

// PerExampleTimesteps redeclares m's scalar or [1] timestep input name as [batch], so a
// training batch draws one t per example instead of one per batch: with one t, the 16 rows of
// a batch share a noise level and the gradient of a step covers a single point of the
// schedule. It is valid for UNets that broadcast the timestep to the batch themselves, as
// diffusers' UNet2DConditionModel.forward does (timesteps.expand(sample.shape[0])) and as the
// exports keep (Reshape to [-1], then Expand): fed [B], the same nodes give each row its own
// embedding. Check a new export family with a forward comparison, as the tests do.
func PerExampleTimesteps(m *onnxpb.ModelProto, name string) (TimestepInput, error) {
	ts, err := TimestepInputOf(m, name)
	if err != nil || ts.PerExample {
		return ts, err
	}
	for _, vi := range m.GetGraph().GetInput() {
		if vi.GetName() == name {
			vi.GetType().GetTensorType().Shape = &onnxpb.TensorShapeProto{Dim: []*onnxpb.TensorShapeProto_Dimension{
				{Value: &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: "batch"}}}}
		}
	}
	ts.PerExample = true
	return ts, nil
}
