package train

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/nudge-studio/nudge/runtime/onnxgraph"
	"github.com/nudge-studio/nudge/runtime/onnxgraph/onnxpb"
)

// LoadModel reads an .onnx file with every initializer's bytes in memory (external data
// files included), ready for NewGraph or Compose.
func LoadModel(path string) (*onnxpb.ModelProto, error) {
	m, err := onnxgraph.Load(path)
	if err != nil {
		return nil, err
	}
	for _, t := range m.Graph().GetInitializer() {
		if t.GetDataLocation() != onnxpb.TensorProto_EXTERNAL {
			continue
		}
		td, err := m.ReadInitializer(t.GetName())
		if err != nil {
			return nil, err
		}
		t.RawData, t.DataLocation, t.ExternalData = td.Raw, onnxpb.TensorProto_DEFAULT, nil
	}
	if err := m.Materialize(); err != nil {
		return nil, err
	}
	return m.Proto, nil
}

// WriteParams stores trained values into m's initializers of the same names, keeping each
// initializer's element type (float32, or float16 rounded to nearest even, so an fp16 model
// gets fp16 weights). It fails without changing m if a name is missing or dims differ.
func WriteParams(m *onnxpb.ModelProto, params map[string]Param) error {
	byName := map[string]*onnxpb.TensorProto{}
	for _, t := range m.GetGraph().GetInitializer() {
		byName[t.GetName()] = t
	}
	for name, p := range params {
		t := byName[name]
		if t == nil {
			return inputErrorf("WriteParams: the model has no initializer %q", name)
		}
		if !slices.Equal(t.GetDims(), p.Dims) || numel(p.Dims) != int64(len(p.Data)) {
			return inputErrorf("WriteParams: %q has dims %v in the model, %v trained", name, t.GetDims(), p.Dims)
		}
		dt := onnxpb.TensorProto_DataType(t.GetDataType())
		if dt != onnxpb.TensorProto_FLOAT && dt != onnxpb.TensorProto_FLOAT16 {
			return inputErrorf("WriteParams: %q is %s, not a float initializer", name, dt)
		}
	}
	for name, p := range params {
		t := byName[name]
		var raw []byte
		if t.GetDataType() == int32(onnxpb.TensorProto_FLOAT16) {
			raw = make([]byte, 2*len(p.Data))
			for i, v := range p.Data {
				binary.LittleEndian.PutUint16(raw[2*i:], onnxgraph.Float32ToFloat16(v))
			}
		} else {
			raw = make([]byte, 4*len(p.Data))
			for i, v := range p.Data {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
			}
		}
		t.RawData, t.FloatData, t.Int32Data = raw, nil, nil
		t.DataLocation, t.ExternalData = onnxpb.TensorProto_DEFAULT, nil
	}
	return nil
}
