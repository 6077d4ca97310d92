package autodiff

import (
	"errors"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// FuzzBuild feeds arbitrary model bytes and tensor names to Build: it must return a model
// or a one-line BadInput error, never panic.
func FuzzBuild(f *testing.F) {
	seeds := []func(s *graphSpec) ([]string, []string){buildGroupNorm, buildDecomposedLayerNorm, buildGELU,
		func(s *graphSpec) ([]string, []string) {
			x := s.input("x", 1, 2, 5, 5)
			y := s.op("Conv", []string{x, s.weight("w", 3, 2, 3, 3)}, ints("pads", 1, 1, 1, 1), ints("strides", 2, 2))
			z := s.op("Resize", []string{y, "", s.constF("sc", []int64{4}, []float64{1, 1, 2, 2})}, stringAttr("mode", "nearest"))
			o := s.op("Softmax", []string{s.op("Reshape", []string{z, s.ints(1, 3, -1)})})
			s.output(o)
			return []string{x, "w"}, []string{o}
		}}
	for i, build := range seeds {
		s := newSpec(int64(14 + 3*(i%2)))
		build(s)
		data, err := proto.Marshal(s.model())
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, uint8(0), uint8(255))
	}
	f.Fuzz(func(t *testing.T, data []byte, wrtIdx, outIdx uint8) {
		m := &onnxpb.ModelProto{}
		if proto.Unmarshal(data, m) != nil {
			return
		}
		names := tensorNames(m)
		if len(names) == 0 {
			names = []string{"x"}
		}
		wrt, out := names[int(wrtIdx)%len(names)], names[int(outIdx)%len(names)]
		got, err := Build(m, Request{Wrt: []string{wrt}, Outputs: []string{out}})
		if err == nil {
			if _, err := proto.Marshal(got); err != nil {
				t.Fatalf("the VJP model does not marshal: %v", err)
			}
			return
		}
		var bi interface{ BadInput() bool }
		if !errors.As(err, &bi) || !bi.BadInput() {
			t.Fatalf("error without BadInput: %v", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("multi-line error: %q", err)
		}
	})
}

// tensorNames lists graph inputs, initializers and node outputs, so the fuzzer picks Wrt
// and Outputs among real tensors and reaches the backward rules.
func tensorNames(m *onnxpb.ModelProto) []string {
	var names []string
	for _, vi := range m.GetGraph().GetInput() {
		names = append(names, vi.GetName())
	}
	for _, t := range m.GetGraph().GetInitializer() {
		names = append(names, t.GetName())
	}
	for _, n := range m.GetGraph().GetNode() {
		names = append(names, n.GetOutput()...)
	}
	return names
}
