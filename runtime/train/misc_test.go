package train

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/noise"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }

func asBadInput(err error, target *interface{ BadInput() bool }) bool {
	return errors.As(err, target) && (*target).BadInput()
}

// TestSDAlphasCumprod against known values of SD's schedule and a log-space recomputation.
func TestSDAlphasCumprod(t *testing.T) {
	ab := SDAlphasCumprod()
	logSum := 0.0
	for i := 0; i < TrainTimesteps; i++ {
		s := math.Sqrt(0.00085) + float64(i)*(math.Sqrt(0.012)-math.Sqrt(0.00085))/999
		logSum += math.Log1p(-s * s)
		if math.Abs(ab[i]-math.Exp(logSum)) > 1e-12 {
			t.Fatalf("ᾱ[%d] = %g, log-space %g", i, ab[i], math.Exp(logSum))
		}
	}
	// β_0 = 0.00085 and β_999 = 0.012 exactly; diffusers' ᾱ_999 ≈ 0.0047 for this schedule.
	if math.Abs(ab[0]-(1-0.00085)) > 1e-15 || math.Abs(ab[999]/ab[998]-(1-0.012)) > 1e-12 || math.Abs(ab[999]-0.004660) > 2e-5 {
		t.Errorf("ᾱ_0 = %g, ᾱ_999 = %g", ab[0], ab[999])
	}
}

// TestDiffusionSourceBatch: deterministic per step, ε and t from the torch generator seeded
// with StepSeed, x_t equal to a float64 recomputation, rows of one epoch all distinct.
func TestDiffusionSourceBatch(t *testing.T) {
	u := newUNetSetup(t, "tiny", 2, 8, 32, 4)
	src := u.source
	for _, perExample := range []bool{false, true} {
		src.TimestepInput = TimestepInput{DType: onnxpb.TensorProto_INT64, PerExample: perExample}
		b, err := src.Batch(7)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := src.Batch(7)
		if !equalF32(b[UNetSample].F32, again[UNetSample].F32) {
			t.Fatal("two draws of step 7 differ")
		}
		g := noise.NewTorchCPU(StepSeed(src.Seed, 7))
		nt := map[bool]int{false: 1, true: 2}[perExample]
		us := g.Uniform(nt)
		eps := g.Randn(2 * 4 * 8 * 8)
		if !equalF32(eps, b[NoiseInput].F32) {
			t.Fatal("ε is not the torch generator's stream")
		}
		ts := b[UNetTimestep].I64
		if len(ts) != nt || (perExample && len(b[UNetTimestep].Shape) != 1) || (!perExample && len(b[UNetTimestep].Shape) != 0) {
			t.Fatalf("timestep %v shape %v", ts, b[UNetTimestep].Shape)
		}
		for i, u := range us {
			if ts[i] != int64(float64(u)*1000) {
				t.Errorf("t[%d] = %d from u = %g", i, ts[i], u)
			}
		}
		rows := src.rows(7, 4)
		x0 := src.Examples["latents"].F32
		ab := SDAlphasCumprod()
		for i, v := range b[UNetSample].F32 {
			r, tt := i/256, ts[min(len(ts)-1, i/256)]
			want := math.Sqrt(ab[tt])*float64(x0[rows[r]*256+i%256]) + math.Sqrt(1-ab[tt])*float64(eps[i])
			if math.Abs(float64(v)-want) > 1e-6*math.Max(1, math.Abs(want)) {
				t.Fatalf("x_t[%d] = %g, float64 recomputation %g", i, v, want)
			}
		}
	}
	// v-prediction: the target is √ᾱ·ε − √(1−ᾱ)·x₀ for the same draws.
	src.Prediction = "v_prediction"
	src.TimestepInput = TimestepInput{DType: onnxpb.TensorProto_INT64, PerExample: true}
	b, err := src.Batch(3)
	if err != nil {
		t.Fatal(err)
	}
	g := noise.NewTorchCPU(StepSeed(src.Seed, 3))
	g.Uniform(2)
	eps := g.Randn(2 * 4 * 8 * 8)
	rows, x0, ab := src.rows(3, 4), src.Examples["latents"].F32, SDAlphasCumprod()
	for i, v := range b[NoiseInput].F32 {
		tt := b[UNetTimestep].I64[i/256]
		want := math.Sqrt(ab[tt])*float64(eps[i]) - math.Sqrt(1-ab[tt])*float64(x0[rows[i/256]*256+i%256])
		if math.Abs(float64(v)-want) > 1e-6*math.Max(1, math.Abs(want)) {
			t.Fatalf("v[%d] = %g, float64 recomputation %g", i, v, want)
		}
	}
	src.Prediction = ""
	seen := map[int]bool{}
	for step := 0; step < 2; step++ {
		for _, r := range src.rows(step, 4) {
			seen[r] = true
		}
	}
	if len(seen) != 4 {
		t.Errorf("the first epoch visits %d of 4 examples", len(seen))
	}
}

