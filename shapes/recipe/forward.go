package recipe

import (
	"fmt"
	"path/filepath"

	ortgo "github.com/yalue/onnxruntime_go"
	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/train"
)

// withParams returns a copy of m with the trained values of params whose names start with
// prefix written into its initializers (the prefix removed).
func withParams(m *onnxpb.ModelProto, params map[string]train.Param, prefix string) (*onnxpb.ModelProto, error) {
	out := proto.Clone(m).(*onnxpb.ModelProto)
	mine := map[string]train.Param{}
	for name, p := range params {
		if len(name) > len(prefix) && name[:len(prefix)] == prefix {
			mine[name[len(prefix):]] = p
		}
	}
	if len(mine) == 0 {
		return nil, fmt.Errorf("no trained parameters for %s", prefix)
	}
	if err := train.WriteParams(out, mine); err != nil {
		return nil, err
	}
	return out, nil
}

// session runs a float32 model with one float32 input and returns its first output; the
// dataset encoder reuses one for all its chunks (opening an ORT session optimises the graph
// each time).
type session struct {
	s             *ortgo.DynamicAdvancedSession
	so            *ortgo.SessionOptions
	input, output string
}

func openSession(m *onnxpb.ModelProto, threads int) (*session, error) {
	raw, err := proto.Marshal(m)
	if err != nil {
		return nil, err
	}
	so, err := sessionOptions(threads)
	if err != nil {
		return nil, err
	}
	in, out := m.Graph.Input[0].GetName(), m.Graph.Output[0].GetName()
	s, err := ortgo.NewDynamicAdvancedSessionWithONNXData(raw, []string{in}, []string{out}, so)
	if err != nil {
		so.Destroy()
		return nil, err
	}
	return &session{s: s, so: so, input: in, output: out}, nil
}

func (s *session) close() {
	s.s.Destroy()
	s.so.Destroy()
}

func (s *session) run(shape []int64, data []float32) ([]float32, []int64, error) {
	in, err := ortgo.NewTensor(ortgo.NewShape(shape...), data)
	if err != nil {
		return nil, nil, err
	}
	defer in.Destroy()
	outs := []ortgo.Value{nil}
	if err := s.s.Run([]ortgo.Value{in}, outs); err != nil {
		return nil, nil, err
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ortgo.Tensor[float32])
	if !ok {
		return nil, nil, fmt.Errorf("%s is not float32", s.output)
	}
	return append([]float32{}, t.GetData()...), t.GetShape(), nil
}

// forward runs a float32 model once on one float32 input.
func forward(m *onnxpb.ModelProto, shape []int64, data []float32, threads int) ([]float32, []int64, error) {
	s, err := openSession(m, threads)
	if err != nil {
		return nil, nil, err
	}
	defer s.close()
	return s.run(shape, data)
}

// Reconstruct runs images (N×3×S×S in [−1, 1]) through the trained autoencoder — the
// posterior mean, decoded — and returns the reconstructions.
func Reconstruct(initDir string, vae map[string]train.Param, images []float32, shape []int64, threads int) ([]float32, error) {
	enc, dec, err := loadAutoencoder(initDir)
	if err != nil {
		return nil, err
	}
	if enc, err = withParams(enc, vae, prefixEncoder); err != nil {
		return nil, err
	}
	if dec, err = withParams(dec, vae, prefixDecoder); err != nil {
		return nil, err
	}
	moments, ms, err := forward(enc, shape, images, threads)
	if err != nil {
		return nil, err
	}
	n, per := ms[0], ms[2]*ms[3]*4
	mean := make([]float32, 0, n*per)
	for i := int64(0); i < n; i++ {
		mean = append(mean, moments[i*2*per:i*2*per+per]...)
	}
	out, _, err := forward(dec, []int64{n, 4, ms[2], ms[3]}, mean, threads)
	return out, err
}

// loadAutoencoder reads the encoder and decoder graphs of a model folder.
func loadAutoencoder(dir string) (enc, dec *onnxpb.ModelProto, err error) {
	if enc, err = train.LoadModel(filepath.Join(dir, "vae_encoder", "model.onnx")); err != nil {
		return nil, nil, err
	}
	dec, err = train.LoadModel(filepath.Join(dir, "vae_decoder", "model.onnx"))
	return enc, dec, err
}
