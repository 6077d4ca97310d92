package recipe

import (
	"fmt"

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

// forward runs a float32 model once on one float32 input and returns its first output.
func forward(m *onnxpb.ModelProto, input string, shape []int64, data []float32, threads int) ([]float32, []int64, error) {
	raw, err := proto.Marshal(m)
	if err != nil {
		return nil, nil, err
	}
	so, err := sessionOptions(threads)
	if err != nil {
		return nil, nil, err
	}
	defer so.Destroy()
	output := m.Graph.Output[0].GetName()
	s, err := ortgo.NewDynamicAdvancedSessionWithONNXData(raw, []string{input}, []string{output}, so)
	if err != nil {
		return nil, nil, err
	}
	defer s.Destroy()
	in, err := ortgo.NewTensor(ortgo.NewShape(shape...), data)
	if err != nil {
		return nil, nil, err
	}
	defer in.Destroy()
	outs := []ortgo.Value{nil}
	if err := s.Run([]ortgo.Value{in}, outs); err != nil {
		return nil, nil, err
	}
	defer outs[0].Destroy()
	t, ok := outs[0].(*ortgo.Tensor[float32])
	if !ok {
		return nil, nil, fmt.Errorf("%s is not float32", output)
	}
	return append([]float32{}, t.GetData()...), t.GetShape(), nil
}