func equalF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestLRSchedule(t *testing.T) {
	tr := &Trainer{Optimizer: AdamW{LR: 1}, Warmup: 4, TotalSteps: 14, MinLR: 0.1}
	cases := []struct {
		step int
		want float64
	}{{0, 0.25}, {3, 1}, {4, 1}, {9, 0.1 + 0.9*0.5}, {14, 0.1}, {20, 0.1}}
	for _, c := range cases {
		if got := tr.LR(c.step); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("LR(%d) = %g, want %g", c.step, got, c.want)
		}
	}
	if got := (&Trainer{Optimizer: AdamW{LR: 2}}).LR(100); got != 2 {
		t.Errorf("constant LR %g", got)
	}
}

// TestAdamWMatchesFloat64Reference runs three steps of the float32 kernel against
// torch.optim.AdamW's update computed in float64.
func TestAdamWMatchesFloat64Reference(t *testing.T) {
	o := DefaultAdamW(0.01)
	p := []float32{0.5, -1.5, 2}
	m, v := make([]float32, 3), make([]float32, 3)
	rp := []float64{0.5, -1.5, 2}
	rm, rv := make([]float64, 3), make([]float64, 3)
	grads := [][]float32{{0.1, -0.2, 3}, {0.05, 0.2, -1}, {-0.3, 0.1, 0.5}}
	for k, g := range grads {
		o.step(k+1, o.LR, 1, 0).update(p, g, m, v, nil)
		for i := range rp {
			gi := float64(g[i])
			rp[i] *= 1 - o.LR*o.WeightDecay
			rm[i] = o.Beta1*rm[i] + (1-o.Beta1)*gi
			rv[i] = o.Beta2*rv[i] + (1-o.Beta2)*gi*gi
			mh := rm[i] / (1 - math.Pow(o.Beta1, float64(k+1)))
			vh := rv[i] / (1 - math.Pow(o.Beta2, float64(k+1)))
			rp[i] -= o.LR * mh / (math.Sqrt(vh) + o.Eps)
		}
	}
	for i := range p {
		if math.Abs(float64(p[i])-rp[i]) > 1e-6 {
			t.Errorf("p[%d] = %g, reference %g", i, p[i], rp[i])
		}
	}
}

