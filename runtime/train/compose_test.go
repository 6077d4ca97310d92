package train

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	ortgo "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// forward runs m once on ORT and returns the named float32 outputs.
func forward(tb testing.TB, m *onnxpb.ModelProto, feeds map[string]Tensor, outs []string) map[string][]float32 {
	tb.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	var names []string
	for n := range feeds {
		names = append(names, n)
	}
	sort.Strings(names)
	s, err := ortgo.NewDynamicAdvancedSessionWithONNXData(data, names, outs, sessionOptions(tb, 1))
	if err != nil {
		tb.Fatal(err)
	}
	defer s.Destroy()
	ins := make([]ortgo.Value, len(names))
	for i, n := range names {
		if ins[i], err = feeds[n].value(); err != nil {
			tb.Fatal(err)
		}
		defer ins[i].Destroy()
	}
	res := make([]ortgo.Value, len(outs))
	if err := s.Run(ins, res); err != nil {
		tb.Fatal(err)
	}
	got := map[string][]float32{}
	for i, v := range res {
		got[outs[i]] = append([]float32{}, v.(*ortgo.Tensor[float32]).GetData()...)
		v.Destroy()
	}
	return got
}

// TestComposeTextEncoderIntoUNet: the composed graph gives the UNet output of running the
// two models one after the other, and a textual-inversion-like training graph (a text
// encoder weight trained through the UNet's diffusion loss) builds and runs.
func TestComposeTextEncoderIntoUNet(t *testing.T) {
	te, unet := demoModel(t, "tiny", "text_encoder"), demoModel(t, "tiny", "unet")
	m, err := Compose(te, unet, "te/", "unet/", map[string]string{"last_hidden_state": "encoder_hidden_states"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	ids := Tensor{Shape: []int64{1, 77}, I64: make([]int64, 77)}
	for i := range ids.I64 {
		ids.I64[i] = int64(rng.IntN(1000))
	}
	if te.Graph.Input[0].GetType().GetTensorType().GetElemType() == int32(onnxpb.TensorProto_INT32) {
		ids = Tensor{Shape: ids.Shape, I32: make([]int32, 77)}
	}
	sample := randTensor(rng, []int64{1, 4, 8, 8}, 1)
	ts := Tensor{F32: []float32{500}}
	hidden := forward(t, te, map[string]Tensor{"input_ids": ids}, []string{"last_hidden_state"})["last_hidden_state"]
	want := forward(t, unet, map[string]Tensor{"sample": sample, "timestep": ts,
		"encoder_hidden_states": {Shape: []int64{1, 77, 32}, F32: hidden}}, []string{"out_sample"})["out_sample"]
	got := forward(t, m, map[string]Tensor{"te/input_ids": ids, "unet/sample": sample, "unet/timestep": ts},
		[]string{"unet/out_sample"})["unet/out_sample"]
	for i := range want {
		if math.Abs(float64(got[i]-want[i])) > 1e-5 {
			t.Fatalf("composed out_sample[%d] = %g, separate %g", i, got[i], want[i])
		}
	}
	if err := AddDiffusionLoss(m, "unet/"); err != nil {
		t.Fatal(err)
	}
	var param string
	for _, init := range m.Graph.Initializer {
		if len(init.GetDims()) == 2 && init.GetDims()[0] > 1000 {
			param = init.GetName() // the token embedding table
		}
	}
	g, err := NewGraph(m, GraphConfig{Loss: LossName, Params: []string{param}, SessionOptions: sessionOptions(t, 1),
		PinnedShapes: map[string][]int64{"te/input_ids": {1, 77}, "unet/sample": {1, 4, 8, 8}, "unet/noise": {1, 4, 8, 8}}})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	loss, err := g.Run(map[string]Tensor{"te/input_ids": ids, "unet/sample": sample, "unet/timestep": ts, "unet/noise": sample})
	if err != nil || !(loss > 0) {
		t.Fatalf("loss %g, %v", loss, err)
	}
	nonzero := 0
	for _, v := range g.Grad(0) {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero == 0 {
		t.Error("no gradient reaches the token embeddings")
	}
}

func TestComposeErrors(t *testing.T) {
	te, unet := demoModel(t, "tiny", "text_encoder"), demoModel(t, "tiny", "unet")
	cases := []struct {
		name   string
		wires  map[string]string
		pa, pb string
		text   string
	}{
		{"unknown output", map[string]string{"nope": "encoder_hidden_states"}, "a/", "b/", "not an output"},
		{"unknown input", map[string]string{"last_hidden_state": "nope"}, "a/", "b/", "not an input"},
		{"same prefix", nil, "", "", "distinct prefixes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compose(te, te, tc.pa, tc.pb, tc.wires)
			if tc.name != "same prefix" {
				_, err = Compose(te, unet, tc.pa, tc.pb, tc.wires)
			}
			if err == nil || !contains(err.Error(), tc.text) {
				t.Errorf("got %v, want an error mentioning %q", err, tc.text)
			}
		})
	}
}

// forwardSession is an open forward session with fixed feeds, for benchmarks.
type forwardSession struct {
	tb    testing.TB
	s     *ortgo.DynamicAdvancedSession
	ins   []ortgo.Value
	names []string
}

func newForward(tb testing.TB, m *onnxpb.ModelProto, feeds map[string]Tensor, out string) *forwardSession {
	tb.Helper()
	data, err := proto.Marshal(m)
	if err != nil {
		tb.Fatal(err)
	}
	f := &forwardSession{tb: tb}
	for n := range feeds {
		f.names = append(f.names, n)
	}
	sort.Strings(f.names)
	if f.s, err = ortgo.NewDynamicAdvancedSessionWithONNXData(data, f.names, []string{out}, sessionOptions(tb, 2)); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { f.s.Destroy() })
	for _, n := range f.names {
		v, err := feeds[n].value()
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { v.Destroy() })
		f.ins = append(f.ins, v)
	}
	return f
}

func (f *forwardSession) run() {
	res := []ortgo.Value{nil}
	if err := f.s.Run(f.ins, res); err != nil {
		f.tb.Fatal(err)
	}
	res[0].Destroy()
}
