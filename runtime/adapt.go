package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
	"github.com/nudge-studio/nudge/runtime/ort"
)

// adaptScalarF16Timestep handles UNets that declare `timestep` as a rank-0 float16 (fp16
// Optimum ≥ 1.24 exports). onnxruntime_go can make rank-0 values only of native Go types, so
// nudge feeds a float32 scalar instead: it writes a copy of the graph (weights stay where
// they are) whose float32 `timestep` input is Cast to float16 before its first use, into
// the cache (prepared/<key>/unet/model.onnx), and loads that. It returns the original path
// when nothing needs adapting.
func adaptScalarF16Timestep(path string) (string, error) {
	ins, _, err := readIOSpecs(path)
	if err != nil {
		return "", err
	}
	spec, ok := find(ins, "timestep")
	if !ok || spec.DType != Float16 || len(spec.Dims) != 0 {
		return path, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	key := sha256.Sum256([]byte(fmt.Sprintf("ts-f16|%s|%d|%d", path, fi.Size(), fi.ModTime().UnixNano())))
	out := filepath.Join(ort.CacheDir(), "prepared", hex.EncodeToString(key[:8]), "unet", "model.onnx")
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	m, err := onnxgraph.Load(path)
	if err != nil {
		return "", err
	}
	castTimestepInput(m.Graph())
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	if err := m.Save(out); err != nil {
		return "", fmt.Errorf("adapting %s for a float16 scalar timestep: %w", path, err)
	}
	return out, nil
}

func castTimestepInput(g *onnxpb.GraphProto) {
	const cast = "timestep_nudge_f16"
	for _, n := range g.GetNode() {
		for i, in := range n.Input {
			if in == "timestep" {
				n.Input[i] = cast
			}
		}
	}
	for _, vi := range g.GetInput() {
		if vi.GetName() == "timestep" {
			vi.GetType().GetTensorType().ElemType = int32(onnxpb.TensorProto_FLOAT)
		}
	}
	node := onnxgraph.NewNode("Cast", "/nudge/timestep_cast", []string{"timestep"}, []string{cast},
		onnxgraph.AttrInt("to", int64(onnxpb.TensorProto_FLOAT16)))
	g.Node = append([]*onnxpb.NodeProto{node}, g.Node...)
}
