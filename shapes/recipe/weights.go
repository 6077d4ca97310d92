package recipe

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/nudge-studio/nudge/atomicfile"
	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/safetensors"
	"github.com/nudge-studio/nudge/runtime/train"
)

// EncodeWeights writes params as safetensors, float16 when half is set (the committed
// family: half the bytes, and the weights of a model this small lose nothing visible to
// rounding) or float32 (stage results kept for resuming).
func EncodeWeights(params map[string]train.Param, half bool, metadata map[string]string) ([]byte, error) {
	tensors := map[string]safetensors.Tensor{}
	for name, p := range params {
		if !half {
			tensors[name] = safetensors.FromFloat32(p.Dims, p.Data)
			continue
		}
		raw := make([]byte, 2*len(p.Data))
		for i, v := range p.Data {
			binary.LittleEndian.PutUint16(raw[2*i:], onnxgraph.Float32ToFloat16(v))
		}
		tensors[name] = safetensors.Tensor{DType: "F16", Shape: append([]int64{}, p.Dims...), Data: raw}
	}
	var buf bytes.Buffer
	if err := safetensors.Write(&buf, tensors, metadata); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DecodeWeights reads a weights file written by EncodeWeights.
func DecodeWeights(data []byte) (map[string]train.Param, map[string]string, error) {
	f, err := safetensors.Parse(data)
	if err != nil {
		return nil, nil, err
	}
	out := map[string]train.Param{}
	for name, t := range f.Tensors {
		n := int64(1)
		for _, d := range t.Shape {
			n *= d
		}
		vals := make([]float32, n)
		switch t.DType {
		case "F32":
			if err := t.Float32s(vals); err != nil {
				return nil, nil, err
			}
		case "F16":
			for i := range vals {
				vals[i] = onnxgraph.Float16ToFloat32(binary.LittleEndian.Uint16(t.Data[2*i:]))
			}
		default:
			return nil, nil, fmt.Errorf("weights: tensor %q is %s; want F16 or F32", name, t.DType)
		}
		out[name] = train.Param{Dims: t.Shape, Data: vals}
	}
	return out, f.Metadata, nil
}

// SaveWeights writes params to path atomically.
func SaveWeights(path string, params map[string]train.Param, half bool, metadata map[string]string) error {
	data, err := EncodeWeights(params, half, metadata)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, data, 0o666)
}

// LoadWeights reads a weights file.
func LoadWeights(path string) (map[string]train.Param, map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return DecodeWeights(data)
}

// CheckpointParams reads the parameters (or, with ema, their moving averages) out of a
// training checkpoint, to look at a run while it trains.
func CheckpointParams(path string, ema bool) (map[string]train.Param, error) {
	all, _, err := LoadWeights(path)
	if err != nil {
		return nil, err
	}
	prefix := "param/"
	if ema {
		prefix = "ema/"
	}
	out := map[string]train.Param{}
	for name, p := range all {
		if strings.HasPrefix(name, prefix) {
			out[strings.TrimPrefix(name, prefix)] = p
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s holds no %s tensors", filepath.Base(path), strings.TrimSuffix(prefix, "/"))
	}
	return out, nil
}