func TestSparkline(t *testing.T) {
	cases := []struct {
		in   []float64
		want string
	}{
		{[]float64{1, 2, 3, 4, 5, 6, 7, 8}, "▁▂▃▄▅▆▇█"},
		{[]float64{3, 3}, "▄▄"},
		{[]float64{0, math.NaN(), 1}, "▁ █"},
		{nil, ""},
	}
	for _, c := range cases {
		if got := Sparkline(c.in); got != c.want {
			t.Errorf("Sparkline(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestCSVLogAndPlot(t *testing.T) {
	var buf bytes.Buffer
	l := NewCSVLog(&buf, true)
	for i := 1; i <= 2; i++ {
		if err := l.Write(Record{Step: i, Loss: 1 / float64(i), LR: 1e-4, GradNorm: 0.5, Seconds: float64(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if want := "step,loss,lr,grad_norm,seconds\n1,1,0.0001,0.5,1\n2,0.5,0.0001,0.5,2\n"; buf.String() != want {
		t.Errorf("CSV %q, want %q", buf.String(), want)
	}
	var losses []float64
	for i := 0; i < 200; i++ {
		losses = append(losses, 2*math.Exp(-float64(i)/50)+0.01)
	}
	losses[10] = math.NaN()
	var img bytes.Buffer
	if err := PlotLoss(&img, losses, 320, 160); err != nil {
		t.Fatal(err)
	}
	decoded, err := png.Decode(&img)
	if err != nil || decoded.Bounds().Dx() != 320 || decoded.Bounds().Dy() != 160 {
		t.Fatalf("plot: %v %v", decoded.Bounds(), err)
	}
	// The smoothed curve falls: its dark pixels sit higher on the left than on the right.
	darkRow := func(x int) int {
		for y := 0; y < 160; y++ {
			if r, g, b, _ := decoded.At(x, y).RGBA(); r < 0x4000 && g < 0x8000 && b > 0x8000 {
				return y
			}
		}
		return -1
	}
	left, right := darkRow(20), darkRow(300)
	if left < 0 || right < 0 || left >= right {
		t.Errorf("curve rows left %d, right %d: want a falling curve", left, right)
	}
}

// TestWriteParams stores trained values into fp32 and fp16 initializers and reads them back.
func TestWriteParams(t *testing.T) {
	m := vaeLikeModel(t)
	m.Graph.Initializer[1].DataType = int32(onnxpb.TensorProto_FLOAT16)
	vals := map[string]Param{
		"enc.w": {Dims: []int64{4, 3, 3, 3}, Data: make([]float32, 108)},
		"enc.b": {Dims: []int64{4}, Data: []float32{1, 0.5, -2, 65504}},
	}
	vals["enc.w"].Data[5] = 0.25
	if err := WriteParams(m, vals); err != nil {
		t.Fatal(err)
	}
	got, err := readParams(m, []string{"enc.w"})
	if err != nil || got[0].Data[5] != 0.25 || got[0].Data[0] != 0 {
		t.Errorf("enc.w read back %v, %v", got, err)
	}
	if raw := m.Graph.Initializer[1].RawData; len(raw) != 8 || raw[0] != 0x00 || raw[1] != 0x3c {
		t.Errorf("fp16 enc.b raw %x, want 1.0 = 0x3c00 first", raw)
	}
	if err := WriteParams(m, map[string]Param{"enc.w": {Dims: []int64{1}, Data: []float32{1}}}); err == nil {
		t.Error("WriteParams accepted wrong dims")
	}
}

// TestPerExampleTimesteps: the redeclared UNet fed t = [t₀, t₁] gives each row the output of
// a separate scalar-timestep run, so the training batch really mixes noise levels.
func TestPerExampleTimesteps(t *testing.T) {
	scalar := demoModel(t, "tiny", "unet")
	if ts, _ := TimestepInputOf(scalar, UNetTimestep); ts.PerExample {
		t.Fatal("the tiny demo UNet should declare a scalar timestep (Optimum layout)")
	}
	batched := proto.Clone(scalar).(*onnxpb.ModelProto)
	ts, err := PerExampleTimesteps(batched, UNetTimestep)
	if err != nil || !ts.PerExample {
		t.Fatalf("PerExampleTimesteps = %+v, %v", ts, err)
	}
	rng := rand.New(rand.NewPCG(8, 9))
	sample := randTensor(rng, []int64{2, 4, 8, 8}, 1)
	ctx := randTensor(rng, []int64{2, 77, 32}, 1)
	times := []float32{100, 700}
	got := forward(t, batched, map[string]Tensor{UNetSample: sample, "encoder_hidden_states": ctx,
		UNetTimestep: {Shape: []int64{2}, F32: times}}, []string{UNetOutput})[UNetOutput]
	per := len(sample.F32) / 2
	for row, tv := range times {
		one := func(x Tensor, n int) Tensor {
			return Tensor{Shape: append([]int64{1}, x.Shape[1:]...), F32: x.F32[row*n : (row+1)*n]}
		}
		want := forward(t, scalar, map[string]Tensor{UNetSample: one(sample, per), "encoder_hidden_states": one(ctx, 77*32),
			UNetTimestep: {F32: []float32{tv}}}, []string{UNetOutput})[UNetOutput]
		for i, w := range want {
			if d := math.Abs(float64(got[row*per+i] - w)); d > 1e-4*math.Max(1, math.Abs(float64(w))) {
				t.Fatalf("row %d (t=%g) element %d: batched %g, scalar run %g", row, tv, i, got[row*per+i], w)
			}
		}
	}
	if _, err := PerExampleTimesteps(batched, "no_such_input"); err == nil {
		t.Error("a missing input was accepted")
	}
}
